using System.Collections.Concurrent;
using System.Data;
using Dapper;
using Hangfire.PostgreSql;
using Hangfire.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>
/// Wakes idle workers when a job is enqueued: in this process through Hangfire.PostgreSql's own in-process signal, in
/// other processes through one LISTEN connection per process (<see cref="QueueListener"/>).
/// </summary>
/// <remarks>
/// Replaces Hangfire.PostgreSql's long polling, which opens a fresh listening connection for every dequeue of every
/// worker, wakes every worker for every job, and (measured by the benchmarks) can leave a worker blocked for good on
/// its listener's shutdown while it holds a fetched job that its keep-alive then hides from everyone. Here each
/// enqueue adds one NOTIFY to the transaction that enqueues (delivered only if it commits), each process listens on one
/// connection, and a notification wakes one waiting worker of a process, not all of them.
/// </remarks>
public sealed class QueueWakeUp : IPersistentJobQueueProvider
{
    /// <summary>The notification channel; the payload is "sender-id:queue:job-id" (distinct, so PostgreSQL never folds two).</summary>
    public const string Channel = "nexus_jobs";

    // Hangfire.PostgreSql's queue insert and the notification in one statement (one round trip per enqueue, not two).
    internal const string EnqueueSql = $"""
        with queued as (insert into "{Nexus.Jobs.Storage.Migrator.HangfireSchema}"."jobqueue" ("jobid", "queue") values (@JobId, @Queue) returning 1)
        select pg_notify(@Channel, @Payload) from queued
        """;

    private readonly PostgreSqlStorage _storage;
    private readonly IPersistentJobQueueProvider _inner;
    private readonly bool _notify;
    private readonly ConcurrentDictionary<PostgreSqlJobQueue, string[]> _waiting = new();
    private readonly ConcurrentDictionary<Waiter, byte> _platformWaiting = new();
    private int _next;

    /// <param name="storage">The storage whose queues this serves (its schema is <see cref="Nexus.Jobs.Storage.Migrator.HangfireSchema"/>).</param>
    /// <param name="queues">Every queue the platform's servers fetch from.</param>
    /// <param name="notify">Whether enqueues notify other processes (<c>Nexus:Workers:LongPolling</c>).</param>
    public QueueWakeUp(PostgreSqlStorage storage, IEnumerable<string> queues, bool notify)
    {
        _storage = storage;
        _notify = notify;
        _inner = storage.QueueProviders.GetProvider(Queues.Default);
        storage.QueueProviders.Add(this, queues);
    }

    /// <summary>Identifies this process's notifications, which its listener ignores (the in-process signal covers them).</summary>
    public string SenderId { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Workers of this process waiting in a dequeue right now.</summary>
    public int Waiting => _waiting.Count + _platformWaiting.Count;

    /// <summary>Registers a fetch of the platform storage as waiting on <paramref name="queues"/> until the result is disposed.</summary>
    internal Waiter Wait(string[] queues)
    {
        var waiter = new Waiter(this, queues);
        _platformWaiting[waiter] = 0;
        return waiter;
    }

    /// <summary>Wakes one platform fetch waiting on <paramref name="queue"/> (an enqueue of this process committed).</summary>
    internal void WakeOneLocal(string queue)
    {
        var candidates = _platformWaiting.Keys.Where(w => w.Queues.Contains(queue, StringComparer.Ordinal)).ToArray();
        if (candidates.Length > 0)
        {
            candidates[(int)((uint)Interlocked.Increment(ref _next) % candidates.Length)].Wake();
        }
    }

    /// <summary>A platform fetch's registration: signalled by a wake-up, sticky until the fetch looks again.</summary>
    internal sealed class Waiter(QueueWakeUp owner, string[] queues) : IDisposable
    {
        private readonly SemaphoreSlim _signal = new(0, 1);

        public string[] Queues { get; } = queues;

        public void Wake()
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // already signalled: one look finds everything enqueued meanwhile
            }
            catch (ObjectDisposedException)
            {
                // the fetch has finished
            }
        }

        /// <summary>True when woken, false when the poll interval passed.</summary>
        public bool WaitOne(TimeSpan timeout, CancellationToken cancellationToken) => _signal.Wait(timeout, cancellationToken);

