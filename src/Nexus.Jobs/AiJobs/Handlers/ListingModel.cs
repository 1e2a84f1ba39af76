using System.Globalization;
using System.Text;
using Nexus.Jobs.Compounding;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>One marketplace's listing limits (lengths in characters, counts inclusive).</summary>
/// <param name="Pattern">A marketplace code, or a prefix ending in * ("amazon_*").</param>
/// <param name="BulletsMin">Fewer bullets is an issue; the proposal adds bullets up to this count.</param>
public sealed record ListingRules(
    string Pattern,
    int TitleMin,
    int TitleMax,
    int BulletsMin,
    int BulletsMax,
    int BulletMin,
    int BulletMax,
    int DescriptionMin);

/// <summary>The listing model: scores a listing against its marketplace's rules and the words customers use, and proposes a better one. Pure.</summary>
public static class ListingModel
{
    /// <summary>
    /// The limits per marketplace, first match wins. They follow the marketplaces' published style guides where those
    /// give numbers (Amazon: title up to 200, five bullet points up to 255; Walmart: product name 50..75; eBay: title up
    /// to 80; Etsy: title up to 140) and house minimums elsewhere, chosen so that a listing meeting them uses the space
    /// search ranks on. Bullets on eBay are optional, hence no minimum count there.
    /// </summary>
    public static readonly IReadOnlyList<ListingRules> Rules =
    [
        //   pattern        title      bullets  bullet len  description
        new("amazon_*",    80, 200,    5, 5,    100, 255,   200),
        new("walmart_us",  50, 75,     3, 10,   20, 150,    200),
        new("ebay_*",      40, 80,     0, 10,   10, 200,    200),
        new("shopify*",    20, 140,    3, 7,    20, 200,    200),
        new("etsy*",       20, 140,    3, 7,    20, 200,    200),
        new("*",           30, 150,    3, 7,    20, 250,    200),
    ];

    /// <summary>
    /// Penalties subtracted from 100 (the score is then clamped to 0..100 and rounded to 1 decimal). Title and
    /// description weigh most because they carry search ranking; a bullet's length matters less than having bullets.
    /// </summary>
    private const double TitlePenalty = 20;
    private const double BulletCountPenalty = 10;
    private const double BulletLengthPenalty = 3; // per bullet, at most BulletLengthPenaltyCap in all
    private const double BulletLengthPenaltyCap = 15;
    private const double DescriptionMissingPenalty = 20;
    private const double DescriptionShortPenalty = 10;
    private const double KeywordPenalty = 3; // per missing keyword, at most KeywordPenaltyCap in all
    private const double KeywordPenaltyCap = 30;

    private const int MaxKeywords = 10;

    // Words that appear in many reviews and titles yet name no feature of the product: praise, purchase and filler.
    // Keeping them would fill the keyword list with "great" and "love" instead of "battery life".
    private static readonly HashSet<string> ReviewFiller = new(
    [
        "great", "good", "nice", "love", "loved", "loves", "like", "liked", "best", "better", "excellent", "amazing",
        "awesome", "perfect", "happy", "product", "products", "item", "items", "thing", "things", "buy", "bought",
        "purchase", "purchased", "order", "ordered", "recommend", "recommended", "highly", "one", "get", "got", "use",
        "used", "using", "well", "would", "make", "makes", "made", "new", "dont", "doesnt", "didnt", "isnt", "wasnt",
        "cant", "wont", "ive", "star", "stars", "review", "far", "definitely", "works", "work", "worked",
    ], StringComparer.Ordinal);

    /// <summary>The limits for <paramref name="marketplace"/> (case-insensitive); the catch-all entry for unknown ones.</summary>
    public static ListingRules RulesFor(string marketplace)
    {
        ArgumentNullException.ThrowIfNull(marketplace);
        var code = marketplace.Trim().ToLowerInvariant();
        return Rules.First(r => r.Pattern.EndsWith('*')
            ? code.StartsWith(r.Pattern[..^1], StringComparison.Ordinal)
            : code == r.Pattern);
    }

