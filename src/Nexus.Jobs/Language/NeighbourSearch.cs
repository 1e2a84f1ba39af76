using System.Numerics.Tensors;

namespace Nexus.Jobs.Language;

/// <summary>Two items whose vectors are at least a threshold alike; <see cref="A"/> is below <see cref="B"/>.</summary>
public readonly record struct SimilarPair(int A, int B, float Similarity);

/// <summary>How <see cref="NeighbourSearch"/> trades exactness for speed on large sets.</summary>
/// <param name="ExactUpTo">Sets of at most this many vectors compare every pair; larger ones use the inverted-file index.</param>
/// <param name="Probes">Cells each vector joins in the index: its nearest ones. More cells, higher recall, more work.</param>
/// <param name="Iterations">Rounds of spherical k-means that place the cells.</param>
public sealed record NeighbourSearchOptions(int ExactUpTo = 3_000, int Probes = 2, int Iterations = 4)
{
    /// <summary>The defaults: exact up to 3,000 vectors, two cells per vector beyond.</summary>
    public static NeighbourSearchOptions Default { get; } = new();
}

/// <summary>Finds the pairs of unit vectors whose cosine similarity reaches a threshold, without a model. Pure.</summary>
/// <remarks>
/// Small sets compare every pair in cache-sized blocks. Large sets use an inverted-file index (IVF): about sqrt(n) cells
/// placed by spherical k-means, each vector joins its <see cref="NeighbourSearchOptions.Probes"/> nearest cells, and
/// only vectors sharing a cell are compared. Two vectors with a high cosine lie close together on the sphere, so they
/// nearly always share one of their nearest cells; the work falls from n² / 2 dot products to about
/// (probes² / 2 + 1) · n^1.5 (placing the vectors, then the pairs inside cells). No two cells are closer than cosine
/// 0.9, so a dense region (thousands of near-copies of one text) stays one cell instead of being cut apart. Everything
/// is deterministic: the cells are seeded from fixed positions and sums are taken in a fixed order, so the same vectors
/// in the same order always give the same pairs.
/// </remarks>
public static class NeighbourSearch
{
    // Rows compared against each other per block: a block of vectors stays in cache while the other side streams by.
    private const int BlockSize = 64;

    /// <summary>
    /// Every pair (i &lt; j) of <paramref name="vectors"/> whose cosine similarity is at least <paramref name="threshold"/>,
    /// ordered by (A, B): exact up to <see cref="NeighbourSearchOptions.ExactUpTo"/> vectors, approximate (high recall)
    /// beyond.
    /// </summary>
    public static List<SimilarPair> Pairs(IReadOnlyList<float[]> vectors, float threshold) =>
        Pairs(vectors, threshold, NeighbourSearchOptions.Default);

