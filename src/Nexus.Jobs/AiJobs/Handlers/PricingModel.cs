using System.Globalization;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>The price model: fits a constant-elasticity demand curve to a SKU's sales and recommends a guarded price. Pure.</summary>
public static class PricingModel
{
    /// <summary>Method name: the margin optimum of a fitted elasticity.</summary>
    public const string ElasticityMethod = "elasticity";

    /// <summary>Method name: the median of the competitors' prices.</summary>
    public const string CompetitorMethod = "competitor";

    /// <summary>Method name: keep the current price.</summary>
    public const string HoldMethod = "hold";

    // The data-volume factor reaches 1 at two months of selling days: fewer days leave weekly and promotional
    // swings in the fit, so a fit on them is trusted proportionally less.
    private const double FullVolumeDays = 60;

    // An elastic fit just below -1 puts the optimum near infinity; the per-run cap pulls it back anyway, so any
    // finite ceiling well above real prices keeps the double -> decimal conversion safe without changing answers.
    private const double MaxTargetPrice = 1e12;

    /// <summary>
    /// Ordinary least squares of ln(units) on ln(price) over the days with units &gt; 0 and price &gt; 0 (a log of zero
    /// is undefined, and a day without sales says nothing about the curve's shape). Null with fewer than 3 such days
    /// or fewer than 2 distinct prices, where the slope is undetermined. RSquared is the fit's coefficient of
    /// determination; 0 when units never vary, since there is then no variance to explain.
    /// </summary>
    public static ElasticityFit? FitElasticity(IReadOnlyList<SalesPoint> sales)
    {
        ArgumentNullException.ThrowIfNull(sales);
        var points = Usable(sales);
        if (points.Count < 3 || points.Select(p => p.Price).Distinct().Count() < 2)
        {
            return null;
        }

        var xs = points.Select(p => Math.Log((double)p.Price)).ToArray();
        var ys = points.Select(p => Math.Log(p.Units)).ToArray();
        var meanX = xs.Average();
        var meanY = ys.Average();
        double sxx = 0, sxy = 0, syy = 0;
        for (var i = 0; i < xs.Length; i++)
        {
            var dx = xs[i] - meanX;
            var dy = ys[i] - meanY;
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }

        var slope = sxy / sxx;
        var intercept = meanY - slope * meanX;
        double residual = 0;
        for (var i = 0; i < xs.Length; i++)
        {
            var e = ys[i] - (intercept + slope * xs[i]);
            residual += e * e;
        }

        var rSquared = syy > 0 ? Math.Clamp(1 - residual / syy, 0, 1) : 0;
        return new ElasticityFit(slope, intercept, rSquared, points.Count);
    }

    /// <summary>
    /// Recommends a price for one SKU. The target comes from the first method that applies:
    /// <list type="number">
    /// <item><description>elasticity: at least MinHistoryDays selling days, MinDistinctPrices distinct prices, a known
    /// cost and a fitted elasticity e &lt; -1; the target is the margin optimum p* = cost x e / (1 + e), which maximises
    /// (p - cost) x A x p^e;</description></item>
    /// <item><description>competitor: the median of the competitors' prices;</description></item>
    /// <item><description>hold: the current price.</description></item>
    /// </list>
    /// Guardrails then apply in order, each overriding the ones before: at least cost x (1 + MinMarginOverCost) when
    /// the cost is known; within the competitor median x (1 ± CompetitorBand) when competitors exist; within the current
    /// price x (1 ± MaxChangePerRun), last, so a run never moves further than the cap. The price is rounded to cents
    /// (midpoint away from zero), nudged back inside the cap if rounding crossed it.
    /// Confidence, rounded to 2 decimals:
    /// elasticity = RSquared x min(1, days / 60) x (0.5 + 0.5 x (bound ? 0.8 : 1)), where days are the fitted selling
    /// days and bound means a guardrail moved the price (non-decreasing in fit quality and data volume);
    /// competitor = min(0.8, 0.3 + 0.1 x offers); hold = 0.2.
    /// </summary>
    public static PriceRecommendation Recommend(PricingInput input, PricingGuardrails g)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(g);

        var current = input.CurrentPrice;
        var cost = input.Cost is > 0 ? input.Cost : null;
        var competitors = input.CompetitorPrices.Where(p => p > 0).ToList();
        decimal? median = competitors.Count > 0 ? Median(competitors) : null;
        var usable = Usable(input.Sales);
        var distinctPrices = usable.Select(p => p.Price).Distinct().Count();
        var fit = FitElasticity(input.Sales);

