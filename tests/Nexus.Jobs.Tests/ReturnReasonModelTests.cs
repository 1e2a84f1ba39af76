using Nexus.Jobs.AiJobs.Handlers;
using Nexus.Jobs.Language;
using Nexus.Jobs.Tests.Language;

namespace Nexus.Jobs.Tests;

public class ReturnReasonModelTests
{
    // A toy embedding of 9 axes: the six named categories along axes 0-5, two close examples each; "other" along
    // axes 6 and 7, its two examples unlike each other; axis 8 unused.
    private static readonly string[] Named = ["defective", "damaged_in_transit", "wrong_item", "not_as_described", "size_fit", "changed_mind"];

    private static readonly float[][] NamedVectors =
        [.. Named.SelectMany((_, i) => new[] { Axis(i), Unit(Bump(Axis(i), (i + 1) % 6, 0.3f)) })];

    private static readonly ReturnReasonModel Toy = ReturnReasonModel.Train(
        [.. Named.SelectMany(c => new[] { new LabelledText(c, c + " 1"), new LabelledText(c, c + " 2") }), new("other", "o1"), new("other", "o2")],
        [.. NamedVectors, Axis(6), Axis(7)]);

    [Fact]
    public void NearestSimilarityQuantile_IsTheQuantileOfEachVectorsNearestNeighbour()
    {
        // Nearest neighbours: (1,0) and (0.8,0.6) are each other's at 0.8; (0,1) is nearest (0.8,0.6) at 0.6; (-1,0)
        // is nearest (0,1) at 0. Sorted: 0, 0.6, 0.8, 0.8.
        float[][] vectors = [[1, 0], [0.8f, 0.6f], [0, 1], [-1, 0]];

        ReturnReasonModel.NearestSimilarityQuantile(vectors, 0).ShouldBe(0f, 1e-6f);
        ReturnReasonModel.NearestSimilarityQuantile(vectors, 0.5).ShouldBe(0.6f, 1e-6f);
        ReturnReasonModel.NearestSimilarityQuantile(vectors, 1).ShouldBe(0.8f, 1e-6f);
    }

    [Fact]
    public void Threshold_IsTheFarQuantileOfTheNamedExamples_NotOfOthers()
    {
        // Each named example's nearest is its sibling (cosine 1/sqrt(1.09) = 0.958); the "other" examples are nearest
        // nothing (cosine 0) and would pull the quantile to 0 if they counted.
        Toy.Threshold.ShouldBe(ReturnReasonModel.NearestSimilarityQuantile(NamedVectors, ReturnReasonModel.FarQuantile));
        Toy.Threshold.ShouldBe((float)(1 / Math.Sqrt(1.09)), 1e-5f);
    }

    [Theory]
    [InlineData(0, "defective")]
    [InlineData(1, "damaged_in_transit")]
    [InlineData(4, "size_fit")]
    public void Classify_CloseToACategorysExamples_IsThatCategory_WithItsProbability(int axis, string category)
    {
        var result = Toy.Classify(Axis(axis));

        Toy.NearestNamedSimilarity(Axis(axis)).ShouldBe(1f, 1e-6f);
        result.Category.ShouldBe(category);
        result.Confidence.ShouldBeInRange(0.5, 1.0);
    }

    [Fact]
    public void Classify_FarFromEveryNamedExample_IsOther_EvenWhenTheClassifierLeansToACategory()
    {
        // Mostly along the unused axis, a little along "defective": of the classes the classifier leans to defective
        // (nothing else reads axis 8), but the reason is far less like any named example than the threshold allows.
        var vector = Unit([0.12f, 0, 0, 0, 0, 0, 0, 0, 1]);
        Toy.NearestNamedSimilarity(vector).ShouldBeLessThan(0.2f);

        var result = Toy.Classify(vector);

        result.Category.ShouldBe("other");
        result.Confidence.ShouldBeInRange(0.0, 1.0);
        Toy.Classify(Axis(6)).Category.ShouldBe("other");
    }

    [Fact]
    public void Train_RejectsACategoryOutsideTheTaxonomy()
    {
        Should.Throw<ArgumentException>(() => ReturnReasonModel.Train([new("defective", "a"), new("late", "b")], [Axis(0), Axis(1)]));
    }

    [Theory]
    [InlineData("Stopped working after 3 days", "defective")]
    [InlineData("It doesn't turn on at all", "defective")]
    [InlineData("Arrived damaged, the box was crushed", "damaged_in_transit")]
    [InlineData("You sent the wrong item", "wrong_item")]
    [InlineData("Not as described, looks different from the photos", "not_as_described")]
    [InlineData("Way too small for me", "size_fit")]
    [InlineData("Changed my mind", "changed_mind")]
    [InlineData("Found cheaper elsewhere", "changed_mind")]
    [InlineData("See attached note", "other")]
    public void RealModel_ClassifiesPlainReasons(string reason, string category)
    {
        var result = TrainedModels.Returns.Classify(SharedModel.Embed(reason));

        result.Category.ShouldBe(category);
        result.Confidence.ShouldBeInRange(0.4, 1.0);
    }

    [Theory]
    [InlineData("The quarterly results were strong.")]
    [InlineData("???")]
    public void RealModel_CallsTextUnlikeAnyReason_Other(string text)
    {
        var vector = SharedModel.Embed(text);

        TrainedModels.Returns.NearestNamedSimilarity(vector).ShouldBeLessThan(TrainedModels.Returns.Threshold);
        TrainedModels.Returns.Classify(vector).Category.ShouldBe("other");
    }

    private static float[] Axis(int axis)
    {
        var v = new float[9];
        v[axis] = 1;
        return v;
    }

    private static float[] Bump(float[] v, int axis, float by)
    {
        var copy = (float[])v.Clone();
        copy[axis] += by;
        return copy;
    }

    private static float[] Unit(float[] v)
    {
        Vectors.Normalize(v);
        return v;
    }
}
