using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

public class EvaluationTests
{
    [Fact]
    public void Score_CountsAccuracy_PrecisionRecall_AndConfusion()
    {
        var report = Evaluation.Score(["a", "a", "b", "b", "c"], ["a", "b", "b", "b", "a"]);

        report.Count.ShouldBe(5);
        report.Accuracy.ShouldBe(0.6);
        report.Labels.ShouldBe(["a", "b", "c"]);
        report.Confusion.ShouldBe([[1, 1, 0], [0, 2, 0], [1, 0, 0]]);
        var (a, b, c) = (report.PerLabel[0], report.PerLabel[1], report.PerLabel[2]);
        (a.Precision, a.Recall).ShouldBe((0.5, 0.5));
        (b.Precision, b.Recall).ShouldBe((2.0 / 3, 1.0));
        // Never given: no wrong answers among none (precision 1), and none of its one item found (recall 0).
        (c.Precision, c.Recall).ShouldBe((1.0, 0.0));
        report.CalibrationError.ShouldBeNull();
        report.Describe().ShouldContain("accuracy 0.600 on 5 items");
    }

    [Fact]
    public void CalibrationError_WeighsEachBinsGap_ByItsShare()
    {
        // Bin 0.9: stated 0.9, right half the time (gap 0.4). Bin 0.6: stated 0.6, always right (gap 0.4).
        Evaluation.CalibrationError([0.9, 0.9, 0.6, 0.6], [true, false, true, true]).ShouldBe(0.4, 1e-12);
        Evaluation.CalibrationError([0.75, 0.75, 0.75, 0.75], [true, true, true, false]).ShouldBe(0, 1e-12);

        var report = Evaluation.Score(["a", "b"], ["a", "a"], [1.0, 1.0]);
        report.CalibrationError.ShouldBe(0.5);
    }

    [Fact]
    public void ReadTsv_SkipsTheHeaderAndBlankLines_AndKeepsTabsInTheText()
    {
        var set = LabelledText.ReadTsv(new StringReader("label\ttext\npositive\tLove it\n\nnegative\tBroke.\tTwice.\n"));

        set.ShouldBe([new LabelledText("positive", "Love it"), new LabelledText("negative", "Broke.\tTwice.")]);
        Should.Throw<FormatException>(() => LabelledText.ReadTsv(new StringReader("label\ttext\nno tab here\n")));
        Should.Throw<FormatException>(() => LabelledText.ReadTsv(new StringReader("label\ttext\npositive\t \n")));
    }

    [Theory]
    [InlineData("sentiment.tsv", new[] { "negative", "neutral", "positive" }, 150)]
    [InlineData("returns.tsv", new[] { "changed_mind", "damaged_in_transit", "defective", "not_as_described", "other", "size_fit", "wrong_item" }, 25)]
    public void TrainingSets_AreEmbedded_WithEnoughDistinctExamplesOfEveryLabel(string file, string[] labels, int atLeast)
    {
        var set = LabelledText.ReadTrainingSet(file);

        set.Select(e => e.Label).Distinct().Order(StringComparer.Ordinal).ShouldBe(labels);
        set.GroupBy(e => e.Label).ShouldAllBe(g => g.Count() >= atLeast);
        set.Select(e => e.Text).Distinct(StringComparer.OrdinalIgnoreCase).Count().ShouldBe(set.Count);
    }

    [Theory]
    [InlineData("sentiment.tsv", "Evaluation", "sentiment.tsv")]
    [InlineData("sentiment.tsv", "Language/Development", "sentiment.tsv")]
    [InlineData("sentiment.tsv", "Language/Development", "sentiment-hard.tsv")]
    [InlineData("returns.tsv", "Evaluation", "returns.tsv")]
    [InlineData("returns.tsv", "Language/Development", "returns.tsv")]
    [InlineData("returns.tsv", "Language/Development", "returns-hard.tsv")]
    public void TrainingSets_ShareNoTextWithTheEvaluationOrDevelopmentSets(string trainingSet, string folder, string file)
    {
        var training = LabelledText.ReadTrainingSet(trainingSet).Select(e => Key(e.Text)).ToHashSet(StringComparer.Ordinal);

        TrainedModels.ReadSet(folder, file).Where(e => training.Contains(Key(e.Text))).Select(e => e.Text).ShouldBeEmpty();
    }

    // Case, spacing and punctuation aside: a copied sentence is the same sentence.
    private static string Key(string text) => new([.. text.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);
}
