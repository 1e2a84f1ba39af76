using System.Reflection;
using System.Text.Json;
using System.Transactions;
using Dapper;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.Options;
using Nexus.Jobs.AiJobs;
using Npgsql;

namespace Nexus.Jobs.Platform;

/// <summary>One job to dispatch, already validated.</summary>
public sealed record JobRequest(JobType Type, Priority Priority, JsonElement Params);

/// <summary>A job as it was accepted.</summary>
public sealed record DispatchedJob(
    string Id, string Type, Priority Priority, string Params, DateTime CreatedAt, DateTime EstimatedCompletionAt, string? BatchId, int? Position);

/// <summary>What dispatch did.</summary>
public abstract record DispatchResult
{
    public sealed record Accepted(IReadOnlyList<DispatchedJob> Jobs, string? BatchId) : DispatchResult;

    public sealed record QueueFull(int Queued, int Cap, int RetryAfterSeconds) : DispatchResult;
}

/// <summary>Accepts jobs: our record and the Hangfire job are written in one database transaction.</summary>
/// <remarks>
/// Hangfire.PostgreSql joins an ambient <see cref="TransactionScope"/>, and Npgsql hands the transaction's one physical
/// connection to every connection opened in it from the same data source, as long as they are used one after another.
/// So no record exists without its job, no job without its record, whatever dies when.
/// </remarks>
public sealed class JobDispatcher(NpgsqlDataSource dataSource, IBackgroundJobClient client, IOptionsMonitor<AiJobsOptions> options, IOptionsMonitor<WorkerOptions> workerOptions)
{
    private static readonly MethodInfo RunMethod = typeof(AiJobRunner).GetMethod(nameof(AiJobRunner.RunAsync))!;

    // Serialises dispatch per workspace so that the queued-jobs cap holds under concurrent requests.
    private const string PrepareSql = """
        select pg_advisory_xact_lock(hashtext(@LockKey));

        select count(*)::int
        from nexus.ai_jobs j join hangfire.job h on h.id = j.hangfire_job_id
        where j.workspace_id = @WorkspaceId and j.outcome is null and h.statename in ('Enqueued', 'Scheduled', 'Awaiting');

        select type as Type, percentile_cont(0.5) within group (order by seconds) as Median, count(*)::int as Samples
        from (
            select type, extract(epoch from completed_at - started_at)::float8 as seconds,
                   row_number() over (partition by type order by completed_at desc) as n
            from nexus.ai_jobs
            where workspace_id = @WorkspaceId and outcome = 'completed' and started_at is not null
              and completed_at > now() - interval '30 days'
        ) recent
        where n <= 50
        group by type;

        select j.type as Type, j.priority as Priority, count(*)::int as Count
        from nexus.ai_jobs j join hangfire.job h on h.id = j.hangfire_job_id
        where j.outcome is null and h.statename = 'Enqueued'
        group by j.type, j.priority;

        -- AI-job workers only: a callback server (queue 'callbacks') runs no AI jobs.
        select coalesce(sum((data ->> 'WorkerCount')::int), 0)::int
        from hangfire.server where lastheartbeat > now() - interval '2 minutes' and not (data::jsonb -> 'Queues') @> '["callbacks"]';
        """;

    private const string InsertBatchSql = """
        insert into nexus.ai_batches (id, workspace_id, sequential, job_count, created_at, callback_url, callback_pending)
        values (@Id, @WorkspaceId, @Sequential, @JobCount, @CreatedAt, @CallbackUrl, @CallbackPending)
        """;

    private const string InsertJobSql = """
        insert into nexus.ai_jobs (id, workspace_id, type, priority, params, batch_id, batch_position, hangfire_job_id, created_at, estimated_completion_at, callback_url)
        values (@Id, @WorkspaceId, @Type, @Priority, @Params::json, @BatchId, @Position, @HangfireJobId, @CreatedAt, @EstimatedCompletionAt, @CallbackUrl)
        """;

    /// <summary>Test seam: runs inside the transaction after the Hangfire jobs exist and before our records are written.</summary>
    internal Func<Task>? BetweenStatementsForTests { get; set; }

