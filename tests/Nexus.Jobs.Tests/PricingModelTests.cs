using Nexus.Jobs.AiJobs.Handlers;

namespace Nexus.Jobs.Tests;

public class PricingModelTests
{
    private static readonly PricingGuardrails Defaults = new(); // 15% margin, 10% per run, 15% band, 14 days, 3 prices

    private static readonly DateOnly Start = new(2025, 1, 1);

    /// <summary>
    /// Sales that follow units = round(A x p^e) exactly, at prices cycling 15, 16, ..., 25: the fitted elasticity is e
    /// by construction (A is large so that rounding to whole units barely perturbs the logs).
    /// </summary>
    private static List<SalesPoint> Curve(double elasticity, int days = 90, double a = 1e6, Func<int, double>? noise = null)
    {
        var sales = new List<SalesPoint>();
        for (var i = 0; i < days; i++)
        {
            var price = 15 + i % 11;
            var units = (int)Math.Round(a * Math.Pow(price, elasticity) * (noise?.Invoke(i) ?? 1));
            sales.Add(new SalesPoint(Start.AddDays(i), units, price));
        }

        return sales;
    }

    private static PricingInput Input(decimal current, decimal? cost, List<SalesPoint> sales, params decimal[] competitors) =>
        new("SKU-1", current, cost, sales, competitors);

    [Fact]
    public void FitElasticity_RecoversTheExponent_OfAConstantElasticityCurve()
    {
        var fit = PricingModel.FitElasticity(Curve(-2)).ShouldNotBeNull();

        fit.Elasticity.ShouldBe(-2, 0.02);
        fit.Intercept.ShouldBe(Math.Log(1e6), 0.05);
        fit.RSquared.ShouldBeGreaterThan(0.99);
        fit.Points.ShouldBe(90);
    }

    [Fact]
    public void FitElasticity_IgnoresDaysWithoutSalesOrPrice()
    {
        var sales = Curve(-2, days: 20);
        sales.Add(new SalesPoint(Start.AddDays(30), 0, 40m));
        sales.Add(new SalesPoint(Start.AddDays(31), 100, 0m));

        var fit = PricingModel.FitElasticity(sales).ShouldNotBeNull();

        fit.Points.ShouldBe(20);
        fit.Elasticity.ShouldBe(-2, 0.02);
    }

    [Fact]
    public void FitElasticity_IsNull_WithFewerThanThreePoints()
    {
        PricingModel.FitElasticity([]).ShouldBeNull();
        PricingModel.FitElasticity(Curve(-2, days: 2)).ShouldBeNull();
    }

    [Fact]
    public void FitElasticity_IsNull_WhenThePriceNeverChanged()
    {
        var sales = Enumerable.Range(0, 30).Select(i => new SalesPoint(Start.AddDays(i), 10 + i % 3, 19.99m)).ToList();

        PricingModel.FitElasticity(sales).ShouldBeNull();
    }

    [Fact]
    public void FitElasticity_IsNull_WhenOnlyZeroSalesDaysVaryThePrice()
    {
        List<SalesPoint> sales =
        [
            new(Start, 10, 20m),
            new(Start.AddDays(1), 12, 20m),
            new(Start.AddDays(2), 11, 20m),
            new(Start.AddDays(3), 0, 25m),
        ];

        PricingModel.FitElasticity(sales).ShouldBeNull();
    }

    [Fact]
    public void Recommend_FindsTheMarginOptimum_OfAConstantElasticityCurve()
    {
        // e = -2, cost 10: p* = 10 x -2 / (1 - 2) = 20, within 10% of 19.
        var rec = PricingModel.Recommend(Input(19m, 10m, Curve(-2)), Defaults);

        rec.Method.ShouldBe(PricingModel.ElasticityMethod);
        rec.RecommendedPrice.ShouldBe(20.00m);
        rec.Elasticity.ShouldNotBeNull().ShouldBe(-2, 0.02);
        rec.Confidence.ShouldBeGreaterThan(0.95);
        rec.Reasoning.ShouldBe("Elasticity -2.00 (R² 1.00, 90 days) puts the margin optimum at 20.00.");
    }

