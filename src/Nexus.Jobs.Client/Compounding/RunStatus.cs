using System.Text.Json.Serialization;

namespace Nexus.Jobs.Client;

/// <summary>A compounding run's status: accepted, running, completed or failed; unknown values are kept as sent.</summary>
[JsonConverter(typeof(WireValueConverter<RunStatus>))]
public readonly record struct RunStatus(string Value) : IWireValue<RunStatus>
{
    /// <summary>Waiting to run.</summary>
    public static RunStatus Accepted { get; } = new("accepted");

    /// <summary>Executing.</summary>
    public static RunStatus Running { get; } = new("running");

    /// <summary>Done, with its counts.</summary>
    public static RunStatus Completed { get; } = new("completed");

    /// <summary>Failed, with <c>error_details</c>.</summary>
    public static RunStatus Failed { get; } = new("failed");

    /// <summary>Whether the status is final: completed or failed.</summary>
    public bool IsTerminal => this == Completed || this == Failed;

    /// <inheritdoc/>
    public static RunStatus FromWire(string value) => new(value);

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}

/// <summary>The compounding pipelines (the <c>job_type</c> of a trigger).</summary>
public static class CompoundingJobTypes
{
    public const string Consolidation = "consolidation";
    public const string PatternDetection = "pattern_detection";
    public const string PlaybookSynthesis = "playbook_synthesis";
    public const string DecaySweep = "decay_sweep";
    public const string Metrics = "metrics";
}
