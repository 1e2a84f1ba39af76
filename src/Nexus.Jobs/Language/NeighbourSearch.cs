using System.Numerics.Tensors;

namespace Nexus.Jobs.Language;

/// <summary>Two items whose vectors are at least a threshold alike; <see cref="A"/> is below <see cref="B"/>.</summary>
public readonly record struct SimilarPair(int A, int B, float Similarity);

/// <summary>Finds the pairs of unit vectors whose cosine similarity reaches a threshold, without a model. Pure.</summary>
public static class NeighbourSearch
{
    // Rows compared against each other per block: a block of vectors stays in cache while the other side streams by.
    private const int BlockSize = 256;

    /// <summary>
    /// Every pair (i &lt; j) of <paramref name="vectors"/> whose cosine similarity is at least <paramref name="threshold"/>,
    /// ordered by (A, B). Exact: compares every pair, in parallel blocks.
    /// </summary>
    public static List<SimilarPair> Pairs(IReadOnlyList<float[]> vectors, float threshold)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var n = vectors.Count;
        var blocks = (n + BlockSize - 1) / BlockSize;
        var perBlock = new List<SimilarPair>[blocks];
        Parallel.For(0, blocks, block =>
        {
            var found = new List<SimilarPair>();
            var start = block * BlockSize;
            var end = Math.Min(n, start + BlockSize);
            for (var i = start; i < end; i++)
            {
                var a = vectors[i];
                for (var j = i + 1; j < n; j++)
                {
                    var similarity = TensorPrimitives.Dot(a, vectors[j]);
                    if (similarity >= threshold)
                    {
                        found.Add(new SimilarPair(i, j, similarity));
                    }
                }
            }
            perBlock[block] = found;
        });

        var pairs = new List<SimilarPair>(perBlock.Sum(p => p.Count));
        foreach (var found in perBlock)
        {
            pairs.AddRange(found);
        }
        return pairs;
    }
}
