using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Nexus.Jobs.Language;

/// <summary>A group of items that say the same thing.</summary>
/// <param name="Members">Item indexes, ascending.</param>
/// <param name="Representative">The member nearest the group's centroid (ties: the smaller index).</param>
public sealed record ThemeCluster(IReadOnlyList<int> Members, int Representative);

/// <summary>
/// Groups unit vectors into themes by average-linkage agglomerative clustering (UPGMA) cut at a similarity threshold, with
/// one guard: two groups merge only while they are nearly as alike to each other as the looser of them is inside. Pure and
/// deterministic.
/// </summary>
/// <remarks>
/// <para>Why average linkage: texts that say the same thing in different words are only loosely alike pair by pair
/// (all-MiniLM-L6-v2 puts paraphrased complaints at 0.2-0.6, unrelated complaints at 0-0.3), so a ball around one centre
/// (sentence-transformers' community_detection) misses most of a theme or, lower, swallows its neighbours; the mean over
/// all pairs is high inside a theme and low across two, however each is worded.</para>
/// <para>Why the guard: two tight groups of near-identical texts ("late delivery of the X" and "damaged packaging of the
/// X") can be more alike across than a loose theme is inside. They stay apart unless their mean cross similarity reaches
/// <see cref="SeparationRatio"/> of the looser group's own mean pairwise similarity (that coherence counted at most
/// <see cref="CoherenceCap"/>, so near-duplicates do not demand more than paraphrases can give).</para>
/// <para>No similarity matrix: for unit vectors the mean pairwise cosine across groups A and B is
/// sum(A) . sum(B) / (|A| |B|) and a group's coherence is (|sum(A)|² - |A|) / (|A| (|A| - 1)); and two groups whose mean
/// reaches the threshold have a pair that does, so the pairs at the threshold (<see cref="NeighbourSearch.Pairs(IReadOnlyList{float[]}, float)"/>) are the
/// only merges to consider. Identical vectors are one node of their multiplicity, so repeated texts cost nothing.</para>
/// </remarks>
public static class ThemeClustering
{
    /// <summary>Two groups of several items merge only when their mean cross cosine is at least this share of the looser one's coherence.</summary>
    public const double SeparationRatio = 0.8;

    /// <summary>Coherence above this counts as this much in the guard (tuned on development scenarios with templated and paraphrased themes).</summary>
    public const double CoherenceCap = 0.5;

    /// <summary>Nearest neighbours each vector is smoothed towards by <see cref="Smooth"/>.</summary>
    public const int SmoothingNeighbours = 3;

    /// <summary>Neighbours less alike than this are no neighbours for <see cref="Smooth"/> (they are not about the same thing).</summary>
    public const float SmoothingFloor = 0.2f;

    /// <summary>
    /// Each vector moved towards its <see cref="SmoothingNeighbours"/> nearest distinct neighbours (cosine at least
    /// <see cref="SmoothingFloor"/>, ties: the smaller index), each weighted by its cosine / <see cref="SmoothingNeighbours"/>,
    /// then scaled to unit length; identical vectors stay identical. One step of diffusion over the neighbour graph: what a
    /// text shares with its nearest neighbours (its topic) is kept, what only its wording says is damped, so paraphrases of
    /// one theme draw together while texts that resemble nothing in particular stay apart.
    /// </summary>
    public static float[][] Smooth(IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
        {
            return [];
        }
        var (nodes, itemsOf) = Distinct(vectors);
        // Only each node's nearest few are kept while the pairs stream by, however many pairs there are.
        const int k = SmoothingNeighbours;
        var nearest = new (float Similarity, int Node)[nodes.Count * k];
        Array.Fill(nearest, (float.NegativeInfinity, -1));
        foreach (var pair in NeighbourSearch.Pairs(nodes, SmoothingFloor))
        {
            Keep(nearest.AsSpan(pair.A * k, k), pair.Similarity, pair.B);
            Keep(nearest.AsSpan(pair.B * k, k), pair.Similarity, pair.A);
        }

        var result = new float[vectors.Count][];
        for (var node = 0; node < nodes.Count; node++)
        {
            var smoothed = (float[])nodes[node].Clone();
            foreach (var (similarity, other) in nearest.AsSpan(node * k, k))
            {
                if (other >= 0)
                {
                    TensorPrimitives.MultiplyAdd(nodes[other], similarity / k, smoothed, smoothed);
                }
            }
            Vectors.Normalize(smoothed);
            foreach (var item in itemsOf[node])
            {
                result[item] = smoothed;
            }
        }
        return result;
    }

