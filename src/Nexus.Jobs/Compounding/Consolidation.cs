using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.Compounding;

/// <summary>Finds active insights that state the same fact about the same entities, and what each group merges into. Pure.</summary>
/// <remarks>
/// Two active insights state the same fact when the Jaccard similarity of the character 4-grams of their
/// <see cref="TextNormalizer.Normalize"/>d texts reaches the threshold (which tolerates case, punctuation, stop words,
/// word order and typos), both or neither are negated, and their entity-id sets are equal or one is a non-empty proper
/// subset of the other. MinHash signatures and LSH banding propose candidate pairs without comparing every pair; each
/// candidate is checked with the exact Jaccard similarity. Groups are joined only while every two members stay
/// entity-compatible, so a chain of pairs can never merge insights about different entities.
/// </remarks>
public static class Consolidation
{
    private const int ShingleLength = 4;

    // Fixed so that the same input always gives the same groups, on every machine and in every run.
    private const ulong HashSeed = 0x6A09_E667_F3BC_C908;

    private const int NoEntity = -1;

    /// <summary>The merge groups among the active insights of <paramref name="insights"/>, ordered by canonical id.</summary>
    /// <exception cref="ArgumentException">Invalid options, a null insight, content or entity, or two insights with one id.</exception>
    public static IReadOnlyList<MergeGroup> Find(IReadOnlyList<InsightRecord> insights, ConsolidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(insights);
        Validate(options);

        // Everything below works on positions in id order, so the input order cannot change the outcome.
        var active = SelectActive(insights);
        if (active.Length < 2)
        {
            return [];
        }

        var texts = new string[active.Length];
        Parallel.For(0, active.Length, i => texts[i] = TextNormalizer.Normalize(active[i].Content));
        var entities = EntitySets.Build(active);
        var reps = Representatives.Build(texts, entities);

        var hashes = MinHashFunctions.Create(options.Hashes);
        var signatures = new uint[checked(reps.Count * options.Hashes)];
        Parallel.For(0, reps.Count, r => hashes.Sign(reps.Text[r], signatures.AsSpan(r * options.Hashes, options.Hashes)));

        var candidates = Candidates(signatures, reps, entities, options);
        var edges = Verify(candidates, reps, options.SimilarityThreshold);
        var groups = Group(edges, reps, entities);
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
        var ids = new HashSet<Guid>(insights.Count);
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
        var sorted = active.ToArray();
        Array.Sort(active.Select(i => i.Id).ToArray(), sorted);
        return sorted;
    }

    /// <summary>The number of character 4-grams of a normalised text (texts shorter than four characters have one, padded).</summary>
    private static int ShingleCount(string text) => Math.Max(1, text.Length - ShingleLength + 1);

    /// <summary>The 4-gram at <paramref name="index"/>, its four UTF-16 units packed losslessly into a ulong.</summary>
    private static ulong Shingle(string text, int index)
    {
        if (text.Length < ShingleLength)
        {
            // Short texts are padded with a character the normaliser never produces.
            ulong packed = 0;
            for (var k = 0; k < ShingleLength; k++)
            {
                packed |= (ulong)(k < text.Length ? text[k] : '\u0001') << (16 * k);
            }
            return packed;
        }
        return text[index] | ((ulong)text[index + 1] << 16) | ((ulong)text[index + 2] << 32) | ((ulong)text[index + 3] << 48);
    }

