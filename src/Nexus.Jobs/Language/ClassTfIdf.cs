namespace Nexus.Jobs.Language;

/// <summary>A term of a class (one stemmed word or two adjacent ones) with its class-based TF-IDF weight.</summary>
/// <param name="Term">The stems, space-separated, e.g. <c>late delivery</c> or <c>arriv</c>.</param>
/// <param name="Display">The words as the class's texts most often write them, e.g. <c>arrived</c>.</param>
/// <param name="Weight">tf x idf (see <see cref="ClassTfIdf"/>).</param>
/// <param name="Documents">Texts of the class that contain the term.</param>
public sealed record ClassTerm(string Term, string Display, double Weight, int Documents);

/// <summary>
/// Class-based TF-IDF (BERTopic's c-TF-IDF): all texts of a class are one document; a term weighs
/// tf(t, c) x log(1 + A / f(t)), where tf is the term's share of the class's term occurrences, f(t) its occurrences over
/// all classes and A the average number of term occurrences per class. Words every class uses get a low weight, so the
/// terms that come first are the ones that set a class apart. Pure.
/// </summary>
/// <remarks>
/// Unlike BERTopic a term counts once per text (texts here are short insights, and one text repeating a word should not
/// name a theme); tokens come from <see cref="TextNormalizer"/>, and a term never spans a clause (.,;:!? or a line break)
/// nor an excluded word, nor repeats one word.
/// </remarks>
public static class ClassTfIdf
{
    /// <summary>
    /// Words that say who or what an insight is about in any shop, never what it says, so they never name a theme even when
    /// one cluster happens to use them more than the others: "buyers say the lid leaks" is about the lid.
    /// </summary>
    public static readonly IReadOnlyList<string> GenericWords =
    [
        "customer", "customers", "buyer", "buyers", "shopper", "shoppers", "user", "users", "client", "clients", "consumer",
        "consumers", "purchaser", "purchasers", "people", "person", "someone", "everyone", "product", "products", "item",
        "items", "seller", "sellers", "review", "reviews", "reviewer", "reviewers", "thing", "things", "stuff",
    ];

    private static readonly char[] ClauseBreaks = ['.', ',', ';', ':', '!', '?', '\n', '\r', '(', ')', '"'];

    /// <summary>The stems of <paramref name="phrases"/>' words, as terms must avoid them (e.g. generic words, entity names).</summary>
    public static HashSet<string> StemsOf(IEnumerable<string> phrases)
    {
        ArgumentNullException.ThrowIfNull(phrases);
        var stems = new HashSet<string>(StringComparer.Ordinal);
        foreach (var phrase in phrases)
        {
            if (phrase is not null)
            {
                stems.UnionWith(TextNormalizer.Tokens(phrase));
            }
        }
        return stems;
    }

    /// <summary>
    /// The <paramref name="top"/> heaviest terms of each class in <paramref name="classes"/> (a class is a list of texts),
    /// heaviest first (ties: ordinal by term). Terms containing a stem of <paramref name="excluded"/>, numbers and a lone
    /// negation ("not") are never terms; a negation may start a two-word term ("not fresh").
    /// </summary>
    /// <param name="named">Which classes to return terms for (null: all); the others still count towards f(t) and A, as the
    /// texts that belong to no theme do.</param>
    public static IReadOnlyList<ClassTerm>[] Terms(
        IReadOnlyList<IReadOnlyList<string>> classes, IReadOnlySet<string> excluded, int top, Func<int, bool>? named = null)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(excluded);
        ArgumentOutOfRangeException.ThrowIfNegative(top);

        var perClass = new Dictionary<string, int>[classes.Count];
        var overall = new Dictionary<string, int>(StringComparer.Ordinal);
        long occurrences = 0;
        var inText = new HashSet<string>(StringComparer.Ordinal);
        for (var c = 0; c < classes.Count; c++)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var text in classes[c])
            {
                inText.Clear();
                AddTerms(text, excluded, inText);
                foreach (var term in inText)
                {
                    counts[term] = counts.GetValueOrDefault(term) + 1;
                    overall[term] = overall.GetValueOrDefault(term) + 1;
                }
                occurrences += inText.Count;
            }
            perClass[c] = counts;
        }

        var average = classes.Count == 0 ? 0.0 : (double)occurrences / classes.Count;
        var result = new IReadOnlyList<ClassTerm>[classes.Count];
        for (var c = 0; c < classes.Count; c++)
        {
            if (named is not null && !named(c))
            {
                result[c] = [];
                continue;
            }
            var total = perClass[c].Values.Sum();
            var ranked = perClass[c]
                .Select(t => (Term: t.Key, Documents: t.Value, Weight: (double)t.Value / total * Math.Log(1 + (average / overall[t.Key]))))
                .OrderByDescending(t => t.Weight)
                .ThenBy(t => t.Term, StringComparer.Ordinal)
                .Take(top)
                .ToList();
            var surfaces = Surfaces(classes[c]);
            result[c] = [.. ranked.Select(t => new ClassTerm(t.Term, Display(t.Term, surfaces), t.Weight, t.Documents))];
        }
        return result;
    }

    /// <summary>The terms of one text (each once): its stems and pairs of adjacent stems within a clause.</summary>
    internal static void AddTerms(string text, IReadOnlySet<string> excluded, HashSet<string> terms)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }
        foreach (var clause in text.Split(ClauseBreaks, StringSplitOptions.RemoveEmptyEntries))
        {
            string? previous = null;
            foreach (var token in TextNormalizer.Tokens(clause))
            {
                if (excluded.Contains(token) || IsNumber(token))
                {
                    previous = null;
                    continue;
                }
                var negation = TextNormalizer.IsNegation(token);
                if (!negation)
                {
                    terms.Add(token);
                }
                if (previous is not null && !negation && previous != token)
                {
                    terms.Add(previous + " " + token);
                }
                previous = token;
            }
        }
    }

    private static bool IsNumber(string token) => token.All(char.IsDigit);

    /// <summary>For each stem, how often each lower-case word that yields it occurs in the texts.</summary>
    private static Dictionary<string, Dictionary<string, int>> Surfaces(IReadOnlyList<string> texts)
    {
        var surfaces = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }
            var start = -1;
            for (var i = 0; i <= text.Length; i++)
            {
                if (i < text.Length && char.IsLetterOrDigit(text[i]))
                {
                    if (start < 0)
                    {
                        start = i;
                    }
                    continue;
                }
                if (start >= 0)
                {
                    var word = text[start..i].ToLowerInvariant();
                    var tokens = TextNormalizer.Tokens(word);
                    if (tokens.Count == 1)
                    {
                        if (!surfaces.TryGetValue(tokens[0], out var forms))
                        {
                            forms = new Dictionary<string, int>(StringComparer.Ordinal);
                            surfaces.Add(tokens[0], forms);
                        }
                        forms[word] = forms.GetValueOrDefault(word) + 1;
                    }
                    start = -1;
                }
            }
        }
        return surfaces;
    }

    /// <summary>Each stem of the term as its most frequent written form (ties: ordinal smallest); the stem when never written.</summary>
    private static string Display(string term, Dictionary<string, Dictionary<string, int>> surfaces) =>
        string.Join(' ', term.Split(' ').Select(stem => surfaces.TryGetValue(stem, out var forms)
            ? forms.OrderByDescending(f => f.Value).ThenBy(f => f.Key, StringComparer.Ordinal).First().Key
            : stem));
}
