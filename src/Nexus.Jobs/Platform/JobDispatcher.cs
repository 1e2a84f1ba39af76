using System.Text.Json;
using System.Transactions;
using Dapper;
using Microsoft.Extensions.Options;
using Nexus.Jobs.AiJobs;
using Nexus.Jobs.HangfireSeam;
using Npgsql;

namespace Nexus.Jobs.Platform;

/// <summary>How one request's jobs are dispatched.</summary>
public enum DispatchMode
{
    /// <summary>One job, in no batch.</summary>
    Single,

    /// <summary>A batch whose jobs all queue at once.</summary>
    Parallel,

    /// <summary>A batch whose jobs run one after another, each a continuation of the one before.</summary>
    Sequential,
}

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
public sealed class JobDispatcher(NpgsqlDataSource dataSource, PlatformJobs platformJobs, IOptionsMonitor<AiJobsOptions> options, DispatchEstimates estimates)
{
    // Serialises dispatch per workspace so that the queued-jobs cap holds under concurrent requests, and reads how many
    // jobs the workspace was ever given (committed, under the lock, so nothing is added meanwhile).
    private const string PrepareSql = """
        select pg_advisory_xact_lock(hashtext(@LockKey));
        select coalesce((select dispatched from nexus.dispatch_counters where workspace_id = @WorkspaceId), 0);
        """;

    // The exact figures, when the bound is not enough. Both counts stop at cap + 1: that is all a decision needs, and it
    // keeps the cost bounded however deep the backlog.
    private const string CountSql = """
        select count(*)::int from (
            select 1
            from nexus.ai_jobs j join hangfire.job h on h.id = j.hangfire_job_id
            where j.workspace_id = @WorkspaceId and j.outcome is null and h.statename in ('Enqueued', 'Scheduled', 'Awaiting')
            limit @Limit
        ) queued;

        select count(*)::int from (
            select 1 from nexus.ai_jobs where workspace_id = @WorkspaceId and outcome is null limit @Limit
        ) unfinished;
        """;

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

    /// <summary>Most jobs one group transaction takes (five full batches).</summary>
    public const int MaxGroupJobs = 100;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, Gate> _gates = new();

    // Per workspace: its unfinished jobs counted exactly at some moment, and its dispatch counter at that moment.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, (int Unfinished, long Dispatched)> _counted = new();

    /// <summary>How many times this dispatcher counted a workspace's jobs (tests).</summary>
    internal int ExactCounts;

    /// <summary>Test seam: runs inside the transaction after the Hangfire jobs exist and before our records are written.</summary>
    internal Func<Task>? BetweenStatementsForTests { get; set; }

