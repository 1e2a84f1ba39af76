using Nexus.Jobs.Language;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>A recurring complaint among negative reviews: its name, how many reviews make it, and one that says it best.</summary>
public sealed record ComplaintTheme(string Theme, int Count, string Example);

/// <summary>
/// review_sentiment's negative themes: the complaints negative reviews share in meaning, whatever their wording, found as
/// pattern_detection finds insight themes (<see cref="ThemeClustering"/> over the reviews' embeddings), named by their
/// distinctive terms (<see cref="ClassTfIdf"/>) nearest in meaning to the theme (<see cref="ThemeNames"/>), each with
/// its most central review. Pure: the vectors come from outside.
/// </summary>
public static class ComplaintThemes
{
    /// <summary>
    /// Mean cosine two groups of reviews need to merge: pattern_detection's default. On its seven development scenarios
    /// (five complaints x eight reviews in different words, fifteen one-offs each) 0.4 recovered 33 of 35 complaints;
    /// 0.45 32, 0.5 30, 0.6 28.
    /// </summary>
    public const float SimilarityThreshold = 0.4f;

    /// <summary>
    /// Reviews a complaint needs to be a theme. Two is often a coincidence: on the same scenarios, allowing pairs added 2-5
    /// themes of two reviews to each and no complaint to the 33 found; at three, 2-4 groups of three or four alike one-offs
    /// still follow the real complaints in each scenario, smaller than all of them.
    /// </summary>
    public const int MinReviews = 3;

    /// <summary>Words every complaint uses, whatever it is about: they say a review is negative, not why.</summary>
    public static readonly IReadOnlyList<string> GenericWords =
    [
        .. ClassTfIdf.GenericWords,
        "bought", "buy", "purchase", "order", "ordered", "star", "stars", "bad", "terrible", "awful", "horrible", "worst",
        "poor", "disappointed", "disappointing", "disappointment", "hate", "useless", "garbage", "junk", "waste", "money",
        "refund", "return", "returned",
    ];

    /// <summary>
    /// The <paramref name="top"/> largest themes among <paramref name="texts"/> (largest first; ties by name), in two
    /// calls to <paramref name="embed"/> (which returns one unit vector per text, in order): the reviews, then the
    /// terms that could name their themes.
    /// </summary>
    public static async Task<IReadOnlyList<ComplaintTheme>> FindAsync(
        IReadOnlyList<string> texts, Func<IReadOnlyList<string>, Task<float[][]>> embed, int top, float similarityThreshold = SimilarityThreshold)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(embed);
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var reviews = texts.Where(t => !string.IsNullOrWhiteSpace(t)).ToList();
        if (reviews.Count < MinReviews || top == 0)
        {
            return [];
        }

        var vectors = await embed(reviews);
        var groups = ThemeClustering.Themes(ThemeClustering.Smooth(vectors), similarityThreshold, MinReviews);
        if (groups.Count == 0)
        {
            return [];
        }

        // The reviews in no theme are one more class, so words every review uses weigh less.
        var themed = groups.SelectMany(g => g.Members).ToHashSet();
        IReadOnlyList<IReadOnlyList<string>> classes =
        [
            .. groups.Select(g => (IReadOnlyList<string>)[.. g.Members.Select(m => reviews[m])]),
            [.. Enumerable.Range(0, reviews.Count).Where(i => !themed.Contains(i)).Select(i => reviews[i])],
        ];
        var terms = ClassTfIdf.Terms(classes, ClassTfIdf.StemsOf(GenericWords), ThemeNames.Candidates, c => c < groups.Count);
        var candidates = groups.Select((_, g) => ThemeNames.CandidatesOf(terms[g])).ToList();
        var displays = candidates.SelectMany(c => c).Select(t => t.Display).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var termVectors = displays.Count > 0 ? await embed(displays) : [];
        var vectorOf = displays.Select((d, i) => (d, i)).ToDictionary(p => p.d, p => termVectors[p.i], StringComparer.Ordinal);

        var themes = new List<ComplaintTheme>(groups.Count);
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var g = 0; g < groups.Count; g++)
        {
            var members = groups[g].Members;
            var centroid = Vectors.Centroid(members.Select(m => vectors[m]), vectors[members[0]].Length);
            var ranked = ThemeNames.Rank(candidates[g], [.. candidates[g].Select(c => vectorOf[c.Display])], centroid);
            var example = reviews[ThemeClustering.Representative(members, vectors)];
            themes.Add(new ComplaintTheme(ThemeNames.Unique(ThemeNames.NameOrText(ranked, example), used), members.Count, example));
        }
        return [.. themes.OrderByDescending(t => t.Count).ThenBy(t => t.Theme, StringComparer.Ordinal).Take(top)];
    }
}
