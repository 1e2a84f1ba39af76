using System.Runtime.InteropServices;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.Compounding;

/// <summary>Finds active insights that state the same fact about the same entities, and what each group merges into. Pure.</summary>
/// <remarks>
/// Two active insights state the same fact when <see cref="SameFact"/> holds for them: their embeddings are alike enough
/// for the words they do not share, and <see cref="FactGuard"/> finds no difference that changes the fact (a negation,
/// a number, an antonym, another specific term); and their entity-id sets are equal or one is a non-empty proper subset
/// of the other. Candidate pairs are searched per entity (and among the insights without entities), never across the
/// whole workspace: only insights that share an entity may merge. Each insight joins a canonical directly (see Group),
/// and only while every two members stay entity-compatible, so no chain of pairs can drift to another fact or merge
/// insights about different entities.
/// </remarks>
public static class Consolidation
{
    /// <summary>The cosine similarity two insights in other words need, tuned on our own development pairs (see docs/decisions/0012).</summary>
    public const double DefaultThreshold = 0.72;

    // Texts that differ in only a word or two are alike to the model for the words they share: "the kettle lid" and
    // "the teapot lid" score 0.86, as high as a free paraphrase. So the fewer words two texts do not share, the more
    // similar they must be: a single word apart needs 0.90 (a synonym: "bigger" / "larger" 0.996, "postponed" /
    // "delayed" 0.92), two words 0.84.
    private const double OneWordApart = 0.90;
    private const double TwoWordsApart = 0.84;

    // Texts with the same words (in any order, any case, with typos) state the same fact unless the guard objects, but
    // a typo throws the model's word pieces off: "blue ketle" against "blue kettle" scores 0.67. Such pairs need only
    // this similarity, which is also where the search for candidates starts.
    private const double SameWordsFloor = 0.6;

    // Embeddings are unit vectors; a stored vector further off than this was not made for cosine comparison.
    private const double UnitTolerance = 1e-3;

    /// <summary>The merge groups among the active insights of <paramref name="insights"/>, ordered by canonical id.</summary>
    /// <param name="vectors">The unit-length embedding of each insight's content, in the order of <paramref name="insights"/>.</param>
    /// <exception cref="ArgumentException">
    /// Invalid options, a null insight, content or entity, two insights with one id, or a missing, mis-sized or
    /// non-unit vector for an active insight.
    /// </exception>
    public static IReadOnlyList<MergeGroup> Find(IReadOnlyList<InsightRecord> insights, IReadOnlyList<float[]> vectors, ConsolidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(insights);
        ArgumentNullException.ThrowIfNull(vectors);
        Validate(options);
        if (vectors.Count != insights.Count)
        {
            throw new ArgumentException($"{vectors.Count} vectors for {insights.Count} insights.", nameof(vectors));
        }

        // Everything below works on positions in id order, so the input order cannot change the outcome.
        var (active, activeVectors) = SelectActive(insights, vectors);
        if (active.Length < 2)
        {
            return [];
        }

        var entities = EntitySets.Build(active);
        var reps = Representatives.Build(active, activeVectors, entities);
        var candidates = Candidates(reps, entities, (float)Math.Min(options.SimilarityThreshold, SameWordsFloor), options.Search ?? NeighbourSearchOptions.Default);
        var groups = Group(candidates, reps, active, entities, options.SimilarityThreshold);
        return BuildMergeGroups(groups, reps, active);
    }

    /// <summary>
    /// The merge rule for two texts whose embeddings have cosine <paramref name="similarity"/>: no difference
    /// <see cref="FactGuard"/> reads as another fact, and a similarity of at least 0.6 for the same words
    /// (<see cref="FactGuard.SameWords"/>), 0.90 for texts one word apart, 0.84 for two words apart, and
    /// <paramref name="threshold"/> for texts in other words (never less than the threshold).
    /// </summary>
    public static bool SameFact(double similarity, FactProfile a, FactProfile b, double threshold)
    {
        if (similarity < Math.Min(threshold, SameWordsFloor))
        {
            return false;
        }
        var alike = FactGuard.SameWords(a, b) || similarity >= FactGuard.Difference(a, b) switch
        {
            1 => Math.Max(threshold, OneWordApart),
            2 => Math.Max(threshold, TwoWordsApart),
            _ => threshold,
        };
        return alike && FactGuard.Compare(a, b) == FactConflict.None;
    }

