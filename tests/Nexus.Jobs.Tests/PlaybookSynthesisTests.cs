using Nexus.Jobs.Compounding;

namespace Nexus.Jobs.Tests;

public class PlaybookSynthesisTests
{
    private static readonly SynthesisOptions Defaults = new(); // MinSupport 8

    /// <summary>Ten insights: seven say "switch to a faster carrier" in different words, two give other advice, one gives none.</summary>
    private static readonly string[] CarrierContents =
    [
        "Deliveries keep slipping; we should switch to a faster carrier.",
        "We must switch to a faster carrier.",
        "We need to switch to a faster carrier!",
        "I recommend switching to a faster carrier.",
        "Switch to a faster carrier, customers are waiting.",
        "Late again. The team should really switch to a faster carrier.",
        "We should switch to faster carriers.",
        "Consider offering refunds for late orders.",
        "We should add tracking emails.",
        "Parcel arrived nine days late.",
    ];

    private static Guid Id(int n) => new($"00000000-0000-0000-0000-{n:D12}");

    private static PatternInput Pattern(int n, int support, IReadOnlyList<string> contents, string? entityType = "product", string theme = "late delivery",
        string? representative = null) =>
        new(Id(n), theme, support, 4, entityType, contents, representative);

    [Fact]
    public void Synthesize_TakesMostCommonAdvice_AsAction()
    {
        var rule = PlaybookSynthesis.Synthesize([Pattern(1, 10, CarrierContents)], Defaults).ShouldHaveSingleItem();

        rule.PatternId.ShouldBe(Id(1));
        rule.Condition.ShouldBe("When a product insight is about \"late delivery\"");
        rule.Action.ShouldBe("Switch to a faster carrier");
        rule.Agreement.ShouldBe(0.7, tolerance: 1e-12);
        rule.Support.ShouldBe(10);
        rule.Confidence.ShouldBe(0.5373); // (1 - e^-1) x (0.5 + 0.5 x 0.7) = 0.632121 x 0.85 = 0.537302
    }

    [Fact]
    public void Synthesize_SaysWorkspace_WhenPatternHasNoEntityType()
    {
        var rule = PlaybookSynthesis.Synthesize([Pattern(1, 10, CarrierContents, entityType: null)], Defaults).Single();

        rule.Condition.ShouldBe("When a workspace insight is about \"late delivery\"");
    }

    [Fact]
    public void Synthesize_MakesNoRule_WhenSupportIsBelowMinSupport()
    {
        PatternInput[] patterns = [Pattern(1, 7, CarrierContents), Pattern(2, 8, CarrierContents)];

        var rules = PlaybookSynthesis.Synthesize(patterns, Defaults);

        rules.ShouldHaveSingleItem().PatternId.ShouldBe(Id(2));
        PlaybookSynthesis.Synthesize(patterns, new SynthesisOptions(MinSupport: 11)).ShouldBeEmpty();
    }

    [Fact]
    public void Synthesize_FallsBackToInvestigation_WhenNoInsightGivesAdvice()
    {
        string[] contents = ["Parcel arrived nine days late.", "The courier lost track of the order.", "Delivery took three weeks."];

        var rule = PlaybookSynthesis.Synthesize([Pattern(1, 8, contents)], Defaults).Single();

        rule.Action.ShouldBe("Investigate why \"late delivery\" keeps recurring");
        rule.Agreement.ShouldBe(0);
        rule.Confidence.ShouldBe(0.2753); // (1 - e^-0.8) x 0.5 = 0.550671 x 0.5 = 0.275336
    }

    [Fact]
    public void Synthesize_QuotesTheRepresentativeInsight_WhenNoInsightGivesAdvice()
    {
        string[] contents = ["Parcel arrived nine days late.", "The courier lost track of the order.", "Delivery took three weeks."];

        var rule = PlaybookSynthesis.Synthesize([Pattern(1, 8, contents, representative: "Parcel arrived  nine days late.")], Defaults).Single();

        rule.Action.ShouldBe("Investigate why \"late delivery\" keeps recurring, as in \"Parcel arrived nine days late.\"");
        var longest = PlaybookSynthesis.Synthesize([Pattern(1, 8, contents, representative: new string('x', 300))], Defaults).Single();
        longest.Action.Length.ShouldBeLessThan(200);
    }

    [Fact]
    public void Synthesize_PrefersTheRepresentativesAdvice_BetweenEquallyCommonActions()
    {
        string[] contents = ["We should offer refunds.", "Add tracking emails.", "Parcel arrived nine days late."];

        PlaybookSynthesis.Synthesize([Pattern(1, 8, contents)], Defaults).Single().Action.ShouldBe("Add tracking emails");
        PlaybookSynthesis.Synthesize([Pattern(1, 8, contents, representative: "Late again, we should offer refunds.")], Defaults)
            .Single().Action.ShouldBe("Offer refunds");
    }

    [Fact]
    public void Synthesize_KeepsTheMostCommonAdvice_OverTheRepresentatives()
    {
        var rule = PlaybookSynthesis.Synthesize([Pattern(1, 10, CarrierContents, representative: "We should add tracking emails.")], Defaults).Single();

        rule.Action.ShouldBe("Switch to a faster carrier");
    }

