using Nexus.Jobs.AiJobs.Handlers;
using Nexus.Jobs.Language;
using Nexus.Jobs.Tests.Language;

namespace Nexus.Jobs.Tests;

public class SentimentModelTests
{
    // A toy embedding: positive reviews point along x, negative along y, neutral along z.
    private static readonly float[] Pos = Unit(1, 0, 0);
    private static readonly float[] Neg = Unit(0, 1, 0);
    private static readonly float[] Neu = Unit(0, 0, 1);

    // Its words: "great" in both positive reviews, "broke" in both negative ones, "arrived" in both neutral ones.
    private static readonly LabelledText[] ToyReviews =
    [
        new("positive", "great buy"), new("positive", "great value"), new("negative", "broke again"), new("negative", "broke twice"),
        new("neutral", "arrived today"), new("neutral", "arrived monday"),
    ];

    private static readonly float[][] ToyVectors =
        [Unit(1, 0.1f, 0), Unit(1, 0, 0.1f), Unit(0.1f, 1, 0), Unit(0, 1, 0.1f), Unit(0.1f, 0, 1), Unit(0, 0.1f, 1)];

    private static readonly SentimentModel Toy = SentimentModel.Train(ToyReviews, ToyVectors);

    // Words the toy has never seen: its word classifier has nothing to say about them.
    private const string Unknown = "zzz";

    [Fact]
    public void Pieces_AreTheReview_ThenItsClauses_WhenItHasMoreThanOne()
    {
        SentimentModel.Pieces("Love it").ShouldBe(["Love it"]);
        SentimentModel.Pieces("Looks great, but it broke after a week.")
            .ShouldBe(["Looks great, but it broke after a week.", "Looks great", "it broke after a week"]);
        SentimentModel.Pieces("Fast delivery. Sadly it leaks! However the seller refunded me")
            .ShouldBe(["Fast delivery. Sadly it leaks! However the seller refunded me", "Fast delivery", "Sadly it leaks", "the seller refunded me"]);
        SentimentModel.Pieces("It was cheap, although it lasted years").ShouldBe(["It was cheap, although it lasted years", "It was cheap", "it lasted years"]);
        SentimentModel.Pieces("Although it was cheap, it lasted").ShouldBe(["Although it was cheap, it lasted"]); // one clause: the review alone
        SentimentModel.Pieces("Good BUT ok").ShouldBe(["Good BUT ok"]); // "ok" is too short to be a clause of its own
        SentimentModel.Pieces("").ShouldBe([""]);
    }

    [Fact]
    public void Score_IsTheMostProbableLabel_WithPositiveMinusNegativeAsTheScore()
    {
        var positive = Toy.Score(Unknown, [Pos]);
        positive.Label.ShouldBe("positive");
        positive.Score.ShouldBeInRange(0.0, 1.0);
        positive.Confidence.ShouldBeInRange(0.34, 1.0);

        var negative = Toy.Score(Unknown, [Neg]);
        negative.Label.ShouldBe("negative");
        negative.Score.ShouldBe(-positive.Score, 1e-9); // the toy is symmetric in x and y

        var neutral = Toy.Score(Unknown, [Neu]);
        neutral.Label.ShouldBe("neutral");
        neutral.Score.ShouldBe(0, 1e-9);
    }

    [Fact]
    public void Score_OfOnePiece_BlendsTheClassifierWithTheNearestReviewsVote_ThenTheWords_ThenSharpens()
    {
        // The same model built by hand from its parts: all are deterministic, so the numbers must agree exactly.
        var labels = ToyReviews.Select(r => r.Label).ToList();
        var classifier = SoftmaxClassifier.Train(ToyVectors, labels, SentimentModel.Training);
        var neighbours = new NearestExamples(ToyVectors, labels, classifier.Labels);
        var words = NgramClassifier.Train([.. ToyReviews.Select(r => r.Text)], labels, SentimentModel.Training);
        var probe = Unit(0.5f, 0.2f, 0.3f);
        const string review = "great, arrived";

        var p = classifier.Probabilities(probe);
        var vote = neighbours.Vote(probe, SentimentModel.Neighbours, SentimentModel.NeighbourSharpness);
        var w = words.Probabilities(review);
        var blended = p.Select((x, c) => (1 - SentimentModel.NeighbourWeight) * x + SentimentModel.NeighbourWeight * vote[c]).ToArray();
        blended = blended.Select((x, c) => (1 - SentimentModel.NgramWeight) * x + SentimentModel.NgramWeight * w[c]).ToArray();
        SentimentModel.Sharpen(blended, SentimentModel.Temperature);

        // classifier.Labels is ordinal: negative, neutral, positive.
        var score = Toy.Score(review, [probe]);
        score.Score.ShouldBe(blended[2] - blended[0], 1e-12);
        score.Confidence.ShouldBe(blended.Max(), 1e-12);
        SentimentModel.NeighbourWeight.ShouldBeInRange(0.01, 0.99); // every part counts
        SentimentModel.NgramWeight.ShouldBeInRange(0.01, 0.99);
    }

