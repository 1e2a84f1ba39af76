namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>The fixed taxonomy of return reasons (see <see cref="ReturnReasonModel"/>) and the test of a SKU's return rate against its own baseline.</summary>
public static class ReturnModel
{
    /// <summary>The product does not work.</summary>
    public const string Defective = "defective";

    /// <summary>It was damaged on the way.</summary>
    public const string DamagedInTransit = "damaged_in_transit";

    /// <summary>A different product was shipped.</summary>
    public const string WrongItem = "wrong_item";

    /// <summary>The product differs from its listing.</summary>
    public const string NotAsDescribed = "not_as_described";

    /// <summary>Size or fit.</summary>
    public const string SizeFit = "size_fit";

    /// <summary>Nothing is wrong with the product; the buyer no longer wants it.</summary>
    public const string ChangedMind = "changed_mind";

    /// <summary>Nothing matched.</summary>
    public const string Other = "other";

    /// <summary>The fixed taxonomy.</summary>
    public static readonly IReadOnlyList<string> Categories =
        [Defective, DamagedInTransit, WrongItem, NotAsDescribed, SizeFit, ChangedMind, Other];

    /// <summary>The name recorded in <see cref="ReturnAnomaly.Test"/>.</summary>
    public const string TestName = "one-sided exact binomial test vs own baseline";

    /// <summary>
    /// Whether the window's return rate is significantly above the SKU's own baseline: one-sided exact binomial test,
    /// p = P(X >= window returns) for X ~ Binomial(window units sold, baseline rate). The baseline rate in the test is
    /// smoothed, (baseline returns + 0.5) / (baseline units + 1), so a spotless or missing history is not a certainty;
    /// the reported rates are the raw ones (0 when no units were sold).
    /// </summary>
    public static ReturnAnomaly Test(ReturnRates rates, double alpha = 0.01)
    {
        ArgumentNullException.ThrowIfNull(rates);
        ArgumentOutOfRangeException.ThrowIfNegative(rates.WindowReturns);
        ArgumentOutOfRangeException.ThrowIfNegative(rates.WindowUnitsSold);
        ArgumentOutOfRangeException.ThrowIfNegative(rates.BaselineReturns);
        ArgumentOutOfRangeException.ThrowIfNegative(rates.BaselineUnitsSold);

        var windowRate = rates.WindowUnitsSold == 0 ? 0 : (double)rates.WindowReturns / rates.WindowUnitsSold;
        var baselineRate = rates.BaselineUnitsSold == 0 ? 0 : (double)rates.BaselineReturns / rates.BaselineUnitsSold;
        var smoothed = (rates.BaselineReturns + 0.5) / (rates.BaselineUnitsSold + 1.0);
        smoothed = Math.Min(smoothed, 1.0); // more returns than units in the baseline: treat it as all returned

        var pValue = rates.WindowUnitsSold == 0 ? 1.0 : BinomialUpperTail(rates.WindowUnitsSold, rates.WindowReturns, smoothed);
        var isAnomaly = rates.WindowUnitsSold > 0 && pValue < alpha && windowRate > smoothed;
        return new ReturnAnomaly(rates.Sku, windowRate, baselineRate, pValue, isAnomaly, TestName);
    }

    /// <summary>P(X >= k) for X ~ Binomial(n, p), summed in log space so n in the millions neither overflows nor underflows.</summary>
    public static double BinomialUpperTail(int n, int k, double p)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (double.IsNaN(p) || p < 0 || p > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A probability is in 0..1.");
        }

        if (k <= 0)
        {
            return 1.0;
        }

        if (k > n)
        {
            return 0.0;
        }

        if (p == 0)
        {
            return 0.0;
        }

        if (p == 1)
        {
            return 1.0;
        }

        var logP = Math.Log(p);
        var logQ = Log1P(-p);
        var logRatioPq = logP - logQ;
        var mode = (n + 1) * p;

        // log pmf(k) once through log-gamma, then each next term by the ratio pmf(i+1)/pmf(i) = (n-i)/(i+1) * p/q,
        // accumulated with log-sum-exp; past the mode the terms only shrink, so stop once they no longer matter.
        var logTerm = LogChoose(n, k) + k * logP + (n - k) * logQ;
        var logSum = logTerm;
        for (var i = k; i < n; i++)
        {
            logTerm += Math.Log((double)(n - i) / (i + 1)) + logRatioPq;
            logSum = LogAddExp(logSum, logTerm);
            if (i + 1 > mode && logTerm < logSum - 40)
            {
                break;
            }
        }

        return Math.Clamp(Math.Exp(logSum), 0.0, 1.0);
    }

    /// <summary>ln Gamma(x) for x > 0 by the Lanczos approximation (g = 7, 9 coefficients), about 15 significant digits.</summary>
    public static double LogGamma(double x)
    {
        if (x <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "LogGamma is defined here for x > 0.");
        }

        if (x < 0.5)
        {
            // Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x); the series is accurate for x >= 0.5.
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        }

        x -= 1;
        var a = LanczosCoefficients[0];
        var t = x + LanczosG + 0.5;
        for (var i = 1; i < LanczosCoefficients.Length; i++)
        {
            a += LanczosCoefficients[i] / (x + i);
        }

        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }

    private const double LanczosG = 7;

    private static readonly double[] LanczosCoefficients =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    // ln(1 + x), accurate for tiny x where 1 + x would lose p's digits (a near-zero baseline rate).
    private static double Log1P(double x) =>
        Math.Abs(x) < 1e-4 ? x - x * x / 2 + x * x * x / 3 - x * x * x * x / 4 : Math.Log(1 + x);

    private static double LogChoose(int n, int k) => LogGamma(n + 1.0) - LogGamma(k + 1.0) - LogGamma(n - k + 1.0);

    private static double LogAddExp(double a, double b)
    {
        var max = Math.Max(a, b);
        return max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
    }
}