    [Fact]
    public void Recommend_CapsTheMove_AtTheMaxChangePerRun()
    {
        var rec = PricingModel.Recommend(Input(15m, 10m, Curve(-2)), Defaults);

        rec.Method.ShouldBe(PricingModel.ElasticityMethod);
        rec.RecommendedPrice.ShouldBe(16.50m);
        rec.Reasoning.ShouldEndWith("; capped at +10% per run.");
        rec.Confidence.ShouldBeLessThan(PricingModel.Recommend(Input(19m, 10m, Curve(-2)), Defaults).Confidence);
    }

    [Fact]
    public void Recommend_CapsTheMoveDownward_Too()
    {
        var rec = PricingModel.Recommend(Input(30m, 10m, Curve(-2)), Defaults);

        rec.RecommendedPrice.ShouldBe(27.00m);
        rec.Reasoning.ShouldEndWith("; capped at -10% per run.");
    }

    [Fact]
    public void Recommend_ScalesTheOptimumWithCost_ButStillCapsIt()
    {
        // Cost 18, e = -2: p* = 36, but 30 may only move to 33 in one run.
        var rec = PricingModel.Recommend(Input(30m, 18m, Curve(-2)), Defaults);

        rec.Method.ShouldBe(PricingModel.ElasticityMethod);
        rec.Reasoning.ShouldContain("margin optimum at 36.00");
        rec.RecommendedPrice.ShouldBe(33.00m);
    }

    [Fact]
    public void Recommend_RaisesThePrice_ToTheMinimumMarginFloor()
    {
        // No history and no competitors: hold 10, but cost 9.50 x 1.15 = 10.925 -> 10.93, inside the 11.00 cap.
        var rec = PricingModel.Recommend(Input(10m, 9.5m, []), Defaults);

        rec.Method.ShouldBe(PricingModel.HoldMethod);
        rec.RecommendedPrice.ShouldBe(10.93m);
        rec.Reasoning.ShouldContain("minimum margin over the cost 9.50");
    }

    [Fact]
    public void Recommend_LetsTheCapWin_OverTheMarginFloor()
    {
        // Floor 12 x 1.15 = 13.80, but 10 may only rise to 11.00 in one run.
        var rec = PricingModel.Recommend(Input(10m, 12m, []), Defaults);

        rec.RecommendedPrice.ShouldBe(11.00m);
        rec.Reasoning.ShouldContain("capped at +10% per run");
    }

    [Fact]
    public void Recommend_FollowsTheCompetitorMedian_WhenHistoryIsThin()
    {
        var rec = PricingModel.Recommend(Input(21m, 10m, Curve(-2, days: 5), 20m, 22m, 30m), Defaults);

        rec.Method.ShouldBe(PricingModel.CompetitorMethod);
        rec.RecommendedPrice.ShouldBe(22.00m);
        rec.RecommendedPrice.ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("22.00");
        rec.Elasticity.ShouldBeNull();
        rec.Confidence.ShouldBe(0.6); // 0.3 + 0.1 x 3 offers
        rec.Reasoning.ShouldContain("competitor median 22.00 of 3 offers");
        rec.Reasoning.ShouldContain("5 days of sales");
    }

    [Fact]
    public void Recommend_CapsCompetitorConfidence_At08()
    {
        var rec = PricingModel.Recommend(Input(21m, null, [], 20m, 21m, 22m, 23m, 24m, 25m, 26m), Defaults);

        rec.Method.ShouldBe(PricingModel.CompetitorMethod);
        rec.Confidence.ShouldBe(0.8);
        rec.RecommendedPrice.ShouldBe(23.00m);
    }

    [Fact]
    public void Recommend_KeepsTheElasticityOptimum_WithinTheCompetitorBand()
    {
        // p* = 20 is more than 15% below the median 30 (floor 25.50), and 26 may move to 25.50 within the cap.
        var rec = PricingModel.Recommend(Input(26m, 10m, Curve(-2), 28m, 30m, 32m), Defaults);

        rec.Method.ShouldBe(PricingModel.ElasticityMethod);
        rec.RecommendedPrice.ShouldBe(25.50m);
        rec.Reasoning.ShouldContain("kept within ±15% of the competitor median 30.00");
    }

