namespace Nexus.Jobs.Language;

/// <summary>
/// Names a theme from its class-based TF-IDF terms (<see cref="ClassTfIdf"/>): the distinctive terms are the candidates and
/// the ones nearest in meaning to the theme's centroid win, as BERTopic's KeyBERTInspired representation re-ranks c-TF-IDF
/// words. Pure: the terms' vectors are given.
/// </summary>
/// <remarks>
/// Why re-rank: a theme written in different words shares few words, so among its distinctive terms incidental ones ("real"
/// from "in real life", "ordered") weigh as much as the telling ones ("colour", "delivery"); the telling ones are those that
/// mean what the theme's texts mean together.
/// </remarks>
public static class ThemeNames
{
    /// <summary>Candidate terms per theme: the heaviest c-TF-IDF terms.</summary>
    public const int Candidates = 30;

    /// <summary>How much a term found in more texts of the theme gains: score = cosine x (1 + this x ln(texts)).</summary>
    public const double RecurrenceBonus = 0.2;

    /// <summary>A name's further terms score at least this share of its first term's.</summary>
    public const double MinShare = 0.85;

    /// <summary>Terms in a name at most.</summary>
    public const int MaxTerms = 3;

    /// <summary>
    /// The terms worth naming a theme by, heaviest first: its first <see cref="Candidates"/> terms, without two-word terms
    /// found in one text only (a phrase of one text is that text's wording, not the theme's).
    /// </summary>
    public static IReadOnlyList<ClassTerm> CandidatesOf(IReadOnlyList<ClassTerm> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return [.. terms.Take(Candidates).Where(t => !t.Term.Contains(' ', StringComparison.Ordinal) || t.Documents >= 2)];
    }

    /// <summary>
    /// <paramref name="candidates"/> re-weighted by meaning, heaviest first (ties: ordinal by term): weight = cosine of the
    /// term's vector (of its <see cref="ClassTerm.Display"/> text) to <paramref name="centroid"/> x (1 +
    /// <see cref="RecurrenceBonus"/> x ln(texts with the term)).
    /// </summary>
    public static IReadOnlyList<ClassTerm> Rank(IReadOnlyList<ClassTerm> candidates, IReadOnlyList<float[]> termVectors, float[] centroid)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(termVectors);
        ArgumentNullException.ThrowIfNull(centroid);
        if (termVectors.Count != candidates.Count)
        {
            throw new ArgumentException($"{termVectors.Count} vectors for {candidates.Count} terms.", nameof(termVectors));
        }
        return [.. candidates
            .Select((term, i) => term with { Weight = Vectors.Cosine(centroid, termVectors[i]) * (1 + (RecurrenceBonus * Math.Log(Math.Max(1, term.Documents)))) })
            .OrderByDescending(t => t.Weight)
            .ThenBy(t => t.Term, StringComparer.Ordinal)];
    }

    /// <summary>
    /// A theme's name from its ranked terms (heaviest first): the first term, then up to <see cref="MaxTerms"/> - 1 more that
    /// weigh at least <see cref="MinShare"/> of it and share no word with a term already taken; a two-word term found in at
    /// least 80 % of the texts of the one word it shares with a taken term replaces that word ("late delivery" rather than
    /// "delivery"). Joined by ", "; empty when there are no terms.
    /// </summary>
    public static string Name(IReadOnlyList<ClassTerm> ranked)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        var chosen = new List<ClassTerm>();
        if (ranked.Count == 0)
        {
            return string.Empty;
        }
        var floor = ranked[0].Weight * MinShare;
        foreach (var term in ranked)
        {
            if (term.Weight < floor)
            {
                break;
            }
            var words = term.Term.Split(' ');
            var overlapping = chosen.Where(t => Shares(t, words)).ToList();
            if (overlapping.Count == 0)
            {
                if (chosen.Count < MaxTerms)
                {
                    chosen.Add(term);
                }
                continue;
            }
            // A phrase nearly as common as the words inside it says more ("late delivery" over "late" and "delivery").
            if (words.Length == 2 && overlapping.All(t => !t.Term.Contains(' ', StringComparison.Ordinal) && term.Documents * 5 >= t.Documents * 4))
            {
                chosen[chosen.IndexOf(overlapping[0])] = term;
                chosen.RemoveAll(t => overlapping.Skip(1).Contains(t));
            }
        }
        return string.Join(", ", chosen.Select(t => t.Display));
    }

    /// <summary>The name's terms as stems, one per comma-separated part, so a name can be matched against terms later.</summary>
    public static IReadOnlyList<string> TermsOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return [.. name.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(part => string.Join(' ', TextNormalizer.Tokens(part)))];
    }

    private static bool Shares(ClassTerm term, string[] words) => term.Term.Split(' ').Intersect(words, StringComparer.Ordinal).Any();

    /// <summary>
    /// <see cref="Name"/> of <paramref name="ranked"/>, or, when the theme has no term of its own (all numbers or names),
    /// its <paramref name="representative"/> text cut to 60 characters.
    /// </summary>
    public static string NameOrText(IReadOnlyList<ClassTerm> ranked, string representative)
    {
        ArgumentNullException.ThrowIfNull(representative);
        var name = Name(ranked);
        if (name.Length > 0)
        {
            return name;
        }
        var trimmed = representative.Trim();
        return trimmed.Length == 0 ? "untitled" : trimmed.Length <= 60 ? trimmed : trimmed[..60].TrimEnd() + "…";
    }

    /// <summary><paramref name="name"/>, or the first of "name (2)", "name (3)", ... not in <paramref name="used"/>; added to it.</summary>
    public static string Unique(string name, ISet<string> used)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(used);
        var unique = name;
        for (var n = 2; !used.Add(unique); n++)
        {
            unique = $"{name} ({n})";
        }
        return unique;
    }
}
