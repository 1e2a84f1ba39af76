using System.Transactions;
using Dapper;
using Microsoft.Extensions.Options;
using Nexus.Jobs.HangfireSeam;
using Npgsql;

namespace Nexus.Jobs.Platform;

/// <summary>Writes one group of a workspace's dispatch requests in one database transaction: our records and their Hangfire jobs.</summary>
/// <remarks>
/// Hangfire.PostgreSql joins the ambient <see cref="TransactionScope"/> of <see cref="TransactionalJobs"/>, and Npgsql hands
/// the transaction's one physical connection to every connection opened in it from the same data source, as long as they
/// are used one after another. So no record exists without its job, no job without its record, whatever dies when.
/// Each request of the group is still accepted or refused as a whole, in arrival order.
/// </remarks>
public sealed class DispatchTransaction(NpgsqlDataSource dataSource, PlatformJobs platformJobs, QueuedJobsCap cap, IOptionsMonitor<AiJobsOptions> options,
    DispatchEstimates estimates)
{
    private const string InsertBatchSql = """
        insert into nexus.ai_batches (id, workspace_id, sequential, job_count, created_at, callback_url, callback_pending)
        values (@Id, @WorkspaceId, @Sequential, @JobCount, @CreatedAt, @CallbackUrl, @CallbackPending)
        """;

    // Every job of a group in one statement (Dapper would send one statement per row), and the workspace's dispatch
    // counter moved by as many, in the same round trip.
    private const string InsertJobSql = """
        insert into nexus.ai_jobs (id, workspace_id, type, priority, params, batch_id, batch_position, hangfire_job_id, created_at, estimated_completion_at, callback_url)
        select id, @WorkspaceId, type, priority, params::json, batch_id, batch_position, hangfire_job_id, @CreatedAt, estimated_completion_at, callback_url
        from unnest(@Ids, @Types, @Priorities, @Params, @BatchIds, @Positions, @HangfireJobIds, @Estimates, @CallbackUrls)
             as j(id, type, priority, params, batch_id, batch_position, hangfire_job_id, estimated_completion_at, callback_url);

        insert into nexus.dispatch_counters (workspace_id, dispatched) values (@WorkspaceId, cardinality(@Ids))
        on conflict (workspace_id) do update set dispatched = nexus.dispatch_counters.dispatched + excluded.dispatched;
        """;

    /// <summary>Test seam: runs inside the transaction after the Hangfire jobs exist and before our records are written.</summary>
    internal Func<Task>? BetweenStatementsForTests { get; set; }

    /// <summary>Writes <paramref name="group"/>; one result per request, in the group's order.</summary>
    public async Task<DispatchResult[]> WriteAsync(long workspaceId, IReadOnlyList<PendingDispatch> group)
    {
        var ct = CancellationToken.None; // a group is shared: one caller going away does not abort the others
        var max = options.CurrentValue.MaxQueuedPerWorkspace;
        ArgumentNullException.ThrowIfNull(group);
        var createdAt = Clock.UtcNowMicros();

        // Estimates need not be exact: their inputs come from a short-lived cache, outside the lock.
        var inputs = await estimates.ForAsync(workspaceId, ct);

        using var scope = TransactionalJobs.Begin();

        int queued;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            queued = await cap.LockAndCountAsync(connection, workspaceId, group.Sum(p => p.Jobs.Count), max, ct);
        }

        // Hangfire first: our rows carry its job ids. Both are invisible to everyone until the scope commits.
        var results = new DispatchResult[group.Count];
        var rows = new List<(DispatchedJob Job, long HangfireId, string? CallbackUrl)>();
        var batches = new List<object>();
        var groupAhead = new List<(string Type, int Count)>();
        for (var g = 0; g < group.Count; g++)
        {
            var (jobs, mode, callbackUrl) = (group[g].Jobs, group[g].Mode, group[g].CallbackUrl);
            if (!QueuedJobsCap.HasRoom(queued, jobs.Count, max))
            {
                results[g] = QueuedJobsCap.Refusal(queued, max, jobs.Max(j => inputs.Expected(j.Type.Name)), inputs.Workers);
                continue;
            }
            queued += jobs.Count;
            var batchId = mode == DispatchMode.Single ? null : PublicIds.NewBatchId();
            var sequential = mode == DispatchMode.Sequential;
            var accepted = new List<DispatchedJob>(jobs.Count);
            long? previous = null;
            var previousDone = createdAt;
            for (var i = 0; i < jobs.Count; i++)
            {
                var request = jobs[i];
                var id = PublicIds.NewJobId();
                var hangfireId = platformJobs.CreateAiJob(id, request.Type.Name, workspaceId, request.Priority, sequential ? previous : null);
                previous = hangfireId;

                var duration = inputs.Expected(request.Type.Name);
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
                        .Concat(groupAhead);
                    estimate = createdAt + CompletionEstimate.QueueWait(ahead, inputs.Expected, inputs.Workers) + duration;
                    groupAhead.Add((request.Type.Name, 1)); // waits ahead of what follows in this group
                }
                previousDone = estimate;
                var dispatched = new DispatchedJob(id, request.Type.Name, request.Priority, request.Params.GetRawText(),
                    createdAt, Truncate(estimate), batchId, batchId is null ? null : i);
                accepted.Add(dispatched);
                rows.Add((dispatched, hangfireId, callbackUrl));
            }
            if (batchId is not null)
            {
                batches.Add(new
                {
                    Id = batchId, WorkspaceId = workspaceId, Sequential = sequential, JobCount = jobs.Count, CreatedAt = createdAt,
                    CallbackUrl = callbackUrl, CallbackPending = callbackUrl is not null,
                });
            }
            results[g] = new DispatchResult.Accepted(accepted, batchId);
        }
        if (rows.Count == 0)
        {
            return results; // every request refused: nothing to write (the scope rolls back, releasing the lock)
        }

        if (BetweenStatementsForTests is { } seam)
        {
            await seam();
        }

        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            if (batches.Count > 0)
            {
                await connection.ExecuteAsync(new CommandDefinition(InsertBatchSql, batches, cancellationToken: ct));
            }
            await connection.ExecuteAsync(new CommandDefinition(InsertJobSql, new
            {
                WorkspaceId = workspaceId,
                CreatedAt = createdAt,
                Ids = rows.Select(r => r.Job.Id).ToArray(),
                Types = rows.Select(r => r.Job.Type).ToArray(),
                Priorities = rows.Select(r => r.Job.Priority.Name()).ToArray(),
                Params = rows.Select(r => r.Job.Params).ToArray(),
                BatchIds = rows.Select(r => r.Job.BatchId).ToArray(),
                Positions = rows.Select(r => r.Job.Position).ToArray(),
                HangfireJobIds = rows.Select(r => r.HangfireId).ToArray(),
                Estimates = rows.Select(r => r.Job.EstimatedCompletionAt).ToArray(),
                CallbackUrls = rows.Select(r => r.CallbackUrl).ToArray(),
            }, cancellationToken: ct));
        }

        scope.Complete();
        scope.Dispose(); // commits here; count only what committed
        for (var g = 0; g < group.Count; g++)
        {
            if (results[g] is not DispatchResult.Accepted accepted)
            {
                continue;
            }
            var sequential = group[g].Mode == DispatchMode.Sequential;
            estimates.Enqueued(accepted.Jobs.Where((a, i) => !sequential || i == 0).Select(a => (a.Type, a.Priority.Name())));
            foreach (var a in accepted.Jobs)
            {
                NexusTelemetry.Dispatched.Add(1, new KeyValuePair<string, object?>("type", a.Type), new KeyValuePair<string, object?>("priority", a.Priority.Name()));
            }
        }
        return results;
    }

    private static DateTime Truncate(DateTime t) => new(t.Ticks - t.Ticks % 10, DateTimeKind.Utc);
}
