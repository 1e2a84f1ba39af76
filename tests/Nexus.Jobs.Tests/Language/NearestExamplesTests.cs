using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

public class NearestExamplesTests
{
    private static readonly NearestExamples Examples = new(
        [[1, 0], [0.8f, 0.6f], [0, 1], [-1, 0]],
        ["x", "y", "y", "z"],
        ["x", "y", "z"]);

    [Fact]
    public void Vote_WeighsTheKNearest_ByTheirDistanceFromTheBest()
    {
        // Similarities to (1,0): 1 (x), 0.8 (y), 0 (y), -1 (z). The two nearest weigh exp(0) and exp(-0.2 / 0.1).
        var vote = Examples.Vote([1, 0], k: 2, sharpness: 0.1);

        var y = Math.Exp(-2);
        vote.ShouldBe([1 / (1 + y), y / (1 + y), 0], 1e-6);
    }

    [Fact]
    public void Vote_OfOneNeighbour_IsItsLabel_AndAllOfThemSumToOne()
    {
        Examples.Vote([0, 1], k: 1, sharpness: 0.05).ShouldBe([0.0, 1.0, 0.0]);
        Examples.Vote([-1, 0], k: 1, sharpness: 0.05).ShouldBe([0.0, 0.0, 1.0]);
        Examples.Vote([0.6f, 0.8f], k: 10, sharpness: 0.05).Sum().ShouldBe(1, 1e-12);
    }

    [Fact]
    public void Vote_BreaksTiesForTheEarlierExample()
    {
        var tied = new NearestExamples([[1, 0], [1, 0]], ["a", "b"], ["a", "b"]);

        tied.Vote([1, 0], k: 1, sharpness: 0.05).ShouldBe([1.0, 0.0]);
    }

    [Fact]
    public void Construction_RejectsLabelsOutsideTheOrder()
    {
        Should.Throw<ArgumentException>(() => new NearestExamples([[1, 0]], ["w"], ["x", "y"]));
        Should.Throw<ArgumentException>(() => new NearestExamples([[1, 0]], ["x", "y"], ["x", "y"]));
    }
}
