using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nexus.Jobs.Compounding;

/// <summary>Finds active insights that state the same fact about the same entities, and what each group merges into. Pure.</summary>
/// <remarks>
/// Texts are compared as sets of character 4-grams of <see cref="TextNormalizer.Normalize"/>, which tolerates case,
/// punctuation, stop words, word order and typos. MinHash signatures and LSH banding find candidate pairs without
/// comparing every pair; each candidate is then checked with the exact Jaccard similarity.
/// </remarks>
public static class Consolidation
{
    private const int ShingleLength = 4;

    // Fixed so that the same input always gives the same groups, on every machine and every run.
    private const ulong HashSeed = 0x6A09_E667_F3BC_C908;

    private const int NoEntity = -1;

    /// <summary>The merge groups among the active insights of <paramref name="insights"/>, ordered by canonical id.</summary>
    /// <exception cref="ArgumentException">Invalid options, a null insight, content or entity, or two insights with one id.</exception>
    public static IReadOnlyList<MergeGroup> Find(IReadOnlyList<InsightRecord> insights, ConsolidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(insights);
        Validate(options);

        // Everything below works on positions in id order, so the input order cannot change the outcome.
        var swT = System.Diagnostics.Stopwatch.StartNew();
        var active = SelectActive(insights);
        Console.Error.Write($"select {swT.ElapsedMilliseconds} ");
        if (active.Length < 2)
        {
            return [];
        }

        var texts = new string[active.Length];
        Parallel.For(0, active.Length, i => texts[i] = TextNormalizer.Normalize(active[i].Content));
        Console.Error.Write($"norm {swT.ElapsedMilliseconds} ");
        var entities = EntitySets.Build(active);
        Console.Error.Write($"ent {swT.ElapsedMilliseconds} ");

        var reps = Representatives.Build(texts, entities);

        var shingles = new ulong[reps.Count][];
        var signatures = new uint[reps.Count * options.Hashes];
        var hashes = MinHashFunctions.Create(options.Hashes);
        var swS = System.Diagnostics.Stopwatch.StartNew();
        for (var r = 0; r < reps.Count; r++) shingles[r] = Shingles(texts[reps.Insight[r]]);
        Console.Error.Write($"[shingles {swS.ElapsedMilliseconds} ");
        swS.Restart();
        for (var r = 0; r < reps.Count; r++) hashes.SignScalar(shingles[r], signatures.AsSpan(r * options.Hashes, options.Hashes));
        Console.Error.Write($"scalar {swS.ElapsedMilliseconds} ");
        swS.Restart();
        for (var r = 0; r < reps.Count; r++) hashes.SignVectorized(shingles[r], signatures.AsSpan(r * options.Hashes, options.Hashes));
        Console.Error.Write($"vector {swS.ElapsedMilliseconds}] ");

        Console.Error.Write($"sig {swT.ElapsedMilliseconds} ");
        var setOf = new int[reps.Count];
        for (var r = 0; r < reps.Count; r++)
        {
            setOf[r] = entities.SetOf[reps.Insight[r]];
        }

        var negative = new bool[reps.Count];
        for (var r = 0; r < reps.Count; r++)
        {
            negative[r] = IsNegative(texts[reps.Insight[r]]);
        }

        var candidates = Candidates(signatures, setOf, negative, shingles, entities, options);
        Console.Error.Write($"cand {candidates.Length} {swT.ElapsedMilliseconds} ");
        var edges = Verify(candidates, shingles, options.SimilarityThreshold);
        Console.Error.Write($"verify {edges.Length} {swT.ElapsedMilliseconds} ");
        var groups = Group(edges, setOf, entities, reps.Count);
        Console.Error.WriteLine($"group {swT.ElapsedMilliseconds} ");
        return BuildMergeGroups(groups, reps, active);
    }

