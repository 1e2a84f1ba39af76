using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.HangfireSeam;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.Compounding;

/// <summary>A run as the read model sees it: our record joined to Hangfire's live state.</summary>
public sealed record RunView(
    Guid Id, long WorkspaceId, string JobType, bool DryRun, string Trigger, DateTime CreatedAt, string? Outcome,
    DateTime? CompletedAt, long? DurationMs, int? InsightsScanned, int? InsightsAffected, int? CandidatesCreated, int? Errors,
    string? ErrorDetails, string? HangfireState, string? CallbackUrl)
{
    /// <summary>accepted, running, completed or failed (a run an operator deleted counts as failed).</summary>
    public string Status => StatusMapping.Map(Outcome, HangfireState) switch
    {
        JobStatus.Queued => "accepted",
        JobStatus.Running => "running",
        JobStatus.Completed => "completed",
        _ => "failed",
    };
}

/// <summary>Filters of the run list.</summary>
public sealed record RunQuery(string? JobType, string? Status, int Limit, (DateTime CreatedAt, Guid Id)? After);

/// <summary>Accepts compounding runs: the run record and its Hangfire job in one transaction (as for AI jobs).</summary>
public sealed class CompoundingDispatcher(NpgsqlDataSource dataSource, PlatformJobs jobs)
{
    private const string InsertSql = """
        insert into nexus.compounding_runs (id, workspace_id, job_type, dry_run, trigger, hangfire_job_id, created_at, callback_url)
        values (@Id, @WorkspaceId, @JobType, @DryRun, @Trigger, @HangfireJobId, @CreatedAt, @CallbackUrl)
        """;

    /// <param name="callbackUrl">Where to POST the run's terminal state, or null for no callback.</param>
    public async Task<(Guid RunId, DateTime CreatedAt)> DispatchAsync(long workspaceId, string jobType, bool dryRun, string trigger, CancellationToken ct, string? callbackUrl = null)
    {
        var createdAt = Clock.UtcNowMicros();
        var runId = Guid.CreateVersion7(createdAt);
        using var scope = TransactionalJobs.Begin();
        var hangfireId = jobs.CreateRun(runId, jobType, workspaceId);
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
            {
                Id = runId, WorkspaceId = workspaceId, JobType = jobType, DryRun = dryRun, Trigger = trigger,
                HangfireJobId = hangfireId, CreatedAt = createdAt, CallbackUrl = callbackUrl,
            }, cancellationToken: ct));
        }
        scope.Complete();
        return (runId, createdAt);
    }
}

/// <summary>Runs a compounding run (its Hangfire entry point is <c>HangfireSeam.CompoundingRunner</c>).</summary>
/// <remarks>
/// The pipeline's changes and the run's counts commit together; a dry run rolls the pipeline back and records only
/// the counts. A per-workspace, per-pipeline advisory lock keeps two runs of one pipeline apart. A run delivered
/// again after it completed does nothing, and the pipelines are idempotent for one run (they compute from the run's
/// own timestamp and write deterministic rows), so a run executed twice leaves the state of one.
/// </remarks>
public sealed class CompoundingRunExecutor(NpgsqlDataSource dataSource, IEnumerable<IPipeline> pipelines, CallbackOutbox outbox, ILogger<CompoundingRunExecutor> logger)
{
    private const string LoadSql = """
        select job_type as JobType, dry_run as DryRun, outcome as Outcome, created_at as CreatedAt
        from nexus.compounding_runs where id = @Id
        """;

    private const string LockSql = "select pg_advisory_xact_lock(hashtext(@Key))";

    private static readonly string CompleteSql = CallbackOutbox.RunOutcomeSql("""
        update nexus.compounding_runs
        set outcome = 'completed', executed_at = @ExecutedAt, completed_at = @CompletedAt, duration_ms = @DurationMs,
            insights_scanned = @InsightsScanned, insights_affected = @InsightsAffected, candidates_created = @CandidatesCreated,
            errors = @Errors, error_details = null
        where id = @Id and (outcome is null or outcome = 'failed')
        """, CallbackEvents.RunCompleted);

    public async Task RunAsync(Guid runId, string jobType, long workspaceId, CancellationToken cancellationToken)
    {
        var executedAt = Clock.UtcNowMicros();
        // The last registration wins, as everywhere in DI, so a host can replace a pipeline.
        var pipeline = pipelines.LastOrDefault(p => p.JobType == jobType)
            ?? throw new InvalidOperationException($"No pipeline named {jobType}");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var run = await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition(LoadSql, new { Id = runId }, cancellationToken: cancellationToken))
            ?? throw new InvalidOperationException($"No record for compounding run {runId}");
        if (run.Outcome is "completed" or "cancelled")
        {
            logger.LogInformation("Compounding run {RunId} already {Outcome}; not running it again", runId, run.Outcome);
            return;
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = runId, ["WorkspaceId"] = workspaceId, ["JobType"] = jobType });

        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(LockSql, new { Key = $"nexus.compounding:{workspaceId}:{jobType}" }, tx, cancellationToken: cancellationToken));
        var counts = await pipeline.RunAsync(new PipelineContext(workspaceId, runId, run.CreatedAt, connection, tx, cancellationToken));
        if (run.DryRun)
        {
            await tx.RollbackAsync(cancellationToken);
        }
        var completedAt = Clock.UtcNowMicros();
        var delivery = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(CompleteSql, new
        {
            Id = runId, ExecutedAt = executedAt, CompletedAt = completedAt,
            DurationMs = (long)Math.Round((completedAt - run.CreatedAt).TotalMilliseconds),
            counts.InsightsScanned, counts.InsightsAffected, counts.CandidatesCreated, counts.Errors,
        }, run.DryRun ? null : tx, cancellationToken: CancellationToken.None));
        if (!run.DryRun)
        {
            await tx.CommitAsync(CancellationToken.None);
        }
        outbox.AfterRunOutcome(delivery);
    }

    private sealed record RunRow(string JobType, bool DryRun, string? Outcome, DateTime CreatedAt);
}