    [Fact]
    public void Score_LetsTheWordsDecide_WhereTheVectorIsUndecided()
    {
        var undecided = Unit(1, 1, 0);

        Toy.Score(Unknown, [undecided]).Score.ShouldBe(0, 1e-6);
        Toy.Score("great", [undecided]).Label.ShouldBe("positive");
        Toy.Score("it broke", [undecided]).Label.ShouldBe("negative");
    }

    [Fact]
    public void Score_BlendsTheWholeReviewWithItsClauses_LaterClausesWeighingMore()
    {
        // Halfway between positive and negative: alone, neither wins.
        var undecided = Unit(1, 1, 0);
        Toy.Score(Unknown, [undecided]).Score.ShouldBe(0, 1e-6);

        // "good ..., but bad" ends negative; "bad ..., but good" ends positive, by the same margin.
        var goodThenBad = Toy.Score(Unknown, [undecided, Pos, Neg]);
        var badThenGood = Toy.Score(Unknown, [undecided, Neg, Pos]);
        goodThenBad.Label.ShouldBe("negative");
        badThenGood.Label.ShouldBe("positive");
        goodThenBad.Score.ShouldBeLessThan(-0.1);
        goodThenBad.Score.ShouldBe(-badThenGood.Score, 1e-6);
    }

    [Fact]
    public void Sharpen_RaisesToOneOverTheTemperature_AndRenormalises()
    {
        double[] p = [0.5, 0.25, 0.25];
        SentimentModel.Sharpen(p, 0.5);
        p.ShouldBe([2.0 / 3, 1.0 / 6, 1.0 / 6], 1e-12);

        double[] same = [0.2, 0.3, 0.5];
        SentimentModel.Sharpen(same, 1);
        same.ShouldBe([0.2, 0.3, 0.5], 1e-12);
        SentimentModel.Temperature.ShouldBeLessThan(1); // the blend is under-confident; the model sharpens it
    }

    [Fact]
    public async Task ScoreAsync_EmbedsEveryPieceInOneCall_AndScoresEachReviewFromItsOwn()
    {
        var vectors = new Dictionary<string, float[]>
        {
            ["Lovely"] = Pos, ["Nice box, but broken"] = Unit(1, 1, 0), ["Nice box"] = Pos, ["broken"] = Neg, ["Arrived"] = Neu,
        };
        var calls = new List<IReadOnlyList<string>>();

        var scores = await Toy.ScoreAsync(["Lovely", "Nice box, but broken", "Arrived"], texts =>
        {
            calls.Add(texts);
            return Task.FromResult(texts.Select(t => vectors[t]).ToArray());
        });

        calls.ShouldHaveSingleItem().ShouldBe(["Lovely", "Nice box, but broken", "Nice box", "broken", "Arrived"]);
        scores.Select(s => s.Label).ShouldBe(["positive", "negative", "neutral"]);
        scores[1].ShouldBe(Toy.Score("Nice box, but broken", [Unit(1, 1, 0), Pos, Neg]));
    }

    [Fact]
    public void Train_NeedsEveryLabel()
    {
        Should.Throw<ArgumentException>(() => SentimentModel.Train([new("positive", "a"), new("negative", "b")], [Pos, Neg]));
    }

    [Theory]
    [InlineData("I love this blender, it is excellent and works great!", "positive")]
    [InlineData("Fantastic quality, fast delivery, highly recommend.", "positive")]
    [InlineData("Terrible. It broke after two days and the delivery was late.", "negative")]
    [InlineData("Worst purchase ever, defective and useless, I want a refund.", "negative")]
    [InlineData("It is a blue kettle with a one litre capacity.", "neutral")]
    [InlineData("The package arrived on Tuesday.", "neutral")]
    public void RealModel_LabelsPlainReviews(string review, string label)
    {
        var score = TrainedModels.Sentiment.Score(review, SharedModel.Embed(SentimentModel.Pieces(review)));

        score.Label.ShouldBe(label);
        score.Confidence.ShouldBeGreaterThan(0.5);
        score.Score.ShouldBeInRange(-1.0, 1.0);
        if (label != "neutral")
        {
            Math.Sign(score.Score).ShouldBe(label == "positive" ? 1 : -1);
        }
    }

    private static float[] Unit(float x, float y, float z)
    {
        float[] v = [x, y, z];
        Vectors.Normalize(v);
        return v;
    }
}