    /// <param name="workspaceId">The tenant.</param>
    /// <param name="jobs">Validated jobs, in batch order.</param>
    /// <param name="batch">Null for a single job; otherwise whether the batch runs sequentially.</param>
    /// <param name="ct">Cancels the request.</param>
    /// <param name="callbackUrl">Where to POST each job's terminal state (and a batch's, once all its jobs ended); null for none.</param>
    public async Task<DispatchResult> DispatchAsync(long workspaceId, IReadOnlyList<JobRequest> jobs, bool? batch, CancellationToken ct, string? callbackUrl = null)
    {
        var cap = options.CurrentValue.MaxQueuedPerWorkspace;
        var createdAt = Clock.UtcNowMicros();
        var batchId = batch is null ? null : PublicIds.NewBatchId();
        var sequential = batch == true;

        using var scope = new TransactionScope(TransactionScopeOption.Required,
            new TransactionOptions { IsolationLevel = IsolationLevel.ReadCommitted, Timeout = TimeSpan.FromSeconds(30) },
            TransactionScopeAsyncFlowOption.Enabled);

        Inputs inputs;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            using var reader = await connection.QueryMultipleAsync(new CommandDefinition(PrepareSql, new { WorkspaceId = workspaceId, LockKey = "nexus.dispatch:" + workspaceId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken: ct));
            await reader.ReadAsync<object>(); // the lock
            var queued = await reader.ReadSingleAsync<int>();
            var medians = (await reader.ReadAsync<MedianRow>()).ToDictionary(m => m.Type, StringComparer.Ordinal);
            var ahead = (await reader.ReadAsync<AheadRow>()).ToList();
            var workers = await reader.ReadSingleAsync<int>();
            inputs = new Inputs(queued, medians, ahead, workers > 0 ? workers : workerOptions.CurrentValue.WorkerCount);
        }
        if (inputs.Queued + jobs.Count > cap)
        {
            var expected = jobs.Max(j => Expected(j.Type, inputs).TotalSeconds);
            var retryAfter = (int)Math.Clamp(Math.Ceiling(expected / inputs.Workers), 1, 3600);
            return new DispatchResult.QueueFull(inputs.Queued, cap, retryAfter);
        }

        // Hangfire first: our rows carry its job ids. Both are invisible to everyone until the scope commits.
        var accepted = new List<DispatchedJob>(jobs.Count);
        var hangfireIds = new List<long>(jobs.Count);
        string? previous = null;
        var previousDone = createdAt;
        var batchAhead = new List<(string Type, int Count)>();
        for (var i = 0; i < jobs.Count; i++)
        {
            var request = jobs[i];
            var id = PublicIds.NewJobId();
            var queue = Queues.For(request.Priority);
            var job = new Job(typeof(AiJobRunner), RunMethod, [id, request.Type.Name, workspaceId, null!, CancellationToken.None], queue);
            IState state = sequential && previous is not null
                ? new AwaitingState(previous, new EnqueuedState(queue), JobContinuationOptions.OnlyOnSucceededState)
                : new EnqueuedState(queue);
            var hangfireId = client.Create(job, state);
            hangfireIds.Add(long.Parse(hangfireId, System.Globalization.CultureInfo.InvariantCulture));
            previous = hangfireId;

            var duration = Expected(request.Type, inputs);
            DateTime estimate;
            if (sequential && i > 0)
            {
                estimate = previousDone + duration;
            }
            else
            {
                var ahead = inputs.Ahead
                    .Where(a => Queues.TryParse(a.Priority, out var p) && p <= request.Priority)
                    .Select(a => (a.Type, a.Count))
                    .Concat(batchAhead);
                estimate = createdAt + CompletionEstimate.QueueWait(ahead, t => Expected(t, inputs), inputs.Workers) + duration;
                if (!sequential)
                {
                    batchAhead.Add((request.Type.Name, 1));
                }
            }
            previousDone = estimate;
            accepted.Add(new DispatchedJob(id, request.Type.Name, request.Priority, request.Params.GetRawText(),
                createdAt, Truncate(estimate), batchId, batchId is null ? null : i));
        }

        if (BetweenStatementsForTests is { } seam)
        {
            await seam();
        }

        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            if (batchId is not null)
            {
                await connection.ExecuteAsync(new CommandDefinition(InsertBatchSql,
                    new { Id = batchId, WorkspaceId = workspaceId, Sequential = sequential, JobCount = jobs.Count, CreatedAt = createdAt,
                        CallbackUrl = callbackUrl, CallbackPending = callbackUrl is not null }, cancellationToken: ct));
            }
            await connection.ExecuteAsync(new CommandDefinition(InsertJobSql, accepted.Select((a, i) => new
            {
                a.Id, WorkspaceId = workspaceId, a.Type, Priority = a.Priority.Name(), a.Params, a.BatchId, a.Position,
                HangfireJobId = hangfireIds[i], a.CreatedAt, a.EstimatedCompletionAt, CallbackUrl = callbackUrl,
            }), cancellationToken: ct));
        }

        scope.Complete();
        scope.Dispose(); // commits here; count only what committed
        foreach (var a in accepted)
        {
            NexusTelemetry.Dispatched.Add(1, new KeyValuePair<string, object?>("type", a.Type), new KeyValuePair<string, object?>("priority", a.Priority.Name()));
        }
        return new DispatchResult.Accepted(accepted, batchId);
    }

    private static TimeSpan Expected(JobType type, Inputs inputs) => Expected(type.Name, inputs);

    private static TimeSpan Expected(string typeName, Inputs inputs)
    {
        if (!JobTypes.TryGet(typeName, out var type))
        {
            return TimeSpan.FromSeconds(60);
        }
        return inputs.Medians.TryGetValue(typeName, out var m)
            ? CompletionEstimate.ExpectedDuration(type, m.Median, m.Samples)
            : CompletionEstimate.ExpectedDuration(type, null, 0);
    }

    private static DateTime Truncate(DateTime t) => new(t.Ticks - t.Ticks % 10, DateTimeKind.Utc);

    private sealed record Inputs(int Queued, Dictionary<string, MedianRow> Medians, List<AheadRow> Ahead, int Workers);

    private sealed record MedianRow(string Type, double Median, int Samples);

    private sealed record AheadRow(string Type, string Priority, int Count);
}
