using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.States;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Nexus.Jobs.AiJobs;
using Nexus.Jobs.Api;
using Nexus.Jobs.Execution;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.Benchmarks;

/// <summary>When each job started running (Stopwatch ticks), keyed by the token it was dispatched with.</summary>
/// <remarks>
/// Waiting is signalled, not polled: an earlier version checked every 0.5 ms, and on 2 cores those wake-ups (a timer
/// and a thread-pool thread each time, spinning before they sleep) slowed the very pickups they timed about threefold,
/// for bare Hangfire and the platform alike.
/// </remarks>
public static class Started
{
    public static readonly ConcurrentDictionary<string, long> At = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Waiters = new(StringComparer.Ordinal);

    public static void Mark(string token)
    {
        At.TryAdd(token, Stopwatch.GetTimestamp());
        if (Waiters.TryRemove(token, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>Completes when the job with <paramref name="token"/> has started (at once if it already has).</summary>
    public static async Task WhenStartedAsync(string token, TimeSpan within)
    {
        var waiter = Waiters.GetOrAdd(token, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (At.ContainsKey(token)) // marked before the waiter was registered
        {
            Waiters.TryRemove(token, out _);
            return;
        }
        await waiter.Task.WaitAsync(within);
    }
}

/// <summary>
/// Counts the jobs of this process that reached Succeeded, so a burn-down learns it is done without querying the
/// database it is measuring (a count over the job table every 25 ms competed with the workers for the same 2 cores).
/// </summary>
public sealed class Completions : IApplyStateFilter
{
    private static int _count;
    private static long _last;

    public static int Count => Volatile.Read(ref _count);

    /// <summary>When the latest Succeeded state was applied (Stopwatch ticks; its transaction commits right after).</summary>
    public static long Last => Interlocked.Read(ref _last);

    public static void Reset()
    {
        Volatile.Write(ref _count, 0);
        Interlocked.Exchange(ref _last, 0);
    }

    public void OnStateApplied(ApplyStateContext context, Hangfire.Storage.IWriteOnlyTransaction transaction)
    {
        if (context.NewState is SucceededState)
        {
            Interlocked.Exchange(ref _last, Stopwatch.GetTimestamp());
            Interlocked.Increment(ref _count);
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, Hangfire.Storage.IWriteOnlyTransaction transaction)
    {
    }
}

/// <summary>
/// Where an idle job's pickup goes (Stopwatch ticks per token): the worker applying Processing (after its fetch, the
/// state lock and the job's read, before that transaction commits) and Hangfire starting to perform it. A global filter,
/// so bare Hangfire's jobs and the platform's pass the same points.
/// </summary>
public sealed class PickupStages : IApplyStateFilter, Hangfire.Server.IServerFilter
{
    public static readonly ConcurrentDictionary<string, long> ProcessingApplied = new(StringComparer.Ordinal);
    public static readonly ConcurrentDictionary<string, long> Performing = new(StringComparer.Ordinal);

    // Both bare Hangfire's no-op and the platform's runner take the token (the platform's public job id) first.
    private static string? Token(Hangfire.Common.Job? job) => job?.Args.Count > 0 ? job.Args[0] as string : null;

    public void OnStateApplied(ApplyStateContext context, Hangfire.Storage.IWriteOnlyTransaction transaction)
    {
        if (context.NewState is ProcessingState && Token(context.BackgroundJob.Job) is { } token)
        {
            ProcessingApplied.TryAdd(token, Stopwatch.GetTimestamp());
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, Hangfire.Storage.IWriteOnlyTransaction transaction)
    {
    }

    public void OnPerforming(Hangfire.Server.PerformingContext context)
    {
        if (Token(context.BackgroundJob.Job) is { } token)
        {
            Performing.TryAdd(token, Stopwatch.GetTimestamp());
        }
    }

    public void OnPerformed(Hangfire.Server.PerformedContext context)
    {
    }
}

/// <summary>The platform's no-op job: the handler returns at once, so what is measured is the platform.</summary>
public sealed class NoOpHandler : IJobHandler
{
    public const string JobType = "pricing_recalculate";
    private static readonly JsonObject Empty = [];

    public string Type => JobType;

    public Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken)
    {
        Started.Mark(job.JobId);
        return Task.FromResult(Empty);
    }

    public static JobRequest Request(Priority priority = Priority.Normal)
    {
        JobTypes.TryGet(JobType, out var type);
        return new JobRequest(type!, priority, Params.RootElement);
    }

    private static readonly JsonDocument Params = JsonDocument.Parse("""{"skus":["SKU-1"],"marketplace":"amazon_us","apply":false}""");
}

/// <summary>The whole service in-process (the same wiring as Program.cs, Production settings), with the no-op handler.</summary>
public sealed class PlatformHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IAsyncDisposable _database;

    private PlatformHost(WebApplication app, IAsyncDisposable database)
    {
        _app = app;
        _database = database;
    }

    public IServiceProvider Services => _app.Services;

    public JobDispatcher Dispatcher => _app.Services.GetRequiredService<JobDispatcher>();

    public static Dictionary<string, string?> Settings(string connectionString, string roles, int workers) => new()
    {
        ["ConnectionStrings:Jobs"] = connectionString,
        ["Nexus:Roles"] = roles,
        ["Nexus:Workers:WorkerCount"] = workers.ToString(CultureInfo.InvariantCulture),
        ["AiJobs:MaxQueuedPerWorkspace"] = "10000000",
        // The benchmark measures the platform's own storage path (issue 14) whatever the default.
        ["Nexus:Workers:Storage"] = WorkerOptions.PlatformStorageName,
        ["Logging:LogLevel:Default"] = "Warning",
        ["Urls"] = "http://127.0.0.1:0",
    };

    public static async Task<PlatformHost> StartAsync(IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        var database = await builder.AddNexusJobsAsync();
        builder.Services.AddSingleton<IJobHandler, NoOpHandler>();
        var app = builder.Build();
        app.MapNexusJobs();
        await app.StartAsync();
        return new PlatformHost(app, database);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>Bare Hangfire on Hangfire.PostgreSql: the baselines.</summary>
public sealed class BareHangfire : IDisposable
{
    private BackgroundJobServer? _server;

    private BareHangfire(PostgreSqlStorage storage, NpgsqlDataSource? dataSource, int workers, bool platformSettings)
    {
        Storage = storage;
        DataSource = dataSource;
        Workers = workers;
        PlatformSettings = platformSettings;
        Client = new BackgroundJobClient(storage);
    }

    public PostgreSqlStorage Storage { get; }

    public NpgsqlDataSource? DataSource { get; }

    public int Workers { get; }

    public bool PlatformSettings { get; }

    public BackgroundJobClient Client { get; }

    /// <summary>Hangfire.PostgreSql exactly as it comes (15 s queue poll, 30 min invisibility, no long polling).</summary>
    public static BareHangfire Defaults(string connectionString, int workers)
    {
        var options = new PostgreSqlStorageOptions();
        return new BareHangfire(new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options), null, workers, false);
    }

    /// <summary>Hangfire.PostgreSql with the storage settings the platform uses (HangfireSetup), nothing else of the platform.</summary>
    public static BareHangfire WithPlatformSettings(string connectionString, int workers)
    {
        var defaults = new WorkerOptions();
        var options = new PostgreSqlStorageOptions
        {
            QueuePollInterval = defaults.QueuePollInterval,
            InvisibilityTimeout = defaults.InvisibilityTimeout,
            UseSlidingInvisibilityTimeout = true,
            DistributedLockTimeout = defaults.DistributedLockTimeout,
            EnableLongPolling = false, // the platform turns Hangfire.PostgreSql's long polling off (QueueWakeUp instead)
            EnableTransactionScopeEnlistment = true,
        };
        var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        return new BareHangfire(new PostgreSqlStorage(new DataSourceFactory(dataSource), options), dataSource, workers, true);
    }

    public string Create(string token, string queue = "default") =>
        Client.Create(Hangfire.Common.Job.FromExpression(() => BareJobs.NoOp(token), queue), new EnqueuedState(queue));

    public void StartServer(params string[] queues)
    {
        var defaults = new WorkerOptions();
        var options = new BackgroundJobServerOptions
        {
            WorkerCount = Workers,
            Queues = queues.Length == 0 ? ["default"] : queues,
            ServerName = $"bench-{Guid.NewGuid():N}"[..16],
            // Hangfire.AspNetCore points the static JobActivator.Current at a host's services; after a platform host has
            // run in this process that provider is disposed, so bare Hangfire gets an activator of its own.
            Activator = new JobActivator(),
        };
        if (PlatformSettings)
        {
            options.SchedulePollingInterval = defaults.SchedulePollingInterval;
        }
        _server = new BackgroundJobServer(options, Storage);
    }

    public void Dispose()
    {
        _server?.SendStop();
        _server?.Dispose();
        DataSource?.Dispose();
    }

    private sealed class DataSourceFactory(NpgsqlDataSource dataSource) : IConnectionFactory
    {
        public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();
    }
}

/// <summary>Bare Hangfire's no-op job.</summary>
public static class BareJobs
{
    public static void NoOp(string token) => Started.Mark(token);
}