    /// <summary>As <see cref="Pairs(IReadOnlyList{float[]}, float)"/>, with explicit limits.</summary>
    /// <exception cref="ArgumentException">Vectors of different lengths, or invalid options.</exception>
    public static List<SimilarPair> Pairs(IReadOnlyList<float[]> vectors, float threshold, NeighbourSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ExactUpTo, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Probes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Iterations);
        if (vectors.Count < 2)
        {
            return [];
        }
        var matrix = Matrix.Pack(vectors);
        var members = new int[vectors.Count];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = i;
        }
        var pairs = vectors.Count <= options.ExactUpTo
            ? Exact(matrix, members, threshold, keep: null, parallel: true)
            : Indexed(matrix, members, threshold, options);
        pairs.Sort(static (x, y) => x.A != y.A ? x.A.CompareTo(y.A) : x.B.CompareTo(y.B));
        return pairs;
    }

    /// <summary>The vectors as one row-major block of memory, so that rows compared together sit side by side.</summary>
    private sealed class Matrix
    {
        public Matrix(float[] data, int rows, int dimensions)
        {
            Data = data;
            Rows = rows;
            Dimensions = dimensions;
        }

        public float[] Data { get; }

        public int Rows { get; }

        public int Dimensions { get; }

        public ReadOnlySpan<float> Row(int i) => Data.AsSpan(i * Dimensions, Dimensions);

        public static Matrix Pack(IReadOnlyList<float[]> vectors)
        {
            var dimensions = vectors[0]?.Length ?? throw new ArgumentException("Vectors must not be null.", nameof(vectors));
            var data = new float[checked(vectors.Count * dimensions)];
            for (var i = 0; i < vectors.Count; i++)
            {
                var vector = vectors[i] ?? throw new ArgumentException("Vectors must not be null.", nameof(vectors));
                if (vector.Length != dimensions)
                {
                    throw new ArgumentException($"Vector {i} has {vector.Length} dimensions, vector 0 has {dimensions}.", nameof(vectors));
                }
                vector.CopyTo(data, i * dimensions);
            }
            return new Matrix(data, vectors.Count, dimensions);
        }
    }

    /// <summary>
    /// All pairs among <paramref name="members"/> (global row numbers, ascending) at or above the threshold, in blocks.
    /// <paramref name="keep"/>, when given, decides for each found pair whether this call reports it.
    /// </summary>
    private static List<SimilarPair> Exact(Matrix matrix, int[] members, float threshold, Func<int, int, bool>? keep, bool parallel)
    {
        var n = members.Length;
        var d = matrix.Dimensions;
        // The members side by side (unless they are the whole matrix already), so that blocks are contiguous.
        var rows = members.Length == matrix.Rows ? matrix.Data : Gather(matrix, members);
        var blocks = (n + BlockSize - 1) / BlockSize;
        // Block pairs (b1 <= b2) in a flat index, so that the parallel loop balances the triangle's uneven rows.
        var tasks = blocks * (blocks + 1) / 2;
        var perTask = new List<SimilarPair>?[tasks];
        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = parallel && n >= 512 ? -1 : 1 }, () => new float[BlockSize * BlockSize], (task, _, scores) =>
        {
            var (b1, b2) = Unflatten(task, blocks);
            var startI = b1 * BlockSize;
            var countI = Math.Min(n, startI + BlockSize) - startI;
            var startJ = b2 * BlockSize;
            var countJ = Math.Min(n, startJ + BlockSize) - startJ;
            BlockDot.Multiply(rows.AsSpan(startI * d, countI * d), countI, rows.AsSpan(startJ * d, countJ * d), countJ, d, scores);
            List<SimilarPair>? found = null;
            for (var i = 0; i < countI; i++)
            {
                for (var j = b1 == b2 ? i + 1 : 0; j < countJ; j++)
                {
                    var similarity = scores[i * countJ + j];
                    if (similarity >= threshold)
                    {
                        var (x, y) = (members[startI + i], members[startJ + j]);
                        if (keep is null || keep(x, y))
                        {
                            (found ??= []).Add(new SimilarPair(x, y, similarity));
                        }
                    }
                }
            }
            perTask[task] = found;
            return scores;
        }, _ => { });
        var pairs = new List<SimilarPair>();
        foreach (var found in perTask)
        {
            if (found is not null)
            {
                pairs.AddRange(found);
            }
        }
        return pairs;
    }

    private static float[] Gather(Matrix matrix, ReadOnlySpan<int> members)
    {
        var d = matrix.Dimensions;
        var rows = new float[members.Length * d];
        for (var p = 0; p < members.Length; p++)
        {
            matrix.Row(members[p]).CopyTo(rows.AsSpan(p * d, d));
        }
        return rows;
    }

    // The k-th pair (b1, b2) with b1 <= b2 < blocks, row by row.
    private static (int, int) Unflatten(int k, int blocks)
    {
        var b1 = 0;
        var rowLength = blocks;
        while (k >= rowLength)
        {
            k -= rowLength;
            b1++;
            rowLength--;
        }
        return (b1, b1 + k);
    }

    /// <summary>
    /// The pairs among <paramref name="members"/> found through an inverted-file index. A pair that shares several cells
    /// is reported by the first of them only, so no pair comes twice and no global de-duplication is needed.
    /// </summary>
    private static List<SimilarPair> Indexed(Matrix matrix, int[] members, float threshold, NeighbourSearchOptions options)
    {
        var n = members.Length;
        var centroids = Train(matrix, members, Math.Max(2, (int)Math.Ceiling(Math.Sqrt(n))), options.Iterations);
        var cellCount = centroids.Rows;
        var probes = Math.Min(options.Probes, cellCount);

        // cellsOf[p * probes ..] holds the nearest cells of member p, ascending by cell number.
        var cellsOf = new int[n * probes];
        var chunks = (n + BlockSize - 1) / BlockSize;
        Parallel.For(0, chunks, () => new float[BlockSize * cellCount], (chunk, _, scores) =>
        {
            var start = chunk * BlockSize;
            var count = Math.Min(n, start + BlockSize) - start;
            var rows = Gather(matrix, members.AsSpan(start, count));
            BlockDot.Multiply(rows, count, centroids.Data, cellCount, matrix.Dimensions, scores);
            for (var p = 0; p < count; p++)
            {
                Nearest(scores.AsSpan(p * cellCount, cellCount), cellsOf.AsSpan((start + p) * probes, probes));
            }
            return scores;
        }, _ => { });

        var cellMembers = new List<int>[cellCount];
        for (var c = 0; c < cellCount; c++)
        {
            cellMembers[c] = [];
        }
        // Position of each global row in members, so that a pair's cells can be looked up by row.
        var positionOf = new int[matrix.Rows];
        for (var p = 0; p < n; p++)
        {
            positionOf[members[p]] = p;
            foreach (var c in cellsOf.AsSpan(p * probes, probes))
            {
                cellMembers[c].Add(members[p]);
            }
        }

        // Largest cells first, so that the last ones to finish are short; the cells run in parallel, each on one thread.
        var order = Enumerable.Range(0, cellCount).OrderByDescending(c => cellMembers[c].Count).ThenBy(c => c).ToArray();
        var perCell = new List<SimilarPair>[cellCount];
        Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = -1 }, c =>
        {
            var cell = cellMembers[c].ToArray();
            perCell[c] = [];
            if (cell.Length < 2)
            {
                return;
            }
            bool Keep(int x, int y) =>
                FirstSharedCell(cellsOf.AsSpan(positionOf[x] * probes, probes), cellsOf.AsSpan(positionOf[y] * probes, probes)) == c;
            // A dense region (thousands of near-copies of one text) makes one big cell, compared whole and in parallel.
            // Splitting it again would be arbitrary: near-copies have no structure, and most of their pairs would be
            // cut apart.
            perCell[c] = Exact(matrix, cell, threshold, Keep, parallel: cell.Length > options.ExactUpTo);
        });
        var pairs = new List<SimilarPair>(perCell.Sum(p => p.Count));
        foreach (var found in perCell)
        {
            pairs.AddRange(found);
        }
        return pairs;
    }

    private static int FirstSharedCell(ReadOnlySpan<int> x, ReadOnlySpan<int> y)
    {
        // Both ascending: a merge walk finds the smallest common cell.
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (x[i] == y[j])
            {
                return x[i];
            }
            if (x[i] < y[j])
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

    /// <summary>The <c>nearest.Length</c> highest-scoring cells, written in ascending cell order. Ties go to the lower cell.</summary>
    private static void Nearest(ReadOnlySpan<float> scores, Span<int> nearest)
    {
        Span<float> best = stackalloc float[nearest.Length];
        best.Fill(float.NegativeInfinity);
        nearest.Fill(-1);
        for (var c = 0; c < scores.Length; c++)
        {
            var score = scores[c];
            if (score <= best[^1])
            {
                continue;
            }
            var k = nearest.Length - 1;
            while (k > 0 && score > best[k - 1])
            {
                best[k] = best[k - 1];
                nearest[k] = nearest[k - 1];
                k--;
            }
            best[k] = score;
            nearest[k] = c;
        }
        nearest.Sort();
    }

    // Two cells closer than this are one: a dense region (thousands of near-copies of one text) would otherwise draw many
    // cells, cut its near-copies apart arbitrarily, and lose most of their pairs.
    private const float DistinctCells = 0.9f;

    /// <summary>
    /// Spherical k-means: cells start at members spread over the caller's order (so deterministically), never two within
    /// <see cref="DistinctCells"/> of each other, and move to the normalised mean of the members nearest to them.
    /// </summary>
    private static Matrix Train(Matrix matrix, int[] members, int wanted, int iterations)
    {
        var d = matrix.Dimensions;
        var seeds = new List<int>(wanted);
        // A low-discrepancy walk (golden-ratio steps) over the members, looking at up to four candidates per cell.
        for (var j = 0; j < 4 * wanted && seeds.Count < wanted; j++)
        {
            var candidate = members[(int)(j * 0.6180339887498949 % 1 * members.Length)];
            if (!seeds.Exists(seed => BlockDot.Dot(matrix.Row(seed), matrix.Row(candidate)) >= DistinctCells))
            {
                seeds.Add(candidate);
            }
        }
        var cellCount = seeds.Count;
        var centroids = new float[cellCount * d];
        for (var c = 0; c < cellCount; c++)
        {
            matrix.Row(seeds[c]).CopyTo(centroids.AsSpan(c * d, d));
        }

        // A sample is enough to place the cells; it keeps training near-linear for very large sets.
        var sampleSize = Math.Min(members.Length, Math.Max(64 * cellCount, 10_000));
        var sample = new int[sampleSize];
        for (var s = 0; s < sampleSize; s++)
        {
            sample[s] = members[(int)((long)s * members.Length / sampleSize)];
        }
        var nearest = new int[sampleSize];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var chunks = (sampleSize + BlockSize - 1) / BlockSize;
            Parallel.For(0, chunks, () => new float[BlockSize * cellCount], (chunk, _, scores) =>
            {
                var start = chunk * BlockSize;
                var count = Math.Min(sampleSize, start + BlockSize) - start;
                BlockDot.Multiply(Gather(matrix, sample.AsSpan(start, count)), count, centroids, cellCount, d, scores);
                for (var s = 0; s < count; s++)
                {
                    nearest[start + s] = TensorPrimitives.IndexOfMax(scores.AsSpan(s * cellCount, cellCount));
                }
                return scores;
            }, _ => { });

            // Sums in sample order, one thread: float addition is not associative, and the cells must not depend on timing.
            var sums = new float[cellCount * d];
            var counts = new int[cellCount];
            for (var s = 0; s < sampleSize; s++)
            {
                var sum = sums.AsSpan(nearest[s] * d, d);
                TensorPrimitives.Add(sum, matrix.Row(sample[s]), sum);
                counts[nearest[s]]++;
            }
            for (var c = 0; c < cellCount; c++)
            {
                // An empty cell keeps its place rather than vanish; it costs nothing and may still catch members.
                if (counts[c] > 0)
                {
                    var sum = sums.AsSpan(c * d, d);
                    Vectors.Normalize(sum);
                    sum.CopyTo(centroids.AsSpan(c * d, d));
                }
            }
        }

        // Cells that moved together during training are one cell too.
        var kept = new List<int>(cellCount);
        for (var c = 0; c < cellCount; c++)
        {
            var row = centroids.AsSpan(c * d, d);
            var duplicate = false;
            foreach (var k in kept)
            {
                duplicate |= BlockDot.Dot(centroids.AsSpan(k * d, d), row) >= DistinctCells;
            }
            if (!duplicate)
            {
                kept.Add(c);
            }
        }
        var result = new float[kept.Count * d];
        for (var k = 0; k < kept.Count; k++)
        {
            centroids.AsSpan(kept[k] * d, d).CopyTo(result.AsSpan(k * d, d));
        }
        return new Matrix(result, kept.Count, d);
    }
}
