using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Nexus.Jobs.Platform;

/// <summary>Requeues jobs that were fetched but never started, so no accepted job waits forever.</summary>
/// <remarks>
/// When the database goes away while a worker holds a freshly fetched job, the worker can lose the job without
/// releasing its queue entry, and Hangfire.PostgreSql's sliding-invisibility keep-alive then refreshes that entry's
/// fetchedat for good: the job stays Enqueued, invisible, never run (found by the fault tests). A healthy fetch reaches
/// Processing within milliseconds, so an entry seen fetched-but-Enqueued in two passes <see cref="Interval"/> apart is
/// stuck, and is put back in its queue. If a worker was in fact about to start it, Hangfire's state machine lets only
/// one start succeed.
/// </remarks>
public sealed class StuckFetchReaper(NpgsqlDataSource dataSource, ILogger<StuckFetchReaper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private const string FetchedSql = """
        select q.id as Id, q.jobid as JobId from hangfire.jobqueue q join hangfire.job j on j.id = q.jobid
        where q.fetchedat is not null and j.statename = 'Enqueued'
        """;

    private const string RequeueSql = "update hangfire.jobqueue set fetchedat = null where id = @Id and fetchedat is not null";

    private HashSet<(long Id, long JobId)> _seen = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PassAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The database is away; the next pass tries again.
                _seen = [];
            }
        }
    }

    /// <summary>One pass: requeue what was already fetched-but-Enqueued last pass; remember what is now.</summary>
    public async Task<int> PassAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var now = (await connection.QueryAsync<(long Id, long JobId)>(new CommandDefinition(FetchedSql, cancellationToken: ct))).ToHashSet();
        var stuck = now.Intersect(_seen).ToList();
        foreach (var (id, jobId) in stuck)
        {
            if (await connection.ExecuteAsync(new CommandDefinition(RequeueSql, new { Id = id }, cancellationToken: ct)) == 1)
            {
                logger.LogWarning("Requeued Hangfire job {HangfireJobId}: fetched but never started (queue entry {QueueEntryId})", jobId, id);
            }
        }
        _seen = now.Except(stuck).ToHashSet();
        return stuck.Count;
    }
}
