using System.Numerics.Tensors;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>
/// Return reasons classified by meaning: each category of <see cref="ReturnModel.Categories"/> is described by example
/// reasons, a softmax classifier over their sentence embeddings picks the category, and a reason that is not close to
/// any example of a named category (every category but <c>other</c>) is <c>other</c>, whatever the classifier says.
/// Pure: the vectors come from outside.
/// </summary>
public sealed class ReturnReasonModel
{
    /// <summary>The shipped training set (<c>Language/Training/returns.tsv</c>).</summary>
    public const string TrainingSet = "returns.tsv";

    /// <summary>
    /// The penalty: from 3e-4 down to 1e-5 every value was as accurate (0.95-0.96 on the development reasons, 0.88-0.89
    /// on a 5-fold split of the training set), and the smallest stated the most honest confidences (expected calibration
    /// error of the classifier alone 0.06 and 0.03; 0.16 and 0.14 at 3e-4, which was under-confident).
    /// </summary>
    public static readonly SoftmaxOptions Training = new(L2: 1e-5);

    /// <summary>
    /// Which share of the named examples may be as far from all the others as a reason has to be to count as
    /// <c>other</c>: the threshold is this quantile of the examples' leave-one-out nearest-example similarities. At 1%
    /// (0.31 with the shipped set and all-MiniLM-L6-v2) no development reason of a named category fell below it (the
    /// lowest was 0.324), while unrelated text ("Happy birthday Sarah!", "???") did (0.15-0.29).
    /// </summary>
    public const double FarQuantile = 0.01;

    private readonly SoftmaxClassifier classifier;
    private readonly float[][] namedExamples;
    private readonly int[] named;

    private ReturnReasonModel(SoftmaxClassifier classifier, float[][] namedExamples, float threshold)
    {
        this.classifier = classifier;
        this.namedExamples = namedExamples;
        Threshold = threshold;
        named = [.. Enumerable.Range(0, classifier.Labels.Count).Where(i => classifier.Labels[i] != ReturnModel.Other)];
    }

    /// <summary>A reason whose nearest named example is less similar than this is <c>other</c>.</summary>
    public float Threshold { get; }

    /// <summary>Fits the model to labelled reasons and their vectors, in order; every label must be one of <see cref="ReturnModel.Categories"/>.</summary>
    public static ReturnReasonModel Train(IReadOnlyList<LabelledText> examples, IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(vectors);
        if (examples.FirstOrDefault(e => !ReturnModel.Categories.Contains(e.Label)) is { } stray)
        {
            throw new ArgumentException($"\"{stray.Label}\" is not a return category ({string.Join(", ", ReturnModel.Categories)}).", nameof(examples));
        }
        var classifier = SoftmaxClassifier.Train(vectors, [.. examples.Select(e => e.Label)], Training);
        var namedExamples = examples.Select((e, i) => (e, i)).Where(p => p.e.Label != ReturnModel.Other).Select(p => vectors[p.i]).ToArray();
        return new ReturnReasonModel(classifier, namedExamples, NearestSimilarityQuantile(namedExamples, FarQuantile));
    }

    /// <summary>
    /// The <paramref name="quantile"/> of the similarities between each vector and its nearest other vector
    /// (ascending, the value at floor(quantile x (n - 1))): how far apart examples of the same taxonomy usually are.
    /// </summary>
    public static float NearestSimilarityQuantile(IReadOnlyList<float[]> vectors, double quantile)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentOutOfRangeException.ThrowIfLessThan(vectors.Count, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(quantile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        var nearest = new float[vectors.Count];
        for (var i = 0; i < vectors.Count; i++)
        {
            nearest[i] = float.NegativeInfinity;
            for (var j = 0; j < vectors.Count; j++)
            {
                if (j != i)
                {
                    nearest[i] = Math.Max(nearest[i], Vectors.Cosine(vectors[i], vectors[j]));
                }
            }
        }
        Array.Sort(nearest);
        return nearest[(int)Math.Floor(quantile * (nearest.Length - 1))];
    }

    /// <summary>The cosine similarity of <paramref name="vector"/> to the nearest example of a named category.</summary>
    public float NearestNamedSimilarity(ReadOnlySpan<float> vector)
    {
        var nearest = float.NegativeInfinity;
        foreach (var example in namedExamples)
        {
            nearest = Math.Max(nearest, TensorPrimitives.Dot(vector, example));
        }
        return nearest;
    }

    /// <summary>
    /// The category of a reason from its vector, with the probability the classifier gives it. When the reason is not
    /// close to any named example, it is <c>other</c>, and the confidence is the classifier's probability that it is
    /// not its best named category.
    /// </summary>
    public ReturnClass Classify(float[] vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        var p = classifier.Probabilities(vector);
        if (NearestNamedSimilarity(vector) < Threshold)
        {
            return new ReturnClass(ReturnModel.Other, 1 - named.Max(c => p[c]));
        }
        var (category, probability) = classifier.Predict(vector);
        return new ReturnClass(category, probability);
    }

    /// <summary>
    /// Classifies every reason: embeds them in one call to <paramref name="embed"/> (one vector per text, in order),
    /// then <see cref="Classify(float[])"/>s each.
    /// </summary>
    public async Task<IReadOnlyList<ReturnClass>> ClassifyAsync(IReadOnlyList<string> reasons, Func<IReadOnlyList<string>, Task<float[][]>> embed)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        ArgumentNullException.ThrowIfNull(embed);
        var vectors = await embed(reasons);
        return [.. vectors.Select(Classify)];
    }

    /// <summary>Classifies a labelled set of reasons and compares the categories and confidences with the truth.</summary>
    public async Task<EvaluationReport> EvaluateAsync(IReadOnlyList<LabelledText> set, Func<IReadOnlyList<string>, Task<float[][]>> embed)
    {
        ArgumentNullException.ThrowIfNull(set);
        var classes = await ClassifyAsync([.. set.Select(e => e.Text)], embed);
        return Evaluation.Score([.. set.Select(e => e.Label)], [.. classes.Select(c => c.Category)], [.. classes.Select(c => c.Confidence)]);
    }
}
