using System.Text.Json.Serialization;

namespace Nexus.Jobs.Client;

/// <summary>An AI job's (or a batch's) status: queued, running, completed, failed or cancelled; unknown values are kept as sent.</summary>
[JsonConverter(typeof(WireValueConverter<JobStatus>))]
public readonly record struct JobStatus(string Value) : IWireValue<JobStatus>
{
    /// <summary>Waiting: in its queue, for a retry, or for an earlier job of its sequential batch.</summary>
    public static JobStatus Queued { get; } = new("queued");

    /// <summary>A worker is executing it.</summary>
    public static JobStatus Running { get; } = new("running");

    /// <summary>Done, with a <c>result</c>.</summary>
    public static JobStatus Completed { get; } = new("completed");

    /// <summary>Failed after all retries, with an <c>error</c>.</summary>
    public static JobStatus Failed { get; } = new("failed");

    /// <summary>Cancelled (by request, or because an earlier job of its sequential batch failed or was cancelled).</summary>
    public static JobStatus Cancelled { get; } = new("cancelled");

    /// <summary>Whether the status is final: completed, failed or cancelled.</summary>
    public bool IsTerminal => this == Completed || this == Failed || this == Cancelled;

    /// <inheritdoc/>
    public static JobStatus FromWire(string value) => new(value);

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}

/// <summary>A job's priority: high runs before normal before low.</summary>
[JsonConverter(typeof(WireValueConverter<JobPriority>))]
public readonly record struct JobPriority(string Value) : IWireValue<JobPriority>
{
    /// <summary>Runs after every waiting normal and high job.</summary>
    public static JobPriority Low { get; } = new("low");

    /// <summary>The default.</summary>
    public static JobPriority Normal { get; } = new("normal");

    /// <summary>Runs before every waiting normal and low job.</summary>
    public static JobPriority High { get; } = new("high");

    /// <inheritdoc/>
    public static JobPriority FromWire(string value) => new(value);

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}

/// <summary>The AI job types the platform knows (the API may add more; any string can be sent).</summary>
public static class JobTypes
{
    public const string PricingRecalculate = "pricing_recalculate";
    public const string ReviewSentiment = "review_sentiment";
    public const string ReturnClassify = "return_classify";
    public const string LlmVisibilityScore = "llm_visibility_score";
    public const string CompetitorScan = "competitor_scan";
    public const string ListingOptimize = "listing_optimize";
}
