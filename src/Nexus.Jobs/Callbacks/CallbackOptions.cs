using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Nexus.Jobs.Callbacks;

/// <summary><c>Nexus:Callbacks</c>: how terminal states are pushed to callback URLs.</summary>
public sealed class CallbackOptions
{
    public const string Section = "Nexus:Callbacks";

    /// <summary>The Hangfire queue deliveries run in, served only by the callback server (never by the AI-job workers).</summary>
    public const string Queue = "callbacks";

    /// <summary>The back-off used when <see cref="DelaysSeconds"/> is not configured (the last value repeats).</summary>
    public static readonly int[] DefaultDelaysSeconds = [10, 30, 120, 600, 1800, 3600];

    /// <summary>Workers of the callback server in a worker-role process: a slow receiver ties up only these.</summary>
    [Range(1, 100)]
    public int WorkerCount { get; set; } = 2;

    /// <summary>Retries after the first attempt; after the last one the delivery is <c>failed</c>.</summary>
    [Range(0, 100)]
    public int Attempts { get; set; } = 12;

    /// <summary>Back-off before retry n (the last value repeats); empty means <see cref="DefaultDelaysSeconds"/>.</summary>
    /// <remarks>Empty rather than pre-filled: configuration binding would merge configured items into a pre-filled array.</remarks>
    public int[] DelaysSeconds { get; set; } = [];

    /// <summary>How long one attempt may take (connect, send, response headers) before it counts as failed.</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Whether callback URLs may point at loopback, private, link-local or otherwise non-public addresses. On (the default)
    /// so that a single-machine set-up and the tests work; turn it off where clients are untrusted (SSRF).
    /// </summary>
    public bool AllowPrivateNetworks { get; set; } = true;

    /// <summary>How often a worker process looks for deliveries a dead process left without a delivery job.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How old such a delivery must be before the sweeper takes it (the committing process normally does it within milliseconds).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SweepAfter { get; set; } = TimeSpan.FromSeconds(30);

    public int[] EffectiveDelaysSeconds => DelaysSeconds.Length == 0 ? DefaultDelaysSeconds : DelaysSeconds;

    /// <summary>One delay per retry, the last repeating, as Hangfire's <c>AutomaticRetry</c> indexes them.</summary>
    public int[] RetryDelays() => Platform.RetryPolicy.PerAttempt(EffectiveDelaysSeconds, Attempts);
}

/// <summary>Checks what data annotations cannot.</summary>
public sealed class CallbackOptionsValidator : IValidateOptions<CallbackOptions>
{
    public ValidateOptionsResult Validate(string? name, CallbackOptions options) =>
        options.DelaysSeconds.Any(d => d is < 0 or > 86_400)
            ? ValidateOptionsResult.Fail("Nexus:Callbacks:DelaysSeconds must list delays of 0..86400 seconds.")
            : ValidateOptionsResult.Success;
}