    [Fact]
    public void Recommend_Holds_WithoutHistoryOrCompetitors()
    {
        var rec = PricingModel.Recommend(Input(19.99m, 5m, Curve(-2, days: 5)), Defaults);

        rec.Method.ShouldBe(PricingModel.HoldMethod);
        rec.RecommendedPrice.ShouldBe(19.99m);
        rec.Confidence.ShouldBe(0.2);
        rec.Elasticity.ShouldBeNull();
        rec.Reasoning.ShouldContain("holds the current price");
    }

    [Fact]
    public void Recommend_NeverUsesElasticity_ForAnInelasticCurve()
    {
        var fit = PricingModel.FitElasticity(Curve(-0.5)).ShouldNotBeNull();
        fit.Elasticity.ShouldBe(-0.5, 0.02);

        var withCompetitors = PricingModel.Recommend(Input(19m, 10m, Curve(-0.5), 20m), Defaults);
        var alone = PricingModel.Recommend(Input(19m, 10m, Curve(-0.5)), Defaults);

        withCompetitors.Method.ShouldBe(PricingModel.CompetitorMethod);
        withCompetitors.Reasoning.ShouldContain("inelastic");
        alone.Method.ShouldBe(PricingModel.HoldMethod);
    }

    [Fact]
    public void Recommend_NeedsAKnownCost_ForTheElasticityMethod()
    {
        var rec = PricingModel.Recommend(Input(19m, null, Curve(-2)), Defaults);

        rec.Method.ShouldBe(PricingModel.HoldMethod);
        rec.Reasoning.ShouldContain("no known cost");
    }

    [Fact]
    public void Recommend_SaysTheCurrentPriceIsOptimal_WhenNothingChanges()
    {
        var rec = PricingModel.Recommend(Input(20m, 10m, Curve(-2)), Defaults);

        rec.RecommendedPrice.ShouldBe(20.00m);
        rec.Reasoning.ShouldStartWith("Current price is already optimal");
    }

    [Fact]
    public void Recommend_ConfidenceNeverFalls_WithMoreData()
    {
        var confidences = new[] { 14, 20, 30, 45, 60, 90 }
            .Select(days => PricingModel.Recommend(Input(20m, 10m, Curve(-2, days)), Defaults))
            .Select(r => { r.Method.ShouldBe(PricingModel.ElasticityMethod); return r.Confidence; })
            .ToList();

        confidences.ShouldBe(confidences.Order().ToList());
        confidences[0].ShouldBeLessThan(confidences[^1]);
    }

    [Fact]
    public void Recommend_ConfidenceNeverFalls_WithABetterFit()
    {
        // Deterministic multiplicative noise of decreasing amplitude: the fit improves as the noise shrinks.
        var confidences = new[] { 0.6, 0.4, 0.2, 0.1, 0.0 }
            .Select(amp => Curve(-2, noise: i => 1 + amp * Math.Sin(i * 2.3)))
            .Select(sales => PricingModel.Recommend(Input(20m, 10m, sales), Defaults))
            .Select(r => { r.Method.ShouldBe(PricingModel.ElasticityMethod); return r.Confidence; })
            .ToList();

        confidences.ShouldBe(confidences.Order().ToList());
        confidences[0].ShouldBeLessThan(confidences[^1]);
    }

    [Fact]
    public void Recommend_NeverMovesFurtherThanTheCap_AfterRounding()
    {
        // 14.99 x 1.1 = 16.489: rounding to 16.49 would exceed the cap by a fraction of a cent.
        var rec = PricingModel.Recommend(Input(14.99m, 10m, Curve(-2)), Defaults);

        rec.RecommendedPrice.ShouldBe(16.48m);
        rec.RecommendedPrice.ShouldBeLessThanOrEqualTo(14.99m * 1.1m);
    }
}
