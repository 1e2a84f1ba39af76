namespace Nexus.Jobs.Client.Tests;

public sealed class PollingBackoffTests
{
    private static double[] First(PollingBackoff backoff, int n) => backoff.Delays().Take(n).Select(d => d.TotalMilliseconds).ToArray();

    [Fact]
    public void Default_StartsAt100ms_Doubles_AndStaysAt2s()
    {
        First(PollingBackoff.Default, 8).ShouldBe([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
    }

    [Fact]
    public void ACapThatIsNotAPowerOfTwoOfTheStart_IsReachedExactly()
    {
        First(new PollingBackoff(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(1000)), 5).ShouldBe([300, 600, 1000, 1000, 1000]);
    }

    [Fact]
    public void ACapBelowTheStart_KeepsTheStart()
    {
        First(new PollingBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10)), 3).ShouldBe([1000, 1000, 1000]);
    }

    [Fact]
    public void AZeroStart_NeverSpins()
    {
        First(new PollingBackoff(TimeSpan.Zero, TimeSpan.FromMilliseconds(4)), 4).ShouldBe([1, 2, 4, 4]);
    }
}
