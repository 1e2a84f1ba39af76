using System.Text.RegularExpressions;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>Lexicon-based review sentiment (negation, intensifiers, "but" clauses) and recurring complaint themes.</summary>
/// <remarks>
/// Deterministic and offline: a built-in English lexicon instead of a model, so the same review always scores the same
/// and no service or download is needed. The rules follow VADER's ideas (Hutto and Gilbert, 2014) in simplified form.
/// </remarks>
public static partial class SentimentModel
{
    /// <summary>Scores at or above this are positive.</summary>
    public const double PositiveThreshold = 0.05;

    /// <summary>Scores at or below this are negative.</summary>
    public const double NegativeThreshold = -0.05;

    // VADER's normalisation constant: score = sum / sqrt(sum^2 + Alpha) maps any sum into -1..1,
    // with a single strong word (3) landing near 0.6 rather than saturating.
    private const double Alpha = 15;

    // A negator flips sentiment words within this many following tokens ("not very good", "never really worked").
    private const int NegationWindow = 3;

    private const double BeforeButWeight = 0.5;
    private const double AfterButWeight = 1.5;

    private static readonly Dictionary<string, double> Lexicon = new(StringComparer.Ordinal)
    {
        // Positive.
        ["love"] = 3, ["loved"] = 3, ["loves"] = 3, ["excellent"] = 3, ["amazing"] = 3, ["awesome"] = 3,
        ["fantastic"] = 3, ["outstanding"] = 3, ["perfect"] = 3, ["perfectly"] = 2.5, ["superb"] = 3, ["wonderful"] = 3,
        ["brilliant"] = 3, ["best"] = 2.5, ["flawless"] = 3, ["incredible"] = 3, ["exceptional"] = 3,
        ["great"] = 2, ["good"] = 2, ["nice"] = 1.8, ["happy"] = 2, ["pleased"] = 2, ["satisfied"] = 1.8,
        ["recommend"] = 2, ["recommended"] = 2, ["impressed"] = 2.2, ["impressive"] = 2.2, ["beautiful"] = 2.5,
        ["comfortable"] = 2, ["sturdy"] = 1.8, ["durable"] = 1.8, ["solid"] = 1.5, ["reliable"] = 1.8,
        ["quality"] = 1, ["worth"] = 1.5, ["value"] = 1, ["fast"] = 1.5, ["quick"] = 1.5, ["quickly"] = 1.2,
        ["easy"] = 1.5, ["easily"] = 1.2, ["work"] = 0.8, ["works"] = 1, ["worked"] = 1, ["working"] = 0.5, ["fine"] = 0.8,
        ["well"] = 1, ["like"] = 1.2, ["liked"] = 1.5, ["enjoy"] = 2, ["enjoyed"] = 2, ["glad"] = 2,
        ["delighted"] = 3, ["thrilled"] = 3, ["favorite"] = 2.5, ["favourite"] = 2.5, ["bargain"] = 1.8,
        ["cheap"] = 0.5, ["affordable"] = 1.5, ["helpful"] = 1.8, ["friendly"] = 1.8, ["clean"] = 1,
        ["soft"] = 1, ["smooth"] = 1.5, ["stylish"] = 1.8, ["elegant"] = 2, ["gorgeous"] = 3, ["lovely"] = 2.5,
        ["cute"] = 1.8, ["fun"] = 1.8, ["useful"] = 1.5, ["handy"] = 1.5, ["convenient"] = 1.5,
        ["accurate"] = 1.5, ["bright"] = 1, ["crisp"] = 1.2, ["clear"] = 1, ["powerful"] = 1.8,
        ["efficient"] = 1.5, ["quiet"] = 1.2, ["lightweight"] = 1, ["fits"] = 1, ["fit"] = 0.5,
        ["superior"] = 2, ["premium"] = 1.5, ["excited"] = 2, ["exactly"] = 1, ["thank"] = 1.5, ["thanks"] = 1.5,
        ["pleasant"] = 2, ["prompt"] = 1.5, ["promptly"] = 1.5, ["described"] = 0.8, ["improved"] = 1.5,
        ["ok"] = 0.5, ["okay"] = 0.5, ["decent"] = 1.2, ["adequate"] = 0.5, ["wow"] = 2.5, ["win"] = 2,
        ["sleek"] = 1.8, ["cozy"] = 1.8, ["fresh"] = 1.2, ["delicious"] = 2.5, ["tasty"] = 2,
        // Negative.
        ["hate"] = -3, ["hated"] = -3, ["terrible"] = -3, ["awful"] = -3, ["horrible"] = -3, ["worst"] = -3,
        ["useless"] = -2.8, ["garbage"] = -3, ["junk"] = -2.8, ["trash"] = -2.8, ["crap"] = -2.8, ["scam"] = -3,
        ["broke"] = -3, ["broken"] = -3, ["breaks"] = -2.5, ["defective"] = -3, ["faulty"] = -2.8, ["dead"] = -2.5,
        ["bad"] = -2.5, ["poor"] = -2.2, ["poorly"] = -2, ["disappointed"] = -2.5, ["disappointing"] = -2.5,
        ["disappointment"] = -2.5, ["unhappy"] = -2.2, ["waste"] = -2.5, ["wasted"] = -2.5, ["refund"] = -1.5,
        ["return"] = -1, ["returned"] = -1.5, ["returning"] = -1.5, ["late"] = -1.5, ["delayed"] = -1.5,
        ["slow"] = -1.5, ["cheaply"] = -2, ["flimsy"] = -2.2, ["fragile"] = -1.5, ["damaged"] = -2.5,
        ["damage"] = -2, ["cracked"] = -2.5, ["crack"] = -2, ["scratched"] = -2, ["scratch"] = -1.5,
        ["leaks"] = -2.2, ["leaked"] = -2.2, ["leaking"] = -2.2, ["missing"] = -2, ["wrong"] = -2,
        ["fake"] = -2.8, ["counterfeit"] = -3, ["misleading"] = -2.5, ["overpriced"] = -2, ["expensive"] = -1,
        ["uncomfortable"] = -2, ["painful"] = -2.2, ["annoying"] = -2, ["frustrating"] = -2.2, ["frustrated"] = -2.2,
        ["failed"] = -2.5, ["fails"] = -2.2, ["failure"] = -2.5, ["fail"] = -2.2, ["malfunction"] = -2.5,
        ["stopped"] = -2, ["problem"] = -1.8, ["problems"] = -1.8, ["issue"] = -1.5, ["issues"] = -1.5,
        ["complaint"] = -1.5, ["complaints"] = -1.5, ["rude"] = -2.5, ["unhelpful"] = -2.2, ["noisy"] = -1.8,
        ["loud"] = -1, ["smell"] = -1.2, ["smells"] = -1.5, ["stinks"] = -2.2, ["dirty"] = -2, ["ugly"] = -2.2,
        ["small"] = -0.5, ["tight"] = -0.8, ["loose"] = -1, ["weak"] = -1.8, ["dim"] = -1, ["blurry"] = -1.8,
        ["inaccurate"] = -1.8, ["unreliable"] = -2.2, ["mediocre"] = -1.5, ["meh"] = -1, ["avoid"] = -2.5,
        ["regret"] = -2.5, ["sucks"] = -2.8, ["worse"] = -2.2, ["lousy"] = -2.5, ["pathetic"] = -2.8,
        ["ridiculous"] = -2, ["unacceptable"] = -2.8, ["nightmare"] = -3, ["hassle"] = -1.8, ["difficult"] = -1.5,
        ["hard"] = -0.8, ["confusing"] = -1.8, ["complicated"] = -1.2, ["overheats"] = -2.2, ["overheating"] = -2.2,
        ["rusted"] = -2.2, ["rust"] = -1.8, ["torn"] = -2.2, ["ripped"] = -2.2, ["peeling"] = -1.8,
        ["wobbly"] = -1.8, ["unstable"] = -1.8, ["stuck"] = -1.5, ["freezes"] = -2, ["crashes"] = -2.2,
        ["drains"] = -1, ["sad"] = -2, ["angry"] = -2.5, ["upset"] = -2.2, ["sick"] = -2,
        ["cheapest"] = -0.5, ["bland"] = -1.5, ["stale"] = -1.8, ["soggy"] = -1.8,
    };

