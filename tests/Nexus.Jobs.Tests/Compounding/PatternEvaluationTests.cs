using Nexus.Jobs.Compounding;

namespace Nexus.Jobs.Tests.Compounding;

public class PatternEvaluationTests
{
    private static readonly DateTime Now = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Theme a: rows 0-7, theme b: rows 8-11, noise: rows 12-14.</summary>
    private static readonly IReadOnlyList<LabelledInsight> Rows = PatternEvaluation.Parse(
        "theme\tentity\ttext\n"
        + string.Concat(Enumerable.Range(0, 8).Select(i => $"a\tP{i}\ta text {i}\n"))
        + string.Concat(Enumerable.Range(0, 4).Select(i => $"b\tP{i}\tb text {i}\r\n"))
        + "\n"
        + string.Concat(Enumerable.Range(0, 3).Select(i => $"noise\tP{i}\tnoise {i}\n")));

    private static DetectedPattern Pattern(string name, params int[] rows) =>
        new(name, rows.Length, rows.Length, "product", [], [.. rows.Select(PatternEvaluation.IdOf)], Now, Now, PatternEvaluation.IdOf(rows[0]));

    [Fact]
    public void Parse_ReadsThemeEntityAndText_AfterTheHeader()
    {
        Rows.Count.ShouldBe(15);
        Rows[0].ShouldBe(new LabelledInsight("a", "P0", "a text 0"));
        Rows[11].ShouldBe(new LabelledInsight("b", "P3", "b text 3"));
        Should.Throw<FormatException>(() => PatternEvaluation.Parse("theme\tentity\ttext\nonly\ttwo"));
    }

    [Fact]
    public void Insights_MakeOneActiveInsightPerRow_AboutItsEntity()
    {
        var insights = PatternEvaluation.Insights(Rows, Now);

        insights.Count.ShouldBe(15);
        insights[3].Id.ShouldBe(PatternEvaluation.IdOf(3));
        insights[3].Content.ShouldBe("a text 3");
        insights[3].Entities.ShouldBe([new InsightEntity("P3", "P3", "product")]);
        insights.ShouldAllBe(i => i.Status == InsightStatus.Active && i.LastReinforcedAt < Now);
    }

    [Fact]
    public void Score_RecoversATheme_WhenAPatternIsMostlyItsAndHoldsHalfOfIt()
    {
        var score = PatternEvaluation.Score(Rows, [Pattern("a-ish", 0, 1, 2, 3, 12), Pattern("b-ish", 8, 9, 10, 11)]);

        score.Themes.ShouldBe([new ThemeRecovery("a", 8, "a-ish", 4), new ThemeRecovery("b", 4, "b-ish", 4)]);
        score.Recovered.ShouldBe(2);
        score.Junk.ShouldBeEmpty();
    }

    [Fact]
    public void Score_CountsJunk_WhenAPatternIsMixedMostlyNoiseTooSmallAShareOrASecondOfItsTheme()
    {
        var mixed = Pattern("mixed", 0, 1, 8, 9);        // half a, half b: no majority
        var noisy = Pattern("noisy", 12, 13, 14, 2);     // mostly noise
        var small = Pattern("small", 3, 4, 5);           // 3 of a's 8
        var best = Pattern("best", 0, 1, 2, 3, 4, 5, 6);
        var second = Pattern("second", 7, 8, 9, 10, 11); // b's best; a second pattern of a would be junk
        var again = Pattern("again", 6, 7, 5, 4);        // a again, smaller than "best"

        var score = PatternEvaluation.Score(Rows, [mixed, noisy, small, best, second, again]);

        score.Themes.ShouldBe([new ThemeRecovery("a", 8, "best", 7), new ThemeRecovery("b", 4, "second", 4)]);
        score.Junk.Select(p => p.Theme).ShouldBe(["mixed", "noisy", "small", "again"]);
    }

    [Fact]
    public void Score_RecoversNothing_WithoutPatterns()
    {
        var score = PatternEvaluation.Score(Rows, []);

        score.Recovered.ShouldBe(0);
        score.Themes.Select(t => t.Pattern).ShouldAllBe(p => p == null);
    }
}