    private static void Validate(ConsolidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.SimilarityThreshold > 0 && options.SimilarityThreshold <= 1))
        {
            throw new ArgumentException($"SimilarityThreshold must be in (0, 1], was {options.SimilarityThreshold}.", nameof(options));
        }
    }

    private static (InsightRecord[] Active, float[][] Vectors) SelectActive(IReadOnlyList<InsightRecord> insights, IReadOnlyList<float[]> vectors)
    {
        var active = new List<InsightRecord>();
        var activeVectors = new List<float[]>();
        var ids = new HashSet<Guid>(insights.Count);
        var dimensions = -1;
        for (var k = 0; k < insights.Count; k++)
        {
            var insight = insights[k];
            if (insight is null)
            {
                throw new ArgumentException("Insights must not contain null.", nameof(insights));
            }
            if (!ids.Add(insight.Id))
            {
                // Ids decide the canonical member and the order of everything; two records with one id make that ambiguous.
                throw new ArgumentException($"Insight id {insight.Id} occurs more than once.", nameof(insights));
            }
            if (!string.Equals(insight.Status, InsightStatus.Active, StringComparison.Ordinal))
            {
                continue;
            }
            if (insight.Content is null || insight.Entities is null || insight.Entities.Any(e => e?.Id is null))
            {
                throw new ArgumentException($"Insight {insight.Id} has a null content, entity list, entity or entity id.", nameof(insights));
            }
            var vector = vectors[k];
            if (vector is null || vector.Length == 0 || (dimensions >= 0 && vector.Length != dimensions))
            {
                throw new ArgumentException($"Insight {insight.Id} has no vector, or one of another length than the others.", nameof(vectors));
            }
            var norm = System.Numerics.Tensors.TensorPrimitives.Norm(vector);
            if (!(Math.Abs(norm - 1) <= UnitTolerance))
            {
                throw new ArgumentException($"The vector of insight {insight.Id} has length {norm}, not 1.", nameof(vectors));
            }
            dimensions = vector.Length;
            active.Add(insight);
            activeVectors.Add(vector);
        }
        var sorted = active.ToArray();
        var sortedVectors = activeVectors.ToArray();
        var keys = active.Select(i => i.Id).ToArray();
        Array.Sort(keys.ToArray(), sorted);
        Array.Sort(keys, sortedVectors);
        return (sorted, sortedVectors);
    }

    /// <summary>A candidate pair of representatives: alike enough, about compatible entities. Not yet checked by the guard.</summary>
    private readonly record struct Candidate(int A, int B, float Similarity);

    // Pairs are searched inside each entity's bucket (and the bucket of insights without entities): only insights that
    // share an entity may merge, and a bucket is what one customer or product has accumulated, far smaller than the
    // workspace. A pair of insights that share several entities is met in several buckets and kept in the first (the
    // smallest shared entity number), so no pair comes twice.
    private static Candidate[] Candidates(Representatives reps, EntitySets entities, float threshold, NeighbourSearchOptions search)
    {
        var buckets = new List<int>[entities.EntityCount + 1];
        for (var r = 0; r < reps.Count; r++)
        {
            var set = entities.Sets[reps.Set[r]];
            if (set.Length == 0)
            {
                (buckets[entities.EntityCount] ??= []).Add(r);
            }
            foreach (var entity in set)
            {
                (buckets[entity] ??= []).Add(r);
            }
        }

        var perBucket = new Candidate[buckets.Length][];
        // Largest buckets first so that the last to finish are small; a large bucket also searches in parallel.
        var order = Enumerable.Range(0, buckets.Length).Where(b => buckets[b] is { Count: > 1 })
            .OrderByDescending(b => buckets[b].Count).ThenBy(b => b).ToArray();
        Parallel.ForEach(order, b =>
        {
            var members = buckets[b];
            var pairs = NeighbourSearch.Pairs([.. members.Select(r => reps.Vector[r])], threshold, search);
            var found = new List<Candidate>(pairs.Count);
            foreach (var pair in pairs)
            {
                var (x, y) = (members[pair.A], members[pair.B]);
                var (setX, setY) = (reps.Set[x], reps.Set[y]);
                if (entities.Compatible(setX, setY) && (b == entities.EntityCount || entities.FirstShared(setX, setY) == b))
                {
                    found.Add(new Candidate(x, y, pair.Similarity));
                }
            }
            perBucket[b] = [.. found];
        });

        var count = perBucket.Sum(p => p?.Length ?? 0);
        var candidates = new Candidate[count];
        var at = 0;
        foreach (var found in perBucket)
        {
            found?.CopyTo(candidates, at);
            at += found?.Length ?? 0;
        }
        return candidates;
    }

    // Leader clustering. Representatives are visited best first, in the order that chooses a group's canonical (most
    // reinforced, then most confident, oldest, smallest id). Each joins the most similar leader visited before it that
    // passes the merge rule with it, or becomes a leader itself. So every member states the canonical's fact directly:
    // no chain of small steps can drift from "late delivery" to "missing invoice". And a second run, which sees only
    // the canonicals, finds nothing to merge: two leaders stayed apart because the rule failed between them.
    //
    // Each group keeps the distinct entity sets of its members, smallest first; a member joins only if the result is
    // still a chain (every set a proper subset of the next), i.e. every two members remain compatible. So {A,B} and
    // {A,C} never end up together through an {A} leader, and neither do {A} and {B} through {A,B}.
    private static List<int>[] Group(Candidate[] candidates, Representatives reps, InsightRecord[] active, EntitySets entities, double threshold)
    {
        var order = Enumerable.Range(0, reps.Count).ToArray();
        var best = reps.Members.Select(m => m.Aggregate((x, y) => IsBetterCanonical(active[y], active[x]) ? y : x)).ToArray();
        Array.Sort(order, (x, y) => x == y ? 0 : IsBetterCanonical(active[best[x]], active[best[y]]) ? -1 : 1);
        var rank = new int[reps.Count];
        for (var k = 0; k < order.Length; k++)
        {
            rank[order[k]] = k;
        }

        // Each representative's candidates visited before it, most similar first (ties: the earlier visited).
        var degree = new int[reps.Count + 1];
        foreach (var c in candidates)
        {
            degree[Later(c) + 1]++;
        }
        for (var r = 0; r < reps.Count; r++)
        {
            degree[r + 1] += degree[r];
        }
        var earlier = new (int Other, float Similarity)[candidates.Length];
        var fill = degree[..^1].ToArray();
        foreach (var c in candidates)
        {
            var later = Later(c);
            earlier[fill[later]++] = (later == c.A ? c.B : c.A, c.Similarity);
        }
        Parallel.For(0, reps.Count, r => earlier.AsSpan(degree[r], degree[r + 1] - degree[r]).Sort((x, y) =>
            y.Similarity.CompareTo(x.Similarity) is var bySimilarity and not 0 ? bySimilarity : rank[x.Other].CompareTo(rank[y.Other])));

        var profiles = new FactProfile?[reps.Count];
        foreach (var c in candidates)
        {
            profiles[c.A] = profiles[c.B] = FactProfile.Empty;
        }
        Parallel.For(0, reps.Count, r =>
        {
            if (profiles[r] is not null)
            {
                profiles[r] = FactGuard.Profile(reps.Text[r]);
            }
        });

        var leader = new int[reps.Count];
        var chains = new List<int>?[reps.Count];
        foreach (var r in order)
        {
            leader[r] = r;
            foreach (var (other, similarity) in earlier.AsSpan(degree[r], degree[r + 1] - degree[r]))
            {
                if (leader[other] != other || !SameFact(similarity, profiles[r]!, profiles[other]!, threshold))
                {
                    continue;
                }
                var merged = MergeChains(chains[other] ?? [reps.Set[other]], [reps.Set[r]], entities);
                if (merged is not null)
                {
                    leader[r] = other;
                    chains[other] = merged;
                    break;
                }
            }
        }

        var groups = new List<int>[reps.Count];
        for (var r = 0; r < reps.Count; r++)
        {
            (groups[leader[r]] ??= []).Add(r);
        }
        return groups;

        int Later(Candidate c) => rank[c.A] > rank[c.B] ? c.A : c.B;
    }

    private static List<int>? MergeChains(List<int> a, List<int> b, EntitySets entities)
    {
        var merged = new List<int>(a.Count + b.Count);
        int i = 0, j = 0;
        while (i < a.Count || j < b.Count)
        {
            if (j == b.Count || (i < a.Count && entities.Size(a[i]) < entities.Size(b[j])))
            {
                merged.Add(a[i++]);
            }
            else if (i == a.Count || entities.Size(b[j]) < entities.Size(a[i]))
            {
                merged.Add(b[j++]);
            }
            else if (a[i] == b[j])
            {
                merged.Add(a[i]);
                i++;
                j++;
            }
            else
            {
                return null; // two different sets of one size: neither contains the other
            }
        }
        // Containment is transitive, so checking neighbours checks every pair.
        for (var k = 1; k < merged.Count; k++)
        {
            if (!entities.Compatible(merged[k - 1], merged[k]))
            {
                return null;
            }
        }
        return merged;
    }

    private static List<MergeGroup> BuildMergeGroups(List<int>[] groups, Representatives reps, InsightRecord[] active)
    {
        var result = new List<MergeGroup>();
        foreach (var group in groups)
        {
            if (group is null || (group.Count == 1 && reps.Members[group[0]].Count == 1))
            {
                continue;
            }
            var positions = group.SelectMany(r => reps.Members[r]).ToList();
            positions.Sort();
            result.Add(Merge([.. positions.Select(i => active[i])]));
        }
        result.Sort((x, y) => x.CanonicalId.CompareTo(y.CanonicalId));
        return result;
    }

    /// <summary>What a group of insights (in id order) merges into.</summary>
    internal static MergeGroup Merge(IReadOnlyList<InsightRecord> members)
    {
        var canonical = members[0];
        foreach (var member in members)
        {
            if (IsBetterCanonical(member, canonical))
            {
                canonical = member;
            }
        }
        var merged = members.Where(m => m.Id != canonical.Id).OrderBy(m => m.Id).ToList();

        long reinforcements = 0;
        var remaining = 1.0;
        var lastReinforced = DateTime.MinValue;
        foreach (var member in members)
        {
            reinforcements += member.ReinforcementCount;
            // Out-of-range or NaN confidences are clamped so that one bad record cannot flip the sign of the product.
            remaining *= 1 - (double.IsNaN(member.Confidence) ? 0 : Math.Clamp(member.Confidence, 0, 1));
            if (member.LastReinforcedAt > lastReinforced)
            {
                lastReinforced = member.LastReinforcedAt;
            }
        }

        var entities = new List<InsightEntity>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entity in canonical.Entities.Concat(merged.SelectMany(m => m.Entities)))
        {
            if (seen.Add(entity.Id))
            {
                entities.Add(entity);
            }
        }

        return new MergeGroup(
            canonical.Id,
            [.. merged.Select(m => m.Id)],
            (int)Math.Clamp(reinforcements, int.MinValue, int.MaxValue),
            Math.Clamp(1 - remaining, 0, 1),
            lastReinforced,
            entities);
    }

    // Most reinforced, then most confident, then oldest, then smallest id: a total order, so the choice is deterministic.
    private static bool IsBetterCanonical(InsightRecord x, InsightRecord y)
    {
        if (x.ReinforcementCount != y.ReinforcementCount)
        {
            return x.ReinforcementCount > y.ReinforcementCount;
        }
        if (x.Confidence.CompareTo(y.Confidence) is var c and not 0)
        {
            return c > 0;
        }
        if (x.CreatedAt != y.CreatedAt)
        {
            return x.CreatedAt < y.CreatedAt;
        }
        return x.Id.CompareTo(y.Id) < 0;
    }

    /// <summary>The distinct entity-id sets of the active insights; set numbers order them by size, then by entity numbers.</summary>
    private sealed class EntitySets
    {
        private EntitySets(int[][] sets, int[] setOf)
        {
            Sets = sets;
            SetOf = setOf;
        }

        /// <summary>Entity numbers, ascending, per set number.</summary>
        public int[][] Sets { get; }

        /// <summary>Set number per insight position.</summary>
        public int[] SetOf { get; }

        /// <summary>Distinct entities; they are numbered 0 .. EntityCount - 1.</summary>
        public int EntityCount { get; private init; }

        public int Size(int set) => Sets[set].Length;

        public static EntitySets Build(InsightRecord[] active)
        {
            // Entities are numbered in order of first appearance; the insights are in id order, so that is deterministic.
            var entityNumber = new Dictionary<string, int>(StringComparer.Ordinal);
            var setNumber = new Dictionary<int[], int>(SetComparer.Instance);
            var distinct = new List<int[]>();
            var setOf = new int[active.Length];
            for (var i = 0; i < active.Length; i++)
            {
                var entities = active[i].Entities;
                var set = new int[entities.Count];
                for (var k = 0; k < set.Length; k++)
                {
                    ref var number = ref CollectionsMarshal.GetValueRefOrAddDefault(entityNumber, entities[k].Id, out var exists);
                    if (!exists)
                    {
                        number = entityNumber.Count - 1;
                    }
                    set[k] = number;
                }
                Array.Sort(set);
                var unique = set.Length == 0 ? 0 : 1;
                for (var k = 1; k < set.Length; k++)
                {
                    if (set[k] != set[unique - 1])
                    {
                        set[unique++] = set[k];
                    }
                }
                set = unique == set.Length ? set : set[..unique];

                ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(setNumber, set, out var known);
                if (!known)
                {
                    id = distinct.Count;
                    distinct.Add(set);
                }
                setOf[i] = id;
            }

            // Renumber so that smaller sets come first: chains are kept in that order (see MergeChains).
            var sorted = Enumerable.Range(0, distinct.Count).ToArray();
            Array.Sort(sorted, (x, y) => distinct[x].Length != distinct[y].Length
                ? distinct[x].Length.CompareTo(distinct[y].Length)
                : distinct[x].AsSpan().SequenceCompareTo(distinct[y]));
            var rank = new int[distinct.Count];
            for (var k = 0; k < sorted.Length; k++)
            {
                rank[sorted[k]] = k;
            }
            for (var i = 0; i < setOf.Length; i++)
            {
                setOf[i] = rank[setOf[i]];
            }
            return new EntitySets([.. sorted.Select(k => distinct[k])], setOf) { EntityCount = entityNumber.Count };
        }

        /// <summary>The smallest entity number in both sets, or -1.</summary>
        public int FirstShared(int x, int y)
        {
            var (a, b) = (Sets[x], Sets[y]);
            int i = 0, j = 0;
            while (i < a.Length && j < b.Length)
            {
                if (a[i] == b[j])
                {
                    return a[i];
                }
                if (a[i] < b[j])
                {
                    i++;
                }
                else
                {
                    j++;
                }
            }
            return -1;
        }

        /// <summary>Equal sets, or a non-empty proper subset of the other. {} is compatible with {} only.</summary>
        public bool Compatible(int x, int y)
        {
            if (x == y)
            {
                return true;
            }
            var (small, large) = Sets[x].Length <= Sets[y].Length ? (Sets[x], Sets[y]) : (Sets[y], Sets[x]);
            if (small.Length == 0 || small.Length == large.Length)
            {
                return false;
            }
            var j = 0;
            foreach (var entity in small)
            {
                while (j < large.Length && large[j] < entity)
                {
                    j++;
                }
                if (j == large.Length || large[j] != entity)
                {
                    return false;
                }
                j++;
            }
            return true;
        }
    }

    private sealed class SetComparer : IEqualityComparer<int[]>
    {
        public static readonly SetComparer Instance = new();

        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] set)
        {
            var hash = new HashCode();
            hash.AddBytes(MemoryMarshal.AsBytes(set.AsSpan()));
            return hash.ToHashCode();
        }
    }

    /// <summary>
    /// Insights with the same words in the same order (after <see cref="TextNormalizer.Tokens"/>: case, punctuation,
    /// stop words and inflections aside) and the same entity set are duplicates without further ado; they are folded
    /// into one representative (the first in id order) before searching. A bucket of thousands of copies then costs one
    /// comparison. Insights whose text has no content words state no comparable fact and take no part.
    /// </summary>
    private sealed class Representatives
    {
        /// <summary>Content of the first member, per representative.</summary>
        public List<string> Text { get; } = [];

        /// <summary>Embedding of the first member, per representative.</summary>
        public List<float[]> Vector { get; } = [];

        /// <summary>Entity set number per representative.</summary>
        public List<int> Set { get; } = [];

        /// <summary>The insight positions (ascending) each representative stands for, itself included.</summary>
        public List<List<int>> Members { get; } = [];

        public int Count => Text.Count;

        public static Representatives Build(InsightRecord[] active, float[][] vectors, EntitySets entities)
        {
            var keys = new string[active.Length];
            Parallel.For(0, active.Length, i => keys[i] = string.Join(' ', TextNormalizer.Tokens(active[i].Content)));
            var reps = new Representatives();
            var byKey = new Dictionary<(string Text, int Set), int>();
            for (var i = 0; i < active.Length; i++)
            {
                if (keys[i].Length == 0)
                {
                    continue;
                }
                ref var rep = ref CollectionsMarshal.GetValueRefOrAddDefault(byKey, (keys[i], entities.SetOf[i]), out var exists);
                if (exists)
                {
                    reps.Members[rep].Add(i);
                    continue;
                }
                rep = reps.Count;
                reps.Text.Add(active[i].Content);
                reps.Vector.Add(vectors[i]);
                reps.Set.Add(entities.SetOf[i]);
                reps.Members.Add([i]);
            }
            return reps;
        }
    }
}
