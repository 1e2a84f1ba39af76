using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Nexus.Jobs.AiJobs;

namespace Nexus.Jobs.Platform;

/// <summary>Which parts of the platform a process runs (<c>Nexus:Roles</c>).</summary>
[Flags]
public enum Roles
{
    Api = 1,
    Worker = 2,
}

/// <summary><c>Nexus</c> section.</summary>
public sealed class NexusOptions
{
    public const string Section = "Nexus";

    /// <summary>Comma-separated: <c>api</c>, <c>worker</c>, or both (the default).</summary>
    [Required]
    public string Roles { get; set; } = "api,worker";

    public Roles ParsedRoles() => ParseRoles(Roles) ?? throw new InvalidOperationException($"Invalid Nexus:Roles '{Roles}'");

    public static Roles? ParseRoles(string? value)
    {
        Roles roles = 0;
        foreach (var part in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part.ToLowerInvariant())
            {
                case "api": roles |= Platform.Roles.Api; break;
                case "worker": roles |= Platform.Roles.Worker; break;
                default: return null;
            }
        }
        return roles == 0 ? null : roles;
    }
}

/// <summary><c>Nexus:Workers</c>: the Hangfire server of a worker-role process.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Nexus:Workers";

    [Range(1, 500)]
    public int WorkerCount { get; set; } = 10;

    /// <summary>The platform's own storage path (<c>platform</c>, ADR 0013) or stock Hangfire.PostgreSql (<c>hangfire-postgresql</c>), the escape hatch.</summary>
    [Required]
    [RegularExpression("^(platform|hangfire-postgresql)$", ErrorMessage = "Nexus:Workers:Storage must be 'platform' or 'hangfire-postgresql'.")]
    public string Storage { get; set; } = PlatformStorageName;

    public const string PlatformStorageName = "platform";

    public const string HangfirePostgreSqlStorageName = "hangfire-postgresql";

    public bool UsesPlatformStorage => Storage == PlatformStorageName;

    /// <summary>Fallback poll when no notification arrives (long polling and in-process signals wake workers at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.05", "00:10:00")]
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a fetched job stays invisible; kept alive while it runs (sliding), so this is how fast a dead worker's jobs come back.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>LISTEN/NOTIFY wake-up across processes: one listener per process, one NOTIFY per enqueue (QueueWakeUp).</summary>
    public bool LongPolling { get; set; } = true;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long Hangfire waits for a distributed lock, and after how long an abandoned one expires. A lock whose release
    /// was lost (the database went away mid-transition) blocks that job until it expires; Hangfire.PostgreSql's 10-minute
    /// default would stall such a job for ten minutes. Locks are held for milliseconds here, so 30 s is ample.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan DistributedLockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often scheduled retries are moved back to their queue.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:10:00")]
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Retry policy of one job type.</summary>
public sealed class RetryPolicy
{
    /// <summary>Retries after the first attempt.</summary>
    [Range(0, 100)]
    public int Attempts { get; set; } = 2;

    /// <summary>The back-off used when <see cref="DelaysSeconds"/> is not configured.</summary>
    public static readonly int[] DefaultDelaysSeconds = [10, 60];

    /// <summary>Back-off before retry n (the last value repeats); empty means <see cref="DefaultDelaysSeconds"/>.</summary>
    /// <remarks>Empty rather than pre-filled: configuration binding would merge configured items into a pre-filled array.</remarks>
    public int[] DelaysSeconds { get; set; } = [];

    public int[] EffectiveDelaysSeconds => DelaysSeconds.Length == 0 ? DefaultDelaysSeconds : DelaysSeconds;

    /// <summary>The delays as Hangfire's <c>AutomaticRetryAttribute.DelaysInSeconds</c> wants them: one per attempt.</summary>
    public int[] DelaysPerAttempt() => PerAttempt(EffectiveDelaysSeconds, Attempts);

    /// <summary>One delay per attempt, the last repeating, so Hangfire never indexes past the end.</summary>
    public static int[] PerAttempt(int[] delays, int attempts) =>
        Enumerable.Range(0, Math.Max(1, attempts)).Select(i => delays[Math.Min(i, delays.Length - 1)]).ToArray();
}

/// <summary>One remote worker fleet endpoint.</summary>
public sealed class RemoteWorkerOptions
{
    [Required]
    public string Url { get; set; } = "";

    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 120;
}

/// <summary><c>AiJobs</c> section.</summary>
public sealed class AiJobsOptions
{
    public const string Section = "AiJobs";

    /// <summary>Jobs a workspace may have waiting at once before dispatch answers 429 QUEUE_FULL.</summary>
    [Range(1, 10_000_000)]
    public int MaxQueuedPerWorkspace { get; set; } = 1000;

    public RetryPolicy DefaultRetry { get; set; } = new();

    /// <summary>Per job type overrides of <see cref="DefaultRetry"/>.</summary>
    public Dictionary<string, RetryPolicy> Retry { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Job types routed to a remote worker fleet instead of the built-in handler.</summary>
    public Dictionary<string, RemoteWorkerOptions> RemoteWorkers { get; set; } = new(StringComparer.Ordinal);

    public RetryPolicy RetryFor(string type) => Retry.TryGetValue(type, out var p) ? p : DefaultRetry;
}

/// <summary>Checks what data annotations cannot: keys are job types, URLs are absolute http(s), delays are sane.</summary>
public sealed class AiJobsOptionsValidator : IValidateOptions<AiJobsOptions>
{
    public ValidateOptionsResult Validate(string? name, AiJobsOptions options)
    {
        var failures = new List<string>();
        foreach (var type in options.Retry.Keys.Concat(options.RemoteWorkers.Keys).Distinct())
        {
            if (!JobTypes.TryGet(type, out _))
            {
                failures.Add($"AiJobs: '{type}' is not a job type (known: {string.Join(", ", JobTypes.All.Select(t => t.Name))}).");
            }
        }
        foreach (var (type, policy) in options.Retry.Append(new("DefaultRetry", options.DefaultRetry)))
        {
            if (policy.Attempts is < 0 or > 100)
            {
                failures.Add($"AiJobs:Retry:{type}:Attempts must be 0..100.");
            }
            if (policy.DelaysSeconds.Any(d => d is < 0 or > 86_400))
            {
                failures.Add($"AiJobs:Retry:{type}:DelaysSeconds must list delays of 0..86400 seconds.");
            }
        }
        foreach (var (type, remote) in options.RemoteWorkers)
        {
            if (!Uri.TryCreate(remote.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"AiJobs:RemoteWorkers:{type}:Url must be an absolute http(s) URL, not '{remote.Url}'.");
            }
            if (remote.TimeoutSeconds is < 1 or > 3600)
            {
                failures.Add($"AiJobs:RemoteWorkers:{type}:TimeoutSeconds must be 1..3600.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
