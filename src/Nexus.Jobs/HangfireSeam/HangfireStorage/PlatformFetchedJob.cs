using Hangfire.Storage;
using Npgsql;

namespace Nexus.Jobs.HangfireSeam.HangfireStorage;

/// <summary>A queue entry fetched by the platform storage; its fetch time is the token every later change checks.</summary>
/// <remarks>
/// The token (Hangfire.PostgreSql's own rule) keeps a worker from removing or releasing an entry that another worker
/// fetched again after this one's fetch expired. Until the transaction that fetched it commits (with Processing), the
/// entry is claimed only inside that transaction: putting it back is a rollback.
/// </remarks>
internal sealed class PlatformFetchedJob : IFetchedJob
{
    private const string DeleteSql = "delete from hangfire.jobqueue where id = $1 and fetchedat = $2";

    private const string RequeueSql = "update hangfire.jobqueue set fetchedat = null where id = $1 and fetchedat = $2";

    private const string KeepAliveSql = "update hangfire.jobqueue set fetchedat = now() where id = $1 and fetchedat = $2 returning fetchedat";

    private readonly PlatformConnection _owner;
    private bool _claimed;
    private bool _removed;
    private bool _requeued;
    private bool _disposed;
    private long _lastKeepAlive;

    public PlatformFetchedJob(PlatformConnection owner, long id, string jobId, string queue, DateTime fetchedAt)
    {
        _owner = owner;
        Id = id;
        JobId = jobId;
        Queue = queue;
        FetchedAt = fetchedAt;
    }

    /// <summary>Held while the token is read or changed (the keep-alive runs on another thread).</summary>
    internal Lock Sync { get; } = new();

    /// <summary>The queue entry's id.</summary>
    public long Id { get; }

    public string JobId { get; }

    public string Queue { get; }

    /// <summary>The token: when this worker fetched (or last kept alive) the entry; null once the entry is no longer this worker's.</summary>
    internal DateTime? FetchedAt { get; private set; }

    /// <summary>Whether the entry is still this worker's to remove (a Succeeded transaction adds the removal then).</summary>
    internal bool Removable => FetchedAt is not null && !_removed && !_requeued;

    public void RemoveFromQueue()
    {
        lock (Sync)
        {
            if (!Removable)
            {
                return;
            }
            _owner.Remove(this, DeleteCommand());
            MarkRemoved();
        }
    }

    public void Requeue()
    {
        lock (Sync)
        {
            if (!Removable)
            {
                return;
            }
            _owner.Requeue(this, () => Command(RequeueSql));
            _requeued = true;
            _owner.Storage.KeepAlive.Untrack(this);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _owner.Storage.KeepAlive.Untrack(this);
        lock (Sync)
        {
            if (!_removed && !_requeued)
            {
                Requeue();
            }
        }
    }

    internal NpgsqlBatchCommand DeleteCommand() => Command(DeleteSql);

    /// <summary>The transaction that fetched the entry committed: from now on the keep-alive keeps it invisible.</summary>
    internal void Claimed()
    {
        lock (Sync)
        {
            _claimed = true;
            Interlocked.Exchange(ref _lastKeepAlive, Environment.TickCount64);
            if (Removable)
            {
                _owner.Storage.KeepAlive.Track(this);
            }
        }
    }

    internal void MarkRemoved()
    {
        _removed = true;
        _owner.Storage.KeepAlive.Untrack(this);
    }

    /// <summary>The fetching transaction rolled back (a failed state change): claim the entry again unless another worker has.</summary>
    internal void Reclaim()
    {
        lock (Sync)
        {
            try
            {
                FetchedAt = _owner.Reclaim(Id);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
            {
                // The entry is back in its queue (the rollback cleared the fetch), so another worker will run it;
                // this one must not touch it any more.
                FetchedAt = null;
            }
            if (FetchedAt is not null)
            {
                Claimed();
            }
        }
    }

    /// <summary>Refreshes the fetch time if a fifth of the invisibility timeout has passed (Hangfire.PostgreSql's pace).</summary>
    internal void KeepAlive(NpgsqlConnection connection, TimeSpan interval)
    {
        lock (Sync)
        {
            if (!_claimed || !Removable || Environment.TickCount64 - Interlocked.Read(ref _lastKeepAlive) < interval.TotalMilliseconds)
            {
                return;
            }
            using var command = new NpgsqlCommand(KeepAliveSql, connection);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Id });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = FetchedAt!.Value });
            FetchedAt = command.ExecuteScalar() is DateTime at ? at : null;
            Interlocked.Exchange(ref _lastKeepAlive, Environment.TickCount64);
        }
    }

    private NpgsqlBatchCommand Command(string sql)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Id });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = FetchedAt!.Value });
        return command;
    }
}
