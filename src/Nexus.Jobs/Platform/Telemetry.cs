using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Nexus.Jobs.Platform;

/// <summary>The platform's traces and metrics (exported by whatever OpenTelemetry pipeline the host configures).</summary>
public static class NexusTelemetry
{
    public const string Name = "Nexus.Jobs";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Dispatched = Meter.CreateCounter<long>("nexus.jobs.dispatched", "{job}", "Jobs accepted");
    public static readonly Counter<long> Started = Meter.CreateCounter<long>("nexus.jobs.started", "{job}", "Job executions started (retries included)");
    public static readonly Counter<long> Completed = Meter.CreateCounter<long>("nexus.jobs.completed", "{job}", "Jobs completed");
    public static readonly Counter<long> Failed = Meter.CreateCounter<long>("nexus.jobs.failed", "{job}", "Jobs failed after all retries");
    public static readonly Counter<long> Cancelled = Meter.CreateCounter<long>("nexus.jobs.cancelled", "{job}", "Jobs cancelled");
    public static readonly Histogram<double> PickupLatency = Meter.CreateHistogram<double>("nexus.jobs.pickup_latency", "ms", "From creation (or a retry's re-queue) to execution start");
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("nexus.jobs.duration", "ms", "Execution time of one attempt");
    public static readonly Counter<long> CallbackAttempts = Meter.CreateCounter<long>("nexus.callbacks.attempts", "{attempt}", "Callback delivery attempts by event and result (delivered, pending: retried, failed)");
}