    /// <summary>
    /// Extends themes found on a sample to the items outside it: each of <paramref name="others"/> joins the theme whose
    /// members it is most alike to on average, when that mean cosine reaches <see cref="SeparationRatio"/> x the theme's
    /// coherence (its members' mean pairwise cosine); the others join none. Returns each theme's members, its seeds
    /// first. <paramref name="themes"/> index <paramref name="vectors"/> (unit length) and have at least two members each.
    /// </summary>
    public static List<int>[] Assign(IReadOnlyList<IReadOnlyList<int>> themes, IReadOnlyList<float[]> vectors, IEnumerable<int> others)
    {
        ArgumentNullException.ThrowIfNull(themes);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(others);
        var members = new List<int>[themes.Count];
        var sums = new float[themes.Count][];
        var bars = new double[themes.Count];
        for (var t = 0; t < themes.Count; t++)
        {
            if (themes[t].Count < 2)
            {
                throw new ArgumentException("A theme to extend has at least two members.", nameof(themes));
            }
            members[t] = [.. themes[t]];
            sums[t] = new float[vectors[themes[t][0]].Length];
            foreach (var item in themes[t])
            {
                TensorPrimitives.Add(sums[t], vectors[item], sums[t]);
            }
            // As in Themes: for unit vectors the mean pairwise cosine is (|sum|² - n) / (n (n - 1)).
            var n = themes[t].Count;
            bars[t] = SeparationRatio * (TensorPrimitives.Dot(sums[t], sums[t]) - n) / ((double)n * (n - 1));
        }
        foreach (var item in others)
        {
            var best = -1;
            var bestMean = double.NegativeInfinity;
            for (var t = 0; t < themes.Count; t++)
            {
                var mean = TensorPrimitives.Dot(vectors[item], sums[t]) / (double)themes[t].Count;
                if (mean >= bars[t] && mean > bestMean)
                {
                    best = t;
                    bestMean = mean;
                }
            }
            if (best >= 0)
            {
                members[best].Add(item);
            }
        }
        return members;
    }

    /// <summary>Inserts a neighbour into a node's nearest (most alike first; ties: the smaller index), dropping the last.</summary>
    private static void Keep(Span<(float Similarity, int Node)> nearest, float similarity, int node)
    {
        var at = nearest.Length;
        while (at > 0 && (similarity > nearest[at - 1].Similarity || (similarity == nearest[at - 1].Similarity && node < nearest[at - 1].Node)))
        {
            at--;
        }
        if (at == nearest.Length)
        {
            return;
        }
        nearest[at..^1].CopyTo(nearest[(at + 1)..]);
        nearest[at] = (similarity, node);
    }

