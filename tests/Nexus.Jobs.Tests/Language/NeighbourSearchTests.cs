using System.Numerics.Tensors;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

public class NeighbourSearchTests
{
    /// <summary>
    /// Unit vectors in clusters, as embeddings of texts about a few hundred topics are: each a topic's direction plus
    /// noise, so that pairs inside a topic score 0.6 to 0.99 and pairs across topics near 0.
    /// </summary>
    internal static float[][] Clustered(int count, int topics, int seed, int dimensions = 64)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, topics).Select(_ => Unit(Gaussian(random, dimensions, 1))).ToArray();
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var noise = Gaussian(random, dimensions, (float)(0.1 + random.NextDouble() * 0.9) / MathF.Sqrt(dimensions));
            TensorPrimitives.Add(noise, centres[random.Next(topics)], noise);
            return Unit(noise);
        })];
    }

    private static float[] Gaussian(Random random, int dimensions, float sigma) =>
        [.. Enumerable.Range(0, dimensions).Select(_ => sigma * (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];

    private static float[] Unit(float[] vector)
    {
        Vectors.Normalize(vector);
        return vector;
    }

    private static List<SimilarPair> BruteForce(float[][] vectors, float threshold)
    {
        var pairs = new List<SimilarPair>();
        for (var i = 0; i < vectors.Length; i++)
        {
            for (var j = i + 1; j < vectors.Length; j++)
            {
                var similarity = TensorPrimitives.Dot(vectors[i], vectors[j]);
                if (similarity >= threshold)
                {
                    pairs.Add(new SimilarPair(i, j, similarity));
                }
            }
        }
        return pairs;
    }

    [Fact]
    public void Pairs_IsExact_ForSmallSets()
    {
        var vectors = Clustered(700, 40, seed: 1);
        var expected = BruteForce(vectors, 0.7f);
        expected.Count.ShouldBeGreaterThan(1_000);

        var pairs = NeighbourSearch.Pairs(vectors, 0.7f);

        pairs.Select(p => (p.A, p.B)).ShouldBe(expected.Select(p => (p.A, p.B)));
        pairs.Zip(expected).ShouldAllBe(x => Math.Abs(x.First.Similarity - x.Second.Similarity) < 1e-5);
    }

    [Fact]
    public void Pairs_FindsNearlyAllPairsAboveTheThreshold_ThroughTheIndex_AndNothingBelow()
    {
        var vectors = Clustered(6_000, 150, seed: 2);
        var expected = BruteForce(vectors, 0.7f);
        var options = new NeighbourSearchOptions(ExactUpTo: 500);

        var pairs = NeighbourSearch.Pairs(vectors, 0.7f, options);

        pairs.ShouldAllBe(p => p.A < p.B && p.Similarity >= 0.7f);
        pairs.Select(p => (p.A, p.B)).Distinct().Count().ShouldBe(pairs.Count);
        pairs.ShouldBe(pairs.OrderBy(p => p.A).ThenBy(p => p.B).ToList());
        var found = pairs.Select(p => (p.A, p.B)).ToHashSet();
        var recall = (double)expected.Count(p => found.Contains((p.A, p.B))) / expected.Count;
        recall.ShouldBeGreaterThan(0.98, $"{expected.Count} pairs at 0.7");
        var strong = expected.Where(p => p.Similarity >= 0.85f).ToList();
        strong.Count(p => found.Contains((p.A, p.B))).ShouldBeGreaterThan((int)(0.995 * strong.Count));
    }

    [Fact]
    public void Pairs_IsDeterministic_ThroughTheIndex()
    {
        var vectors = Clustered(5_000, 60, seed: 3);
        var options = new NeighbourSearchOptions(ExactUpTo: 400);

        var first = NeighbourSearch.Pairs(vectors, 0.75f, options);
        var second = NeighbourSearch.Pairs(vectors, 0.75f, options);

        second.ShouldBe(first);
    }

    [Fact]
    public void Pairs_KeepsThePairsOfADenseRegion()
    {
        // Three quarters of the vectors are near-copies of one text: one huge cell, whose pairs must all be found.
        var random = new Random(4);
        var dense = Clustered(1, 1, seed: 5)[0];
        var vectors = Clustered(4_000, 200, seed: 6);
        for (var i = 0; i < 3_000; i++)
        {
            var copy = Gaussian(random, dense.Length, 0.3f / MathF.Sqrt(dense.Length));
            TensorPrimitives.Add(copy, dense, copy);
            vectors[i * 4 / 3] = Unit(copy);
        }
        var expected = BruteForce(vectors, 0.9f);

        var pairs = NeighbourSearch.Pairs(vectors, 0.9f, new NeighbourSearchOptions(ExactUpTo: 300));

        var found = pairs.Select(p => (p.A, p.B)).ToHashSet();
        expected.Count.ShouldBeGreaterThan(1_000_000);
        ((double)expected.Count(p => found.Contains((p.A, p.B))) / expected.Count).ShouldBeGreaterThan(0.98);
    }

    [Fact]
    public void Pairs_ReturnsNothing_ForFewerThanTwoVectors()
    {
        NeighbourSearch.Pairs([], 0.5f).ShouldBeEmpty();
        NeighbourSearch.Pairs([Clustered(1, 1, seed: 7)[0]], 0.5f).ShouldBeEmpty();
    }

    [Fact]
    public void Pairs_Throws_OnVectorsOfDifferentLengths_OrInvalidOptions()
    {
        Should.Throw<ArgumentException>(() => NeighbourSearch.Pairs([new float[4], new float[5]], 0.5f));
        Should.Throw<ArgumentException>(() => NeighbourSearch.Pairs([new float[4], null!], 0.5f));
        Should.Throw<ArgumentOutOfRangeException>(() => NeighbourSearch.Pairs([new float[4], new float[4]], 0.5f, new NeighbourSearchOptions(Probes: 0)));
    }

    [Theory]
    [InlineData(7, 5, 384)] // tiles and edges
    [InlineData(8, 4, 64)] // tiles only
    [InlineData(3, 3, 10)] // not a multiple of the vector width: the plain path
    public void BlockDot_MultipliesLikeOneDotProductAtATime(int rows, int columns, int dimensions)
    {
        var random = new Random(rows * columns);
        var a = Gaussian(random, rows * dimensions, 1);
        var b = Gaussian(random, columns * dimensions, 1);
        var result = new float[rows * columns];

        BlockDot.Multiply(a, rows, b, columns, dimensions, result);

        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                var rowA = a.AsSpan(i * dimensions, dimensions);
                var rowB = b.AsSpan(j * dimensions, dimensions);
                result[i * columns + j].ShouldBe(TensorPrimitives.Dot(rowA, rowB), 1e-3 * dimensions);
                // Bit for bit the same as a single product: a pair's similarity never depends on its place in a block.
                result[i * columns + j].ShouldBe(BlockDot.Dot(rowA, rowB));
            }
        }
    }
}
