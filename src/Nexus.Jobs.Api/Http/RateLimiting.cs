using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Nexus.Jobs.Api.Auth;
using Nexus.Jobs.Api.Errors;

namespace Nexus.Jobs.Api.Http;

/// <summary><c>Nexus:RateLimit</c>: a token bucket per API key (and per client address for requests without a valid key).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Nexus:RateLimit";

    /// <summary>Sustained requests per second per key; 0 turns rate limiting off.</summary>
    [Range(0, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 200;

    /// <summary>Requests a key may make at once above the sustained rate.</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 400;

    /// <summary>The same for requests that carry no valid key (they can only fail, so a small budget: it slows key guessing).</summary>
    [Range(1, 1_000_000)]
    public int AnonymousRequestsPerSecond { get; set; } = 20;
}

/// <summary>Registers the limiter; rejected requests get 429 with Retry-After and code RATE_LIMITED.</summary>
public static class RateLimiting
{
    public const string Code = "RATE_LIMITED";

    public static IServiceCollection AddNexusRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var settings = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                if (settings.RequestsPerSecond == 0)
                {
                    return RateLimitPartition.GetNoLimiter("off");
                }
                var key = http.User.FindFirst(ApiKeyAuthenticationHandler.KeyClaim)?.Value;
                if (key is not null)
                {
                    return RateLimitPartition.GetTokenBucketLimiter("key:" + key, _ => Bucket(settings.RequestsPerSecond, settings.Burst));
                }
                var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetTokenBucketLimiter("ip:" + address, _ => Bucket(settings.AnonymousRequestsPerSecond, settings.AnonymousRequestsPerSecond * 2));
            });
            options.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await Problems.WriteAsync(http, StatusCodes.Status429TooManyRequests, Code, "Too many requests",
                    $"This API key is over its request rate; retry after {retryAfter} s.");
            };
        });
        return services;
    }

    private static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = Math.Max(1, burst),
        TokensPerPeriod = Math.Max(1, perSecond),
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
