using System.Text.Json;
using Nexus.Jobs.AiJobs;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Tests.Dispatch;

public class WorkspaceGateTests
{
    [Fact]
    public void TakeGroup_TakesRequestsInArrivalOrder_WhileTheirJobsFit()
    {
        var waiting = Waiting(Request(40), Request(50), Request(20), Request(1));

        var group = WorkspaceGate.TakeGroup(waiting, maxJobs: 100);

        group.Select(p => p.Jobs.Count).ShouldBe([40, 50]);
        waiting.Select(p => p.Jobs.Count).ShouldBe([20, 1], "the next group starts with the first request that did not fit, so none overtakes another");
    }

    [Fact]
    public void TakeGroup_TakesARequestLargerThanAGroup_Alone()
    {
        var waiting = Waiting(Request(150), Request(1));

        WorkspaceGate.TakeGroup(waiting, maxJobs: 100).Select(p => p.Jobs.Count).ShouldBe([150]);
    }

    [Fact]
    public async Task TakeGroup_AnswersRequestsCancelledWhileWaiting_AndLeavesThemOut()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var gone = Request(5, cancelled.Token);
        var waiting = Waiting(gone, Request(3));

        WorkspaceGate.TakeGroup(waiting, maxJobs: 100).Select(p => p.Jobs.Count).ShouldBe([3]);
        gone.Result.Task.IsCanceled.ShouldBeTrue();
    }

    [Fact]
    public async Task RequestsArrivingWhileAGroupIsWritten_AreWrittenTogether_InTheNextGroup()
    {
        var firstWriteStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirstWrite = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var groups = new List<int[]>();
        var gate = new WorkspaceGate(async (_, group) =>
        {
            lock (groups)
            {
                groups.Add(group.Select(p => p.Jobs.Count).ToArray());
            }
            if (groups.Count == 1)
            {
                firstWriteStarted.SetResult();
                await releaseFirstWrite.Task;
            }
            return group.Select(p => (DispatchResult)new DispatchResult.QueueFull(p.Jobs.Count, 0, 1)).ToArray();
        }, maxGroupJobs: 100);

        var first = gate.EnterAsync(7, Request(1));
        await firstWriteStarted.Task;
        var second = gate.EnterAsync(7, Request(2));
        var third = gate.EnterAsync(7, Request(3));
        gate.WaitingFor(7).ShouldBe(2);
        releaseFirstWrite.SetResult();

        ((DispatchResult.QueueFull)await first).Queued.ShouldBe(1);
        ((DispatchResult.QueueFull)await second).Queued.ShouldBe(2, "each request gets its own answer");
        ((DispatchResult.QueueFull)await third).Queued.ShouldBe(3);
        groups.ShouldBe([[1], [2, 3]]);
    }

    [Fact]
    public async Task AGroupWhoseWriteFails_FailsEachOfItsRequests_AndTheGateGoesOn()
    {
        var calls = 0;
        var gate = new WorkspaceGate((_, group) => Interlocked.Increment(ref calls) == 1
            ? throw new InvalidOperationException("database away")
            : Task.FromResult(group.Select(p => (DispatchResult)new DispatchResult.QueueFull(0, 0, 1)).ToArray()), maxGroupJobs: 100);

        await Should.ThrowAsync<InvalidOperationException>(() => gate.EnterAsync(7, Request(1)));
        (await gate.EnterAsync(7, Request(1))).ShouldBeOfType<DispatchResult.QueueFull>();
    }

    private static Queue<PendingDispatch> Waiting(params PendingDispatch[] requests) => new(requests);

    private static PendingDispatch Request(int jobs, CancellationToken ct = default)
    {
        var type = JobTypes.All[0];
        var request = new JobRequest(type, Priority.Normal, JsonDocument.Parse("{}").RootElement);
        return new PendingDispatch(Enumerable.Repeat(request, jobs).ToList(), jobs == 1 ? DispatchMode.Single : DispatchMode.Parallel, null, ct);
    }
}
