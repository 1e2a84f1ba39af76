using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Execution;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>Registers the six built-in handlers and the outside services they use.</summary>
public static class HandlerSetup
{
    public static IServiceCollection AddBuiltInHandlers(this IServiceCollection services)
    {
        services.AddOptions<HandlerOptions>().BindConfiguration(HandlerOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.PriceSources.All(s => IsHttpUrl(s.Url)) && o.Assistants.All(a => IsHttpUrl(a.BaseUrl)),
                "AiJobs:Handlers:PriceSources:*:Url and AiJobs:Handlers:Assistants:*:BaseUrl must be absolute http(s) URLs.")
            .Validate(o => o.PriceSources.Select(s => s.Name).Distinct().Count() == o.PriceSources.Count
                && o.Assistants.Select(a => a.Name).Distinct().Count() == o.Assistants.Count,
                "Price source and assistant names must be unique.")
            .ValidateOnStart();
        // Timeouts are per call (each source and assistant has its own).
        services.AddHttpClient<PriceSourceClient>(PriceSourceClient.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHttpClient<AssistantClient>(AssistantClient.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<TextModels>();
        services.AddSingleton<IJobHandler, PricingHandler>();
        services.AddSingleton<IJobHandler, ReviewSentimentHandler>();
        services.AddSingleton<IJobHandler, ReturnClassifyHandler>();
        services.AddTransient<IJobHandler, CompetitorScanHandler>();
        services.AddTransient<IJobHandler, VisibilityHandler>();
        services.AddSingleton<IJobHandler, ListingHandler>();
        return services;
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
