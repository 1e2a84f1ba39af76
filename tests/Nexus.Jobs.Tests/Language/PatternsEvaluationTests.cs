using Nexus.Jobs.Compounding;
using Nexus.Jobs.Tests.Compounding;
using Xunit.Abstractions;

namespace Nexus.Jobs.Tests.Language;

/// <summary>The floor on the held-apart pattern sets (Evaluation/patterns-*.tsv): themes in different words, with noise.</summary>
public class PatternsEvaluationTests(ITestOutputHelper output)
{
    public static TheoryData<string> Files() =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Evaluation"), "patterns-*.tsv").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void EvaluationSets_ArePresent()
    {
        Files().Count.ShouldBeGreaterThanOrEqualTo(3);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Detect_RecoversFourOfFiveThemes_WithAtMostOneJunkPattern(string file)
    {
        var rows = PatternEvaluation.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Evaluation", file)));

        var (_, score) = PatternEvaluation.Run(rows, SharedModel.Embed);

        output.WriteLine(PatternQualityTests.Report(file, score));
        score.Themes.Count.ShouldBe(5);
        score.Recovered.ShouldBeGreaterThanOrEqualTo(4);
        score.Junk.Count.ShouldBeLessThanOrEqualTo(1);
    }
}
