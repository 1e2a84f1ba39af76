using System.Globalization;
using System.Text.RegularExpressions;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>Shopper questions to put to an assistant, and how visible our brand and product are in its answer.</summary>
/// <remarks>
/// Rank counts brand-like mentions in order of first appearance: our brand, the known competitor brands, and the
/// capitalised first word of a list item ("1. Sonic ...", "- **Sonic** ..."), since assistants answer "what is
/// the best X" with lists whose items start with a brand. A list-item word that begins a known brand is that brand,
/// not another one; a few generic capitalised words ("The", "Best", ...) are ignored.
/// </remarks>
public static partial class VisibilityModel
{
    /// <summary>Added to 1 / Rank when the product itself is named, capped at 1.</summary>
    public const double ProductBonus = 0.25;

    private static readonly string[] QuestionTemplates =
    [
        "What is the best {0} to buy{1}?",
        "Which {0} brands are most reliable{1}?",
        "What {0} would you recommend under a mid-range budget{1}?",
        "What are the top-rated {0}{1} and why?",
        "Which {0} offers the best value for money{1}?",
    ];

    private static readonly Dictionary<string, string> MarketplaceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["amazon"] = "Amazon", ["ebay"] = "eBay", ["walmart"] = "Walmart", ["etsy"] = "Etsy", ["bol"] = "bol.com",
        ["zalando"] = "Zalando", ["shopify"] = "Shopify", ["allegro"] = "Allegro", ["cdiscount"] = "Cdiscount",
        ["otto"] = "Otto", ["target"] = "Target", ["mercadolibre"] = "Mercado Libre", ["rakuten"] = "Rakuten",
    };

    private static readonly HashSet<string> TitleStopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "the", "and", "or", "for", "with", "of", "in", "on", "to", "by", "from", "at", "&", "-", "|",
        "new", "pack", "set", "pcs", "x",
    };

    // Capitalised words that start list items without being brands.
    private static readonly HashSet<string> NotBrands = new(StringComparer.OrdinalIgnoreCase)
    {
        "the", "a", "an", "best", "top", "for", "if", "budget", "premium", "overall", "our", "my", "pros", "cons",
        "price", "note", "conclusion", "summary", "why", "what", "which", "this", "these", "it", "option", "pick",
        "runner", "honorable", "also", "consider", "value",
    };

    /// <summary>4-6 deterministic shopper questions for a product category, naming the marketplace when given ("amazon_us" -> "on Amazon US").</summary>
    public static IReadOnlyList<string> Questions(string category, string? marketplace)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(category);
        var name = string.Join(' ', category.Replace('_', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToLowerInvariant();
        var where = string.IsNullOrWhiteSpace(marketplace) ? "" : " on " + MarketplaceName(marketplace);
        return [.. QuestionTemplates.Select(t => string.Format(CultureInfo.InvariantCulture, t, name, where))];
    }

    /// <summary>
    /// Scores an answer: whether it names our brand (case-insensitive, whole words) and product, the brand's rank among
    /// brand-like mentions, and Score = 1 / Rank, plus <see cref="ProductBonus"/> (capped at 1) when the product is
    /// named; 0 when the brand is not. The product counts as named when its full title appears, or when a sentence that
    /// names our brand also holds at least half of the title's distinctive words (title words minus stop words and
    /// the brand's words); requiring the brand keeps generic words ("wireless headphones") from matching rivals.
    /// </summary>
    public static VisibilityScore Score(string answer, string brand, string productTitle, IReadOnlyList<string>? knownCompetitorBrands = null)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentException.ThrowIfNullOrWhiteSpace(brand);
        ArgumentNullException.ThrowIfNull(productTitle);
        brand = brand.Trim();

        var brandRegex = WholeWords(brand);
        var brandMatch = brandRegex.Match(answer);
        var productMentioned = ProductMentioned(answer, brand, brandRegex, productTitle);
        if (!brandMatch.Success)
        {
            return new VisibilityScore(false, productMentioned, null, 0);
        }

        var firstMentions = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var knownBrands = new List<string> { brand };
        foreach (var competitor in knownCompetitorBrands ?? [])
        {
            if (string.IsNullOrWhiteSpace(competitor) || string.Equals(competitor.Trim(), brand, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            knownBrands.Add(competitor.Trim());
            var m = WholeWords(competitor.Trim()).Match(answer);
            if (m.Success)
            {
                Record(firstMentions, competitor.Trim(), m.Index);
            }
        }

        foreach (Match item in ListItemStartRegex().Matches(answer))
        {
            var group = item.Groups["word"];
            var word = group.Value;
            if (NotBrands.Contains(word))
            {
                continue;
            }

            // A list item starting a known brand's first word is that brand, already counted by its own mention.
            var known = knownBrands.FirstOrDefault(b =>
                string.Equals(b.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], word, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                Record(firstMentions, word, group.Index);
            }
        }

        var rank = 1 + firstMentions.Values.Count(index => index < brandMatch.Index);
        var score = Math.Min(1.0, 1.0 / rank + (productMentioned ? ProductBonus : 0));
        return new VisibilityScore(true, productMentioned, rank, score);
    }

    private static void Record(Dictionary<string, int> firstMentions, string name, int index)
    {
        if (!firstMentions.TryGetValue(name, out var seen) || index < seen)
        {
            firstMentions[name] = index;
        }
    }

    private static bool ProductMentioned(string answer, string brand, Regex brandRegex, string productTitle)
    {
        var title = productTitle.Trim();
        if (title.Length == 0)
        {
            return false;
        }

        if (WholeWords(title).IsMatch(answer))
        {
            return true;
        }

        var brandWords = new HashSet<string>(WordRegex().Matches(brand).Select(m => m.Value), StringComparer.OrdinalIgnoreCase);
        var distinctive = WordRegex().Matches(title)
            .Select(m => m.Value)
            .Where(w => !TitleStopWords.Contains(w) && !brandWords.Contains(w))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (distinctive.Count == 0)
        {
            return false;
        }

        foreach (var sentence in SentenceSplitRegex().Split(answer))
        {
            if (!brandRegex.IsMatch(sentence))
            {
                continue;
            }

            var present = distinctive.Count(w => WholeWords(w).IsMatch(sentence));
            if (present * 2 >= distinctive.Count)
            {
                return true;
            }
        }

        return false;
    }

    // Case-insensitive, bounded by non-letters/digits: "Acme" matches "Acme's" but not "Acmeville".
    private static Regex WholeWords(string phrase) =>
        new(@"(?<![\p{L}\p{N}])" + Regex.Escape(phrase) + @"(?![\p{L}\p{N}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static string MarketplaceName(string marketplace)
    {
        var parts = marketplace.Trim().Split(['_', '-', ' '], StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', parts.Select((part, i) =>
            MarketplaceNames.TryGetValue(part, out var known) ? known
            : i > 0 && part.Length == 2 ? part.ToUpperInvariant() // a country code: "us" -> "US"
            : char.ToUpperInvariant(part[0]) + part[1..].ToLowerInvariant()));
    }

    [GeneratedRegex(@"^[ \t]*(?:\d+[.)]|[-*\u2022])[ \t]+(?:\*\*|__)?(?<word>\p{Lu}[\p{L}\p{N}]*)", RegexOptions.Multiline)]
    private static partial Regex ListItemStartRegex();

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordRegex();

    [GeneratedRegex(@"(?<=[.!?])\s+|\r?\n")]
    private static partial Regex SentenceSplitRegex();
}