        public void Dispose()
        {
            owner._platformWaiting.TryRemove(this, out _);
            _signal.Dispose();
        }
    }

    public PostgreSqlStorage Storage => _storage;

    public bool Notifies => _notify;

    /// <summary>Set when the platform storage fetches through this wake-up (<c>Nexus:Workers:Storage=platform</c>).</summary>
    internal bool ServesPlatformStorage { get; set; }

    public IPersistentJobQueue GetJobQueue() => new Queue(this, new PostgreSqlJobQueue(_storage));

    public IPersistentJobQueueMonitoringApi GetJobQueueMonitoringApi() => new Monitoring(_inner.GetJobQueueMonitoringApi());

    /// <summary>Wakes one worker waiting on <paramref name="queue"/> (a different one each time).</summary>
    public void WakeOne(string queue)
    {
        var candidates = _waiting.Where(w => w.Value.Contains(queue, StringComparer.Ordinal)).Select(w => w.Key).ToArray();
        if (candidates.Length > 0)
        {
            candidates[(int)((uint)Interlocked.Increment(ref _next) % candidates.Length)].FetchNextJob();
        }
        WakeOneLocal(queue);
    }

    /// <summary>Wakes every waiting worker (after the listener reconnects: notifications may have been missed).</summary>
    public void WakeAll()
    {
        foreach (var queue in _waiting.Keys)
        {
            queue.FetchNextJob();
        }
        foreach (var waiter in _platformWaiting.Keys)
        {
            waiter.Wake();
        }
    }

    /// <summary>
    /// The dashboard lists queues by asking every provider for its queues; Hangfire.PostgreSql's default provider
    /// already names every queue in the table, so this one names none (else each queue would be listed twice) and
    /// answers the per-queue questions as the default does.
    /// </summary>
    private sealed class Monitoring(IPersistentJobQueueMonitoringApi inner) : IPersistentJobQueueMonitoringApi
    {
        public IEnumerable<string> GetQueues() => [];

        public IEnumerable<long> GetEnqueuedJobIds(string queue, int from, int perPage) => inner.GetEnqueuedJobIds(queue, from, perPage);

        public IEnumerable<long> GetFetchedJobIds(string queue, int from, int perPage) => inner.GetFetchedJobIds(queue, from, perPage);

        public EnqueuedAndFetchedCountDto GetEnqueuedAndFetchedCount(string queue) => inner.GetEnqueuedAndFetchedCount(queue);
    }

    private sealed class Queue(QueueWakeUp owner, PostgreSqlJobQueue inner) : IPersistentJobQueue
    {
        public IFetchedJob Dequeue(string[] queues, CancellationToken cancellationToken)
        {
            owner._waiting[inner] = queues;
            try
            {
                return inner.Dequeue(queues, cancellationToken);
            }
            finally
            {
                owner._waiting.TryRemove(inner, out _);
            }
        }

        public void Enqueue(IDbConnection connection, string queue, string jobId)
        {
            // Hangfire.PostgreSql signals its own waiting dequeues when the enqueue commits; the platform storage's
            // fetches wait on this class instead, so they are signalled the same way.
            if (owner.ServesPlatformStorage && System.Transactions.Transaction.Current is { } transaction)
            {
                transaction.TransactionCompleted += (_, e) =>
                {
                    if (e.Transaction?.TransactionInformation.Status == System.Transactions.TransactionStatus.Committed)
                    {
                        owner.WakeOneLocal(queue);
                    }
                };
            }
            if (!owner._notify)
            {
                inner.Enqueue(connection, queue, jobId);
                return;
            }
            connection.Execute(EnqueueSql, new
            {
                JobId = long.Parse(jobId, System.Globalization.CultureInfo.InvariantCulture),
                Queue = queue,
                Channel,
                Payload = $"{owner.SenderId}:{queue}:{jobId}",
            });
        }
    }
}

/// <summary>One LISTEN connection per worker process; a notification from another process wakes one local worker.</summary>
public sealed class QueueListener(NpgsqlDataSource dataSource, QueueWakeUp wakeUp, ILogger<QueueListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!wakeUp.Notifies)
        {
            return;
        }
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await using (var listen = new NpgsqlCommand($"listen {QueueWakeUp.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                wakeUp.WakeAll(); // anything enqueued while we were not listening
                delay = TimeSpan.FromMilliseconds(100);
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                // Workers still poll every QueuePollInterval meanwhile; nothing is lost, pickup is only slower.
                logger.LogWarning(e, "Job notification listener lost its connection; reconnecting in {Delay}", delay);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }

    private void OnNotification(string payload)
    {
        var parts = payload.Split(':', 3);
        if (parts.Length == 3 && parts[0] != wakeUp.SenderId)
        {
            wakeUp.WakeOne(parts[1]);
        }
    }
}