    [Fact]
    public void Synthesize_FallsBackToInvestigation_WhenThereAreNoContents()
    {
        var rule = PlaybookSynthesis.Synthesize([Pattern(1, 8, [])], Defaults).Single();

        rule.Action.ShouldBe("Investigate why \"late delivery\" keeps recurring");
        rule.Agreement.ShouldBe(0);
    }

    [Fact]
    public void Synthesize_CountsAnInsightOnce_WhenItRepeatsTheSameAdvice()
    {
        string[] contents =
        [
            "We should offer refunds. Really, offer refunds!",
            "Add tracking emails.",
            "Parcel arrived nine days late.",
            "Nothing else to say.",
        ];

        var rule = PlaybookSynthesis.Synthesize([Pattern(1, 8, contents)], Defaults).Single();

        rule.Agreement.ShouldBe(0.25); // one of four insights backs each action
        rule.Action.ShouldBe("Add tracking emails"); // tie between two actions backed once: ordinal smallest
    }

    [Fact]
    public void Synthesize_KeepsNegatedAdviceApart()
    {
        string[] contents =
        [
            "We should not reduce prices.",
            "We should not reduce prices.",
            "We should reduce prices.",
        ];

        var rule = PlaybookSynthesis.Synthesize([Pattern(1, 8, contents)], Defaults).Single();

        rule.Action.ShouldBe("Not reduce prices");
        rule.Agreement.ShouldBe(2 / 3.0, tolerance: 1e-12);
    }

    [Fact]
    public void Synthesize_OrdersByConfidenceThenPatternId()
    {
        string[] none = ["Parcel arrived nine days late."];
        PatternInput[] patterns =
        [
            Pattern(3, 10, none),
            Pattern(2, 10, CarrierContents),
            Pattern(1, 10, none),
            Pattern(4, 30, none),
        ];

        var rules = PlaybookSynthesis.Synthesize(patterns, Defaults);

        // support 10 with agreement 0.7: 0.5373; support 30 without advice: 0.4751; support 10 without advice: 0.3161 (x2, by id)
        rules.Select(r => r.PatternId).ShouldBe([Id(2), Id(4), Id(1), Id(3)]);
        rules.Select(r => r.Confidence).ShouldBe([0.5373, 0.4751, 0.3161, 0.3161]);
    }

    [Fact]
    public void Synthesize_KeepsConfidenceWithinZeroAndOne()
    {
        string[] all = ["We should restock the kettle."];
        var rules = PlaybookSynthesis.Synthesize([Pattern(1, 1_000_000, all), Pattern(2, 0, all)], new SynthesisOptions(MinSupport: 0));

        rules.Select(r => r.Confidence).ShouldBe([1.0, 0.0]);
    }

    [Fact]
    public void Synthesize_IsDeterministic_WhenContentsAreShuffled()
    {
        var expected = PlaybookSynthesis.Synthesize([Pattern(1, 10, CarrierContents)], Defaults).Single();
        var random = new Random(3);
        for (var round = 0; round < 10; round++)
        {
            var shuffled = CarrierContents.OrderBy(_ => random.Next()).ToArray();
            PlaybookSynthesis.Synthesize([Pattern(1, 10, shuffled)], Defaults).Single().ShouldBe(expected);
        }
    }

    [Theory]
    [InlineData("We should switch to a faster carrier.", "switch to a faster carrier")]
    [InlineData("We recommend that you switch to a faster carrier", "switch to a faster carrier")]
    [InlineData("Recommend restocking the blue kettle before Friday!", "restocking the blue kettle before friday")]
    [InlineData("Prices are fine, but we need to improve packaging.", "improve packaging")]
    [InlineData("The warehouse needs to   raise its   stock levels.", "raise its stock levels")]
    [InlineData("Consider a loyalty discount because churn is up.", "consider a loyalty discount")]
    [InlineData("We should not reduce prices.", "not reduce prices")]
    [InlineData("Try bundling the filters with the jug.", "try bundling the filters with the jug")]
    [InlineData("Lower the shipping fee for repeat buyers", "lower the shipping fee for repeat buyers")]
    [InlineData("Offer free returns; the team must fix the size chart.", "offer free returns|fix the size chart")]
    public void Advice_ExtractsCanonicalActionPhrases(string content, string expected)
    {
        PlaybookSynthesis.Advice(content).ShouldBe(expected.Split('|'));
    }

    [Theory]
    [InlineData("Parcel arrived nine days late.")]
    [InlineData("We should.")]
    [InlineData("")]
    [InlineData(null)]
    public void Advice_FindsNothing_WhenThereIsNoRecommendation(string? content)
    {
        PlaybookSynthesis.Advice(content).ShouldBeEmpty();
    }

    [Fact]
    public void GroupKey_MatchesInflectedVariants_AndSeparatesNegations()
    {
        PlaybookSynthesis.GroupKey("switching to a faster carrier").ShouldBe(PlaybookSynthesis.GroupKey("switch to faster carriers"));
        PlaybookSynthesis.GroupKey("reduce prices").ShouldNotBe(PlaybookSynthesis.GroupKey("not reduce prices"));
    }
}
