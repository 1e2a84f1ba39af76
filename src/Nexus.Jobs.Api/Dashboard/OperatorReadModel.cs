using Dapper;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.Api.Dashboard;

/// <summary>One workspace's load: its unfinished jobs by Hangfire state, and what ended in the last 24 hours.</summary>
public sealed class WorkspaceLoad
{
    public long WorkspaceId { get; init; }
    public int QueuedHigh { get; init; }
    public int QueuedNormal { get; init; }
    public int QueuedLow { get; init; }
    public int Running { get; init; }
    public int Failed { get; init; }
    public int Completed { get; init; }
    public int Cancelled { get; init; }
    public DateTime? OldestQueuedAt { get; init; }

    /// <summary>What the queued-jobs cap counts: waiting in a queue, for a retry, or for an earlier batch job.</summary>
    public int Queued => QueuedHigh + QueuedNormal + QueuedLow;
}

/// <summary>A batch with unfinished jobs in which no job has ended for a while.</summary>
public sealed class StalledBatch
{
    public string Id { get; init; } = "";
    public long WorkspaceId { get; init; }
    public DateTime CreatedAt { get; init; }
    public int Unfinished { get; init; }
    public DateTime LastProgressAt { get; init; }
}

/// <summary>Failures of one error code: in the last hour and in the last 24 hours.</summary>
public sealed class CodeTrend
{
    public string Code { get; init; } = "";
    public int LastHour { get; init; }
    public int Day { get; init; }
}

/// <summary>The latest run of a pipeline in a workspace, when it did not complete.</summary>
public sealed class FailedRun
{
    public Guid Id { get; init; }
    public long WorkspaceId { get; init; }
    public string JobType { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
}

/// <summary>Everything the Workspaces page shows, read in one round trip.</summary>
public sealed record WorkspacesView(
    IReadOnlyList<WorkspaceLoad> Workspaces, IReadOnlyList<StalledBatch> Stalled, IReadOnlyList<CodeTrend> Codes,
    IReadOnlyList<FailedRun> FailedRuns, int Cap, DateTime Now);

/// <summary>A batch with its jobs counted by public status.</summary>
public sealed class BatchSummary
{
    public string Id { get; init; } = "";
    public long WorkspaceId { get; init; }
    public bool Sequential { get; init; }
    public int JobCount { get; init; }
    public DateTime CreatedAt { get; init; }
    public int Queued { get; init; }
    public int Running { get; init; }
    public int Completed { get; init; }
    public int Failed { get; init; }
    public int Cancelled { get; init; }
    public DateTime? LastEndedAt { get; init; }

