using Nexus.Jobs.Language;
using Xunit.Abstractions;

namespace Nexus.Jobs.Tests.Language;

/// <summary>Return reasons classified with the real model on labelled reasons it was not trained on.</summary>
public class ReturnEvaluationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Evaluation")] // held out: written apart from the training data, never tuned on
    [InlineData("Language/Development")] // the reasons the model's settings were chosen on
    public async Task Accuracy_IsAtLeast085(string folder)
    {
        var set = TrainedModels.ReadSet(folder, "returns.tsv");

        var report = await TrainedModels.Returns.EvaluateAsync(set, TrainedModels.Embed);

        output.WriteLine(report.Describe());
        report.Accuracy.ShouldBeGreaterThanOrEqualTo(0.85);
    }
}
