using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Tests.Dispatch;

public class QueuedJobsCapTests
{
    [Theory]
    [InlineData(90, 10, 100, true)]
    [InlineData(91, 10, 100, false)]
    [InlineData(0, 101, 100, false)]
    public void HasRoom_WhenTheRequestsJobsFitUnderTheCap_ReachingItIncluded(int queued, int adding, int cap, bool room)
    {
        QueuedJobsCap.HasRoom(queued, adding, cap).ShouldBe(room);
    }

    [Theory]
    [InlineData(120, 4, 30)]
    [InlineData(121, 4, 31)] // rounded up: never asks a client back before the time
    [InlineData(0.2, 8, 1)] // at least a second
    [InlineData(100_000, 2, 3600)] // at most an hour
    public void Refusal_AsksToRetryAfterTheLongestJob_SpreadOverTheLiveWorkers(double longestSeconds, int workers, int retryAfter)
    {
        var refusal = QueuedJobsCap.Refusal(queued: 100, cap: 100, TimeSpan.FromSeconds(longestSeconds), workers);

        refusal.ShouldBe(new DispatchResult.QueueFull(100, 100, retryAfter));
    }

    [Fact]
    public void RoomyBound_IsTheLastExactCountPlusWhatWasDispatchedSince()
    {
        QueuedJobsCap.RoomyBound((Unfinished: 10, Dispatched: 500), dispatched: 530, adding: 5, cap: 100).ShouldBe(40);
    }

    [Fact]
    public void RoomyBound_AsksForACount_WithoutOne_OrWhenTheBoundComesNearTheCap()
    {
        QueuedJobsCap.RoomyBound(null, dispatched: 530, adding: 5, cap: 100).ShouldBeNull();
        QueuedJobsCap.RoomyBound((Unfinished: 10, Dispatched: 500), dispatched: 586, adding: 5, cap: 100).ShouldBeNull();
    }
}
