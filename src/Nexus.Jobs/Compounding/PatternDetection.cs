using Nexus.Jobs.Language;

namespace Nexus.Jobs.Compounding;

/// <summary>
/// Finds themes that recur across many recent insights about several entities: groups of insights that mean the same thing
/// (<see cref="ThemeClustering"/> over their embeddings), named by the distinctive terms (<see cref="ClassTfIdf"/>) nearest in
/// meaning to what the group says (<see cref="ThemeNames"/>). Pure: the vectors are given. Two steps, because the names need
/// vectors of terms that only the groups reveal: <see cref="Draft"/> groups the insights and lists the terms to embed,
/// <see cref="Detect(PatternDraft, IReadOnlyList{float[]}, IReadOnlyList{KnownPattern})"/> names the groups.
/// </summary>
public static class PatternDetection
{
    /// <summary>An earlier pattern continues as a new theme when this share of the smaller of the two is common to both.</summary>
    public const double ContinuationOverlap = 0.5;

    /// <summary>
    /// The active insights reinforced within [now - window, now], sorted by id (ties broken further, so the order is total):
    /// the insights <see cref="Draft"/> looks at, so a caller embeds only these.
    /// </summary>
    public static List<InsightRecord> Select(IReadOnlyList<InsightRecord> insights, DateTime now, PatternOptions options)
    {
        ArgumentNullException.ThrowIfNull(insights);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var window = options.EffectiveWindow;
        var selected = new List<InsightRecord>();
        foreach (var insight in insights)
        {
            if (insight is null || !string.Equals(insight.Status, InsightStatus.Active, StringComparison.Ordinal))
            {
                continue;
            }
            var age = now - insight.LastReinforcedAt;
            if (age >= TimeSpan.Zero && age <= window)
            {
                selected.Add(insight);
            }
        }
        selected.Sort(static (a, b) =>
        {
            var byId = a.Id.CompareTo(b.Id);
            if (byId != 0)
            {
                return byId;
            }
            var byTime = a.LastReinforcedAt.CompareTo(b.LastReinforcedAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.Content, b.Content);
        });
        return selected;
    }

