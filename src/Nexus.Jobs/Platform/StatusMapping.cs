namespace Nexus.Jobs.Platform;

/// <summary>Maps our terminal outcome and Hangfire's current state onto the public status. Pure.</summary>
public static class StatusMapping
{
    /// <summary>Outcome values we write on <c>nexus.ai_jobs.outcome</c>.</summary>
    public const string OutcomeCompleted = "completed";
    public const string OutcomeFailed = "failed";
    public const string OutcomeCancelled = "cancelled";

    /// <param name="outcome">Our recorded terminal outcome, or null while the job is live.</param>
    /// <param name="hangfireState">Hangfire's state name, or null when Hangfire has expired the job.</param>
    public static JobStatus Map(string? outcome, string? hangfireState)
    {
        switch (outcome)
        {
            case OutcomeCompleted:
                return JobStatus.Completed;
            case OutcomeCancelled:
                return JobStatus.Cancelled;
            case OutcomeFailed:
                // An operator may requeue a failed job from the dashboard: then it is live again.
                return hangfireState switch
                {
                    "Enqueued" or "Scheduled" or "Awaiting" => JobStatus.Queued,
                    "Processing" => JobStatus.Running,
                    _ => JobStatus.Failed,
                };
        }

        return hangfireState switch
        {
            // Waiting in a queue, waiting for a retry, or waiting on an earlier batch job.
            "Enqueued" or "Scheduled" or "Awaiting" => JobStatus.Queued,
            "Processing" => JobStatus.Running,
            // Our outcome commits with Succeeded on the platform storage, and just before these states elsewhere
            // (the stock storage, failures, cancellations), so these arms only matter for that moment or a crash in it.
            "Succeeded" => JobStatus.Completed,
            "Failed" => JobStatus.Failed,
            "Deleted" => JobStatus.Cancelled,
            // Expired from Hangfire with no outcome of ours: the job can no longer run.
            null => JobStatus.Failed,
            // A state another extension invented: still in Hangfire's hands, so not final.
            _ => JobStatus.Queued,
        };
    }
}
