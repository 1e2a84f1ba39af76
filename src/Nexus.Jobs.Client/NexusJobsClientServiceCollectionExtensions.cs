using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Nexus.Jobs.Client;

/// <summary>Registers <see cref="NexusJobsClient"/> as a typed client of IHttpClientFactory.</summary>
public static class NexusJobsClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="NexusJobsClient"/> (transient, over a pooled <see cref="HttpClient"/>) configured by <paramref name="configure"/>.
    /// The returned builder takes handlers, e.g. <c>.AddStandardResilienceHandler()</c> from Microsoft.Extensions.Http.Resilience
    /// for retries that honour <c>Retry-After</c>; the client itself never retries.
    /// </summary>
    public static IHttpClientBuilder AddNexusJobsClient(this IServiceCollection services, Action<NexusJobsClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<NexusJobsClientOptions>()
            .Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true }, "NexusJobsClientOptions.BaseAddress must be an absolute URI.");
        var builder = services.AddHttpClient(nameof(NexusJobsClient));
        builder.AddTypedClient((http, provider) => new NexusJobsClient(http, provider.GetRequiredService<IOptions<NexusJobsClientOptions>>().Value));
        return builder;
    }
}