        string method;
        decimal target;
        string basis;
        if (usable.Count >= g.MinHistoryDays && distinctPrices >= g.MinDistinctPrices && fit is { Elasticity: < -1 } && cost is { } c)
        {
            method = ElasticityMethod;
            var optimum = (double)c * fit.Elasticity / (1 + fit.Elasticity);
            target = (decimal)Math.Min(optimum, MaxTargetPrice);
            basis = string.Create(CultureInfo.InvariantCulture,
                $"Elasticity {fit.Elasticity:F2} (R² {fit.RSquared:F2}, {fit.Points} days) puts the margin optimum at {target:F2}");
        }
        else
        {
            var why = WhyNoElasticity(usable.Count, distinctPrices, fit, cost, g);
            if (median is { } m)
            {
                method = CompetitorMethod;
                target = m;
                basis = string.Create(CultureInfo.InvariantCulture,
                    $"With {why}, the price follows the competitor median {m:F2} of {competitors.Count} offers");
            }
            else
            {
                method = HoldMethod;
                target = current;
                basis = $"With {why} and no competitor prices, the model holds the current price";
            }
        }

        // Each guardrail that moves the price replaces the previous explanation: the last one that bound is the one
        // that decided the final number.
        var price = target;
        string? bound = null;
        if (cost is { } costValue)
        {
            var floor = costValue * (1 + g.MinMarginOverCost);
            if (price < floor)
            {
                price = floor;
                bound = string.Create(CultureInfo.InvariantCulture,
                    $"raised to the {g.MinMarginOverCost * 100:0.##}% minimum margin over the cost {costValue:F2}");
            }
        }

        if (median is { } med)
        {
            var low = med * (1 - g.CompetitorBand);
            var high = med * (1 + g.CompetitorBand);
            if (price < low || price > high)
            {
                price = Math.Clamp(price, low, high);
                bound = string.Create(CultureInfo.InvariantCulture,
                    $"kept within ±{g.CompetitorBand * 100:0.##}% of the competitor median {med:F2}");
            }
        }

        var capLow = current * (1 - g.MaxChangePerRun);
        var capHigh = current * (1 + g.MaxChangePerRun);
        if (price < capLow || price > capHigh)
        {
            var sign = price > capHigh ? "+" : "-";
            price = Math.Clamp(price, capLow, capHigh);
            bound = string.Create(CultureInfo.InvariantCulture, $"capped at {sign}{g.MaxChangePerRun * 100:0.##}% per run");
        }

        var recommended = Math.Round(price, 2, MidpointRounding.AwayFromZero);
        // Rounding half a cent outward would break the promise that one run stays inside the cap.
        if (recommended > capHigh)
        {
            recommended = Math.Floor(capHigh * 100) / 100;
        }
        else if (recommended < capLow)
        {
            recommended = Math.Ceiling(capLow * 100) / 100;
        }

        // Adding 0.00 gives the decimal a scale of at least 2, so 22 is reported as 22.00 like every other price.
        recommended += 0.00m;

        var confidence = method switch
        {
            ElasticityMethod => fit!.RSquared * Math.Min(1, fit.Points / FullVolumeDays) * (0.5 + 0.5 * (bound is null ? 1 : 0.8)),
            CompetitorMethod => Math.Min(0.8, 0.3 + 0.1 * competitors.Count),
            _ => 0.2,
        };

        var reasoning = recommended == current
            ? $"Current price is already optimal: {Lower(basis)}{(bound is null ? "" : "; " + bound)}."
            : $"{basis}{(bound is null ? "" : "; " + bound)}.";
        if (method == HoldMethod && recommended == current)
        {
            reasoning = $"{basis}.";
        }

        return new PriceRecommendation(
            input.Sku,
            current,
            recommended,
            Math.Round(Math.Clamp(confidence, 0, 1), 2, MidpointRounding.AwayFromZero),
            reasoning,
            method,
            method == ElasticityMethod ? Math.Round(fit!.Elasticity, 4) : null);
    }

    private static List<SalesPoint> Usable(IReadOnlyList<SalesPoint> sales) =>
        sales.Where(p => p.Units > 0 && p.Price > 0).ToList();

    private static decimal Median(List<decimal> prices)
    {
        var sorted = prices.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string WhyNoElasticity(int days, int distinctPrices, ElasticityFit? fit, decimal? cost, PricingGuardrails g)
    {
        if (days < g.MinHistoryDays)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{days} days of sales (fewer than {g.MinHistoryDays})");
        }

        if (distinctPrices < g.MinDistinctPrices || fit is null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{distinctPrices} distinct prices (fewer than {g.MinDistinctPrices})");
        }

        if (fit.Elasticity >= -1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"an inelastic demand (elasticity {fit.Elasticity:F2}, no finite margin optimum)");
        }

        return cost is null ? "no known cost" : "no usable elasticity";
    }

    private static string Lower(string sentence) =>
        sentence.Length == 0 ? sentence : char.ToLowerInvariant(sentence[0]) + sentence[1..];
}
