using Xunit.Abstractions;

namespace Nexus.Jobs.Tests.Language;

/// <summary>Review sentiment measured with the real model on labelled reviews it was not trained on.</summary>
public class SentimentEvaluationTests(ITestOutputHelper output)
{
    [Theory]
    // Held out: written apart from the training data, never tuned on. Measured 0.800 (160 of 200) when this floor was
    // set; the target is 0.85 and is NOT met (negated and implied praise flips: see docs/language.md). The
    // floor is the measured level less two reviews, so that a regression shows while the gap stays on record.
    [InlineData("Evaluation", "sentiment.tsv", 0.79)]
    [InlineData("Language/Development", "sentiment.tsv", 0.85)] // the reviews the model's settings were chosen on
    // Longer reviews whose sentiment is implied or negated ("not a single complaint"): the model's known weakness,
    // 0.771 when its settings were chosen. The floor keeps it from getting worse; the issue asks 0.85 of every set.
    [InlineData("Language/Development", "sentiment-hard.tsv", 0.75)]
    public async Task Accuracy_ReachesItsFloor(string folder, string file, double floor)
    {
        var set = TrainedModels.ReadSet(folder, file);

        var report = await TrainedModels.Sentiment.EvaluateAsync(set, TrainedModels.Embed);

        output.WriteLine(report.Describe());
        report.Accuracy.ShouldBeGreaterThanOrEqualTo(floor);
    }
}
