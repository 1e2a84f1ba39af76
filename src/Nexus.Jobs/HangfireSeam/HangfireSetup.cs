using Hangfire;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.HangfireSeam.HangfireStorage;
using Nexus.Jobs.Platform;
using Nexus.Jobs.Storage;
using Npgsql;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>Registers Hangfire: its storage, client, filters and entry points, and (for the worker role) its servers.</summary>
public static class HangfireSetup
{
    /// <summary>Hangfire's storage (the platform path or stock Hangfire.PostgreSql), client, filters and the entry points it activates.</summary>
    public static IServiceCollection AddHangfireSeam(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(sp =>
        {
            var workers = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var storageOptions = new PostgreSqlStorageOptions
            {
                SchemaName = Migrator.HangfireSchema,
                PrepareSchemaIfNecessary = false, // Migrator installs it at start, under our lock
                QueuePollInterval = workers.QueuePollInterval,
                InvisibilityTimeout = workers.InvisibilityTimeout,
                UseSlidingInvisibilityTimeout = true,
                DistributedLockTimeout = workers.DistributedLockTimeout,
                // Hangfire.PostgreSql's long polling opens a listening connection per dequeue and wakes every worker per
                // job; QueueWakeUp does the same job with one listener per process (ADR 0008).
                EnableLongPolling = false,
                // Lets Hangfire's job creation join the dispatcher's TransactionScope (one record, one job, one commit).
                EnableTransactionScopeEnlistment = true,
            };
            var storage = new PostgreSqlStorage(new DataSourceConnectionFactory(sp.GetRequiredService<NpgsqlDataSource>()), storageOptions);
            return new QueueWakeUp(storage, Queues.All, notify: workers.LongPolling);
        });
        services.AddSingleton<JobStorage>(sp =>
        {
            var wakeUp = sp.GetRequiredService<QueueWakeUp>();
            var workers = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            if (!workers.UsesPlatformStorage)
            {
                return wakeUp.Storage;
            }
            return new PlatformStorage(wakeUp.Storage, HotPathDataSource(connectionString, workers), sp.GetRequiredService<NpgsqlDataSource>(), wakeUp,
                new PlatformStorageSettings(workers.InvisibilityTimeout, workers.QueuePollInterval),
                sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PlatformStorage>>());
        });
        services.AddSingleton<PlatformJobs>();
        services.AddSingleton<HangfireServers>();
        services.AddSingleton<PerTypeRetryFilter>();
        services.AddSingleton<CallbackRetryFilter>();
        services.AddSingleton<JobOutcomeFilter>();
        services.AddSingleton<TracingFilter>();
        services.AddSingleton<JobRecordPrefetch>();
        services.AddSingleton<JobCompletion>();
        services.AddSingleton<IJobFilterProvider, NexusJobFilterProvider>();

        // Ours, not Hangfire's static JobActivator.Current, so each host runs jobs with its own services.
        services.AddSingleton<JobActivator>(sp => new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, config) => config
            .UseLogProvider(new ResilientLogProvider(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseTypeResolver(StoredJobTypes.Resolve)
            .UseRecommendedSerializerSettings());
        services.AddScoped<AiJobRunner>();
        services.AddScoped<CallbackSender>();
        return services;
    }

    /// <summary>Adds the Hangfire server that runs jobs from the three priority queues (and the callback server beside it).</summary>
    public static IServiceCollection AddNexusWorkers(this IServiceCollection services)
    {
        services.AddHangfireServer((sp, server) =>
        {
            var workers = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            server.WorkerCount = workers.WorkerCount;
            server.Queues = Queues.All;
            // StopTimeout is the grace running jobs get before their cancellation token fires (Hangfire's default is
            // none); ShutdownTimeout is how long Hangfire then waits for the workers to return.
            server.StopTimeout = workers.ShutdownTimeout;
            server.ShutdownTimeout = workers.ShutdownTimeout + TimeSpan.FromSeconds(5);
            server.SchedulePollingInterval = workers.SchedulePollingInterval;
            server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";
        });
        // The host must wait for Hangfire's grace and shutdown, or it would cut them short.
        services.AddOptions<Microsoft.Extensions.Hosting.HostOptions>().Configure<IOptions<WorkerOptions>>((host, workers) =>
            host.ShutdownTimeout = workers.Value.ShutdownTimeout + TimeSpan.FromSeconds(10));
        services.AddHostedService<StuckFetchReaper>();
        services.AddHostedService<QueueListener>();
        services.AddNexusCallbackServer();
        return services;
    }

    /// <summary>The callback server: its own few workers on the callback queue only, and the outbox sweeper.</summary>
    /// <remarks>
    /// A separate server, not more queues on the AI-job server: Hangfire.PostgreSql fetches queues in alphabetical order,
    /// so a shared server would serve 'callbacks' before '2_normal', and slow receivers would hold AI-job workers.
    /// </remarks>
    private static IServiceCollection AddNexusCallbackServer(this IServiceCollection services)
    {
        services.AddHangfireServer((sp, server) =>
        {
            var settings = sp.GetRequiredService<IOptions<CallbackOptions>>().Value;
            var workers = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            server.WorkerCount = settings.WorkerCount;
            server.Queues = [CallbackOptions.Queue];
            server.StopTimeout = workers.ShutdownTimeout;
            server.ShutdownTimeout = workers.ShutdownTimeout + TimeSpan.FromSeconds(5);
            server.SchedulePollingInterval = workers.SchedulePollingInterval;
            server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:callbacks-{Guid.NewGuid().ToString("N")[..6]}";
        });
        services.AddHostedService<CallbackOutboxSweeper>();
        return services;
    }

    /// <summary>
    /// The platform storage's own connections: returned to the pool without <c>DISCARD ALL</c> (they hold no session
    /// state but prepared statements, which are the point), never enlisted (the dispatcher's TransactionScope goes through
    /// Hangfire.PostgreSql and the shared data source), statements auto-prepared, and a job state lock waits at most
    /// <see cref="WorkerOptions.DistributedLockTimeout"/>.
    /// </summary>
    internal static NpgsqlDataSource HotPathDataSource(string connectionString, WorkerOptions workers)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            NoResetOnClose = true,
            Enlist = false,
            MaxAutoPrepare = 32,
            AutoPrepareMinUsages = 2,
        };
        var lockTimeout = $"-c lock_timeout={(long)workers.DistributedLockTimeout.TotalMilliseconds}";
        builder.Options = string.IsNullOrEmpty(builder.Options) ? lockTimeout : $"{builder.Options} {lockTimeout}";
        return new NpgsqlDataSourceBuilder(builder.ConnectionString) { Name = "nexus-hangfire" }.Build();
    }

    private sealed class DataSourceConnectionFactory(NpgsqlDataSource dataSource) : IConnectionFactory
    {
        public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();
    }
}
