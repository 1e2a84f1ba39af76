using Nexus.Jobs.Compounding;

namespace Nexus.Jobs.Tests;

public sealed class CompoundingOptionsTests
{
    private static readonly CompoundingOptionsValidator Validator = new();

    [Fact]
    public void Defaults_AreValid_AndCoverEveryPipeline()
    {
        var options = new CompoundingOptions();
        Validator.Validate(null, options).Succeeded.ShouldBeTrue();
        foreach (var pipeline in CompoundingJobTypes.All)
        {
            options.ScheduleFor(pipeline).ShouldNotBeNullOrWhiteSpace();
        }
        options.ResolveTimeZone().BaseUtcOffset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Validate_Fails_ForABadCronExpression_NamingThePipeline()
    {
        var options = new CompoundingOptions { Schedules = { ["consolidation"] = "every hour" } };
        var result = Validator.Validate(null, options);
        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("Compounding:Schedules:consolidation");
    }

    [Fact]
    public void Validate_Fails_ForAnUnknownPipeline()
    {
        var result = Validator.Validate(null, new CompoundingOptions { Schedules = { ["summarise"] = "0 * * * *" } });
        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("summarise");
    }

    [Fact]
    public void Validate_Fails_ForAnUnknownTimeZone()
    {
        var result = Validator.Validate(null, new CompoundingOptions { TimeZone = "Mars/Olympus_Mons" });
        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("Mars/Olympus_Mons");
    }

    [Theory]
    [InlineData("*/5 * * * *")]
    [InlineData("30 */2 * * 1-5")]
    [InlineData("0 0 3 * * *")]
    public void Validate_Accepts_StandardAndSecondsCron(string cron)
    {
        Validator.Validate(null, new CompoundingOptions { Schedules = { ["metrics"] = cron }, TimeZone = "Europe/Berlin" }).Succeeded.ShouldBeTrue();
    }

    [Theory]
    [InlineData(0.1, false)]
    [InlineData(0.15, true)]
    [InlineData(0.4, true)]
    [InlineData(0.95, true)]
    [InlineData(0.99, false)]
    public void PatternSimilarityThreshold_IsACosineWithinTheRangeThatFindsThemes(double threshold, bool valid)
    {
        var options = new CompoundingOptions { PatternSimilarityThreshold = threshold };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();

        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true).ShouldBe(valid);
        new CompoundingOptions().PatternSimilarityThreshold.ShouldBe(PatternOptions.DefaultSimilarityThreshold, tolerance: 1e-6);
    }

    [Fact]
    public void ScheduleFor_PrefersConfiguration()
    {
        var options = new CompoundingOptions { Schedules = { ["metrics"] = "*/5 * * * *" } };
        options.ScheduleFor("metrics").ShouldBe("*/5 * * * *");
        options.ScheduleFor("consolidation").ShouldBe(CompoundingOptions.DefaultSchedules["consolidation"]);
    }
}

public sealed class DemoInsightsTests
{
    [Fact]
    public void Generate_IsDeterministic_ForASeed()
    {
        static IEnumerable<string> Flat(int seed) => DemoInsights.Generate(200, seed: seed).Select(i => $"{i.Content}|{i.Type}|{i.Confidence}|{i.Entities[0].Id}");
        Flat(3).ShouldBe(Flat(3));
        DemoInsights.Generate(200, seed: 3).Select(i => i.Content).ShouldNotBe(DemoInsights.Generate(200, seed: 4).Select(i => i.Content));
    }

    [Fact]
    public void Generate_HasRecurringThemesAcrossManyProducts_AndValidInsights()
    {
        var insights = DemoInsights.Generate(3000);
        insights.Count.ShouldBe(3000);
        insights.ShouldAllBe(i => i.Content.Length > 0 && i.Confidence >= 0 && i.Confidence <= 1 && i.Entities.Count == 1);
        var lateDelivery = insights.Where(i => i.Content.Contains("late", StringComparison.OrdinalIgnoreCase)).ToList();
        lateDelivery.Count.ShouldBeGreaterThan(100);
        lateDelivery.Select(i => i.Entities[0].Id).Distinct().Count().ShouldBeGreaterThan(20);
        // Paraphrases and exact repeats are both there: consolidation has work to do.
        insights.GroupBy(i => (i.Content, i.Entities[0].Id)).Count(g => g.Count() > 1).ShouldBeGreaterThan(10);
    }
}
