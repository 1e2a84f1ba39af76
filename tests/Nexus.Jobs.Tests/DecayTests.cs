using Nexus.Jobs.Compounding;

namespace Nexus.Jobs.Tests;

public class DecayTests
{
    private static readonly DateTime Now = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    private static readonly DecayOptions Defaults = new(); // grace 7 days, half-life 14 days, stale below 0.2

    private static Guid Id(int n) => new($"00000000-0000-0000-0000-{n:D12}");

    private static InsightRecord Insight(int n, double baseConfidence, double confidence, TimeSpan age, string status = InsightStatus.Active) =>
        new(Id(n), $"insight {n}", "observation", [], confidence, baseConfidence, 1, Now - age - TimeSpan.FromDays(1), Now - age, status, null);

    [Fact]
    public void ConfidenceAt_ReturnsBase_WithinGracePeriod()
    {
        Decay.ConfidenceAt(0.8, Now - TimeSpan.FromDays(3), Now, Defaults).ShouldBe(0.8);
    }

    [Fact]
    public void ConfidenceAt_ReturnsBase_AtTheEndOfTheGracePeriod()
    {
        Decay.ConfidenceAt(0.8, Now - TimeSpan.FromDays(7), Now, Defaults).ShouldBe(0.8);
        Decay.ConfidenceAt(0.8, Now - TimeSpan.FromDays(7) - TimeSpan.FromTicks(1), Now, Defaults).ShouldBeLessThan(0.8);
    }

    [Fact]
    public void ConfidenceAt_ReturnsBase_WhenReinforcedAfterNow()
    {
        Decay.ConfidenceAt(0.8, Now + TimeSpan.FromDays(3), Now, Defaults).ShouldBe(0.8);
    }

    [Theory]
    [InlineData(21, 0.4)] // grace 7 + one half-life of 14
    [InlineData(35, 0.2)] // + two half-lives
    [InlineData(49, 0.1)] // + three half-lives
    public void ConfidenceAt_HalvesEveryHalfLife_AfterTheGracePeriod(int ageDays, double expected)
    {
        Decay.ConfidenceAt(0.8, Now - TimeSpan.FromDays(ageDays), Now, Defaults).ShouldBe(expected, tolerance: 1e-15);
    }

    [Fact]
    public void ConfidenceAt_DecaysContinuously_BetweenHalfLives()
    {
        var options = new DecayOptions(GracePeriod: TimeSpan.FromDays(2), HalfLife: TimeSpan.FromDays(10));

        // 2 days of grace, then half a half-life: 0.8 x 0.5^0.5
        Decay.ConfidenceAt(0.8, Now - TimeSpan.FromDays(7), Now, options).ShouldBe(0.8 * Math.Sqrt(0.5), tolerance: 1e-15);
    }

    [Fact]
    public void ConfidenceAt_DecaysFromReinforcement_WhenGraceIsZero()
    {
        var options = new DecayOptions(GracePeriod: TimeSpan.Zero, HalfLife: TimeSpan.FromHours(1));

        Decay.ConfidenceAt(1.0, Now - TimeSpan.FromHours(3), Now, options).ShouldBe(0.125, tolerance: 1e-15);
    }

    [Fact]
    public void Sweep_DecaysConfidence_OfOldActiveInsights()
    {
        var insights = new[] { Insight(1, 0.8, 0.8, TimeSpan.FromDays(21)) };

        var change = Decay.Sweep(insights, Now, Defaults).ShouldHaveSingleItem();

        change.Id.ShouldBe(Id(1));
        change.Confidence.ShouldBe(0.4, tolerance: 1e-15);
        change.BecomesStale.ShouldBeFalse();
    }

    [Fact]
    public void Sweep_ReportsNothing_WhenReinforcementResetTheClock()
    {
        // Created long ago but reinforced yesterday: within grace, so its confidence is its base confidence.
        var insight = Insight(1, 0.9, 0.9, TimeSpan.FromDays(1)) with { CreatedAt = Now - TimeSpan.FromDays(200) };

        Decay.Sweep([insight], Now, Defaults).ShouldBeEmpty();
    }

    [Fact]
    public void Sweep_RestoresBaseConfidence_WhenReinforcedAfterDecay()
    {
        // Decayed to 0.4 earlier, then reinforced (new base 0.85, last reinforced yesterday): the sweep sets it to the base.
        var insight = Insight(1, 0.85, 0.4, TimeSpan.FromDays(1));

        var change = Decay.Sweep([insight], Now, Defaults).ShouldHaveSingleItem();

        change.Confidence.ShouldBe(0.85);
        change.BecomesStale.ShouldBeFalse();
    }

    [Fact]
    public void Sweep_ReportsNothing_WhenStoredConfidenceIsWithinTolerance()
    {
        var insights = new[] { Insight(1, 0.8, 0.4 + 5e-10, TimeSpan.FromDays(21)) };

        Decay.Sweep(insights, Now, Defaults).ShouldBeEmpty();
    }

