using System.ComponentModel;
using Nexus.Jobs.Compounding;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>The Hangfire entry point of a pipeline's recurring job (<see cref="CompoundingSchedules"/>): fans out with <see cref="ScheduledRuns"/>.</summary>
/// <remarks>Its name is stored with every recurring job, and is the metrics' <c>type</c> of those jobs (<see cref="JobArguments.Kind"/>).</remarks>
public sealed class CompoundingFanOut(ScheduledRuns runs)
{
    /// <summary>The recurring job of <paramref name="jobType"/>.</summary>
    public static string RecurringJobId(string jobType) => $"compounding:{jobType}";

    [DisplayName("Scheduled {0} for every workspace")]
    public Task RunAsync(string jobType, CancellationToken cancellationToken) => runs.DispatchAsync(jobType, cancellationToken);
}
