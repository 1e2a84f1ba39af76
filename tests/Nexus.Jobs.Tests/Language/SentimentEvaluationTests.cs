using Nexus.Jobs.Language;
using Xunit.Abstractions;

namespace Nexus.Jobs.Tests.Language;

/// <summary>Review sentiment measured with the real model on labelled reviews it was not trained on.</summary>
public class SentimentEvaluationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Evaluation")] // held out: written apart from the training data, never tuned on
    [InlineData("Language/Development")] // the reviews the model's settings were chosen on
    public async Task Accuracy_IsAtLeast085(string folder)
    {
        var set = TrainedModels.ReadSet(folder, "sentiment.tsv");

        var report = await TrainedModels.Sentiment.EvaluateAsync(set, TrainedModels.Embed);

        output.WriteLine(report.Describe());
        report.Accuracy.ShouldBeGreaterThanOrEqualTo(0.85);
    }
}
