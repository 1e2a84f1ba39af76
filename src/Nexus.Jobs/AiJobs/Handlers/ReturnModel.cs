using System.Text;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>Classifies return reasons into a fixed taxonomy and tests a SKU's return rate against its own baseline.</summary>
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

    /// <summary>The fixed taxonomy, in the order ties are broken.</summary>
    public static readonly IReadOnlyList<string> Categories =
        [Defective, DamagedInTransit, WrongItem, NotAsDescribed, SizeFit, ChangedMind, Other];

    /// <summary>The name recorded in <see cref="ReturnAnomaly.Test"/>.</summary>
    public const string TestName = "one-sided exact binomial test vs own baseline";

    // "other" is a fallback, not evidence, so it never claims much.
    private const double OtherConfidence = 0.2;

    // Phrases and their weights: specific phrases weigh more than single words, so "sent the wrong size"
    // (wrong_item 2, size 1, wrong size 3) lands in size_fit.
    private static readonly (string Phrase, string Category, double Weight)[] Rules =
    [
        ("stopped working", Defective, 3), ("broken", Defective, 2), ("broke", Defective, 2),
        ("doesn't turn on", Defective, 3), ("does not turn on", Defective, 3), ("won't turn on", Defective, 3),
        ("will not turn on", Defective, 3), ("doesn't work", Defective, 3), ("does not work", Defective, 3),
        ("not working", Defective, 3), ("stopped charging", Defective, 3), ("won't charge", Defective, 3),
        ("defective", Defective, 3), ("faulty", Defective, 3), ("malfunction", Defective, 3),
        ("malfunctioning", Defective, 3), ("dead on arrival", Defective, 3), ("doa", Defective, 3),
        ("no power", Defective, 2), ("dead", Defective, 1.5), ("leaks", Defective, 2), ("leaking", Defective, 2),
        ("error", Defective, 1), ("died", Defective, 2), ("quit working", Defective, 3), ("no longer works", Defective, 3),

        ("arrived damaged", DamagedInTransit, 3), ("damaged in transit", DamagedInTransit, 3),
        ("damaged in shipping", DamagedInTransit, 3), ("shipping damage", DamagedInTransit, 3),
        ("box crushed", DamagedInTransit, 3), ("crushed box", DamagedInTransit, 3), ("crushed", DamagedInTransit, 2),
        ("arrived broken", DamagedInTransit, 3), ("arrived cracked", DamagedInTransit, 3),
        ("damaged packaging", DamagedInTransit, 3), ("package damaged", DamagedInTransit, 3),
        ("damaged on arrival", DamagedInTransit, 3), ("damaged", DamagedInTransit, 1.5), ("dented", DamagedInTransit, 2),
        ("shattered", DamagedInTransit, 2), ("courier", DamagedInTransit, 1), ("shipping", DamagedInTransit, 0.5),

        ("wrong item", WrongItem, 3), ("sent the wrong", WrongItem, 2), ("received the wrong", WrongItem, 2),
        ("different product", WrongItem, 3), ("not what i ordered", WrongItem, 3), ("wrong product", WrongItem, 3),
        ("wrong color", WrongItem, 2), ("wrong colour", WrongItem, 2), ("wrong model", WrongItem, 3),
        ("incorrect item", WrongItem, 3), ("someone else's order", WrongItem, 3),

        ("not as described", NotAsDescribed, 3), ("looks different", NotAsDescribed, 3),
        ("not as pictured", NotAsDescribed, 3), ("misleading", NotAsDescribed, 3), ("not as advertised", NotAsDescribed, 3),
        ("different from the picture", NotAsDescribed, 3), ("different from the description", NotAsDescribed, 3),
        ("doesn't match the description", NotAsDescribed, 3), ("does not match the description", NotAsDescribed, 3),
        ("not what was advertised", NotAsDescribed, 3), ("poor quality", NotAsDescribed, 1.5),
        ("cheaply made", NotAsDescribed, 1.5), ("fake", NotAsDescribed, 2), ("counterfeit", NotAsDescribed, 2),
        ("description", NotAsDescribed, 1), ("pictured", NotAsDescribed, 1), ("picture", NotAsDescribed, 0.5),

        ("too small", SizeFit, 3), ("too big", SizeFit, 3), ("too large", SizeFit, 3), ("too tight", SizeFit, 3),
        ("too loose", SizeFit, 3), ("too short", SizeFit, 3), ("too long", SizeFit, 3), ("doesn't fit", SizeFit, 3),
        ("does not fit", SizeFit, 3), ("didn't fit", SizeFit, 3), ("did not fit", SizeFit, 3),
        ("wrong size", SizeFit, 3), ("runs small", SizeFit, 3), ("runs large", SizeFit, 3), ("size", SizeFit, 1),
        ("fit", SizeFit, 1), ("fits", SizeFit, 1),

        ("changed my mind", ChangedMind, 3), ("no longer need", ChangedMind, 3), ("no longer needed", ChangedMind, 3),
        ("don't need", ChangedMind, 2), ("do not need", ChangedMind, 2), ("found cheaper", ChangedMind, 3),
        ("found it cheaper", ChangedMind, 3), ("better price", ChangedMind, 2), ("ordered by mistake", ChangedMind, 3),
        ("ordered twice", ChangedMind, 2), ("accidentally ordered", ChangedMind, 3), ("duplicate order", ChangedMind, 2),
        ("don't want", ChangedMind, 2), ("no longer want", ChangedMind, 3), ("gift not needed", ChangedMind, 2),
        ("unwanted", ChangedMind, 2), ("bought by mistake", ChangedMind, 3),
    ];

    private static readonly (string Phrase, string Category, double Weight)[] NormalisedRules =
        [.. Rules.Select(r => (Normalise(r.Phrase), r.Category, r.Weight))];

    /// <summary>
    /// Classifies a return reason by weighted phrase rules. Confidence = best / (best + second + 1): near 1 only when
    /// one category has strong evidence and no rival; the +1 keeps a single weak word from looking certain.
    /// With no match, "other" at a low fixed confidence.
    /// </summary>
    public static ReturnClass Classify(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var text = Normalise(reason);
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (phrase, category, weight) in NormalisedRules)
        {
            if (text.Contains(phrase, StringComparison.Ordinal))
            {
                scores[category] = scores.GetValueOrDefault(category) + weight;
            }
        }

        if (scores.Count == 0)
        {
            return new ReturnClass(Other, OtherConfidence);
        }

        var ranked = scores
            .OrderByDescending(s => s.Value)
            .ThenBy(s => IndexOf(s.Key))
            .ToList();
        var best = ranked[0].Value;
        var second = ranked.Count > 1 ? ranked[1].Value : 0;
        return new ReturnClass(ranked[0].Key, best / (best + second + 1));
    }

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

    private static int IndexOf(string category)
    {
        for (var i = 0; i < Categories.Count; i++)
        {
            if (Categories[i] == category)
            {
                return i;
            }
        }

        return Categories.Count;
    }

    // Lower case, apostrophes dropped ("doesn't" -> "doesnt"), everything else not a letter or digit to one space,
    // padded with spaces so a phrase matches whole words only (" fit " is not in " outfit ").
    private static string Normalise(string text)
    {
        var sb = new StringBuilder(text.Length + 2);
        sb.Append(' ');
        var lastSpace = true;
        foreach (var raw in text)
        {
            var c = char.ToLowerInvariant(raw);
            if (c is '\'' or '\u2019')
            {
                continue;
            }

            if (char.IsLetterOrDigit(c))
            {
                sb.Append(c);
                lastSpace = false;
            }
            else if (!lastSpace)
            {
                sb.Append(' ');
                lastSpace = true;
            }
        }

        if (!lastSpace)
        {
            sb.Append(' ');
        }

        return sb.ToString();
    }
}
