using Nexus.Jobs.Compounding;
using Nexus.Jobs.Tests.Language;
using Xunit.Abstractions;

namespace Nexus.Jobs.Tests.Compounding;

/// <summary>Pattern detection with the real model on our own development scenarios (what it was tuned on) and the demo workspace.</summary>
public class PatternQualityTests(ITestOutputHelper output)
{
    private static readonly DateTime Now = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    internal static string Report(string name, PatternScore score) =>
        $"{name}: {score.Recovered}/{score.Themes.Count} themes, {score.Junk.Count} junk\n"
        + string.Concat(score.Themes.Select(t => $"  {t.Theme,-24} -> {(t.Pattern is null ? "(missed)" : $"\"{t.Pattern}\" ({t.Held} of {t.Size})")}\n"))
        + string.Concat(score.Junk.Select(p => $"  junk: \"{p.Theme}\" ({p.Support})\n"));

    [Fact]
    public void Detect_RecoversThemesWrittenInDifferentWords_InTheDevelopmentScenarios()
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Development"), "patterns-dev-*.tsv").Order(StringComparer.Ordinal).ToList();
        files.Count.ShouldBe(7);
        var scores = new Dictionary<string, PatternScore>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var (_, score) = PatternEvaluation.Run(PatternEvaluation.Parse(File.ReadAllText(file)), SharedModel.Embed);
            output.WriteLine(Report(name, score));
            scores[name] = score;
        }

        // At least 4 of 5 and at most one junk pattern where the themes are distinct complaints.
        foreach (var name in new[] { "patterns-dev-apparel", "patterns-dev-gadgets", "patterns-dev-home", "patterns-dev-outdoor", "patterns-dev-retail" })
        {
            scores[name].Recovered.ShouldBeGreaterThanOrEqualTo(4, name);
            scores[name].Junk.Count.ShouldBeLessThanOrEqualTo(1, name);
        }
        // Over all seven, including near-miss themes (rust / peeling coating / hard to clean in the kitchen set; onboarding /
        // support in the SaaS one) and a theme (misleading descriptions) whose texts share no meaning: 26 of 35 and 2 junk
        // when tuned.
        scores.Values.Sum(s => s.Recovered).ShouldBeGreaterThanOrEqualTo(25);
        scores.Values.Sum(s => s.Junk.Count).ShouldBeLessThanOrEqualTo(3);
    }

    [Fact]
    public void Detect_OverASample_FindsTheSameThemes_WithTheRestAssigned()
    {
        // The demo workspace clustered whole (1,500 insights) and from a sample of 500, the other 1,000 assigned.
        var (insights, whole) = Demo();
        var vectors = SharedModel.Embed([.. insights.Select(PatternDetection.ThemeText)]);
        var sampled = PatternDetection.Detect(insights, vectors, Now, new PatternOptions(ClusterSample: 500), SharedModel.Embed);

        output.WriteLine(string.Join("\n", whole.Select(p => $"whole: {p.Theme} ({p.Support})")));
        output.WriteLine(string.Join("\n", sampled.Select(p => $"sampled: {p.Theme} ({p.Support})")));
        foreach (var words in new[] { "late delivery", "damaged packaging", "battery drains", "price", "runs small", "gift wrapping" })
        {
            var full = whole.Single(p => p.Theme.Contains(words, StringComparison.Ordinal));
            var part = sampled.Where(p => p.Theme.Contains(words, StringComparison.Ordinal)).ShouldHaveSingleItem(words);
            // Most of the theme's insights are found again, the sampled third by clustering and the rest by assignment.
            part.SupportingInsightIds.Intersect(full.SupportingInsightIds).Count().ShouldBeGreaterThanOrEqualTo((int)(0.8 * full.Support), words);
            part.Support.ShouldBeLessThanOrEqualTo((int)(1.2 * full.Support), words);
        }
    }

    private static (List<InsightRecord> Insights, IReadOnlyList<DetectedPattern> Patterns) Demo()
    {
        var insights = DemoInsights.Generate(1500).Select((d, i) => new InsightRecord(PatternEvaluation.IdOf(i), d.Content, d.Type, d.Entities,
            d.Confidence, d.Confidence, 1, Now.AddDays(-2), Now.AddHours(-1 - (i % 100)), InsightStatus.Active, null)).ToList();
        return (insights, PatternDetection.Detect(insights, SharedModel.Embed([.. insights.Select(PatternDetection.ThemeText)]), Now,
            new PatternOptions(), SharedModel.Embed));
    }

    [Fact]
    public void Detect_FindsTheDemoWorkspacesThemes_NamedByWhatTheySay()
    {
        var (_, patterns) = Demo();

        output.WriteLine(string.Join("\n", patterns.Select(p => $"{p.Theme} ({p.Support}, {p.DistinctEntities} products)")));
        // The six recurring problems of the demo store, each one pattern (the demo's one-off remarks recur too, as their own themes).
        foreach (var words in new[] { "late delivery", "damaged packaging", "battery drains", "price", "runs small", "gift wrapping" })
        {
            patterns.Count(p => p.Theme.Contains(words, StringComparison.Ordinal)).ShouldBe(1, words);
        }
        var generic = new[] { "buyer", "customer", "shopper", "reviewer", "product" };
        var products = DemoInsights.Adjectives.Concat(["kettle", "blender", "toaster", "grinder", "cooker", "fryer", "lamp", "backpack", "bottle", "mat"]);
        foreach (var word in patterns.SelectMany(p => p.Theme.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries)))
        {
            generic.ShouldNotContain(word.TrimEnd('s'));
            products.ShouldNotContain(word);
        }
    }

    [Fact]
    public void Synthesize_TakesEachDemoThemesAdvice_FromItsCluster()
    {
        var (insights, patterns) = Demo();
        var content = insights.ToDictionary(i => i.Id, i => i.Content);
        var inputs = patterns.Select((p, k) => new PatternInput(PatternEvaluation.IdOf(k), p.Theme, p.Support, p.DistinctEntities, p.EntityType,
            [.. p.SupportingInsightIds.Select(id => content[id])], content[p.RepresentativeInsightId])).ToList();

        var rules = PlaybookSynthesis.Synthesize(inputs, new SynthesisOptions());

        string ActionFor(string theme) => rules.Single(r => r.Condition.Contains(theme, StringComparison.Ordinal)).Action;
        output.WriteLine(string.Join("\n", rules.Select(r => $"{r.Condition} -> {r.Action} ({r.Agreement:P0})")));
        ActionFor("late delivery").ShouldBe("Switch to a faster carrier");
        ActionFor("damaged packaging").ShouldBe("Add extra padding to the box");
        ActionFor("runs small").ShouldBe("Update the size chart");
        ActionFor("gift wrapping").ShouldBe("Offer gift wrapping at checkout");
        ActionFor("price").ShouldBe("Lower the price to match competitors");
        ActionFor("ships canada").ShouldStartWith("Investigate why \"ships canada\" keeps recurring, as in \"A customer asked whether the");
    }
}