    /// <summary>
    /// The groups of at least <paramref name="minSize"/> items among <paramref name="vectors"/> (unit length) after merging,
    /// the most alike pair of groups first (ties: the smaller first members), while some two groups have a mean cross cosine
    /// of at least <paramref name="threshold"/> and, when both have several items, of at least <see cref="SeparationRatio"/>
    /// x min(<see cref="CoherenceCap"/>, the looser group's coherence). Largest first (ties: the smaller first member);
    /// items in smaller groups are left out.
    /// </summary>
    public static IReadOnlyList<ThemeCluster> Themes(IReadOnlyList<float[]> vectors, float threshold, int minSize)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentOutOfRangeException.ThrowIfLessThan(minSize, 1);
        if (!(threshold is > -1f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be a cosine similarity in (-1, 1].");
        }
        if (vectors.Count == 0)
        {
            return [];
        }
        var dimensions = vectors[0].Length;
        for (var i = 0; i < vectors.Count; i++)
        {
            if (vectors[i] is null || vectors[i].Length != dimensions)
            {
                throw new ArgumentException($"Vector {i} is missing or not {dimensions} wide.", nameof(vectors));
            }
        }

        var (nodes, itemsOf) = Distinct(vectors);
        var groups = new Groups(nodes.Count, dimensions);
        for (var node = 0; node < nodes.Count; node++)
        {
            var sum = new float[dimensions];
            TensorPrimitives.Multiply(nodes[node], itemsOf[node].Count, sum);
            groups.Add(sum, itemsOf[node].Count, itemsOf[node][0], (-1, -1));
        }

        // The pairs of distinct nodes, most alike first; merges are taken from them and from a heap of the pairs that involve
        // a group made by a merge, whichever comes first in merge order.
        var pairs = NeighbourSearch.Pairs(nodes, threshold);
        var links = new List<int>?[nodes.Count];
        foreach (var pair in pairs)
        {
            (links[pair.A] ??= []).Add(pair.B);
            (links[pair.B] ??= []).Add(pair.A);
        }
        var ordered = CollectionsMarshal.AsSpan(pairs);
        ordered.Sort((x, y) => x.Similarity != y.Similarity ? y.Similarity.CompareTo(x.Similarity)
            : groups.First(x.A) != groups.First(y.A) ? groups.First(x.A).CompareTo(groups.First(y.A))
            : groups.First(x.B).CompareTo(groups.First(y.B)));
        var next = 0;
        var heap = new PriorityQueue<(int A, int B), MergeKey>();
        var stamp = new int[2 * nodes.Count];
        while (true)
        {
            while (next < pairs.Count && !(groups.Alive(pairs[next].A) && groups.Alive(pairs[next].B)))
            {
                next++;
            }
            while (heap.TryPeek(out var top, out _) && !(groups.Alive(top.A) && groups.Alive(top.B)))
            {
                heap.Dequeue();
            }
            (int A, int B) merge;
            if (next < pairs.Count && (!heap.TryPeek(out _, out var heapKey) || Key(pairs[next], groups).CompareTo(heapKey) <= 0))
            {
                var pair = pairs[next++];
                merge = groups.First(pair.A) < groups.First(pair.B) ? (pair.A, pair.B) : (pair.B, pair.A);
                if (!Allowed(pair.Similarity, merge.A, merge.B, groups))
                {
                    continue;
                }
            }
            else if (heap.TryDequeue(out var popped, out _))
            {
                merge = popped;
            }
            else
            {
                break;
            }

            var merged = groups.Merge(merge.A, merge.B);
            // The merged group's neighbours: every group linked to a member of either part, found through the parts' links.
            var neighbours = new List<int>();
            foreach (var part in new[] { merge.A, merge.B })
            {
                foreach (var linked in groups.TakeLinks(part, links))
                {
                    var current = groups.Find(linked);
                    if (current != merged && stamp[current] != merged + 1)
                    {
                        stamp[current] = merged + 1;
                        neighbours.Add(current);
                    }
                }
            }
            groups.SetLinks(merged, neighbours);
            foreach (var other in neighbours)
            {
                var mean = groups.Mean(merged, other);
                var (a, b) = groups.First(merged) < groups.First(other) ? (merged, other) : (other, merged);
                if (mean >= threshold && Allowed(mean, a, b, groups))
                {
                    heap.Enqueue((a, b), new MergeKey(mean, groups.First(a), groups.First(b)));
                }
            }
        }

        var themes = new List<ThemeCluster>();
        foreach (var group in groups.Roots())
        {
            if (groups.Size(group) < minSize)
            {
                continue;
            }
            var members = new List<int>(groups.Size(group));
            foreach (var node in groups.Nodes(group))
            {
                members.AddRange(itemsOf[node]);
            }
            members.Sort();
            themes.Add(new ThemeCluster(members, Representative(members, vectors)));
        }
        themes.Sort((a, b) => a.Members.Count != b.Members.Count ? b.Members.Count.CompareTo(a.Members.Count) : a.Members[0].CompareTo(b.Members[0]));
        return themes;
    }

    /// <summary>The member nearest the members' centroid (ties: the smaller index).</summary>
    public static int Representative(IReadOnlyList<int> members, IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentOutOfRangeException.ThrowIfZero(members.Count);
        var ordered = members.Order().ToList();
        var centroid = Vectors.Centroid(ordered.Select(i => vectors[i]), vectors[ordered[0]].Length);
        var best = ordered[0];
        var bestSimilarity = float.NegativeInfinity;
        foreach (var member in ordered)
        {
            var similarity = Vectors.Cosine(centroid, vectors[member]);
            if (similarity > bestSimilarity)
            {
                best = member;
                bestSimilarity = similarity;
            }
        }
        return best;
    }

    private static MergeKey Key(SimilarPair pair, Groups groups)
    {
        var (a, b) = groups.First(pair.A) < groups.First(pair.B) ? (pair.A, pair.B) : (pair.B, pair.A);
        return new MergeKey(pair.Similarity, groups.First(a), groups.First(b));
    }

    /// <summary>The guard: groups of several items each merge only when nearly as alike across as the looser is inside.</summary>
    private static bool Allowed(double mean, int a, int b, Groups groups)
    {
        if (groups.Size(a) < 2 || groups.Size(b) < 2)
        {
            return true;
        }
        var looser = Math.Min(CoherenceCap, Math.Min(groups.Coherence(a), groups.Coherence(b)));
        return mean >= SeparationRatio * looser;
    }