    /// <summary>
    /// Scores <paramref name="listing"/> against the marketplace's rules and the candidate keywords of the reviews and
    /// competitor titles, lists the issues, and proposes a listing that fixes what can be fixed without inventing
    /// claims: keywords are appended to a short title, overlong text is cut at a word boundary, bullets are added from
    /// missing keywords, and a missing or short description is composed from the title and bullets. Deterministic.
    /// </summary>
    public static ListingEvaluation Evaluate(Listing listing, string marketplace, IReadOnlyList<string> reviewTexts, IReadOnlyList<string> competitorTitles)
    {
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentNullException.ThrowIfNull(reviewTexts);
        ArgumentNullException.ThrowIfNull(competitorTitles);
        var rules = RulesFor(marketplace);
        var keywords = Keywords(reviewTexts, competitorTitles);
        var (issues, penalty, missing) = Check(listing, rules, keywords);
        var score = Math.Round(Math.Clamp(100 - penalty, 0, 100), 1, MidpointRounding.AwayFromZero);
        var reviewWords = Terms(reviewTexts);
        return new ListingEvaluation(score, issues, missing, Propose(listing, rules, keywords, missing, reviewWords));
    }

    /// <summary>
    /// The candidate keywords: lower-case words (stop words, review filler, numbers and words under 3 letters removed)
    /// and bigrams of two such words adjacent in the text, found in at least 2 of the texts (reviews and competitor
    /// titles alike). Ranked by how many texts contain them, then by total occurrences, bigrams before words, then
    /// ordinally; a word that only ever occurs inside a ranked bigram is dropped as redundant. At most 10.
    /// </summary>
    internal static IReadOnlyList<string> Keywords(IReadOnlyList<string> reviewTexts, IReadOnlyList<string> competitorTitles)
    {
        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in reviewTexts.Concat(competitorTitles))
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var term in TermsOf(text))
            {
                occurrences[term] = occurrences.GetValueOrDefault(term) + 1;
                if (seen.Add(term))
                {
                    documentFrequency[term] = documentFrequency.GetValueOrDefault(term) + 1;
                }
            }
        }

        var ranked = documentFrequency
            .Where(kv => kv.Value >= 2)
            .Select(kv => kv.Key)
            .OrderByDescending(t => documentFrequency[t])
            .ThenByDescending(t => occurrences[t])
            .ThenByDescending(t => t.Contains(' ', StringComparison.Ordinal))
            .ThenBy(t => t, StringComparer.Ordinal)
            .ToList();

        var result = new List<string>();
        foreach (var term in ranked)
        {
            // "battery" adds nothing when every one of its occurrences is already counted in "battery life".
            var subsumed = !term.Contains(' ', StringComparison.Ordinal) && ranked.Any(b =>
                b.Contains(' ', StringComparison.Ordinal) && b.Split(' ').Contains(term) && occurrences[b] >= occurrences[term]);
            if (!subsumed)
            {
                result.Add(term);
            }

            if (result.Count == MaxKeywords)
            {
                break;
            }
        }

        return result;
    }

    private static (List<ListingIssue> Issues, double Penalty, List<string> Missing) Check(Listing listing, ListingRules rules, IReadOnlyList<string> keywords)
    {
        var issues = new List<ListingIssue>();
        double penalty = 0;
        var title = Collapse(listing.Title);
        if (title.Length < rules.TitleMin)
        {
            issues.Add(new("title", "too_short", $"Title has {title.Length} characters; {rules.Pattern} asks for {rules.TitleMin}..{rules.TitleMax}."));
            penalty += TitlePenalty;
        }
        else if (title.Length > rules.TitleMax)
        {
            issues.Add(new("title", "too_long", $"Title has {title.Length} characters; {rules.Pattern} allows at most {rules.TitleMax}."));
            penalty += TitlePenalty;
        }

        var bullets = listing.Bullets.Select(Collapse).Where(b => b.Length > 0).ToList();
        if (bullets.Count < rules.BulletsMin)
        {
            issues.Add(new("bullets", "too_few", $"{bullets.Count} bullets; {rules.Pattern} asks for at least {rules.BulletsMin}."));
            penalty += BulletCountPenalty;
        }
        else if (bullets.Count > rules.BulletsMax)
        {
            issues.Add(new("bullets", "too_many", $"{bullets.Count} bullets; {rules.Pattern} allows at most {rules.BulletsMax}."));
            penalty += BulletCountPenalty;
        }

        double bulletPenalty = 0;
        for (var i = 0; i < bullets.Count; i++)
        {
            var length = bullets[i].Length;
            if (length < rules.BulletMin || length > rules.BulletMax)
            {
                var rule = length < rules.BulletMin ? "too_short" : "too_long";
                issues.Add(new($"bullets[{i}]", rule, $"Bullet {i + 1} has {length} characters; {rules.Pattern} asks for {rules.BulletMin}..{rules.BulletMax}."));
                bulletPenalty += BulletLengthPenalty;
            }
        }

        penalty += Math.Min(bulletPenalty, BulletLengthPenaltyCap);

        var description = Collapse(listing.Description ?? "");
        if (description.Length == 0)
        {
            issues.Add(new("description", "missing", "The listing has no description."));
            penalty += DescriptionMissingPenalty;
        }
        else if (description.Length < rules.DescriptionMin)
        {
            issues.Add(new("description", "too_short", $"Description has {description.Length} characters; at least {rules.DescriptionMin} expected."));
            penalty += DescriptionShortPenalty;
        }

        var present = ListingTerms(listing);
        var missing = keywords.Where(k => !present.Contains(k)).ToList();
        if (missing.Count > 0)
        {
            issues.Add(new("keywords", "missing_keywords", $"Customers and competitors use words the listing lacks: {string.Join(", ", missing)}."));
            penalty += Math.Min(KeywordPenalty * missing.Count, KeywordPenaltyCap);
        }

        return (issues, penalty, missing);
    }

    private static Listing Propose(Listing listing, ListingRules rules, IReadOnlyList<string> keywords, List<string> missing, HashSet<string> reviewWords)
    {
        // Title: cut an overlong one at a word boundary, then lengthen a short one with the keywords it lacks first,
        // then with the other keywords, as long as each fits under the maximum.
        var title = TrimToWords(Collapse(listing.Title), rules.TitleMax);
        if (title.Length < rules.TitleMin)
        {
            var titleTerms = TermsOf(title);
            var appended = 0;
            foreach (var keyword in missing.Concat(keywords.Except(missing)).Where(k => !titleTerms.Contains(k)))
            {
                if (title.Length >= rules.TitleMin)
                {
                    break;
                }

                var separator = title.Length == 0 ? "" : appended == 0 ? " - " : ", ";
                var candidate = title + separator + TitleCase(keyword);
                if (candidate.Length <= rules.TitleMax)
                {
                    title = candidate;
                    appended++;
                }
            }
        }

        // Bullets: keep the existing ones (within the count, overlong ones cut at a word boundary); add bullets from
        // the keywords still missing, split evenly over the bullets needed.
        var bullets = listing.Bullets
            .Select(Collapse)
            .Where(b => b.Length > 0)
            .Take(rules.BulletsMax)
            .Select(b => TrimToWords(b, rules.BulletMax))
            .ToList();
        var proposedTitleTerms = TermsOf(title);
        var notInTitle = missing.Where(k => !proposedTitleTerms.Contains(k)).ToList();
        // "wireless" next to "wireless earbuds" in one list reads as a stutter; the bigram covers the word.
        var forBullets = notInTitle
            .Where(k => !notInTitle.Any(b => b != k && b.Split(' ').Contains(k)))
            .ToList();
        var needed = rules.BulletsMin - bullets.Count;
        if (needed > 0 && forBullets.Count > 0)
        {
            var groups = Math.Min(needed, forBullets.Count);
            for (var g = 0; g < groups; g++)
            {
                // Contiguous slices keep the strongest keywords together in the first added bullet.
                var from = g * forBullets.Count / groups;
                var to = (g + 1) * forBullets.Count / groups;
                bullets.Add(TrimToWords(Bullet(forBullets[from..to], reviewWords), rules.BulletMax));
            }
        }

        // Description: keep a long enough one; otherwise compose one from the title and bullets. Keywords still
        // missing everywhere are named at the end, so the proposal covers every keyword it can.
        var description = Collapse(listing.Description ?? "");
        if (description.Length < rules.DescriptionMin)
        {
            description = Compose(title, bullets, description);
        }

        var covered = ListingTerms(new Listing(title, description, bullets));
        var stillMissing = keywords.Where(k => !covered.Contains(k)).ToList();
        if (stillMissing.Count > 0)
        {
            description = (description.Length == 0 ? "" : description + " ") + $"Customers highlight {JoinList(stillMissing)}.";
        }

        var original = new Listing(listing.Title, listing.Description, listing.Bullets);
        var proposal = new Listing(title, description, bullets);
        // An untouched listing comes back as it was, so callers can tell "nothing to change" by equality of content.
        return SameContent(original, proposal) ? listing : proposal;
    }

    private static string Bullet(List<string> keywords, HashSet<string> reviewWords)
    {
        var praised = keywords.Where(reviewWords.Contains).ToList();
        var other = keywords.Where(k => !reviewWords.Contains(k)).ToList();
        var parts = new List<string>();
        if (praised.Count > 0)
        {
            parts.Add($"Praised by customers for {JoinList(praised)}.");
        }

        if (other.Count > 0)
        {
            parts.Add($"Features {JoinList(other)}.");
        }

        return string.Join(" ", parts);
    }

    // Title, then what the description already says, then each bullet, each as a sentence. A piece the text so far
    // already contains is skipped, so composing from a composed description does not repeat itself.
    private static string Compose(string title, List<string> bullets, string existing)
    {
        var sb = new StringBuilder();
        foreach (var piece in new[] { title, existing }.Concat(bullets))
        {
            var sentence = piece.TrimEnd('.', ' ');
            if (sentence.Length == 0 || sb.ToString().Contains(sentence, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            sb.Append(sb.Length == 0 ? "" : " ").Append(sentence).Append('.');
        }

        return sb.ToString();
    }

    private static bool SameContent(Listing a, Listing b) =>
        Collapse(a.Title) == b.Title
        && Collapse(a.Description ?? "") == (b.Description ?? "")
        && a.Bullets.Select(Collapse).Where(x => x.Length > 0).SequenceEqual(b.Bullets, StringComparer.Ordinal);

    private static HashSet<string> ListingTerms(Listing listing)
    {
        var text = string.Join(" \n ", new[] { listing.Title, listing.Description ?? "" }.Concat(listing.Bullets));
        var terms = TermsOf(text);
        // A keyword also counts as present in its plural or singular form ("bottle" in "bottles").
        foreach (var term in terms.ToList())
        {
            terms.Add(term.EndsWith('s') ? term[..^1] : term + "s");
        }

        return terms;
    }

    private static HashSet<string> Terms(IEnumerable<string> texts)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            terms.UnionWith(TermsOf(text));
        }

        return terms;
    }

    // Words and adjacent-word bigrams of one text. A bigram never spans a dropped word, so "life is great" gives no
    // "life great".
    private static HashSet<string> TermsOf(string text)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        string? previous = null;
        foreach (var word in Words(text))
        {
            if (!IsMeaningful(word))
            {
                previous = null;
                continue;
            }

            terms.Add(word);
            if (previous is not null)
            {
                terms.Add(previous + " " + word);
            }

            previous = word;
        }

        return terms;
    }

    // Lower-case words; punctuation other than hyphens and apostrophes yields an empty word, which ends any bigram
    // ("fantastic, easily" is two thoughts, "leak-proof" is one).
    private static IEnumerable<string> Words(string text)
    {
        var sb = new StringBuilder();
        foreach (var ch in text)
        {
            if (char.IsLetterOrDigit(ch))
            {
                sb.Append(char.ToLowerInvariant(ch));
                continue;
            }

            if (ch is '\'' or '\u2019')
            {
                // "don't" -> "dont", "customer's" -> "customers": one word, not two fragments.
                continue;
            }

            if (sb.Length > 0)
            {
                yield return sb.ToString();
                sb.Clear();
            }

            if (!char.IsWhiteSpace(ch) && ch != '-')
            {
                yield return "";
            }
        }

        if (sb.Length > 0)
        {
            yield return sb.ToString();
        }
    }

    private static bool IsMeaningful(string word) =>
        word.Length >= 3
        && !word.All(char.IsDigit)
        && !TextNormalizer.IsStopWord(word)
        && !ReviewFiller.Contains(word);

    private static string TrimToWords(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var cut = text.LastIndexOf(' ', max);
        var trimmed = cut > 0 ? text[..cut] : text[..max];
        return trimmed.TrimEnd(' ', ',', ';', ':', '-', '|', '/', '&');
    }

    private static string Collapse(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static string TitleCase(string keyword) =>
        string.Join(' ', keyword.Split(' ').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static string JoinList(List<string> items) => items.Count switch
    {
        0 => "",
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1],
    };
}