/// <summary>Reads compounding runs with their live status, in one round trip each.</summary>
public sealed class CompoundingReader(NpgsqlDataSource dataSource)
{
    internal const string Select = """
        select r.id as Id, r.workspace_id as WorkspaceId, r.job_type as JobType, r.dry_run as DryRun, r.trigger as Trigger,
               r.created_at as CreatedAt, r.outcome as Outcome, r.completed_at as CompletedAt, r.duration_ms as DurationMs,
               r.insights_scanned as InsightsScanned, r.insights_affected as InsightsAffected,
               r.candidates_created as CandidatesCreated, r.errors as Errors, r.error_details::text as ErrorDetails,
               h.statename as HangfireState, r.callback_url as CallbackUrl
        from nexus.compounding_runs r left join hangfire.job h on h.id = r.hangfire_job_id
        """;

    // The same rule as AI jobs (and RunView.Status), renamed to the seed's run statuses.
    private static readonly string StatusSql =
        $"case ({JobStatusReader.StatusSqlFor("r.outcome", "h.statename")}) when 'queued' then 'accepted' " +
        "when 'running' then 'running' when 'completed' then 'completed' else 'failed' end";

    public async Task<RunView?> GetAsync(long workspaceId, Guid runId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<RunView>(new CommandDefinition(
            Select + " where r.id = @Id and r.workspace_id = @WorkspaceId", new { Id = runId, WorkspaceId = workspaceId }, cancellationToken: ct));
    }

    public async Task<(IReadOnlyList<RunView> Runs, bool More)> ListAsync(long workspaceId, RunQuery query, CancellationToken ct)
    {
        var sql = new System.Text.StringBuilder(Select).Append(" where r.workspace_id = @WorkspaceId");
        if (query.JobType is not null)
        {
            sql.Append(" and r.job_type = @JobType");
        }
        if (query.Status is not null)
        {
            sql.Append(" and (").Append(StatusSql).Append(") = @Status");
        }
        if (query.After is not null)
        {
            sql.Append(" and (r.created_at, r.id) < (@AfterCreatedAt, @AfterId)");
        }
        sql.Append(" order by r.created_at desc, r.id desc limit @Take");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<RunView>(new CommandDefinition(sql.ToString(), new
        {
            WorkspaceId = workspaceId, query.JobType, query.Status,
            AfterCreatedAt = query.After?.CreatedAt, AfterId = query.After?.Id, Take = query.Limit + 1,
        }, cancellationToken: ct))).AsList();
        var more = rows.Count > query.Limit;
        return (more ? rows.GetRange(0, query.Limit) : rows, more);
    }
}

/// <summary>The cron side: a pipeline's scheduled run fans out into one run per workspace that has insights (its Hangfire entry point is <c>HangfireSeam.CompoundingFanOut</c>).</summary>
public sealed class ScheduledRuns(NpgsqlDataSource dataSource, CompoundingDispatcher dispatcher, ILogger<ScheduledRuns> logger)
{
    // A workspace whose previous run of this pipeline has not finished is skipped: runs never pile up.
    private const string WorkspacesSql = """
        select distinct i.workspace_id from nexus.insights i
        where not exists (
            select 1 from nexus.compounding_runs r join hangfire.job h on h.id = r.hangfire_job_id
            where r.workspace_id = i.workspace_id and r.job_type = @JobType and r.outcome is null
              and h.statename in ('Enqueued', 'Scheduled', 'Awaiting', 'Processing'))
        order by 1
        """;

    /// <summary>Dispatches a run of <paramref name="jobType"/> to every workspace whose previous run of it has ended.</summary>
    public async Task DispatchAsync(string jobType, CancellationToken cancellationToken)
    {
        List<long> workspaces;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            workspaces = (await connection.QueryAsync<long>(new CommandDefinition(WorkspacesSql, new { JobType = jobType }, cancellationToken: cancellationToken))).AsList();
        }
        foreach (var workspace in workspaces)
        {
            await dispatcher.DispatchAsync(workspace, jobType, dryRun: false, trigger: "schedule", cancellationToken);
        }
        logger.LogInformation("Scheduled {JobType} for {Count} workspaces", jobType, workspaces.Count);
    }
}

/// <summary>Error details of a failed run, as the contract shows them.</summary>
public static class RunErrors
{
    public static string Details(Exception exception, int attempt) => JsonSerializer.Serialize(new
    {
        code = exception is Execution.JobFailureException j ? j.Code : "PIPELINE_ERROR",
        message = exception.Message,
        exception_type = exception.GetType().FullName,
        attempt,
    });
}