    /// <summary>The distinct vectors (by value) and, for each, the items that have it (ascending).</summary>
    private static (List<float[]> Nodes, List<List<int>> ItemsOf) Distinct(IReadOnlyList<float[]> vectors)
    {
        var index = new Dictionary<float[], int>(VectorComparer.Instance);
        var nodes = new List<float[]>();
        var itemsOf = new List<List<int>>();
        for (var i = 0; i < vectors.Count; i++)
        {
            if (!index.TryGetValue(vectors[i], out var node))
            {
                node = nodes.Count;
                index.Add(vectors[i], node);
                nodes.Add(vectors[i]);
                itemsOf.Add([]);
            }
            itemsOf[node].Add(i);
        }
        return (nodes, itemsOf);
    }

    /// <summary>Merge order: the higher mean first; on equal means the pair with the smaller first members, so the order is total.</summary>
    private readonly record struct MergeKey(double Mean, int FirstA, int FirstB) : IComparable<MergeKey>
    {
        public int CompareTo(MergeKey other) =>
            Mean != other.Mean ? other.Mean.CompareTo(Mean) : FirstA != other.FirstA ? FirstA.CompareTo(other.FirstA) : FirstB.CompareTo(other.FirstB);
    }

    /// <summary>The groups: nodes first, then one per merge; each with its vector sum, item count and first item.</summary>
    private sealed class Groups(int nodes, int dimensions)
    {
        private readonly List<float[]> sums = new(2 * nodes);
        private readonly List<int> sizes = new(2 * nodes);
        private readonly List<int> firsts = new(2 * nodes);
        private readonly List<(int A, int B)> parts = new(2 * nodes);
        private readonly List<int> parent = new(2 * nodes);
        private readonly List<List<int>?> mergedLinks = new(2 * nodes);

        public void Add(float[] sum, int size, int first, (int A, int B) from)
        {
            parent.Add(sums.Count);
            sums.Add(sum);
            sizes.Add(size);
            firsts.Add(first);
            parts.Add(from);
            mergedLinks.Add(null);
        }

        public int Merge(int a, int b)
        {
            var sum = new float[dimensions];
            TensorPrimitives.Add(sums[a], sums[b], sum);
            var merged = sums.Count;
            Add(sum, sizes[a] + sizes[b], Math.Min(firsts[a], firsts[b]), (a, b));
            parent[a] = merged;
            parent[b] = merged;
            sums[a] = [];
            sums[b] = [];
            return merged;
        }

        public bool Alive(int group) => parent[group] == group;

        public int Size(int group) => sizes[group];

        public int First(int group) => firsts[group];

        /// <summary>The group that now holds <paramref name="group"/> (path-halving union-find).</summary>
        public int Find(int group)
        {
            while (parent[group] != group)
            {
                parent[group] = parent[parent[group]];
                group = parent[group];
            }
            return group;
        }

        public double Mean(int a, int b) => TensorPrimitives.Dot(sums[a], sums[b]) / ((double)sizes[a] * sizes[b]);

        /// <summary>Mean cosine over the group's pairs of distinct items (1 for one item).</summary>
        public double Coherence(int group)
        {
            var size = (double)sizes[group];
            return size < 2 ? 1.0 : (TensorPrimitives.Dot(sums[group], sums[group]) - size) / (size * (size - 1));
        }

        /// <summary>The links of a group that is being merged away (node links or those set at its own merge); they are not needed again.</summary>
        public List<int> TakeLinks(int group, List<int>?[] nodeLinks)
        {
            List<int>? links;
            if (group < nodeLinks.Length)
            {
                links = nodeLinks[group];
                nodeLinks[group] = null;
            }
            else
            {
                links = mergedLinks[group];
                mergedLinks[group] = null;
            }
            return links ?? [];
        }

        public void SetLinks(int group, List<int> links) => mergedLinks[group] = links;

        public IEnumerable<int> Roots()
        {
            for (var group = 0; group < sums.Count; group++)
            {
                if (Alive(group))
                {
                    yield return group;
                }
            }
        }

        /// <summary>The distinct-vector nodes a group was made of.</summary>
        public IEnumerable<int> Nodes(int group)
        {
            var stack = new Stack<int>();
            stack.Push(group);
            while (stack.TryPop(out var g))
            {
                if (parts[g].A < 0)
                {
                    yield return g;
                    continue;
                }
                stack.Push(parts[g].A);
                stack.Push(parts[g].B);
            }
        }
    }

    /// <summary>Vectors equal component by component (bitwise), so that repeated texts share one node.</summary>
    private sealed class VectorComparer : IEqualityComparer<float[]>
    {
        public static readonly VectorComparer Instance = new();

        public bool Equals(float[]? x, float[]? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && MemoryMarshal.AsBytes(x.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(y.AsSpan())));

        public int GetHashCode(float[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(MemoryMarshal.AsBytes(obj.AsSpan()));
            return hash.ToHashCode();
        }
    }
}