    /// <summary>The distinct 4-grams of a normalised text, sorted.</summary>
    internal static ulong[] Shingles(string text)
    {
        var shingles = new ulong[ShingleCount(text)];
        for (var i = 0; i < shingles.Length; i++)
        {
            shingles[i] = Shingle(text, i);
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

    // LSH: representatives whose signatures agree on all rows of a band land in one bucket. Buckets are also keyed by
    // entity, because only insights sharing an entity (or both having none) may merge; that keeps the buckets small
    // and puts compatible insights next to each other. Inside a bucket each member is compared with the first member
    // and with its predecessor only, so a bucket of thousands of near-identical texts costs linear time. Members
    // arrive ordered by entity set (smallest first), so the first member is the most general one and members with the
    // same entity set are neighbours.
    private static long[] Candidates(uint[] signatures, Representatives reps, EntitySets entities, ConsolidationOptions options)
    {
        var order = new int[reps.Count];
        var orderKeys = new long[reps.Count];
        for (var r = 0; r < reps.Count; r++)
        {
            order[r] = r;
            orderKeys[r] = ((long)reps.Set[r] << 32) | (uint)r;
        }
        Array.Sort(orderKeys, order);

        var rows = options.Hashes / options.Bands;
        var perBand = new List<long>[options.Bands];
        Parallel.For(0, options.Bands, band =>
        {
            var pairs = new List<long>();
            var buckets = new Dictionary<ulong, (int First, int Last)>(reps.Count);
            foreach (var r in order)
            {
                var bandHash = Mix(HashSeed ^ (ulong)(band + 1));
                foreach (var value in signatures.AsSpan(r * options.Hashes + band * rows, rows))
                {
                    bandHash = Mix(bandHash ^ value);
                }

                var set = entities.Sets[reps.Set[r]];
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
                    AddIfCompatible(pairs, bucket.First, r);
                    if (bucket.Last != bucket.First)
                    {
                        AddIfCompatible(pairs, bucket.Last, r);
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
        var distinct = new List<long>(all.Count);
        for (var k = 0; k < all.Count; k++)
        {
            if (k == 0 || all[k] != all[k - 1])
            {
                distinct.Add(all[k]);
            }
        }
        return [.. distinct];

        void AddIfCompatible(List<long> pairs, int a, int b)
        {
            if (reps.Negative[a] == reps.Negative[b] && entities.Compatible(reps.Set[a], reps.Set[b]))
            {
                pairs.Add(((long)Math.Min(a, b) << 32) | (uint)Math.Max(a, b));
            }
        }
    }

    private readonly record struct Edge(int A, int B, double Similarity);

    private static Edge[] Verify(long[] candidates, Representatives reps, double threshold)
    {
        // Shingle sets are built only for the few representatives that have a candidate; hashing did not need them.
        var shingles = new ulong[reps.Count][];
        foreach (var pair in candidates)
        {
            shingles[(int)(pair >> 32)] = [];
            shingles[(int)pair] = [];
        }
        Parallel.For(0, reps.Count, r =>
        {
            if (shingles[r] is not null)
            {
                shingles[r] = Shingles(reps.Text[r]);
            }
        });

        var similarity = new double[candidates.Length];
        Parallel.For(0, candidates.Length, k => similarity[k] = Jaccard(shingles[(int)(candidates[k] >> 32)], shingles[(int)candidates[k]]));

        var edges = new List<Edge>();
        for (var k = 0; k < candidates.Length; k++)
        {
            if (similarity[k] >= threshold)
            {
                edges.Add(new Edge((int)(candidates[k] >> 32), (int)candidates[k], similarity[k]));
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
    private static List<int>[] Group(Edge[] edges, Representatives reps, EntitySets entities)
    {
        var parent = new int[reps.Count];
        var chains = new List<int>?[reps.Count];
        for (var r = 0; r < reps.Count; r++)
        {
            parent[r] = r;
        }

        foreach (var edge in edges)
        {
            var a = Root(edge.A);
            var b = Root(edge.B);
            if (a == b)
            {
                continue;
            }
            var merged = MergeChains(chains[a] ?? [reps.Set[a]], chains[b] ?? [reps.Set[b]], entities);
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

        var groups = new List<int>[reps.Count];
        for (var r = 0; r < reps.Count; r++)
        {
            (groups[Root(r)] ??= []).Add(r);
        }
        return groups;

        int Root(int x)
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

    /// <summary>
    /// The hash functions of the MinHash signature: h(x) = (a x + b) >> 32 over a 32-bit hash x of the shingle, with
    /// 64-bit a and b (multiply-add-shift, a universal family), seeded with a constant.
    /// </summary>
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
                a[k] = Mix(state += 0x9E37_79B9_7F4A_7C15);
                b[k] = Mix(state += 0x9E37_79B9_7F4A_7C15);
            }
            return new MinHashFunctions(a, b);
        }

        /// <summary>The signature of a normalised text. Repeated shingles are hashed again, which a minimum does not notice.</summary>
        public void Sign(string text, Span<uint> signature)
        {
            if (Vector256.IsHardwareAccelerated && signature.Length % Vector256<ulong>.Count == 0)
            {
                SignVectorized(text, signature);
            }
            else
            {
                SignScalar(text, signature);
            }
        }

        internal void SignScalar(string text, Span<uint> signature)
        {
            signature.Fill(uint.MaxValue);
            var a = _a.AsSpan(0, signature.Length);
            var b = _b.AsSpan(0, signature.Length);
            for (var i = 0; i < ShingleCount(text); i++)
            {
                var x = Mix(Shingle(text, i)) >> 32;
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

        // The same arithmetic, four hash functions at a time; hashing is where most of the time goes. The hash values
        // are below 2^32, so their minimum can be taken on 32-bit lanes (the upper halves are all zero).
        internal void SignVectorized(string text, Span<uint> signature)
        {
            var blocks = signature.Length / Vector256<ulong>.Count;
            var a = MemoryMarshal.Cast<ulong, Vector256<ulong>>(_a.AsSpan(0, signature.Length));
            var b = MemoryMarshal.Cast<ulong, Vector256<ulong>>(_b.AsSpan(0, signature.Length));
            Span<Vector256<ulong>> minimum = blocks <= 64 ? stackalloc Vector256<ulong>[blocks] : new Vector256<ulong>[blocks];
            minimum.Fill(Vector256.Create((ulong)uint.MaxValue));
            for (var i = 0; i < ShingleCount(text); i++)
            {
                var x = Vector256.Create(Mix(Shingle(text, i)) >> 32);
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

            // Renumber so that smaller sets come first: LSH buckets then meet the most general member first.
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
            return new EntitySets([.. sorted.Select(k => distinct[k])], setOf);
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
        private Representatives(List<string> text, List<int> set, List<bool> negative, List<List<int>> members)
        {
            Text = text;
            Set = set;
            Negative = negative;
            Members = members;
        }

        /// <summary>Normalised text per representative.</summary>
        public List<string> Text { get; }

        /// <summary>Entity set number per representative.</summary>
        public List<int> Set { get; }

        /// <summary>Whether the text is negated, per representative (see <see cref="IsNegative"/>).</summary>
        public List<bool> Negative { get; }

        /// <summary>The insight positions (ascending) each representative stands for, itself included.</summary>
        public List<List<int>> Members { get; }

        public int Count => Text.Count;

        public static Representatives Build(string[] texts, EntitySets entities)
        {
            var reps = new Representatives([], [], [], []);
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
                    reps.Members[rep].Add(i);
                    continue;
                }
                rep = reps.Count;
                reps.Text.Add(texts[i]);
                reps.Set.Add(entities.SetOf[i]);
                reps.Negative.Add(IsNegative(texts[i]));
                reps.Members.Add([i]);
            }
            return reps;
        }
    }
}