    private static readonly Dictionary<string, double> Intensifiers = new(StringComparer.Ordinal)
    {
        ["very"] = 1.5, ["really"] = 1.5, ["so"] = 1.3, ["super"] = 1.5, ["totally"] = 1.5, ["truly"] = 1.5,
        ["highly"] = 1.5, ["extremely"] = 2, ["incredibly"] = 2, ["absolutely"] = 2, ["completely"] = 1.8,
        ["utterly"] = 2, ["quite"] = 1.2, ["slightly"] = 0.5, ["somewhat"] = 0.5, ["fairly"] = 0.8, ["barely"] = 0.5,
        ["mostly"] = 0.8, ["pretty"] = 1.2,
    };

    private static readonly HashSet<string> Negators = new(StringComparer.Ordinal)
    {
        "not", "never", "no", "hardly", "cannot", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent",
        "wont", "cant", "couldnt", "wouldnt", "shouldnt", "havent", "hasnt", "nor", "without", "nothing",
    };

    // Words too common, or too generic to a review, to be a theme: "terrible" says a review is negative, not why.
    private static readonly HashSet<string> ThemeStopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "with", "this", "that", "these", "those", "was", "were", "are", "is", "been", "being",
        "have", "has", "had", "but", "not", "you", "your", "our", "its", "they", "them", "their", "there", "then",
        "than", "from", "into", "onto", "out", "off", "over", "under", "after", "before", "about", "again", "just",
        "only", "very", "really", "too", "also", "all", "any", "some", "one", "two", "get", "got", "did", "does",
        "doing", "would", "could", "should", "will", "can", "what", "which", "when", "where", "who", "why", "how",
        "because", "while", "even", "still", "ever", "never", "now", "here", "more", "most", "much", "many", "such",
        "own", "same", "other", "each", "both", "few", "his", "her", "him", "she", "myself", "yourself", "itself",
        "product", "item", "items", "thing", "things", "bought", "buy", "purchase", "purchased", "order", "ordered",
        "star", "stars", "review", "bad", "terrible", "awful", "horrible", "worst", "poor", "disappointed",
        "disappointing", "disappointment", "hate", "useless", "garbage", "junk", "crap", "waste", "money", "like",
        "way", "lot", "back", "well", "went", "make", "made", "use", "used", "using", "first", "time", "day", "days",
        "week", "weeks", "month", "months", "year", "years", "within", "since", "until", "says", "said", "came",
    };

    /// <summary>Scores a review's text in -1..1 and labels it positive, neutral or negative.</summary>
    public static SentimentScore Score(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sum = 0.0;
        foreach (var sentence in Sentences(text))
        {
            sum += ScoreSentence(sentence);
        }

        var score = sum == 0 ? 0 : sum / Math.Sqrt(sum * sum + Alpha);
        var label = score >= PositiveThreshold ? "positive" : score <= NegativeThreshold ? "negative" : "neutral";
        return new SentimentScore(score, label);
    }

    /// <summary>
    /// The most frequent themes among negative reviews: unigrams and bigrams of non-stop words, counted once per
    /// review, at least two reviews each; a bigram replaces a unigram it covers in at least 80% of that unigram's
    /// reviews. Ordered by count descending, then ordinally.
    /// </summary>
    public static IReadOnlyList<(string Theme, int Count)> NegativeThemes(IEnumerable<string> negativeTexts, int top)
    {
        ArgumentNullException.ThrowIfNull(negativeTexts);
        ArgumentOutOfRangeException.ThrowIfNegative(top);

        var unigrams = new Dictionary<string, int>(StringComparer.Ordinal);
        var bigrams = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in negativeTexts)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            // Per review, so one long rant cannot outweigh many short complaints.
            var seenUnigrams = new HashSet<string>(StringComparer.Ordinal);
            var seenBigrams = new HashSet<string>(StringComparer.Ordinal);
            string? previous = null;
            foreach (var token in Tokens(text))
            {
                if (!IsThemeWord(token))
                {
                    previous = null; // a stop word or punctuation breaks a bigram
                    continue;
                }

                seenUnigrams.Add(token);
                if (previous is not null)
                {
                    seenBigrams.Add(previous + " " + token);
                }

                previous = token;
            }

            foreach (var u in seenUnigrams)
            {
                unigrams[u] = unigrams.GetValueOrDefault(u) + 1;
            }

            foreach (var b in seenBigrams)
            {
                bigrams[b] = bigrams.GetValueOrDefault(b) + 1;
            }
        }

        const int minCount = 2; // a word only one review uses is not a theme
        var themes = new Dictionary<string, int>(StringComparer.Ordinal);
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (bigram, count) in bigrams)
        {
            if (count < minCount)
            {
                continue;
            }

            var parts = bigram.Split(' ');
            var keep = false;
            foreach (var part in parts)
            {
                if (count >= 0.8 * unigrams[part])
                {
                    covered.Add(part);
                    keep = true;
                }
            }

            if (keep)
            {
                themes[bigram] = count;
            }
        }

        foreach (var (unigram, count) in unigrams)
        {
            if (count >= minCount && !covered.Contains(unigram))
            {
                themes[unigram] = count;
            }
        }

        return themes
            .OrderByDescending(t => t.Value)
            .ThenBy(t => t.Key, StringComparer.Ordinal)
            .Take(top)
            .Select(t => (t.Key, t.Value))
            .ToList();
    }

    private static bool IsThemeWord(string token) =>
        token.Length >= 3 && char.IsLetter(token[0]) && !ThemeStopWords.Contains(token) && !Negators.Contains(token);

    private static double ScoreSentence(IReadOnlyList<string> tokens)
    {
        // "good but broke": the clause after "but" carries the reviewer's conclusion, so it outweighs the one before.
        var butIndex = -1;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i] is "but" or "however")
            {
                butIndex = i;
                break;
            }
        }

        var sum = 0.0;
        var negationLeft = 0;
        var multiplier = 1.0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token == ",")
            {
                negationLeft = 0; // a comma ends a negation's reach: "not cheap, good quality"
                multiplier = 1.0;
                continue;
            }

            if (i == butIndex)
            {
                negationLeft = 0;
                multiplier = 1.0;
                continue;
            }

            if (Negators.Contains(token))
            {
                negationLeft = NegationWindow;
                continue;
            }

            if (Intensifiers.TryGetValue(token, out var factor))
            {
                multiplier *= factor;
                negationLeft = Math.Max(0, negationLeft - 1);
                continue;
            }

            if (Lexicon.TryGetValue(token, out var weight) && weight != 0)
            {
                var value = weight * multiplier;
                if (negationLeft > 0)
                {
                    value = -value;
                }

                if (butIndex >= 0)
                {
                    value *= i < butIndex ? BeforeButWeight : AfterButWeight;
                }

                sum += value;
                multiplier = 1.0;
            }
            else
            {
                // An intensifier reaches only the word right after it (or after another intensifier/negator).
                multiplier = 1.0;
            }

            negationLeft = Math.Max(0, negationLeft - 1);
        }

        return sum;
    }

    private static IEnumerable<List<string>> Sentences(string text)
    {
        var sentence = new List<string>();
        foreach (var token in Tokens(text))
        {
            if (token is "." or "!" or "?" or ";" or "\n")
            {
                if (sentence.Count > 0)
                {
                    yield return sentence;
                    sentence = [];
                }

                continue;
            }

            sentence.Add(token);
        }

        if (sentence.Count > 0)
        {
            yield return sentence;
        }
    }

    // Lower-case words with apostrophes removed ("doesn't" -> "doesnt", so contractions become one negator),
    // plus the punctuation that bounds sentences and clauses.
    private static IEnumerable<string> Tokens(string text)
    {
        var normalised = text.ToLowerInvariant().Replace('\u2019', '\'').Replace("'", "", StringComparison.Ordinal);
        foreach (Match m in TokenRegex().Matches(normalised))
        {
            yield return m.Value;
        }
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+|[.!?;,\n]")]
    private static partial Regex TokenRegex();
}
