using Dapper;
using Microsoft.Extensions.Options;
using Nexus.Jobs.AiJobs;
using Npgsql;

namespace Nexus.Jobs.Platform;

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

    public sealed record Inputs(Dictionary<string, MedianRow> Medians, List<AheadRow> Ahead, int Workers)
    {
        /// <summary>How long a job of <paramref name="typeName"/> is expected to run: its type's figure, moved by the workspace's observed median.</summary>
        public TimeSpan Expected(string typeName)
        {
            if (!JobTypes.TryGet(typeName, out var type))
            {
                return TimeSpan.FromSeconds(60);
            }
            return Medians.TryGetValue(typeName, out var m)
                ? CompletionEstimate.ExpectedDuration(type, m.Median, m.Samples)
                : CompletionEstimate.ExpectedDuration(type, null, 0);
        }
    }

    public sealed record MedianRow(string Type, double Median, int Samples);

    public sealed record AheadRow(string Type, string Priority, int Count);
}
