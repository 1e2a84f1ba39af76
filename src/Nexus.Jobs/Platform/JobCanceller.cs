using Nexus.Jobs.HangfireSeam;

namespace Nexus.Jobs.Platform;

/// <summary>What a cancel request came to.</summary>
public enum CancelOutcome
{
    Cancelled,
    NotFound,
    NotCancellable,
}

/// <summary>Cancels queued jobs; never one that has started.</summary>
public sealed class JobCanceller(JobStatusReader reader, PlatformJobs jobs)
{
    public const string ApiReason = "Cancelled by API request";

    public async Task<(CancelOutcome Outcome, JobStatus? Status)> CancelAsync(long workspaceId, string id, CancellationToken ct)
    {
        // A job that starts between our read and our change makes the change fail; then we look again.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var job = await reader.GetAsync(workspaceId, id, ct);
            if (job is null)
            {
                return (CancelOutcome.NotFound, null);
            }
            switch (job.Status)
            {
                case JobStatus.Cancelled:
                    return (CancelOutcome.Cancelled, JobStatus.Cancelled);
                case JobStatus.Running or JobStatus.Completed or JobStatus.Failed:
                    return (CancelOutcome.NotCancellable, job.Status);
            }
            // Only from the state we saw: Hangfire refuses the change if a worker moved the job on meanwhile.
            var changed = jobs.TryDelete(job.HangfireJobId, JobOutcomeFilter.ReasonPrefix + ApiReason, job.HangfireState);
            if (changed)
            {
                return (CancelOutcome.Cancelled, JobStatus.Cancelled);
            }
        }
        var last = await reader.GetAsync(workspaceId, id, ct);
        return last?.Status == JobStatus.Cancelled ? (CancelOutcome.Cancelled, JobStatus.Cancelled) : (CancelOutcome.NotCancellable, last?.Status);
    }
}