    /// <summary>
    /// The text of an insight that themes are found in (and that is embedded): its content without the names of its own
    /// entities (case-insensitive, longest first), spaces collapsed. An insight's entities say what it is about, not what it
    /// says: "the Aurora kettle leaks" and "the Brio kettle leaks" are one theme, and "Aurora" must neither pull insights
    /// together nor name a theme.
    /// </summary>
    public static string ThemeText(InsightRecord insight)
    {
        ArgumentNullException.ThrowIfNull(insight);
        var content = insight.Content ?? string.Empty;
        foreach (var name in (insight.Entities ?? []).Where(e => e is not null && !string.IsNullOrWhiteSpace(e.Name))
                     .Select(e => e.Name.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)
                     .OrderByDescending(name => name.Length).ThenBy(name => name, StringComparer.Ordinal))
        {
            content = content.Replace(name, " ", StringComparison.OrdinalIgnoreCase);
        }
        return string.Join(' ', content.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// Step one: groups the active insights reinforced within <see cref="PatternOptions.EffectiveWindow"/> before
    /// <paramref name="now"/> into themes and lists the terms whose vectors naming needs (<see cref="PatternDraft.Terms"/>).
    /// <paramref name="vectors"/>[i] is the unit embedding of <see cref="ThemeText"/>(<paramref name="insights"/>[i]). A theme
    /// is a group of <see cref="ThemeClustering.Themes"/> over the smoothed vectors (<see cref="ThemeClustering.Smooth"/>) at
    /// <see cref="PatternOptions.SimilarityThreshold"/> with at least
    /// <see cref="PatternOptions.MinSupport"/> insights about at least <see cref="PatternOptions.MinDistinctEntities"/> distinct
    /// entities. The input order does not matter.
    /// </summary>
    /// <remarks>
    /// Past <see cref="PatternOptions.ClusterSample"/> insights, that many (chosen by a hash of their ids, so the same
    /// insights give the same sample) are clustered, as BERTopic fits on a sample and transforms the rest; every other
    /// insight joins the theme whose members it is most alike to on average, when that mean reaches
    /// <see cref="ThemeClustering.SeparationRatio"/> of the theme's own coherence (its members' mean pairwise cosine): as
    /// alike to the theme as its members are to each other, less the margin two themes need to merge.
    /// </remarks>
    public static PatternDraft Draft(IReadOnlyList<InsightRecord> insights, IReadOnlyList<float[]> vectors, DateTime now, PatternOptions options)
    {
        ArgumentNullException.ThrowIfNull(insights);
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count != insights.Count)
        {
            throw new ArgumentException($"{vectors.Count} vectors for {insights.Count} insights.", nameof(vectors));
        }
        var vectorOf = new Dictionary<InsightRecord, float[]>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < insights.Count; i++)
        {
            if (insights[i] is not null)
            {
                vectorOf[insights[i]] = vectors[i] ?? throw new ArgumentException($"Vector {i} is null.", nameof(vectors));
            }
        }
        var docs = Select(insights, now, options);
        var docVectors = docs.Select(d => vectorOf[d]).ToArray();
        var entities = new EntityTable(docs);
        var themes = new List<DraftTheme>();
        foreach (var group in Groups(docs, docVectors, options))
        {
            var distinct = entities.DistinctIds(group.Members);
            if (distinct >= options.MinDistinctEntities)
            {
                // What the theme's insights themselves say (not their smoothed vectors) picks its representative and its name.
                var centroid = Vectors.Centroid(group.Members.Select(doc => docVectors[doc]), docVectors[group.Members[0]].Length);
                themes.Add(new DraftTheme(group.Members, distinct, ThemeClustering.Representative(group.Members, docVectors), centroid));
            }
        }

        var texts = docs.Select(ThemeText).ToList();
        var candidates = CandidatesOf(themes, docs, texts);
        var terms = candidates.SelectMany(c => c.Select(t => t.Display)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new PatternDraft(docs, texts, entities, themes, candidates, terms, options);
    }

    /// <summary>
    /// Step two: the patterns of <paramref name="draft"/>, named. <paramref name="termVectors"/>[i] is the unit embedding of
    /// <see cref="PatternDraft.Terms"/>[i]. A theme's name is its one to three candidate terms nearest in meaning to its
    /// centroid (<see cref="ThemeNames"/>), never a generic word nor a word of an entity's name, unless it continues one of
    /// <paramref name="known"/> (at least <see cref="ContinuationOverlap"/> of the smaller of the two in common) whose name's
    /// terms are all still among its candidates: then it keeps that name, so a theme keeps its identity (its row, its playbook
    /// rule) from run to run. Names are unique. Ordered by support (descending), then theme (ordinal).
    /// </summary>
    public static IReadOnlyList<DetectedPattern> Detect(PatternDraft draft, IReadOnlyList<float[]> termVectors, IReadOnlyList<KnownPattern>? known = null)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(termVectors);
        if (termVectors.Count != draft.Terms.Count)
        {
            throw new ArgumentException($"{termVectors.Count} vectors for {draft.Terms.Count} terms.", nameof(termVectors));
        }
        var vectorOfTerm = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (var i = 0; i < draft.Terms.Count; i++)
        {
            vectorOfTerm[draft.Terms[i]] = termVectors[i];
        }

        var names = Names(draft, vectorOfTerm, known ?? []);
        var docs = draft.Docs;
        var results = new List<DetectedPattern>(draft.Themes.Count);
        for (var t = 0; t < draft.Themes.Count; t++)
        {
            var theme = draft.Themes[t];
            var firstSeen = DateTime.MaxValue;
            var lastSeen = DateTime.MinValue;
            foreach (var doc in theme.Members)
            {
                firstSeen = docs[doc].CreatedAt < firstSeen ? docs[doc].CreatedAt : firstSeen;
                lastSeen = docs[doc].LastReinforcedAt > lastSeen ? docs[doc].LastReinforcedAt : lastSeen;
            }
            results.Add(new DetectedPattern(
                names[t],
                theme.Members.Count,
                theme.DistinctEntities,
                draft.Entities.MostCommonType(theme.Members),
                Examples(theme.Members, docs, draft.Options.MaxExamples),
                [.. theme.Members.Select(doc => docs[doc].Id)],
                firstSeen,
                lastSeen,
                docs[theme.Representative].Id));
        }
        results.Sort((a, b) => a.Support != b.Support ? b.Support.CompareTo(a.Support) : string.CompareOrdinal(a.Theme, b.Theme));
        return results;
    }

    /// <summary>Both steps, for callers that embed synchronously (tests, benchmarks): <paramref name="embed"/> gives the unit vector of each term.</summary>
    public static IReadOnlyList<DetectedPattern> Detect(
        IReadOnlyList<InsightRecord> insights, IReadOnlyList<float[]> vectors, DateTime now, PatternOptions options,
        Func<IReadOnlyList<string>, IReadOnlyList<float[]>> embed, IReadOnlyList<KnownPattern>? known = null)
    {
        ArgumentNullException.ThrowIfNull(embed);
        var draft = Draft(insights, vectors, now, options);
        return Detect(draft, embed(draft.Terms), known);
    }

