using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Nexus.Jobs.HangfireSeam.HangfireStorage;

/// <summary>Sliding invisibility for the platform storage's fetched jobs: a running job's fetch time is refreshed, so only a dead worker's jobs come back.</summary>
internal sealed class FetchKeepAlive : IDisposable
{
    private readonly PlatformStorage _storage;
    private readonly ConcurrentDictionary<PlatformFetchedJob, byte> _jobs = new();
    private readonly Timer _timer;
    private readonly TimeSpan _interval;
    private int _running;

    public FetchKeepAlive(PlatformStorage storage)
    {
        _storage = storage;
        _interval = storage.Settings.InvisibilityTimeout / 5;
        _timer = new Timer(_ => Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Jobs whose fetch is being kept alive (a test seam).</summary>
    internal int Count => _jobs.Count;

    public void Track(PlatformFetchedJob job) => _jobs.TryAdd(job, 0);

    public void Untrack(PlatformFetchedJob job) => _jobs.TryRemove(job, out _);

    private void Tick()
    {
        if (_jobs.IsEmpty || Interlocked.Exchange(ref _running, 1) == 1)
        {
            return;
        }
        try
        {
            using var connection = _storage.HotPath.OpenConnection();
            foreach (var job in _jobs.Keys)
            {
                job.KeepAlive(connection, _interval);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
        {
            // The next tick tries again; a fetch that expires meanwhile makes the job run again elsewhere (at least once).
            _storage.Logger.LogWarning(e, "Could not keep fetched jobs invisible; trying again in a second");
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose() => _timer.Dispose();
}
