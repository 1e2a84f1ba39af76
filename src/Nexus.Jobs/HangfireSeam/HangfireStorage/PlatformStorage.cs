using Hangfire;
using Hangfire.Logging;
using Hangfire.PostgreSql;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Nexus.Jobs.HangfireSeam.HangfireStorage;

/// <summary>
/// The platform's Hangfire storage: serves a worker's hot path (fetch, job state lock, job read, state transactions,
/// acknowledge) itself over Hangfire.PostgreSql's schema and delegates everything else to Hangfire.PostgreSql (ADR 0013).
/// </summary>
/// <remarks>
/// Every process that shares a database must use the same storage: the job state lock here is a PostgreSQL advisory lock,
/// which Hangfire.PostgreSql's lock rows do not exclude (and the other way round).
/// </remarks>
public sealed class PlatformStorage : JobStorage, IDisposable
{
    /// <summary>The advisory-lock class (first key of the two-key form) of every job state lock taken here ("NXJ").</summary>
    internal const string JobLockClass = "5134410";

    private readonly FetchKeepAlive _keepAlive;

    /// <param name="inner">Hangfire.PostgreSql over the same schema: the dashboard, monitoring, servers, sets, hashes, lists.</param>
    /// <param name="hotPath">Connections for the hot path: no reset on return, no enlistment, the lock timeout set per session.</param>
    /// <param name="shared">The service's data source (enlists in a TransactionScope, as the dispatcher needs).</param>
    /// <param name="wakeUp">The queue wake-up this storage's fetches wait on and its enqueues signal.</param>
    public PlatformStorage(PostgreSqlStorage inner, NpgsqlDataSource hotPath, NpgsqlDataSource shared, QueueWakeUp wakeUp, PlatformStorageSettings settings,
        ILogger logger)
    {
        Logger = logger;
        wakeUp.ServesPlatformStorage = true;
        Inner = inner;
        HotPath = hotPath;
        Shared = shared;
        WakeUp = wakeUp;
        Settings = settings;
        JobExpirationTimeout = inner.JobExpirationTimeout;
        _keepAlive = new FetchKeepAlive(this);
        _ = Task.Run(WarmUp);
    }

    private void WarmUp()
    {
        try
        {
            PlatformConnection.WarmUp(this);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
        {
            // Only the first job is slower; the database being away is reported by whatever needs it next.
            Logger.LogDebug(e, "Hangfire storage warm-up did not run");
        }
    }

    public PostgreSqlStorage Inner { get; }

    internal NpgsqlDataSource HotPath { get; }

    internal NpgsqlDataSource Shared { get; }

    internal QueueWakeUp WakeUp { get; }

    internal PlatformStorageSettings Settings { get; }

    internal ILogger Logger { get; }

    internal FetchKeepAlive KeepAlive => _keepAlive;

    /// <summary>The feature Hangfire's Worker checks before it lets the Succeeded transaction remove the queue entry.</summary>
    public static string TransactionalAcknowledge { get; } = JobStorageFeatures.Transaction.RemoveFromQueue(typeof(PlatformFetchedJob));

    public override bool LinearizableReads => Inner.LinearizableReads;

    public override IMonitoringApi GetMonitoringApi() => Inner.GetMonitoringApi();

    public override IStorageConnection GetConnection() => new PlatformConnection(this);

    [Obsolete("Hangfire's own obsolescence, inherited: Hangfire.PostgreSql still provides its expiration and counter aggregation as components.")]
    public override IEnumerable<IServerComponent> GetComponents() => Inner.GetComponents();

    public override IEnumerable<IBackgroundProcess> GetServerRequiredProcesses() => Inner.GetServerRequiredProcesses();

    public override IEnumerable<IBackgroundProcess> GetStorageWideProcesses() => Inner.GetStorageWideProcesses();

    public override IEnumerable<IStateHandler> GetStateHandlers() => Inner.GetStateHandlers();

    public override bool HasFeature(string featureId) =>
        featureId == TransactionalAcknowledge || Inner.HasFeature(featureId);

    public override void WriteOptionsToLog(ILog logger)
    {
        logger.Info("Using the platform's PostgreSQL storage path (advisory job locks, batched transactions) over Hangfire.PostgreSql's schema.");
        Inner.WriteOptionsToLog(logger);
    }

    public override string ToString() => Inner.ToString();

    public void Dispose()
    {
        _keepAlive.Dispose();
        HotPath.Dispose();
    }
}

/// <summary>What the platform storage needs of the worker settings.</summary>
/// <param name="InvisibilityTimeout">A fetched job whose fetch is older than this (and not kept alive) is fetched again.</param>
/// <param name="QueuePollInterval">How long an idle fetch waits for a wake-up before it looks again.</param>
public sealed record PlatformStorageSettings(TimeSpan InvisibilityTimeout, TimeSpan QueuePollInterval);
