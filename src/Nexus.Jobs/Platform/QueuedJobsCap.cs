using System.Collections.Concurrent;
using Dapper;
using Npgsql;

namespace Nexus.Jobs.Platform;

/// <summary>
/// The queued-jobs cap of a workspace (<c>AiJobs:MaxQueuedPerWorkspace</c>): how many of its jobs wait, counted under the
/// workspace's dispatch lock, and the refusal with a Retry-After when a request would pass it.
/// </summary>
public sealed class QueuedJobsCap
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

    // Per workspace: its unfinished jobs counted exactly at some moment, and its dispatch counter at that moment.
    private readonly ConcurrentDictionary<long, (int Unfinished, long Dispatched)> _counted = new();

    /// <summary>How many times the cap counted a workspace's jobs (tests).</summary>
    internal int ExactCounts;

    /// <summary>Whether <paramref name="adding"/> more jobs fit beside <paramref name="queued"/> under <paramref name="cap"/>.</summary>
    public static bool HasRoom(int queued, int adding, int cap) => queued + adding <= cap;

    /// <summary>
    /// The refusal of a request that does not fit: try again once the live workers could have run the request's longest
    /// job (<paramref name="longestExpected"/>) for each of them, at least a second, at most an hour.
    /// </summary>
    public static DispatchResult.QueueFull Refusal(int queued, int cap, TimeSpan longestExpected, int workers) =>
        new(queued, cap, (int)Math.Clamp(Math.Ceiling(longestExpected.TotalSeconds / workers), 1, 3600));

    /// <summary>
    /// Takes the workspace's dispatch lock (held until the ambient transaction ends) and returns its queued jobs, or an
    /// upper bound of them when even the bound leaves room for the <paramref name="adding"/> jobs.
    /// </summary>
    public async Task<int> LockAndCountAsync(NpgsqlConnection connection, long workspaceId, int adding, int cap, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        long counter;
        using (var reader = await connection.QueryMultipleAsync(new CommandDefinition(PrepareSql, new
        {
            WorkspaceId = workspaceId,
            LockKey = "nexus.dispatch:" + workspaceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, cancellationToken: ct)))
        {
            await reader.ReadAsync<object>(); // the lock
            counter = await reader.ReadSingleAsync<long>();
        }
        return await QueuedAsync(connection, workspaceId, counter, adding, cap, ct);
    }

    /// <summary>The bound of queued jobs from an exact count (<paramref name="counted"/>) and the counter since, if it leaves room; else null (count).</summary>
    internal static long? RoomyBound((int Unfinished, long Dispatched)? counted, long dispatched, int adding, int cap)
    {
        if (counted is not { } c)
        {
            return null;
        }
        var bound = c.Unfinished + (dispatched - c.Dispatched);
        return bound + adding <= cap ? bound : null;
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
        if (RoomyBound(_counted.TryGetValue(workspaceId, out var counted) ? counted : null, dispatched, adding, cap) is { } bound)
        {
            return (int)bound;
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
}