    private static void Validate(ConsolidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.SimilarityThreshold > 0 && options.SimilarityThreshold <= 1))
        {
            throw new ArgumentException($"SimilarityThreshold must be in (0, 1], was {options.SimilarityThreshold}.", nameof(options));
        }
        if (options.Hashes <= 0 || options.Bands <= 0)
        {
            throw new ArgumentException($"Hashes and Bands must be positive, were {options.Hashes} and {options.Bands}.", nameof(options));
        }
        if (options.Hashes % options.Bands != 0)
        {
            throw new ArgumentException($"Hashes ({options.Hashes}) must be a multiple of Bands ({options.Bands}).", nameof(options));
        }
    }

    private static InsightRecord[] SelectActive(IReadOnlyList<InsightRecord> insights)
    {
        var active = new List<InsightRecord>();
        var ids = new HashSet<Guid>();
        foreach (var insight in insights)
        {
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
            active.Add(insight);
        }
        active.Sort((a, b) => a.Id.CompareTo(b.Id));
        return [.. active];
    }

    /// <summary>The distinct character 4-grams of a normalised text, each packed losslessly into a ulong, sorted.</summary>
    internal static ulong[] Shingles(string text)
    {
        if (text.Length < ShingleLength)
        {
            // Short texts get one shingle padded with a character the normaliser never produces.
            text = text.PadRight(ShingleLength, '\u0001');
        }
        var shingles = new ulong[text.Length - ShingleLength + 1];
        for (var i = 0; i < shingles.Length; i++)
        {
            shingles[i] = text[i] | ((ulong)text[i + 1] << 16) | ((ulong)text[i + 2] << 32) | ((ulong)text[i + 3] << 48);
        }
        Array.Sort(shingles);
        var distinct = 1;
        for (var i = 1; i < shingles.Length; i++)
        {
            if (shingles[i] != shingles[distinct - 1])
            {
                shingles[distinct++] = shingles[i];
            }
        }
        return distinct == shingles.Length ? shingles : shingles[..distinct];
    }

    // "Customer is happy with delivery" and "customer is not happy with delivery" share most of their shingles, yet
    // state opposite facts; merging them would hand one claim the other's reinforcements. So texts merge only when
    // they agree on polarity (an odd number of negations, so that "not without" reads as positive).
    internal static bool IsNegative(string normalized)
    {
        var negations = 0;
        var text = normalized.AsSpan();
        foreach (var range in text.Split(' '))
        {
            if (TextNormalizer.IsNegation(text[range]))
            {
                negations++;
            }
        }
        return negations % 2 == 1;
    }

    /// <summary>Exact Jaccard similarity of two sorted, distinct shingle sets.</summary>
    internal static double Jaccard(ulong[] a, ulong[] b)
    {
        int i = 0, j = 0, common = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                common++;
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        var union = a.Length + b.Length - common;
        return union == 0 ? 1 : (double)common / union;
    }

    // LSH: representatives whose signatures agree on all rows of a band land in one bucket. Buckets are also keyed by
    // entity, because only insights sharing an entity (or both having none) may merge; that keeps the buckets small
    // and puts compatible insights next to each other. Inside a bucket each member is compared with the first member
    // and with its predecessor only, so a bucket of thousands of near-identical texts costs linear time. Members
    // arrive ordered by entity set (smallest first), so the first member is the most general one and members with the
    // same entity set are neighbours.
    private static long[] Candidates(uint[] signatures, int[] setOf, bool[] negative, ulong[][] shingles, EntitySets entities, ConsolidationOptions options)
    {
        var count = setOf.Length;
        var order = Enumerable.Range(0, count).OrderBy(r => setOf[r]).ThenBy(r => r).ToArray();
        var rows = options.Hashes / options.Bands;
        var perBand = new List<long>[options.Bands];

        Parallel.For(0, options.Bands, band =>
        {
            var pairs = new List<long>();
            var buckets = new Dictionary<ulong, (int First, int Last)>(count);
            foreach (var r in order)
            {
                var bandHash = Mix(HashSeed ^ (ulong)(band + 1));
                var signature = signatures.AsSpan(r * options.Hashes + band * rows, rows);
                foreach (var value in signature)
                {
                    bandHash = Mix(bandHash ^ value);
                }

                var set = entities.Sets[setOf[r]];
                for (var e = 0; e < Math.Max(1, set.Length); e++)
                {
                    var entity = set.Length == 0 ? NoEntity : set[e];
                    var key = Mix(bandHash ^ (0x9E37_79B9_7F4A_7C15UL * (ulong)(entity + 2)));
                    ref var bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(buckets, key, out var exists);
                    if (!exists)
                    {
                        bucket = (r, r);
                        continue;
                    }
                    AddIfPlausible(pairs, bucket.First, r);
                    if (bucket.Last != bucket.First)
                    {
                        AddIfPlausible(pairs, bucket.Last, r);
                    }
                    bucket.Last = r;
                }
            }
            perBand[band] = pairs;
        });

        var all = new List<long>(perBand.Sum(p => p.Count));
        foreach (var pairs in perBand)
        {
            all.AddRange(pairs);
        }
        all.Sort();
        return [.. DistinctSorted(all)];

        void AddIfPlausible(List<long> pairs, int a, int b)
        {
            if (!entities.Compatible(setOf[a], setOf[b]) || negative[a] != negative[b])
            {
                return;
            }
            // The Jaccard similarity of two sets is at most the ratio of their sizes.
            var (small, large) = shingles[a].Length <= shingles[b].Length ? (shingles[a], shingles[b]) : (shingles[b], shingles[a]);
            if (small.Length < options.SimilarityThreshold * large.Length)
            {
                return;
            }
            pairs.Add(Pack(Math.Min(a, b), Math.Max(a, b)));
        }
    }

    private static IEnumerable<long> DistinctSorted(List<long> sorted)
    {
        for (var i = 0; i < sorted.Count; i++)
        {
            if (i == 0 || sorted[i] != sorted[i - 1])
            {
                yield return sorted[i];
            }
        }
    }

    private readonly record struct Edge(int A, int B, double Similarity);

    private static Edge[] Verify(long[] candidates, ulong[][] shingles, double threshold)
    {
        var similarity = new double[candidates.Length];
        Parallel.For(0, candidates.Length, k =>
        {
            var (a, b) = Unpack(candidates[k]);
            similarity[k] = Jaccard(shingles[a], shingles[b]);
        });

        var edges = new List<Edge>();
        for (var k = 0; k < candidates.Length; k++)
        {
            if (similarity[k] >= threshold)
            {
                var (a, b) = Unpack(candidates[k]);
                edges.Add(new Edge(a, b, similarity[k]));
            }
        }
        // Most similar pairs first: when an insight could join either of two incompatible groups, it joins the one
        // it resembles most. Ties are broken by position, i.e. by id.
        edges.Sort((x, y) => y.Similarity.CompareTo(x.Similarity) is var c and not 0 ? c
            : x.A.CompareTo(y.A) is var d and not 0 ? d
            : x.B.CompareTo(y.B));
        return [.. edges];
    }

    // Union-find over representatives. Each group keeps the distinct entity sets of its members, smallest first; two
    // groups join only if the result is still a chain (every set a proper subset of the next), i.e. every two members
    // remain compatible. So {A,B} and {A,C} never end up together through an {A} bridge, and neither do {A} and {B}
    // through {A,B}.
    private static List<int>[] Group(Edge[] edges, int[] setOf, EntitySets entities, int count)
    {
        var parent = new int[count];
        var chains = new List<int>?[count];
        for (var r = 0; r < count; r++)
        {
            parent[r] = r;
        }

        foreach (var edge in edges)
        {
            var a = Find(edge.A);
            var b = Find(edge.B);
            if (a == b)
            {
                continue;
            }
            var merged = MergeChains(chains[a] ?? [setOf[a]], chains[b] ?? [setOf[b]], entities);
            if (merged is null)
            {
                continue;
            }
            // The smaller position becomes the root, which keeps the outcome independent of anything but the ids.
            var (root, child) = a < b ? (a, b) : (b, a);
            parent[child] = root;
            chains[root] = merged;
            chains[child] = null;
        }

        var groups = new List<int>[count];
        for (var r = 0; r < count; r++)
        {
            var root = Find(r);
            (groups[root] ??= []).Add(r);
        }
        return groups;

        int Find(int x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            return x;
        }
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
            if (group is null)
            {
                continue;
            }
            var members = group.SelectMany(r => reps.Members[r]).Order().Select(i => active[i]).ToList();
            if (members.Count >= 2)
            {
                result.Add(Merge(members));
            }
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

    private static long Pack(int a, int b) => ((long)a << 32) | (uint)b;

    private static (int A, int B) Unpack(long pair) => ((int)(pair >> 32), (int)(pair & 0xFFFF_FFFF));

    // MurmurHash3's 64-bit finaliser: a bijection that spreads every input bit over the whole word.
    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51_AFD7_ED55_8CCD;
        x ^= x >> 33;
        x *= 0xC4CE_B9FE_1A85_EC53;
        x ^= x >> 33;
        return x;
    }

    /// <summary>The hash functions of the MinHash signature: h(x) = (a x + b) >> 32 over a 32-bit hash x of the shingle (multiply-add-shift, a universal family).</summary>
    internal sealed class MinHashFunctions
    {
        private readonly ulong[] _a;
        private readonly ulong[] _b;

        private MinHashFunctions(ulong[] a, ulong[] b)
        {
            _a = a;
            _b = b;
        }

        public static MinHashFunctions Create(int count)
        {
            var a = new ulong[count];
            var b = new ulong[count];
            var state = HashSeed;
            for (var k = 0; k < count; k++)
            {
                a[k] = Mix(state += 0x9E37_79B9_7F4A_7C15) | 1;
                b[k] = Mix(state += 0x9E37_79B9_7F4A_7C15);
            }
            return new MinHashFunctions(a, b);
        }

        public int Count => _a.Length;

        public void Sign(ulong[] shingles, Span<uint> signature)
        {
            if (Vector256.IsHardwareAccelerated && signature.Length % Vector256<ulong>.Count == 0)
            {
                SignVectorized(shingles, signature);
            }
            else
            {
                SignScalar(shingles, signature);
            }
        }

        internal void SignScalar(ulong[] shingles, Span<uint> signature)
        {
            signature.Fill(uint.MaxValue);
            var a = _a.AsSpan(0, signature.Length);
            var b = _b.AsSpan(0, signature.Length);
            foreach (var shingle in shingles)
            {
                var x = Mix(shingle) >> 32;
                for (var k = 0; k < signature.Length; k++)
                {
                    var h = (uint)((a[k] * x + b[k]) >> 32);
                    if (h < signature[k])
                    {
                        signature[k] = h;
                    }
                }
            }
        }

        // The same arithmetic, four hash functions at a time; this is where most of the time goes. The hash values
        // are below 2^32, so their minimum can be taken on 32-bit lanes (the upper halves are all zero).
        internal void SignVectorized(ulong[] shingles, Span<uint> signature)
        {
            var blocks = signature.Length / Vector256<ulong>.Count;
            var a = MemoryMarshal.Cast<ulong, Vector256<ulong>>(_a.AsSpan(0, signature.Length));
            var b = MemoryMarshal.Cast<ulong, Vector256<ulong>>(_b.AsSpan(0, signature.Length));
            Span<Vector256<ulong>> minimum = stackalloc Vector256<ulong>[blocks];
            minimum.Fill(Vector256.Create((ulong)uint.MaxValue));
            foreach (var shingle in shingles)
            {
                var x = Vector256.Create(Mix(shingle) >> 32);
                for (var k = 0; k < blocks; k++)
                {
                    var h = Vector256.ShiftRightLogical(a[k] * x + b[k], 32);
                    minimum[k] = Vector256.Min(minimum[k].AsUInt32(), h.AsUInt32()).AsUInt64();
                }
            }
            for (var k = 0; k < blocks; k++)
            {
                for (var lane = 0; lane < Vector256<ulong>.Count; lane++)
                {
                    signature[k * Vector256<ulong>.Count + lane] = (uint)minimum[k][lane];
                }
            }
        }
    }

    /// <summary>The distinct entity-id sets of the active insights; set numbers order them by size, then by ids.</summary>
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

        public int Size(int set) => Sets[set].Length;

        public static EntitySets Build(InsightRecord[] active)
        {
            var ids = active.SelectMany(i => i.Entities).Select(e => e.Id).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            var number = new Dictionary<string, int>(ids.Length, StringComparer.Ordinal);
            for (var k = 0; k < ids.Length; k++)
            {
                number[ids[k]] = k;
            }

            var perInsight = active.Select(i => i.Entities.Select(e => number[e.Id]).Distinct().Order().ToArray()).ToArray();
            var distinct = perInsight.Distinct(SetComparer.Instance).ToList();
            distinct.Sort((x, y) => x.Length != y.Length ? x.Length.CompareTo(y.Length) : x.AsSpan().SequenceCompareTo(y));
            var setNumber = new Dictionary<int[], int>(SetComparer.Instance);
            for (var k = 0; k < distinct.Count; k++)
            {
                setNumber[distinct[k]] = k;
            }
            return new EntitySets([.. distinct], [.. perInsight.Select(s => setNumber[s])]);
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
    /// Insights with identical normalised text and identical entity set are duplicates without further ado; they are
    /// folded into one representative (the first in id order) before hashing. A bucket of thousands of copies then
    /// costs one comparison, and copies cannot crowd the first/predecessor comparisons out of a bucket.
    /// Insights whose text normalises to nothing state no comparable fact and take no part.
    /// </summary>
    private sealed class Representatives
    {
        private Representatives(List<int> insight, List<List<int>> members)
        {
            Insight = insight;
            Members = members;
        }

        /// <summary>The insight position each representative stands for.</summary>
        public List<int> Insight { get; }

        /// <summary>The insight positions (ascending) each representative stands for, itself included.</summary>
        public List<List<int>> Members { get; }

        public int Count => Insight.Count;

        public static Representatives Build(string[] texts, EntitySets entities)
        {
            var insight = new List<int>();
            var members = new List<List<int>>();
            var byKey = new Dictionary<(string Text, int Set), int>();
            for (var i = 0; i < texts.Length; i++)
            {
                if (texts[i].Length == 0)
                {
                    continue;
                }
                ref var rep = ref CollectionsMarshal.GetValueRefOrAddDefault(byKey, (texts[i], entities.SetOf[i]), out var exists);
                if (exists)
                {
                    members[rep].Add(i);
                    continue;
                }
                rep = insight.Count;
                insight.Add(i);
                members.Add([i]);
            }
            return new Representatives(insight, members);
        }
    }
}
