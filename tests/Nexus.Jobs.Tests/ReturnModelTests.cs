using Nexus.Jobs.AiJobs.Handlers;

namespace Nexus.Jobs.Tests;

public class ReturnModelTests
{
    [Fact]
    public void Categories_AreTheFixedTaxonomy()
    {
        ReturnModel.Categories.ShouldBe(["defective", "damaged_in_transit", "wrong_item", "not_as_described", "size_fit", "changed_mind", "other"]);
    }

    [Fact]
    public void BinomialUpperTail_MatchesHandComputedValues()
    {
        // n=10, p=0.1: P(X >= 4) = 1 - (0.3486784401 + 0.387420489 + 0.1937102445 + 0.057395628).
        ReturnModel.BinomialUpperTail(10, 4, 0.1).ShouldBe(0.0127951984, 1e-10);
        // n=5, p=0.5: P(X >= 3) = 16/32.
        ReturnModel.BinomialUpperTail(5, 3, 0.5).ShouldBe(0.5, 1e-14);
        // P(X >= n) = p^n.
        ReturnModel.BinomialUpperTail(3, 3, 0.2).ShouldBe(0.008, 1e-15);
        ReturnModel.BinomialUpperTail(10, 0, 0.1).ShouldBe(1.0);
        ReturnModel.BinomialUpperTail(10, 11, 0.1).ShouldBe(0.0);
    }

    [Fact]
    public void LogGamma_MatchesFactorials()
    {
        ReturnModel.LogGamma(1).ShouldBe(0, 1e-13);
        ReturnModel.LogGamma(11).ShouldBe(Math.Log(3628800), 1e-12);
        ReturnModel.LogGamma(0.5).ShouldBe(Math.Log(Math.Sqrt(Math.PI)), 1e-13);
        // Stirling for a large argument: ln Gamma(1e6 + 1) = ln(1e6!) ~ 12815518.3846582.
        ReturnModel.LogGamma(1_000_001).ShouldBe(12815518.384658169, 1e-6);
    }

    [Fact]
    public void Test_UsesTheSmoothedBaseline_AndNamesTheTest()
    {
        // Baseline 0 of 4 smooths to (0 + 0.5) / (4 + 1) = 0.1, so 4 of 10 is the hand-computed case above.
        var result = ReturnModel.Test(new ReturnRates("SKU-1", 4, 10, 0, 4));

        result.PValue.ShouldBe(0.0127951984, 1e-10);
        result.IsAnomaly.ShouldBeFalse(); // 0.0128 is not below 0.01
        ReturnModel.Test(new ReturnRates("SKU-1", 4, 10, 0, 4), alpha: 0.05).IsAnomaly.ShouldBeTrue();
        result.WindowRate.ShouldBe(0.4);
        result.BaselineRate.ShouldBe(0);
        result.Test.ShouldBe("one-sided exact binomial test vs own baseline");
        result.Sku.ShouldBe("SKU-1");
    }

    [Fact]
    public void Test_FlagsABigJump()
    {
        // Baseline 2%, window 10% of 500.
        var result = ReturnModel.Test(new ReturnRates("SKU-2", 50, 500, 100, 5000));

        result.IsAnomaly.ShouldBeTrue();
        result.PValue.ShouldBeLessThan(1e-10);
        result.BaselineRate.ShouldBe(0.02);
    }

    [Fact]
    public void Test_DoesNotFlagASmallWobble()
    {
        // Baseline 2%, window 2.4% of 500: 12 returns where 10 were expected.
        var result = ReturnModel.Test(new ReturnRates("SKU-3", 12, 500, 100, 5000));

        result.IsAnomaly.ShouldBeFalse();
        result.PValue.ShouldBeGreaterThan(0.1);
    }

    [Fact]
    public void Test_DoesNotFlagARateBelowBaseline()
    {
        var result = ReturnModel.Test(new ReturnRates("SKU-4", 1, 500, 100, 5000));
        result.IsAnomaly.ShouldBeFalse();
        result.PValue.ShouldBeGreaterThan(0.99);
    }

    [Fact]
    public void Test_HandlesZeroUnits()
    {
        var noWindow = ReturnModel.Test(new ReturnRates("SKU-5", 0, 0, 3, 100));
        noWindow.WindowRate.ShouldBe(0);
        noWindow.PValue.ShouldBe(1);
        noWindow.IsAnomaly.ShouldBeFalse();

        var noBaseline = ReturnModel.Test(new ReturnRates("SKU-5", 1, 10, 0, 0));
        noBaseline.BaselineRate.ShouldBe(0);
        noBaseline.IsAnomaly.ShouldBeFalse(); // smoothed to 0.5 without history: no evidence either way

        var spotlessBaseline = ReturnModel.Test(new ReturnRates("SKU-5", 0, 100, 0, 1000));
        spotlessBaseline.IsAnomaly.ShouldBeFalse();
        spotlessBaseline.PValue.ShouldBe(1);
    }

    [Fact]
    public void Test_IsStableForLargeCounts()
    {
        // n = 1e6 at a 5% baseline: 50,000 expected (sd ~218).
        var wobble = ReturnModel.Test(new ReturnRates("SKU-6", 50_100, 1_000_000, 50_000, 1_000_000));
        double.IsFinite(wobble.PValue).ShouldBeTrue();
        wobble.PValue.ShouldBeInRange(0.2, 0.5);
        wobble.IsAnomaly.ShouldBeFalse();

        var jump = ReturnModel.Test(new ReturnRates("SKU-6", 52_000, 1_000_000, 50_000, 1_000_000));
        jump.PValue.ShouldBeInRange(0.0, 1e-15);
        jump.IsAnomaly.ShouldBeTrue();

        // At the mean, the upper tail is about one half.
        ReturnModel.BinomialUpperTail(1_000_000, 500_000, 0.5).ShouldBe(0.5004, 1e-3);
    }

    [Fact]
    public void Test_RejectsNegativeCounts()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => ReturnModel.Test(new ReturnRates("SKU", -1, 10, 0, 10)));
    }
}
