using Microsoft.Extensions.DependencyInjection;
using Nexus.Jobs.Client;

namespace Nexus.Jobs.Example;

/// <summary>The client in an application's services, from IHttpClientFactory.</summary>
public static class Registration
{
    /// <summary>Registers <see cref="NexusJobsClient"/>; inject it where it is needed.</summary>
    public static IHttpClientBuilder AddNexusJobs(this IServiceCollection services, Uri baseAddress, string apiKey) =>
        services.AddNexusJobsClient(options =>
        {
            options.BaseAddress = baseAddress;
            options.ApiKey = apiKey;
        });
    // Retrying is the caller's choice: add e.g. .AddStandardResilienceHandler() (Microsoft.Extensions.Http.Resilience)
    // to the builder returned here; it honours Retry-After. Give POSTs an Idempotency-Key when they may be sent again.
}