    /// <summary>Accepts one request's jobs (a single job or a batch), or refuses them all.</summary>
    /// <param name="workspaceId">The tenant.</param>
    /// <param name="jobs">Validated jobs, in batch order.</param>
    /// <param name="mode">A single job, or a batch whose jobs run in parallel or one after another.</param>
    /// <param name="ct">Cancels the request (until its group's transaction starts).</param>
    /// <param name="callbackUrl">Where to POST each job's terminal state (and a batch's, once all its jobs ended); null for none.</param>
    /// <remarks>
    /// The queued-jobs cap is exact only if one transaction at a time counts and adds a workspace's jobs (the advisory
    /// lock), which made one workspace's dispatches wait for each other: a transaction each. So requests for one
    /// workspace that arrive while its previous transaction runs are grouped into the next one: one lock, one count,
    /// one commit for all of them, each request still accepted or refused as a whole, in arrival order. A request
    /// never waits for more than the transaction before its own.
    /// </remarks>
    public async Task<DispatchResult> DispatchAsync(long workspaceId, IReadOnlyList<JobRequest> jobs, DispatchMode mode, CancellationToken ct, string? callbackUrl = null)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a dispatch mode.");
        }
        if (mode == DispatchMode.Single && jobs.Count != 1)
        {
            throw new ArgumentException($"A single dispatch carries one job, not {jobs.Count}.", nameof(jobs));
        }
        var pending = new Pending(jobs, mode, callbackUrl, ct);
        var gate = _gates.GetOrAdd(workspaceId, _ => new Gate());
        bool lead;
        lock (gate)
        {
            gate.Queue.Enqueue(pending);
            lead = !gate.Draining;
            gate.Draining = true;
        }
        if (lead)
        {
            // The drain runs on its own, so this request's answer does not wait for the groups after its own.
            _ = Task.Run(() => DrainAsync(workspaceId, gate), CancellationToken.None);
        }
        return await pending.Result.Task.WaitAsync(ct);
    }

    /// <summary>Requests of a workspace waiting for the next group (tests).</summary>
    internal int WaitingFor(long workspaceId)
    {
        if (!_gates.TryGetValue(workspaceId, out var gate))
        {
            return 0;
        }
        lock (gate)
        {
            return gate.Queue.Count;
        }
    }

    private async Task DrainAsync(long workspaceId, Gate gate)
    {
        while (true)
        {
            var group = new List<Pending>();
            lock (gate)
            {
                var count = 0;
                while (gate.Queue.TryPeek(out var next) && (group.Count == 0 || count + next.Jobs.Count <= MaxGroupJobs))
                {
                    gate.Queue.Dequeue();
                    if (next.Cancellation.IsCancellationRequested)
                    {
                        next.Result.TrySetCanceled(next.Cancellation);
                        continue;
                    }
                    group.Add(next);
                    count += next.Jobs.Count;
                }
                if (group.Count == 0)
                {
                    gate.Draining = false;
                    return;
                }
            }
            try
            {
                var results = await DispatchGroupAsync(workspaceId, group);
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].Result.TrySetResult(results[i]);
                }
            }
            catch (Exception e)
            {
                foreach (var p in group)
                {
                    p.Result.TrySetException(e);
                }
            }
        }
    }

    private async Task<DispatchResult[]> DispatchGroupAsync(long workspaceId, List<Pending> group)
    {
        var ct = CancellationToken.None; // a group is shared: one caller going away does not abort the others
        var cap = options.CurrentValue.MaxQueuedPerWorkspace;
        var createdAt = Clock.UtcNowMicros();

        // Estimates need not be exact: their inputs come from a short-lived cache, outside the lock.
        var inputs = await estimates.ForAsync(workspaceId, ct);

        using var scope = TransactionalJobs.Begin();

        int queued;
        long counter;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            using (var reader = await connection.QueryMultipleAsync(new CommandDefinition(PrepareSql, new
            {
                WorkspaceId = workspaceId,
                LockKey = "nexus.dispatch:" + workspaceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, cancellationToken: ct)))
            {
                await reader.ReadAsync<object>(); // the lock
                counter = await reader.ReadSingleAsync<long>();
            }
            queued = await QueuedAsync(connection, workspaceId, counter, group.Sum(p => p.Jobs.Count), cap, ct);
        }

        // Hangfire first: our rows carry its job ids. Both are invisible to everyone until the scope commits.
        var results = new DispatchResult[group.Count];
        var rows = new List<(DispatchedJob Job, long HangfireId, string? CallbackUrl)>();
        var batches = new List<object>();
        var groupAhead = new List<(string Type, int Count)>();
        for (var g = 0; g < group.Count; g++)
        {
            var (jobs, mode, callbackUrl) = (group[g].Jobs, group[g].Mode, group[g].CallbackUrl);
            if (queued + jobs.Count > cap)
            {
                var expected = jobs.Max(j => Expected(j.Type, inputs).TotalSeconds);
                var retryAfter = (int)Math.Clamp(Math.Ceiling(expected / inputs.Workers), 1, 3600);
                results[g] = new DispatchResult.QueueFull(queued, cap, retryAfter);
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
                        .Concat(groupAhead);
                    estimate = createdAt + CompletionEstimate.QueueWait(ahead, t => Expected(t, inputs), inputs.Workers) + duration;
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

    /// <summary>
    /// The workspace's queued jobs, or an upper bound of them when even the bound leaves room for the whole group.
    /// </summary>
    /// <remarks>
    /// Jobs only become unfinished by being dispatched, under this lock, and never become unfinished again; queued jobs
    /// are unfinished ones. So unfinished jobs counted exactly at counter value D₀ plus what was dispatched since (the
    /// counter now minus D₀) bounds today's queued jobs from above, whichever process dispatched them. Counting is
    /// needed only when that bound comes near the cap: dispatch costs the same whatever the backlog.
    /// </remarks>
    private async Task<int> QueuedAsync(NpgsqlConnection connection, long workspaceId, long dispatched, int adding, int cap, CancellationToken ct)
    {
        if (_counted.TryGetValue(workspaceId, out var counted))
        {
            var bound = counted.Unfinished + (dispatched - counted.Dispatched);
            if (bound + adding <= cap)
            {
                return (int)bound;
            }
        }
        Interlocked.Increment(ref ExactCounts);
        using var reader = await connection.QueryMultipleAsync(new CommandDefinition(CountSql, new { WorkspaceId = workspaceId, Limit = cap + 1 }, cancellationToken: ct));
        var queued = await reader.ReadSingleAsync<int>();
        var unfinished = await reader.ReadSingleAsync<int>();
        if (unfinished <= cap)
        {
            _counted[workspaceId] = (unfinished, dispatched); // a count cut short at cap + 1 bounds nothing
        }
        else
        {
            _counted.TryRemove(workspaceId, out _);
        }
        return queued;
    }

    private sealed record Pending(IReadOnlyList<JobRequest> Jobs, DispatchMode Mode, string? CallbackUrl, CancellationToken Cancellation)
    {
        public TaskCompletionSource<DispatchResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One workspace's requests waiting for their group, and whether a drain is running.</summary>
    private sealed class Gate
    {
        public Queue<Pending> Queue { get; } = new();

        public bool Draining { get; set; }
    }

    private static TimeSpan Expected(JobType type, DispatchEstimates.Inputs inputs) => Expected(type.Name, inputs);

    private static TimeSpan Expected(string typeName, DispatchEstimates.Inputs inputs)
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
}

/// <summary>
/// What completion estimates are computed from (observed durations per workspace and type, the jobs waiting ahead,
/// the live workers), cached briefly: reading them on every dispatch cost more than the dispatch itself.
/// </summary>
public sealed class DispatchEstimates(NpgsqlDataSource dataSource, IOptionsMonitor<WorkerOptions> workerOptions, TimeProvider time)
{
    /// <summary>How long the global inputs (jobs ahead, live workers) are reused.</summary>
    public static readonly TimeSpan GlobalFor = TimeSpan.FromSeconds(1);

    /// <summary>How long a workspace's observed durations are reused.</summary>
    public static readonly TimeSpan DurationsFor = TimeSpan.FromSeconds(30);

    // The last 50 completions per type, each read from the ai_jobs_durations index: bounded whatever the history.
    private const string MediansSql = """
        select t.type as Type, percentile_cont(0.5) within group (order by r.seconds) as Median, count(*)::int as Samples
        from unnest(@Types) as t(type)
        cross join lateral (
            select extract(epoch from completed_at - started_at)::float8 as seconds
            from nexus.ai_jobs
            where workspace_id = @WorkspaceId and type = t.type and outcome = 'completed' and started_at is not null
              and completed_at > now() - interval '30 days'
            order by completed_at desc
            limit 50
        ) r
        group by t.type
        """;

    private const string GlobalSql = """
        select j.type as Type, j.priority as Priority, count(*)::int as Count
        from nexus.ai_jobs j join hangfire.job h on h.id = j.hangfire_job_id
        where j.outcome is null and h.statename = 'Enqueued'
        group by j.type, j.priority;

        -- AI-job workers only: a callback server (queue 'callbacks') runs no AI jobs.
        select coalesce(sum((data ->> 'WorkerCount')::int), 0)::int
        from hangfire.server where lastheartbeat > now() - interval '2 minutes' and not (data::jsonb -> 'Queues') @> '["callbacks"]';
        """;

    private static readonly string[] TypeNames = JobTypes.All.Select(t => t.Name).ToArray();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, (DateTimeOffset At, Dictionary<string, MedianRow> Medians)> _medians = new();
    private readonly SemaphoreSlim _globalLock = new(1, 1);
    private (DateTimeOffset At, List<AheadRow> Ahead, int Workers)? _global;
    private System.Collections.Concurrent.ConcurrentQueue<AheadRow> _sinceSnapshot = new();

    public async Task<Inputs> ForAsync(long workspaceId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var global = _global;
        if (global is null || now - global.Value.At > GlobalFor)
        {
            await _globalLock.WaitAsync(ct);
            try
            {
                global = _global;
                if (global is null || now - global.Value.At > GlobalFor)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(ct);
                    using var reader = await connection.QueryMultipleAsync(new CommandDefinition(GlobalSql, cancellationToken: ct));
                    var waiting = (await reader.ReadAsync<AheadRow>()).ToList();
                    var workers = await reader.ReadSingleAsync<int>();
                    _sinceSnapshot = new();
                    _global = global = (time.GetUtcNow(), waiting, workers);
                }
            }
            finally
            {
                _globalLock.Release();
            }
        }

        if (!_medians.TryGetValue(workspaceId, out var medians) || now - medians.At > DurationsFor)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var rows = await connection.QueryAsync<MedianRow>(new CommandDefinition(MediansSql, new { WorkspaceId = workspaceId, Types = TypeNames }, cancellationToken: ct));
            medians = (time.GetUtcNow(), rows.ToDictionary(m => m.Type, StringComparer.Ordinal));
            _medians[workspaceId] = medians;
        }
        var live = global.Value.Workers > 0 ? global.Value.Workers : workerOptions.CurrentValue.WorkerCount;
        var sinceSnapshot = _sinceSnapshot;
        var ahead = sinceSnapshot.IsEmpty ? global.Value.Ahead : global.Value.Ahead.Concat(sinceSnapshot).ToList();
        return new Inputs(medians.Medians, ahead, live);
    }

    /// <summary>Counts jobs this process just enqueued as waiting, until the next snapshot sees them itself.</summary>
    public void Enqueued(IEnumerable<(string Type, string Priority)> jobs)
    {
        var sinceSnapshot = _sinceSnapshot;
        foreach (var (type, priority) in jobs)
        {
            sinceSnapshot.Enqueue(new AheadRow(type, priority, 1));
        }
    }

    /// <summary>Forgets what was cached (tests that change durations and expect the next dispatch to see it).</summary>
    public void Clear()
    {
        _medians.Clear();
        _global = null;
    }

    public sealed record Inputs(Dictionary<string, MedianRow> Medians, List<AheadRow> Ahead, int Workers);

    public sealed record MedianRow(string Type, double Median, int Samples);

    public sealed record AheadRow(string Type, string Priority, int Count);
}
