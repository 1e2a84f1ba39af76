using System.Text.Json;
using Nexus.Jobs.AiJobs;

namespace Nexus.Jobs.Platform;

/// <summary>How one request's jobs are dispatched.</summary>
public enum DispatchMode
{
    /// <summary>One job, in no batch.</summary>
    Single,

    /// <summary>A batch whose jobs all queue at once.</summary>
    Parallel,

    /// <summary>A batch whose jobs run one after another, each a continuation of the one before.</summary>
    Sequential,
}

/// <summary>One job to dispatch, already validated.</summary>
public sealed record JobRequest(JobType Type, Priority Priority, JsonElement Params);

/// <summary>A job as it was accepted.</summary>
public sealed record DispatchedJob(
    string Id, string Type, Priority Priority, string Params, DateTime CreatedAt, DateTime EstimatedCompletionAt, string? BatchId, int? Position);

/// <summary>What dispatch did.</summary>
public abstract record DispatchResult
{
    public sealed record Accepted(IReadOnlyList<DispatchedJob> Jobs, string? BatchId) : DispatchResult;

    public sealed record QueueFull(int Queued, int Cap, int RetryAfterSeconds) : DispatchResult;
}

/// <summary>Accepts jobs: the API's one entry to dispatch, through the workspace gate into the dispatch transaction.</summary>
/// <remarks>
/// <see cref="WorkspaceGate"/> groups a workspace's concurrent requests; <see cref="DispatchTransaction"/> writes a group
/// (records and Hangfire jobs in one transaction) under <see cref="QueuedJobsCap"/>, with <see cref="DispatchEstimates"/>.
/// </remarks>
public sealed class JobDispatcher
{
    /// <summary>Most jobs one group transaction takes (five full batches).</summary>
    public const int MaxGroupJobs = 100;

    private readonly WorkspaceGate _gate;

    public JobDispatcher(DispatchTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        _gate = new WorkspaceGate(transaction.WriteAsync, MaxGroupJobs);
    }

    /// <summary>Accepts one request's jobs (a single job or a batch), or refuses them all.</summary>
    /// <param name="workspaceId">The tenant.</param>
    /// <param name="jobs">Validated jobs, in batch order.</param>
    /// <param name="mode">A single job, or a batch whose jobs run in parallel or one after another.</param>
    /// <param name="ct">Cancels the request (until its group's transaction starts).</param>
    /// <param name="callbackUrl">Where to POST each job's terminal state (and a batch's, once all its jobs ended); null for none.</param>
    /// <remarks>
    /// The queued-jobs cap is exact only if one transaction at a time counts and adds a workspace's jobs (the advisory
    /// lock), which made one workspace's dispatches wait for each other: a transaction each. So requests for one
    /// workspace that arrive while its previous transaction runs are grouped into the next one: one lock, one count,
    /// one commit for all of them, each request still accepted or refused as a whole, in arrival order. A request
    /// never waits for more than the transaction before its own.
    /// </remarks>
    public async Task<DispatchResult> DispatchAsync(long workspaceId, IReadOnlyList<JobRequest> jobs, DispatchMode mode, CancellationToken ct, string? callbackUrl = null)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a dispatch mode.");
        }
        if (mode == DispatchMode.Single && jobs.Count != 1)
        {
            throw new ArgumentException($"A single dispatch carries one job, not {jobs.Count}.", nameof(jobs));
        }
        return await _gate.EnterAsync(workspaceId, new PendingDispatch(jobs, mode, callbackUrl, ct));
    }

    /// <summary>Requests of a workspace waiting for the next group (tests).</summary>
    internal int WaitingFor(long workspaceId) => _gate.WaitingFor(workspaceId);
}
