using System.Numerics.Tensors;

namespace Nexus.Jobs.Language;

/// <summary>
/// Labelled example vectors that vote on the label of a new vector: its k most similar examples (cosine), each weighted
/// by exp((similarity - best similarity) / sharpness), so the nearest count most. Pure.
/// </summary>
/// <remarks>
/// A linear classifier learns what a label's examples share; the nearest examples remember what only a few of them
/// say, such as an idiom that reads unlike its words ("not a single complaint").
/// </remarks>
public sealed class NearestExamples
{
    private readonly float[][] vectors;
    private readonly int[] labels;

    /// <summary>The examples and their labels, in order; <paramref name="labelOrder"/> is the order of every vote.</summary>
    public NearestExamples(IReadOnlyList<float[]> vectors, IReadOnlyList<string> labels, IReadOnlyList<string> labelOrder)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(labelOrder);
        if (vectors.Count != labels.Count || vectors.Count == 0)
        {
            throw new ArgumentException($"{vectors.Count} vectors and {labels.Count} labels: one label per vector, at least one of each.", nameof(labels));
        }
        LabelOrder = labelOrder;
        var index = labelOrder.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        this.vectors = [.. vectors];
        this.labels = [.. labels.Select(l => index.TryGetValue(l, out var i) ? i : throw new ArgumentException($"\"{l}\" is not one of the labels.", nameof(labels)))];
    }

    /// <summary>The labels, in the order of <see cref="Vote"/>.</summary>
    public IReadOnlyList<string> LabelOrder { get; }

    /// <summary>The share of the weighted vote of the <paramref name="k"/> nearest examples for each label; they sum to 1. Ties go to the earlier example.</summary>
    public double[] Vote(ReadOnlySpan<float> vector, int k, double sharpness)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sharpness);
        var count = Math.Min(k, vectors.Length);
        // The k best so far, best first: k is small, so insertion into a sorted array beats a heap.
        var best = new (float Similarity, int Index)[count];
        var filled = 0;
        for (var i = 0; i < vectors.Length; i++)
        {
            var similarity = TensorPrimitives.Dot(vector, vectors[i]);
            if (filled == count && similarity <= best[count - 1].Similarity)
            {
                continue;
            }
            var at = filled < count ? filled++ : count - 1;
            while (at > 0 && best[at - 1].Similarity < similarity)
            {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = (similarity, i);
        }

        var vote = new double[LabelOrder.Count];
        foreach (var (similarity, index) in best)
        {
            vote[labels[index]] += Math.Exp((similarity - best[0].Similarity) / sharpness);
        }
        var total = vote.Sum();
        for (var c = 0; c < vote.Length; c++)
        {
            vote[c] /= total;
        }
        return vote;
    }
}
