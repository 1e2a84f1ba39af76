using Nexus.Jobs.Client;

namespace Nexus.Jobs.Example;

/// <summary>Push with the client: follow a job as it changes, and handle the callback it sends when it ends.</summary>
public static class PushExample
{
    /// <summary>Prints the job's status at once and after every change, until it has ended; returns its final state.</summary>
    public static async Task<Job?> FollowAsync(NexusJobsClient client, string jobId, TextWriter output, CancellationToken cancellationToken = default)
    {
        Job? last = null;
        // One request (Server-Sent Events): the job as GET shows it, again after each change, and the end once it has ended.
        await foreach (var job in client.AiJobs.WatchAsync(jobId, cancellationToken))
        {
            await output.WriteLineAsync($"{job.Id}: {job.Status}");
            last = job;
        }
        return last;
    }

    /// <summary>The body of a callback receiver's POST handler; returns the HTTP status to answer.</summary>
    /// <param name="secret">The workspace's secret, from client.Callbacks.RotateSecretAsync().</param>
    /// <param name="rawBody">The request body exactly as received: check the bytes before parsing them.</param>
    /// <param name="signatureHeader">The X-Nexus-Signature-256 header (CallbackHeaders.Signature).</param>
    public static async Task<int> HandleCallbackAsync(string secret, byte[] rawBody, string? signatureHeader, TextWriter output)
    {
        if (!CallbackSignature.IsValid(secret, rawBody, signatureHeader))
        {
            return 401; // not signed with this workspace's secret
        }
        var callback = CallbackNotification.Parse(rawBody);
        // A retry sends the same bytes with the same DeliveryId: handle each delivery once, and answer quickly.
        var subject = callback.Event switch
        {
            CallbackEvents.JobCompleted or CallbackEvents.JobFailed or CallbackEvents.JobCancelled => $"job {callback.AsJob().Id}",
            CallbackEvents.BatchCompleted => $"batch {callback.AsBatch().BatchId} ({callback.AsBatch().Status})",
            CallbackEvents.RunCompleted or CallbackEvents.RunFailed => $"run {callback.AsRun().JobRunId}",
            _ => "an event this receiver does not know yet",
        };
        await output.WriteLineAsync($"{callback.Event} {callback.DeliveryId}: {subject}");
        return 200; // anything else is retried; 410 Gone stops the retries
    }
}