    private static void Validate(PatternOptions options)
    {
        if (options.MinSupport < 1)
        {
            throw new ArgumentException("MinSupport must be at least 1.", nameof(options));
        }
        if (options.MinDistinctEntities < 0)
        {
            throw new ArgumentException("MinDistinctEntities must not be negative.", nameof(options));
        }
        if (options.EffectiveWindow < TimeSpan.Zero)
        {
            throw new ArgumentException("Window must not be negative.", nameof(options));
        }
        if (options.MaxExamples < 0)
        {
            throw new ArgumentException("MaxExamples must not be negative.", nameof(options));
        }
        if (options.ClusterSample < 2)
        {
            throw new ArgumentException("ClusterSample must be at least 2.", nameof(options));
        }
        if (!(options.SimilarityThreshold is > 0f and < 1f))
        {
            throw new ArgumentException("SimilarityThreshold must be between 0 and 1 (exclusive).", nameof(options));
        }
    }

    // The themes' members (indexes into docs, ascending): all docs clustered, or a sample clustered and the rest assigned.
    private static IEnumerable<ThemeCluster> Groups(List<InsightRecord> docs, float[][] docVectors, PatternOptions options)
    {
        if (docs.Count <= options.ClusterSample)
        {
            return ThemeClustering.Themes(ThemeClustering.Smooth(docVectors), options.SimilarityThreshold, options.MinSupport);
        }
        var sample = Sample(docs, options.ClusterSample);
        var sampleVectors = sample.Select(doc => docVectors[doc]).ToArray();
        // A theme's expected share of the sample; two alike insights are the least that can say anything.
        var minSize = Math.Max(2, (int)Math.Ceiling((double)options.MinSupport * sample.Length / docs.Count));
        var seeds = ThemeClustering.Themes(ThemeClustering.Smooth(sampleVectors), options.SimilarityThreshold, minSize)
            .Select(seed => (IReadOnlyList<int>)[.. seed.Members.Select(i => sample[i])])
            .ToList();
        var inSample = sample.ToHashSet();
        var members = ThemeClustering.Assign(seeds, docVectors, Enumerable.Range(0, docs.Count).Where(doc => !inSample.Contains(doc)));
        return members
            .Where(m => m.Count >= options.MinSupport)
            .Select(m =>
            {
                m.Sort();
                return new ThemeCluster(m, ThemeClustering.Representative(m, docVectors));
            })
            .OrderByDescending(g => g.Members.Count)
            .ThenBy(g => g.Members[0])
            .ToList();
    }

    /// <summary>
    /// The indexes (ascending) of the <paramref name="size"/> docs clustered when there are more: those first by a hash of
    /// their ids, so the same insights give the same sample whatever their order.
    /// </summary>
    internal static int[] Sample(IReadOnlyList<InsightRecord> docs, int size) =>
        [.. Enumerable.Range(0, docs.Count).OrderBy(doc => SampleKey(docs[doc].Id)).ThenBy(doc => doc).Take(size).Order()];

    // SplitMix64 over the id's two halves: a sample key that is the same on every run and unrelated to how ids are made
    // (time-ordered ids would otherwise make the sample the oldest insights).
    private static ulong SampleKey(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
        return Mix(BitConverter.ToUInt64(bytes) ^ Mix(BitConverter.ToUInt64(bytes[8..])));
    }

    /// <summary>The candidate terms of each theme; the insights in no theme are one more class, so words they share weigh less too.</summary>
    private static IReadOnlyList<ClassTerm>[] CandidatesOf(List<DraftTheme> themes, List<InsightRecord> docs, List<string> texts)
    {
        var themed = new bool[docs.Count];
        var classes = new List<IReadOnlyList<string>>(themes.Count + 1);
        foreach (var theme in themes)
        {
            classes.Add([.. theme.Members.Select(doc => texts[doc])]);
            foreach (var doc in theme.Members)
            {
                themed[doc] = true;
            }
        }
        classes.Add([.. Enumerable.Range(0, docs.Count).Where(doc => !themed[doc]).Select(doc => texts[doc])]);

        // Entity names are gone from each insight's own text, but one insight may name another's entity.
        var excluded = ClassTfIdf.StemsOf(ClassTfIdf.GenericWords.Concat(
            docs.SelectMany(d => d.Entities ?? []).Where(e => e is not null).Select(e => e.Name ?? string.Empty).Distinct(StringComparer.Ordinal)));
        var terms = ClassTfIdf.Terms(classes, excluded, ThemeNames.Candidates, c => c < themes.Count);
        return [.. terms.Take(themes.Count).Select(ThemeNames.CandidatesOf)];
    }

