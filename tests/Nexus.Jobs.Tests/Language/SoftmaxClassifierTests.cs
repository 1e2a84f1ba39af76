using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

public class SoftmaxClassifierTests
{
    // Three labels along three axes, two noisy examples each, all unit length.
    private static readonly float[][] Vectors =
    [
        Unit(1, 0.1f, 0), Unit(1, 0, 0.1f),
        Unit(0.1f, 1, 0), Unit(0, 1, 0.1f),
        Unit(0.1f, 0, 1), Unit(0, 0.1f, 1),
    ];

    private static readonly string[] Labels = ["red", "red", "green", "green", "blue", "blue"];

    [Fact]
    public void TrainSparse_FitsTheSameModelAsTheDenseVectors()
    {
        // Four columns, two or three non-zero per example.
        int[][] columns = [[0, 1], [0, 2], [1, 3], [2, 3], [0, 3], [1, 2, 3]];
        float[][] values = [[1, 0.5f], [0.8f, 0.3f], [1, 1], [0.2f, 0.9f], [0.7f, 0.7f], [0.3f, 0.3f, 0.9f]];
        string[] labels = ["a", "a", "b", "b", "a", "b"];
        var dense = columns.Select((row, i) =>
        {
            var v = new float[4];
            for (var j = 0; j < row.Length; j++)
            {
                v[row[j]] = values[i][j];
            }
            return v;
        }).ToList();
        var options = new SoftmaxOptions(L2: 1e-2);

        var sparse = SoftmaxClassifier.TrainSparse(columns, values, 4, labels, options);
        var reference = SoftmaxClassifier.Train(dense, labels, options);

        sparse.Iterations.ShouldBe(reference.Iterations);
        sparse.Probabilities([1, 3], [0.6f, 0.8f]).ShouldBe(reference.Probabilities([0, 0.6f, 0, 0.8f]), 1e-9);
        sparse.Probabilities([], []).ShouldBe(reference.Probabilities(new float[4]), 1e-9);
        Should.Throw<ArgumentException>(() => SoftmaxClassifier.TrainSparse([[4]], [[1f]], 4, ["a"], options)); // column out of range
    }

    [Fact]
    public void Train_LearnsSeparableClasses()
    {
        var model = SoftmaxClassifier.Train(Vectors, Labels);

        model.Predict(Unit(1, 0, 0)).Label.ShouldBe("red");
        model.Predict(Unit(0, 1, 0)).Label.ShouldBe("green");
        model.Predict(Unit(0, 0, 1)).Label.ShouldBe("blue");
        model.Predict(Unit(1, 0, 0)).Probability.ShouldBeGreaterThan(0.5);
        model.Iterations.ShouldBeLessThan(new SoftmaxOptions().MaxIterations);
    }

    [Fact]
    public void Labels_AreSortedOrdinally_AndProbabilitiesSumToOne()
    {
        var model = SoftmaxClassifier.Train(Vectors, Labels);

        model.Labels.ShouldBe(["blue", "green", "red"]);
        model.Dimensions.ShouldBe(3);
        var p = model.Probabilities(Unit(0.3f, 0.5f, 0.2f));
        p.Sum().ShouldBe(1, 1e-12);
        p.ShouldAllBe(x => x > 0 && x < 1);
    }

    [Fact]
    public void Train_ReachesTheOptimum_OfAProblemSolvedByHand()
    {
        // One feature, x = +1 is "a" three times out of four and x = -1 is "b" three times out of four. Unpenalised, the
        // fitted model must give P(a | x = +1) = 3/4 exactly: the log-odds at the optimum are ln 3 and -ln 3.
        float[][] x = [[1], [1], [1], [1], [-1], [-1], [-1], [-1]];
        string[] y = ["a", "a", "a", "b", "b", "b", "b", "a"];

        var model = SoftmaxClassifier.Train(x, y, new SoftmaxOptions(L2: 0, MaxIterations: 20_000, Tolerance: 1e-9));

        model.Probabilities([1f])[0].ShouldBe(0.75, 1e-6);
        model.Probabilities([-1f])[0].ShouldBe(0.25, 1e-6);
        model.Probabilities([0f])[0].ShouldBe(0.5, 1e-6);
    }

    [Fact]
    public void Train_IsDeterministic()
    {
        var first = SoftmaxClassifier.Train(Vectors, Labels);
        var second = SoftmaxClassifier.Train(Vectors, Labels);

        var probe = Unit(0.2f, 0.7f, 0.4f);
        first.Probabilities(probe).ShouldBe(second.Probabilities(probe));
        first.Iterations.ShouldBe(second.Iterations);
    }

    [Fact]
    public void AStrongerPenalty_MakesTheModelLessSure()
    {
        var loose = SoftmaxClassifier.Train(Vectors, Labels, new SoftmaxOptions(L2: 1e-4));
        var tight = SoftmaxClassifier.Train(Vectors, Labels, new SoftmaxOptions(L2: 1e-1));

        var probe = Unit(1, 0, 0);
        tight.Predict(probe).Label.ShouldBe("red");
        tight.Predict(probe).Probability.ShouldBeLessThan(loose.Predict(probe).Probability - 0.1);
    }

    [Fact]
    public void Train_RejectsWhatItCannotLearnFrom()
    {
        Should.Throw<ArgumentException>(() => SoftmaxClassifier.Train(Vectors, ["red"]));
        Should.Throw<ArgumentException>(() => SoftmaxClassifier.Train([Unit(1, 0, 0), Unit(0, 1, 0)], ["red", "red"]));
        Should.Throw<ArgumentException>(() => SoftmaxClassifier.Train([Unit(1, 0, 0), [1f, 0f]], ["red", "green"]));
        Should.Throw<ArgumentException>(() => SoftmaxClassifier.Train(Vectors, Labels).Probabilities([1f, 0f]));
    }

    private static float[] Unit(float x, float y, float z)
    {
        float[] v = [x, y, z];
        Nexus.Jobs.Language.Vectors.Normalize(v);
        return v;
    }
}
