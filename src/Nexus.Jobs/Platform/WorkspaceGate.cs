using System.Collections.Concurrent;

namespace Nexus.Jobs.Platform;

/// <summary>One request's jobs waiting for its workspace's next group.</summary>
public sealed record PendingDispatch(IReadOnlyList<JobRequest> Jobs, DispatchMode Mode, string? CallbackUrl, CancellationToken Cancellation)
{
    /// <summary>The request's answer, set when its group was written (or failed).</summary>
    internal TaskCompletionSource<DispatchResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// The workspace batching gate: one workspace's requests that arrive while its previous group is being written wait, and
/// go together into the next group (one lock, one count, one commit for all of them), in arrival order.
/// </summary>
/// <remarks>
/// The queued-jobs cap is exact only if one transaction at a time counts and adds a workspace's jobs, which made one
/// workspace's dispatches wait for each other: a transaction each. Grouping keeps that order at a transaction per
/// group. A request never waits for more than the group before its own.
/// </remarks>
public sealed class WorkspaceGate(Func<long, IReadOnlyList<PendingDispatch>, Task<DispatchResult[]>> writeGroup, int maxGroupJobs)
{
    private readonly ConcurrentDictionary<long, Gate> _gates = new();

    /// <summary>Queues <paramref name="pending"/> behind the workspace's group being written; its answer when its own group was.</summary>
    public Task<DispatchResult> EnterAsync(long workspaceId, PendingDispatch pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var gate = _gates.GetOrAdd(workspaceId, _ => new Gate());
        bool lead;
        lock (gate)
        {
            gate.Queue.Enqueue(pending);
            lead = !gate.Draining;
            gate.Draining = true;
        }
        if (lead)
        {
            // The drain runs on its own, so this request's answer does not wait for the groups after its own.
            _ = Task.Run(() => DrainAsync(workspaceId, gate), CancellationToken.None);
        }
        return pending.Result.Task.WaitAsync(pending.Cancellation);
    }

    /// <summary>Requests of a workspace waiting for the next group (tests).</summary>
    internal int WaitingFor(long workspaceId)
    {
        if (!_gates.TryGetValue(workspaceId, out var gate))
        {
            return 0;
        }
        lock (gate)
        {
            return gate.Queue.Count;
        }
    }

    /// <summary>
    /// The next group: waiting requests in arrival order while their jobs fit in <paramref name="maxJobs"/> (the first one
    /// always goes, however large); requests cancelled while they waited are answered as cancelled and left out.
    /// </summary>
    internal static List<PendingDispatch> TakeGroup(Queue<PendingDispatch> waiting, int maxJobs)
    {
        var group = new List<PendingDispatch>();
        var count = 0;
        while (waiting.TryPeek(out var next) && (group.Count == 0 || count + next.Jobs.Count <= maxJobs))
        {
            waiting.Dequeue();
            if (next.Cancellation.IsCancellationRequested)
            {
                next.Result.TrySetCanceled(next.Cancellation);
                continue;
            }
            group.Add(next);
            count += next.Jobs.Count;
        }
        return group;
    }

    private async Task DrainAsync(long workspaceId, Gate gate)
    {
        while (true)
        {
            List<PendingDispatch> group;
            lock (gate)
            {
                group = TakeGroup(gate.Queue, maxGroupJobs);
                if (group.Count == 0)
                {
                    gate.Draining = false;
                    return;
                }
            }
            try
            {
                var results = await writeGroup(workspaceId, group);
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].Result.TrySetResult(results[i]);
                }
            }
            catch (Exception e)
            {
                foreach (var p in group)
                {
                    p.Result.TrySetException(e);
                }
            }
        }
    }

    /// <summary>One workspace's requests waiting for their group, and whether a drain is running.</summary>
    private sealed class Gate
    {
        public Queue<PendingDispatch> Queue { get; } = new();

        public bool Draining { get; set; }
    }
}