    [Fact]
    public void Sweep_MarksStale_WhenConfidenceFallsBelowThreshold()
    {
        var insights = new[]
        {
            Insight(1, 0.5, 0.5, TimeSpan.FromDays(35)), // 0.125 < 0.2
            Insight(2, 0.8, 0.8, TimeSpan.FromDays(35)), // exactly 0.2: not below
        };

        var changes = Decay.Sweep(insights, Now, Defaults);

        changes.Count.ShouldBe(2);
        changes[0].ShouldBe(new DecayChange(Id(1), 0.125, true));
        changes[1].ShouldBe(new DecayChange(Id(2), 0.2, false));
    }

    [Fact]
    public void Sweep_MarksStale_EvenWhenConfidenceIsAlreadyStored()
    {
        // An active insight whose stored confidence already equals the decayed value but is below the threshold still goes stale.
        var insights = new[] { Insight(1, 0.5, 0.125, TimeSpan.FromDays(35)) };

        Decay.Sweep(insights, Now, Defaults).ShouldHaveSingleItem().ShouldBe(new DecayChange(Id(1), 0.125, true));
    }

    [Fact]
    public void Sweep_IgnoresMergedAndStaleInsights()
    {
        var insights = new[]
        {
            Insight(1, 0.8, 0.8, TimeSpan.FromDays(60), InsightStatus.Merged),
            Insight(2, 0.8, 0.8, TimeSpan.FromDays(60), InsightStatus.Stale),
        };

        Decay.Sweep(insights, Now, Defaults).ShouldBeEmpty();
    }

    [Fact]
    public void Sweep_IsIdempotent_WhenChangesAreApplied()
    {
        var insights = new List<InsightRecord>
        {
            Insight(1, 0.8, 0.8, TimeSpan.FromDays(1)),
            Insight(2, 0.8, 0.8, TimeSpan.FromDays(10)),
            Insight(3, 0.8, 0.8, TimeSpan.FromDays(21)),
            Insight(4, 0.5, 0.5, TimeSpan.FromDays(40)),
            Insight(5, 0.9, 0.3, TimeSpan.FromDays(2)),
            Insight(6, 0.8, 0.8, TimeSpan.FromDays(90), InsightStatus.Merged),
            Insight(7, 0.3, 0.3, TimeSpan.FromDays(200)),
        };

        var first = Decay.Sweep(insights, Now, Defaults);
        first.Select(c => c.Id).ShouldBe([Id(2), Id(3), Id(4), Id(5), Id(7)]);

        var applied = Apply(insights, first);
        Decay.Sweep(applied, Now, Defaults).ShouldBeEmpty();

        applied.Where(i => i.Status == InsightStatus.Stale).Select(i => i.Id).ShouldBe([Id(4), Id(7)]);
        applied.Single(i => i.Id == Id(3)).Confidence.ShouldBe(0.4, tolerance: 1e-15);

        // A later sweep continues from the base confidence, not from the decayed one.
        var later = Decay.Sweep(applied, Now + TimeSpan.FromDays(14), Defaults);
        later.Single(c => c.Id == Id(3)).Confidence.ShouldBe(0.2, tolerance: 1e-15);
    }

    [Theory]
    [InlineData(7, 0, 0.2)]
    [InlineData(7, -1, 0.2)]
    [InlineData(-1, 14, 0.2)]
    [InlineData(7, 14, 1.0)]
    [InlineData(7, 14, -0.1)]
    [InlineData(7, 14, double.NaN)]
    public void Decay_Throws_WhenOptionsAreInvalid(int graceDays, int halfLifeDays, double staleBelow)
    {
        var options = new DecayOptions(TimeSpan.FromDays(graceDays), TimeSpan.FromDays(halfLifeDays), staleBelow);

        Should.Throw<ArgumentException>(() => Decay.ConfidenceAt(0.8, Now, Now, options));
        Should.Throw<ArgumentException>(() => Decay.Sweep([], Now, options));
    }

    [Fact]
    public void Decay_AcceptsZeroStaleThreshold_AndNeverMarksStale()
    {
        var options = Defaults with { StaleBelow = 0 };

        Decay.Sweep([Insight(1, 0.8, 0.8, TimeSpan.FromDays(400))], Now, options).Single().BecomesStale.ShouldBeFalse();
    }

    private static List<InsightRecord> Apply(IEnumerable<InsightRecord> insights, IReadOnlyList<DecayChange> changes)
    {
        var byId = changes.ToDictionary(c => c.Id);
        return insights
            .Select(i => byId.TryGetValue(i.Id, out var c)
                ? i with { Confidence = c.Confidence, Status = c.BecomesStale ? InsightStatus.Stale : i.Status }
                : i)
            .ToList();
    }
}
