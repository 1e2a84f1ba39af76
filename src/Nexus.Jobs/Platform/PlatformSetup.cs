using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Execution;
using Nexus.Jobs.HangfireSeam;
using Npgsql;

namespace Nexus.Jobs.Platform;

/// <summary>Registers the engine: options, the data source, Hangfire (<see cref="HangfireSetup.AddHangfireSeam"/>), dispatch, status, execution and the features.</summary>
public static class PlatformSetup
{
    public static IServiceCollection AddNexusEngine(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        services.AddOptions<NexusOptions>().BindConfiguration(NexusOptions.Section).ValidateDataAnnotations()
            .Validate(o => NexusOptions.ParseRoles(o.Roles) is not null, "Nexus:Roles must be 'api', 'worker' or 'api,worker'.")
            .ValidateOnStart();
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AiJobsOptions>().BindConfiguration(AiJobsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AiJobsOptions>, AiJobsOptionsValidator>();

        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString) { Name = "nexus" }.Build());
        services.AddHangfireSeam(connectionString);

        services.AddHttpClient<RemoteWorkerExecutor>(RemoteWorkerExecutor.HttpClientName, client =>
            client.Timeout = Timeout.InfiniteTimeSpan); // per-type timeouts are applied per call
        services.AddScoped<JobExecutors>();
        services.AddSingleton<JobDispatcher>();
        services.AddSingleton<DispatchTransaction>();
        services.AddSingleton<QueuedJobsCap>();
        services.AddSingleton<DispatchEstimates>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<JobStatusReader>();
        services.AddSingleton<StatusSnapshotReader>();
        services.AddSingleton<JobCanceller>();
        services.AddSingleton<Auth.ApiKeys>();
        services.AddSingleton<Catalog.CatalogStore>();
        services.AddNexusCallbacks();
        Language.LanguageSetup.AddLanguage(services);
        AiJobs.Handlers.HandlerSetup.AddBuiltInHandlers(services);
        return services;
    }
}