    /// <summary>The batch's status by the rules of <see cref="BatchView.Status"/>, over counts.</summary>
    public string Status => OperatorRules.BatchStatus(Queued, Running, Completed, Failed, Cancelled);
}

/// <summary>One job of a batch, as the batch page lists it.</summary>
public sealed class BatchJob
{
    public string Id { get; init; } = "";
    public int Position { get; init; }
    public string Type { get; init; } = "";
    public string Priority { get; init; } = "";
    public string Status { get; init; } = "";
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    public int RetryCount { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? CompletedAt { get; init; }
    public long HangfireJobId { get; init; }
}

/// <summary>Failed jobs of one type and error code, and the retries they took.</summary>
public sealed class FailureGroup
{
    public string Type { get; init; } = "";
    public string Code { get; init; } = "";
    public int Failed { get; init; }
    public int Retries { get; init; }
}

/// <summary>Jobs of one type that completed only after retrying.</summary>
public sealed class RecoveredGroup
{
    public string Type { get; init; } = "";
    public int Jobs { get; init; }
    public int Retries { get; init; }
}

/// <summary>Failures of one error code in one hour.</summary>
public sealed class HourlyFailures
{
    public DateTime Hour { get; init; }
    public string Code { get; init; } = "";
    public int Failed { get; init; }
}

/// <summary>One failed job, as an example.</summary>
public sealed class FailureExample
{
    public string Id { get; init; } = "";
    public long WorkspaceId { get; init; }
    public string Type { get; init; } = "";
    public string Code { get; init; } = "";
    public string? Message { get; init; }
    public int RetryCount { get; init; }
    public DateTime CompletedAt { get; init; }
    public long HangfireJobId { get; init; }
}

/// <summary>Everything the failures page shows.</summary>
public sealed record FailuresView(
    IReadOnlyList<FailureGroup> Groups, IReadOnlyList<RecoveredGroup> Recovered, IReadOnlyList<HourlyFailures> Hourly,
    IReadOnlyList<FailureExample> Latest, DateTime Now);

/// <summary>One compounding run as the Compounding page lists it.</summary>
public sealed class RunRow
{
    public Guid Id { get; init; }
    public long WorkspaceId { get; init; }
    public string JobType { get; init; } = "";
    public string Trigger { get; init; } = "";
    public bool DryRun { get; init; }
    public string Status { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public long? DurationMs { get; init; }
    public int? InsightsScanned { get; init; }
    public int? InsightsAffected { get; init; }
    public int? CandidatesCreated { get; init; }
    public int? Errors { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    public long HangfireJobId { get; init; }
}

/// <summary>One metrics snapshot, flattened to what the chart draws.</summary>
public sealed class SnapshotPoint
{
    public DateTime TakenAt { get; init; }
    public int Active { get; init; }
    public int Merged { get; init; }
    public int Stale { get; init; }
    public int Patterns { get; init; }
    public int Rules { get; init; }
}

/// <summary>Everything the Compounding page shows.</summary>
public sealed record CompoundingView(IReadOnlyList<RunRow> Runs, IReadOnlyList<long> SnapshotWorkspaces, long? Workspace, IReadOnlyList<SnapshotPoint> Snapshots);

/// <summary>The operator pages' reads: one round trip per page, whatever the number of rows.</summary>
/// <remarks>
/// Sync on purpose: Hangfire renders a dashboard page synchronously (<c>RazorPage.Execute</c>), and its own pages
/// read their storage the same way.
/// </remarks>
public sealed class OperatorReadModel(NpgsqlDataSource dataSource)
{
    /// <summary>The window of "recent" on every page.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    /// <summary>Rows a page lists at most; the pages say when there are more.</summary>
    public const int PageRows = 200;

    private const string Waiting = "('Enqueued', 'Scheduled', 'Awaiting')";

    // Unfinished jobs are few (each workspace has at most its cap waiting) and found through ai_jobs_live; ended jobs
    // through ai_jobs_ended (0008), so neither part reads the millions of old rows.
    private const string WorkspacesSql = $"""
        with live as (
            select j.workspace_id,
                   count(*) filter (where h.statename in {Waiting} and j.priority = 'high')::int as queued_high,
                   count(*) filter (where h.statename in {Waiting} and j.priority = 'normal')::int as queued_normal,
                   count(*) filter (where h.statename in {Waiting} and j.priority = 'low')::int as queued_low,
                   count(*) filter (where h.statename = 'Processing')::int as running,
                   min(j.created_at) filter (where h.statename in {Waiting}) as oldest_queued_at
            from nexus.ai_jobs j join hangfire.job h on h.id = j.hangfire_job_id
            where j.outcome is null
            group by j.workspace_id
        ), ended as (
            select workspace_id,
                   count(*) filter (where outcome = 'failed')::int as failed,
                   count(*) filter (where outcome = 'completed')::int as completed,
                   count(*) filter (where outcome = 'cancelled')::int as cancelled
            from nexus.ai_jobs
            where outcome is not null and completed_at >= @Since
            group by workspace_id
        )
        select coalesce(l.workspace_id, e.workspace_id) as WorkspaceId,
               coalesce(l.queued_high, 0) as QueuedHigh, coalesce(l.queued_normal, 0) as QueuedNormal,
               coalesce(l.queued_low, 0) as QueuedLow, coalesce(l.running, 0) as Running,
               coalesce(e.failed, 0) as Failed, coalesce(e.completed, 0) as Completed, coalesce(e.cancelled, 0) as Cancelled,
               l.oldest_queued_at as OldestQueuedAt
        from live l full join ended e on e.workspace_id = l.workspace_id;

        select b.id as Id, b.workspace_id as WorkspaceId, b.created_at as CreatedAt, live.unfinished as Unfinished,
               p.last_progress_at as LastProgressAt
        from (select batch_id, count(*)::int as unfinished from nexus.ai_jobs
              where outcome is null and batch_id is not null group by batch_id) live
        join nexus.ai_batches b on b.id = live.batch_id
        cross join lateral (
            select greatest(b.created_at, max(j.completed_at)) as last_progress_at
            from nexus.ai_jobs j where j.batch_id = b.id
        ) p
        where p.last_progress_at < @StalledBefore
        order by p.last_progress_at
        limit 50;

        select coalesce(error->>'code', 'UNKNOWN') as Code,
               count(*) filter (where completed_at >= @LastHour)::int as LastHour, count(*)::int as Day
        from nexus.ai_jobs
        where outcome = 'failed' and completed_at >= @Since
        group by 1;

        select Id, WorkspaceId, JobType, CreatedAt, ErrorCode, ErrorMessage from (
            select distinct on (workspace_id, job_type) id as Id, workspace_id as WorkspaceId, job_type as JobType,
                   created_at as CreatedAt, outcome, error_details->>'code' as ErrorCode, error_details->>'message' as ErrorMessage
            from nexus.compounding_runs
            where created_at >= @Since and not dry_run
            order by workspace_id, job_type, created_at desc
        ) latest
        where outcome = 'failed'
        order by CreatedAt desc
        limit 50;
        """;

    /// <summary>The Workspaces page: loads, stalled batches, error-code trends and failed pipelines.</summary>
    public WorkspacesView Workspaces(DateTime now, int cap)
    {
        using var connection = dataSource.OpenConnection();
        using var reader = connection.QueryMultiple(WorkspacesSql, new
        {
            Since = now - Window,
            LastHour = now.AddHours(-1),
            StalledBefore = now - OperatorRules.StalledAfter,
        });
        return new WorkspacesView(reader.Read<WorkspaceLoad>().AsList(), reader.Read<StalledBatch>().AsList(),
            reader.Read<CodeTrend>().AsList(), reader.Read<FailedRun>().AsList(), cap, now);
    }

    private static readonly string BatchesSql = $"""
        select b.id as Id, b.workspace_id as WorkspaceId, b.sequential as Sequential, b.job_count as JobCount,
               b.created_at as CreatedAt, s.queued as Queued, s.running as Running, s.completed as Completed,
               s.failed as Failed, s.cancelled as Cancelled, s.last_ended_at as LastEndedAt
        from (
            select id, workspace_id, sequential, job_count, created_at from nexus.ai_batches
            where @WorkspaceId::bigint is null or workspace_id = @WorkspaceId
            order by created_at desc, id desc
            limit @Limit
        ) b
        cross join lateral (
            select count(*) filter (where x.status = 'queued')::int as queued,
                   count(*) filter (where x.status = 'running')::int as running,
                   count(*) filter (where x.status = 'completed')::int as completed,
                   count(*) filter (where x.status = 'failed')::int as failed,
                   count(*) filter (where x.status = 'cancelled')::int as cancelled,
                   max(x.completed_at) as last_ended_at
            from (
                select {JobStatusReader.StatusSql} as status, j.completed_at
                from nexus.ai_jobs j left join hangfire.job h on h.id = j.hangfire_job_id
                where j.batch_id = b.id
            ) x
        ) s
        order by b.created_at desc, b.id desc
        """;

    /// <summary>The most recent batches, newest first, of one workspace or all.</summary>
    public IReadOnlyList<BatchSummary> Batches(long? workspaceId)
    {
        using var connection = dataSource.OpenConnection();
        return connection.Query<BatchSummary>(BatchesSql, new { WorkspaceId = workspaceId, Limit = PageRows }).AsList();
    }

    private static readonly string BatchSql = $"""
        select b.id as Id, b.workspace_id as WorkspaceId, b.sequential as Sequential, b.job_count as JobCount,
               b.created_at as CreatedAt
        from nexus.ai_batches b where b.id = @Id;

        select j.id as Id, j.batch_position as Position, j.type as Type, j.priority as Priority,
               {JobStatusReader.StatusSql} as Status, j.error->>'code' as ErrorCode, j.error->>'message' as ErrorMessage,
               j.retry_count as RetryCount, j.created_at as CreatedAt,
               coalesce(j.started_at, (select max(s.createdat) from hangfire.state s where s.jobid = h.id and s.name = 'Processing')) as StartedAt,
               j.completed_at as CompletedAt, j.hangfire_job_id as HangfireJobId
        from nexus.ai_jobs j left join hangfire.job h on h.id = j.hangfire_job_id
        where j.batch_id = @Id
        order by j.batch_position;
        """;

    /// <summary>A batch (its summary counted from its jobs) and its jobs in order, or null when there is no such batch.</summary>
    public (BatchSummary Batch, IReadOnlyList<BatchJob> Jobs)? Batch(string id)
    {
        using var connection = dataSource.OpenConnection();
        using var reader = connection.QueryMultiple(BatchSql, new { Id = id });
        var batch = reader.ReadSingleOrDefault<BatchSummary>();
        var jobs = reader.Read<BatchJob>().AsList();
        if (batch is null)
        {
            return null;
        }
        var counted = new BatchSummary
        {
            Id = batch.Id, WorkspaceId = batch.WorkspaceId, Sequential = batch.Sequential, JobCount = batch.JobCount, CreatedAt = batch.CreatedAt,
            Queued = jobs.Count(j => j.Status == "queued"), Running = jobs.Count(j => j.Status == "running"),
            Completed = jobs.Count(j => j.Status == "completed"), Failed = jobs.Count(j => j.Status == "failed"),
            Cancelled = jobs.Count(j => j.Status == "cancelled"), LastEndedAt = jobs.Max(j => j.CompletedAt),
        };
        return (counted, jobs);
    }

    private const string FailuresSql = """
        select type as Type, coalesce(error->>'code', 'UNKNOWN') as Code, count(*)::int as Failed,
               coalesce(sum(retry_count), 0)::int as Retries
        from nexus.ai_jobs
        where outcome = 'failed' and completed_at >= @Since
        group by 1, 2
        order by 3 desc, 1, 2;

        select type as Type, count(*)::int as Jobs, sum(retry_count)::int as Retries
        from nexus.ai_jobs
        where outcome = 'completed' and completed_at >= @Since and retry_count > 0
        group by 1
        order by 3 desc, 1;

        select date_trunc('hour', completed_at) as Hour, coalesce(error->>'code', 'UNKNOWN') as Code, count(*)::int as Failed
        from nexus.ai_jobs
        where outcome = 'failed' and completed_at >= @Since
        group by 1, 2;

        select id as Id, workspace_id as WorkspaceId, type as Type, coalesce(error->>'code', 'UNKNOWN') as Code,
               error->>'message' as Message, retry_count as RetryCount, completed_at as CompletedAt, hangfire_job_id as HangfireJobId
        from nexus.ai_jobs
        where outcome = 'failed' and completed_at >= @Since
        order by completed_at desc, id desc
        limit 25;
        """;

    /// <summary>Failures and retries of the last 24 hours.</summary>
    public FailuresView Failures(DateTime now)
    {
        using var connection = dataSource.OpenConnection();
        using var reader = connection.QueryMultiple(FailuresSql, new { Since = now - Window });
        return new FailuresView(reader.Read<FailureGroup>().AsList(), reader.Read<RecoveredGroup>().AsList(),
            reader.Read<HourlyFailures>().AsList(), reader.Read<FailureExample>().AsList(), now);
    }

    /// <summary>Runs listed per workspace and pipeline.</summary>
    public const int RunsPerPipeline = 5;

    private static readonly string CompoundingSql = $"""
        select r.id as Id, r.workspace_id as WorkspaceId, r.job_type as JobType, r.trigger as Trigger, r.dry_run as DryRun,
               {JobStatusReader.StatusSqlFor("r.outcome", "h.statename")} as Status, r.created_at as CreatedAt,
               r.duration_ms as DurationMs, r.insights_scanned as InsightsScanned, r.insights_affected as InsightsAffected,
               r.candidates_created as CandidatesCreated, r.errors as Errors,
               r.error_details->>'code' as ErrorCode, r.error_details->>'message' as ErrorMessage, r.hangfire_job_id as HangfireJobId
        from (
            select distinct workspace_id, job_type from nexus.compounding_runs
            where created_at >= @Since and (@WorkspaceId::bigint is null or workspace_id = @WorkspaceId)
            order by workspace_id, job_type
            limit @Pipelines
        ) p
        cross join lateral (
            select * from nexus.compounding_runs r
            where r.workspace_id = p.workspace_id and r.job_type = p.job_type
            order by r.created_at desc
            limit @PerPipeline
        ) r
        left join hangfire.job h on h.id = r.hangfire_job_id
        order by r.workspace_id, r.job_type, r.created_at desc;

        select workspace_id from nexus.metrics_snapshots group by workspace_id order by max(taken_at) desc limit 50;

        select taken_at as TakenAt,
               coalesce((metrics->'insights'->>'active')::int, 0) as Active,
               coalesce((metrics->'insights'->>'merged')::int, 0) as Merged,
               coalesce((metrics->'insights'->>'stale')::int, 0) as Stale,
               coalesce((metrics->>'patterns')::int, 0) as Patterns,
               coalesce((metrics->>'playbook_rules')::int, 0) as Rules
        from (
            select taken_at, metrics from nexus.metrics_snapshots
            where workspace_id = coalesce(@WorkspaceId::bigint,
                (select workspace_id from nexus.metrics_snapshots order by taken_at desc limit 1))
            order by taken_at desc
            limit 200
        ) s
        order by taken_at;

        select coalesce(@WorkspaceId::bigint, (select workspace_id from nexus.metrics_snapshots order by taken_at desc limit 1));
        """;

    /// <summary>The last runs per workspace and pipeline (of the last 7 days), and a workspace's metrics history.</summary>
    public CompoundingView Compounding(DateTime now, long? workspaceId)
    {
        using var connection = dataSource.OpenConnection();
        using var reader = connection.QueryMultiple(CompoundingSql, new
        {
            Since = now.AddDays(-7),
            WorkspaceId = workspaceId,
            Pipelines = PageRows / RunsPerPipeline,
            PerPipeline = RunsPerPipeline,
        });
        var runs = reader.Read<RunRow>().AsList();
        var workspaces = reader.Read<long>().AsList();
        var snapshots = reader.Read<SnapshotPoint>().AsList();
        var shown = reader.ReadSingle<long?>();
        return new CompoundingView(runs, workspaces, shown, snapshots);
    }
}
