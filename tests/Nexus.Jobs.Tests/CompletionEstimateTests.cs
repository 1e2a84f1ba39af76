using Nexus.Jobs.AiJobs;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Tests;

public class CompletionEstimateTests
{
    private static JobType Pricing
    {
        get
        {
            JobTypes.TryGet("pricing_recalculate", out var type).ShouldBeTrue();
            return type; // seed range 10..60 s
        }
    }

    [Fact]
    public void ExpectedDuration_ReturnsTypicalDuration_WhenNoSamples()
    {
        CompletionEstimate.ExpectedDuration(Pricing, null, 0).ShouldBe(TimeSpan.FromSeconds(35));
    }

    [Fact]
    public void ExpectedDuration_ReturnsTypicalDuration_WhenMedianIsGivenButSamplesAreZero()
    {
        CompletionEstimate.ExpectedDuration(Pricing, 500, 0).ShouldBe(TimeSpan.FromSeconds(35));
    }

    [Fact]
    public void ExpectedDuration_ReturnsTypicalDuration_WhenSamplesAreNegative()
    {
        CompletionEstimate.ExpectedDuration(Pricing, 500, -4).ShouldBe(TimeSpan.FromSeconds(35));
    }

    [Fact]
    public void ExpectedDuration_ReturnsTypicalDuration_WhenMedianIsMissing()
    {
        CompletionEstimate.ExpectedDuration(Pricing, null, 10).ShouldBe(TimeSpan.FromSeconds(35));
    }

    [Fact]
    public void ExpectedDuration_BlendsPriorAndMedian_WhenThreeSamples()
    {
        // (3 * 35 + 3 * 5) / (3 + 3) = 20
        CompletionEstimate.ExpectedDuration(Pricing, 5, 3).ShouldBe(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void ExpectedDuration_BlendsPriorAndMedian_WhenOneSample()
    {
        // (3 * 35 + 1 * 95) / (3 + 1) = 50
        CompletionEstimate.ExpectedDuration(Pricing, 95, 1).ShouldBe(TimeSpan.FromSeconds(50));
    }

    [Fact]
    public void ExpectedDuration_ApproachesMedian_WhenManySamples()
    {
        var estimate = CompletionEstimate.ExpectedDuration(Pricing, 100, 100_000);
        estimate.TotalSeconds.ShouldBe(100, tolerance: 0.01);
        estimate.TotalSeconds.ShouldBeLessThan(100); // still pulled a little towards the 35 s prior
    }

    [Fact]
    public void ExpectedDuration_MovesTowardsMedian_AsSamplesGrow()
    {
        var few = CompletionEstimate.ExpectedDuration(Pricing, 100, 2);
        var many = CompletionEstimate.ExpectedDuration(Pricing, 100, 50);
        few.ShouldBeGreaterThan(TimeSpan.FromSeconds(35));
        many.ShouldBeGreaterThan(few);
        many.ShouldBeLessThan(TimeSpan.FromSeconds(100));
    }

    [Fact]
    public void PriorWeight_IsThree()
    {
        CompletionEstimate.PriorWeight.ShouldBe(3);
    }

    [Fact]
    public void QueueWait_DividesWorkAheadByWorkers()
    {
        var wait = CompletionEstimate.QueueWait([("pricing_recalculate", 4)], _ => TimeSpan.FromSeconds(10), workers: 2);
        wait.ShouldBe(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void QueueWait_TreatsZeroWorkersAsOne()
    {
        var wait = CompletionEstimate.QueueWait([("pricing_recalculate", 4)], _ => TimeSpan.FromSeconds(10), workers: 0);
        wait.ShouldBe(TimeSpan.FromSeconds(40));
    }

    [Fact]
    public void QueueWait_TreatsNegativeWorkersAsOne()
    {
        var wait = CompletionEstimate.QueueWait([("pricing_recalculate", 4)], _ => TimeSpan.FromSeconds(10), workers: -3);
        wait.ShouldBe(TimeSpan.FromSeconds(40));
    }

    [Fact]
    public void QueueWait_ReturnsZero_WhenNothingIsAhead()
    {
        CompletionEstimate.QueueWait([], _ => TimeSpan.FromSeconds(10), workers: 2).ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void QueueWait_UsesExpectedDurationOfEachType()
    {
        var durations = new Dictionary<string, TimeSpan>
        {
            ["pricing_recalculate"] = TimeSpan.FromSeconds(10),
            ["llm_visibility_score"] = TimeSpan.FromSeconds(100),
        };
        // 3 * 10 + 2 * 100 = 230 s over 4 workers
        var wait = CompletionEstimate.QueueWait([("pricing_recalculate", 3), ("llm_visibility_score", 2)], t => durations[t], workers: 4);
        wait.ShouldBe(TimeSpan.FromSeconds(57.5));
    }
}