    /// <summary>Each theme's name: a known pattern's it continues, otherwise its own terms'; unique among the themes.</summary>
    private static string[] Names(PatternDraft draft, Dictionary<string, float[]> vectorOfTerm, IReadOnlyList<KnownPattern> known)
    {
        var themes = draft.Themes;
        var names = new string?[themes.Count];
        var used = new HashSet<string>(StringComparer.Ordinal);

        // Continuations: best overlap first, one known pattern per theme and one theme per known pattern.
        var continuations = new List<(int Theme, int Known, double Overlap)>();
        for (var t = 0; t < themes.Count; t++)
        {
            var ids = themes[t].Members.Select(doc => draft.Docs[doc].Id).ToHashSet();
            var stems = draft.Candidates[t].Select(c => c.Term).ToHashSet(StringComparer.Ordinal);
            for (var k = 0; k < known.Count; k++)
            {
                if (known[k]?.Theme is not { Length: > 0 } theme || known[k].SupportingInsightIds is not { Count: > 0 } supporting)
                {
                    continue;
                }
                var earlier = supporting.ToHashSet();
                var overlap = (double)earlier.Count(ids.Contains) / Math.Min(ids.Count, earlier.Count);
                if (overlap >= ContinuationOverlap && ThemeNames.TermsOf(theme) is { Count: > 0 } parts && parts.All(stems.Contains))
                {
                    continuations.Add((t, k, overlap));
                }
            }
        }
        continuations.Sort((a, b) => a.Overlap != b.Overlap ? b.Overlap.CompareTo(a.Overlap)
            : a.Theme != b.Theme ? a.Theme.CompareTo(b.Theme)
            : string.CompareOrdinal(known[a.Known].Theme, known[b.Known].Theme));
        var knownTaken = new HashSet<int>();
        foreach (var (theme, k, _) in continuations)
        {
            if (names[theme] is null && !knownTaken.Contains(k) && used.Add(known[k].Theme))
            {
                names[theme] = known[k].Theme;
                knownTaken.Add(k);
            }
        }

        for (var t = 0; t < themes.Count; t++)
        {
            if (names[t] is not null)
            {
                continue;
            }
            var candidates = draft.Candidates[t];
            var ranked = ThemeNames.Rank(candidates, [.. candidates.Select(c => vectorOfTerm[c.Display])], themes[t].Centroid);
            names[t] = ThemeNames.Unique(ThemeNames.NameOrText(ranked, draft.Texts[themes[t].Representative]), used);
        }
        return names!;
    }

    /// <summary>Up to <paramref name="max"/> supporting ids, most recently reinforced first, then by id.</summary>
    private static Guid[] Examples(IReadOnlyList<int> members, List<InsightRecord> docs, int max) =>
        [.. members.OrderByDescending(doc => docs[doc].LastReinforcedAt).ThenBy(doc => doc).Take(max).Select(doc => docs[doc].Id)];

    /// <summary>Entity ids and types of the selected insights; each insight's entities deduplicated by id.</summary>
    internal sealed class EntityTable(List<InsightRecord> docs)
    {
        private readonly (string Id, string? Type)[][] byDoc = [.. docs.Select(d => (d.Entities ?? [])
            .Where(e => e is not null && !string.IsNullOrEmpty(e.Id))
            .DistinctBy(e => e.Id, StringComparer.Ordinal)
            .Select(e => (e.Id, string.IsNullOrEmpty(e.Type) ? null : e.Type))
            .ToArray())];

        public int DistinctIds(IEnumerable<int> members) =>
            members.SelectMany(doc => byDoc[doc]).Select(e => e.Id).Distinct(StringComparer.Ordinal).Count();

        /// <summary>The most common entity type among the members' entities (ties: ordinal smallest); null when they have none.</summary>
        public string? MostCommonType(IEnumerable<int> members) =>
            members.SelectMany(doc => byDoc[doc]).Where(e => e.Type is not null).GroupBy(e => e.Type!, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault();
    }
}

/// <summary>A theme of a draft: its members (indexes into <see cref="PatternDraft.Docs"/>, ascending), and where its centre is.</summary>
internal sealed record DraftTheme(IReadOnlyList<int> Members, int DistinctEntities, int Representative, float[] Centroid);

/// <summary>The themes of <see cref="PatternDetection.Draft"/>, waiting for the vectors of their candidate names.</summary>
public sealed class PatternDraft
{
    internal PatternDraft(
        List<InsightRecord> docs, List<string> texts, PatternDetection.EntityTable entities, List<DraftTheme> themes,
        IReadOnlyList<ClassTerm>[] candidates, IReadOnlyList<string> terms, PatternOptions options)
    {
        Docs = docs;
        Texts = texts;
        Entities = entities;
        Themes = themes;
        Candidates = candidates;
        Terms = terms;
        Options = options;
    }

    /// <summary>The terms to embed (distinct, ordinal order): every theme's candidate names.</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>How many themes were found (before naming).</summary>
    public int ThemeCount => Themes.Count;

    internal List<InsightRecord> Docs { get; }

    internal List<string> Texts { get; }

    internal PatternDetection.EntityTable Entities { get; }

    internal List<DraftTheme> Themes { get; }

    internal IReadOnlyList<ClassTerm>[] Candidates { get; }

    internal PatternOptions Options { get; }
}
