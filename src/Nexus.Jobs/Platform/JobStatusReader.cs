using System.Text;
using Dapper;
using Npgsql;

namespace Nexus.Jobs.Platform;

/// <summary>A job as the read model sees it: our record joined to Hangfire's live state.</summary>
public sealed record JobView(
    string Id, long WorkspaceId, string Type, string Priority, string Params, string? BatchId, int? BatchPosition,
    DateTime CreatedAt, DateTime EstimatedCompletionAt, string? Outcome, DateTime? StartedAt, DateTime? CompletedAt,
    string? Result, string? Error, int RetryCount, long HangfireJobId, string? HangfireState, DateTime? ProcessingAt, string? HangfireRetryCount,
    string? CallbackUrl = null)
{
    public JobStatus Status => StatusMapping.Map(Outcome, HangfireState);

    /// <summary>When it started: recorded at the end, or Hangfire's Processing state while it runs.</summary>
    public DateTime? Started => Status switch
    {
        JobStatus.Queued => null,
        JobStatus.Running => ProcessingAt ?? StartedAt,
        _ => StartedAt,
    };
}

/// <summary>Filters of the job list.</summary>
public sealed record JobListQuery(string? Type, JobStatus? Status, DateTime? CreatedFrom, DateTime? CreatedBefore, int Limit, (DateTime CreatedAt, string Id)? After);

/// <summary>A batch and its jobs in order.</summary>
public sealed record BatchView(string Id, long WorkspaceId, bool Sequential, DateTime CreatedAt, IReadOnlyList<JobView> Jobs, string? CallbackUrl = null)
{
    /// <summary>
    /// queued: nothing started; running: some started or finished, some not yet; completed: all completed;
    /// failed: all ended and at least one failed; cancelled: all ended, none failed, at least one cancelled.
    /// </summary>
    public string Status
    {
        get
        {
            var statuses = Jobs.Select(j => j.Status).ToList();
            if (statuses.All(s => s == JobStatus.Queued))
            {
                return "queued";
            }
            if (statuses.Any(s => s is JobStatus.Queued or JobStatus.Running))
            {
                return "running";
            }
            if (statuses.All(s => s == JobStatus.Completed))
            {
                return "completed";
            }
            return statuses.Contains(JobStatus.Failed) ? "failed" : "cancelled";
        }
    }
}

/// <summary>Reads jobs: one round trip over our record and Hangfire's job, state and parameters.</summary>
public sealed class JobStatusReader(NpgsqlDataSource dataSource)
{
    internal const string Select = """
        select j.id as Id, j.workspace_id as WorkspaceId, j.type as Type, j.priority as Priority, j.params::text as Params,
               j.batch_id as BatchId, j.batch_position as BatchPosition, j.created_at as CreatedAt,
               j.estimated_completion_at as EstimatedCompletionAt, j.outcome as Outcome, j.started_at as StartedAt,
               j.completed_at as CompletedAt, j.result::text as Result, j.error::text as Error, j.retry_count as RetryCount,
               j.hangfire_job_id as HangfireJobId, h.statename as HangfireState,
               (select max(s.createdat) from hangfire.state s where s.jobid = h.id and s.name = 'Processing') as ProcessingAt,
               (select p.value from hangfire.jobparameter p where p.jobid = h.id and p.name = 'RetryCount') as HangfireRetryCount,
               j.callback_url as CallbackUrl
        from nexus.ai_jobs j left join hangfire.job h on h.id = j.hangfire_job_id
        """;

    /// <summary>The public status in SQL, over an outcome column and a Hangfire state column.</summary>
    /// <remarks>Must agree with <see cref="StatusMapping.Map"/>; a test checks every combination.</remarks>
    public static string StatusSqlFor(string outcome, string state) => $"""
        case
            when {outcome} = 'completed' then 'completed'
            when {outcome} = 'cancelled' then 'cancelled'
            when {state} in ('Enqueued', 'Scheduled', 'Awaiting') then 'queued'
            when {state} = 'Processing' then 'running'
            when {outcome} = 'failed' then 'failed'
            when {state} = 'Succeeded' then 'completed'
            when {state} = 'Failed' then 'failed'
            when {state} = 'Deleted' then 'cancelled'
            when {state} is null then 'failed'
            else 'queued'
        end
        """;

    /// <summary>The public status of an AI job (<c>j</c> our record, <c>h</c> Hangfire's job).</summary>
    public static readonly string StatusSql = StatusSqlFor("j.outcome", "h.statename");

    private const string ByIdSql = Select + " where j.id = @Id and j.workspace_id = @WorkspaceId";

    private const string BatchSql = """
        select id as Id, workspace_id as WorkspaceId, sequential as Sequential, created_at as CreatedAt, callback_url as CallbackUrl
        from nexus.ai_batches where id = @Id and workspace_id = @WorkspaceId;
        """ + Select + " where j.batch_id = @Id and j.workspace_id = @WorkspaceId order by j.batch_position";

    /// <summary>The job, or null when it does not exist in this workspace.</summary>
    public async Task<JobView?> GetAsync(long workspaceId, string id, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<JobView>(new CommandDefinition(ByIdSql, new { Id = id, WorkspaceId = workspaceId }, cancellationToken: ct));
    }

    /// <summary>A page of jobs, newest first, and whether more follow.</summary>
    public async Task<(IReadOnlyList<JobView> Jobs, bool More)> ListAsync(long workspaceId, JobListQuery query, CancellationToken ct)
    {
        var sql = new StringBuilder(Select).Append(" where j.workspace_id = @WorkspaceId");
        if (query.Type is not null)
        {
            sql.Append(" and j.type = @Type");
        }
        if (query.CreatedFrom is not null)
        {
            sql.Append(" and j.created_at >= @CreatedFrom");
        }
        if (query.CreatedBefore is not null)
        {
            sql.Append(" and j.created_at < @CreatedBefore");
        }
        if (query.After is not null)
        {
            sql.Append(" and (j.created_at, j.id) < (@AfterCreatedAt, @AfterId)");
        }
        if (query.Status is not null)
        {
            sql.Append(" and (").Append(StatusSql).Append(") = @Status");
        }
        sql.Append(" order by j.created_at desc, j.id desc limit @Take");

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<JobView>(new CommandDefinition(sql.ToString(), new
        {
            WorkspaceId = workspaceId,
            query.Type,
            query.CreatedFrom,
            query.CreatedBefore,
            AfterCreatedAt = query.After?.CreatedAt,
            AfterId = query.After?.Id,
            Status = query.Status?.Name(),
            Take = query.Limit + 1,
        }, cancellationToken: ct))).ToList();
        var more = rows.Count > query.Limit;
        return (more ? rows.Take(query.Limit).ToList() : rows, more);
    }

    /// <summary>The batch with its jobs in order, or null when it does not exist in this workspace.</summary>
    public async Task<BatchView?> GetBatchAsync(long workspaceId, string batchId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        using var reader = await connection.QueryMultipleAsync(new CommandDefinition(BatchSql, new { Id = batchId, WorkspaceId = workspaceId }, cancellationToken: ct));
        var batch = await reader.ReadSingleOrDefaultAsync<BatchRow>();
        var jobs = (await reader.ReadAsync<JobView>()).ToList();
        return batch is null ? null : new BatchView(batch.Id, batch.WorkspaceId, batch.Sequential, batch.CreatedAt, jobs, batch.CallbackUrl);
    }

    internal sealed record BatchRow(string Id, long WorkspaceId, bool Sequential, DateTime CreatedAt, string? CallbackUrl);
}
