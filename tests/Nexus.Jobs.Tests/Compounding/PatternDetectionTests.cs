using Nexus.Jobs.Compounding;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Compounding;

public class PatternDetectionTests
{
    private static readonly DateTime Now = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    private static readonly PatternOptions Defaults = new(); // MinSupport 5, MinDistinctEntities 3, 30 days, 5 examples, 0.4

    /// <summary>
    /// A stand-in for the model with known behaviour: words of one concept share an axis (a model knows "late", "courier"
    /// and "shipping" are about delivery), every other word gets a weaker axis of its own (by a stable hash).
    /// </summary>
    private static class FakeModel
    {
        public const int Width = 96;

        private static readonly Dictionary<string, int> Concepts = new(StringComparer.Ordinal)
        {
            ["late"] = 0, ["delay"] = 0, ["courier"] = 0, ["delivery"] = 0, ["shipping"] = 0, ["ship"] = 0, ["slow"] = 0, ["parcel"] = 0,
            ["battery"] = 1, ["charge"] = 1, ["drain"] = 1, ["flat"] = 1, ["power"] = 1, ["runtime"] = 1,
            ["smell"] = 2, ["odour"] = 2, ["stink"] = 2, ["fume"] = 2, ["whiff"] = 2, ["reek"] = 2,
        };

        public static float[] Embed(string text)
        {
            var vector = new float[Width];
            foreach (var token in TextNormalizer.Tokens(text))
            {
                if (Concepts.TryGetValue(token, out var axis))
                {
                    vector[axis] += 1f;
                }
                else
                {
                    vector[8 + (int)(Fnv(token) % (Width - 8))] += 0.4f;
                }
            }
            Vectors.Normalize(vector);
            return vector;
        }

        public static IReadOnlyList<float[]> Embed(IReadOnlyList<string> texts) => [.. texts.Select(Embed)];

        private static uint Fnv(string text)
        {
            var hash = 2166136261u;
            foreach (var c in text)
            {
                hash = (hash ^ c) * 16777619u;
            }
            return hash;
        }
    }

    /// <summary>Six insights about a late delivery, no two in the same words.</summary>
    private static readonly string[] LateDelivery =
    [
        "Customers complained the parcel came late.",
        "The courier was slow again this week.",
        "Another delay reported, two weeks past the promised date.",
        "Shipping took far too long for this order.",
        "The delivery arrived late and the box was open.",
        "Buyers are unhappy with slow shipping lately.",
    ];

    /// <summary>Insights about nothing in common.</summary>
    private static readonly string[] Noise =
    [
        "Packaging looked premium and sturdy.",
        "The colour matches the photos perfectly.",
        "Assembly instructions were confusing for first-time users.",
        "Return rate dropped after the new sizing chart.",
        "Warranty claims rose slightly in April.",
        "Support agents resolved tickets quickly.",
        "Gift wrapping option was popular at Christmas.",
        "Handle gets hot when boiling water.",
        "Listing photos were updated by the catalog team.",
        "Sales doubled during the spring campaign.",
    ];

    [Fact]
    public void Sample_IsChosenByAHashOfTheIds_TheSameInAnyOrder_AndNotTheFirstIds()
    {
        var insights = Enumerable.Range(1, 100).Select(n => Insight(n, $"insight {n}", [Product(n % 5)])).ToList();
        var reversed = Enumerable.Reverse(insights).ToList();

        var sample = PatternDetection.Sample(insights, 20);
        var again = PatternDetection.Sample(reversed, 20);

        sample.Length.ShouldBe(20);
        sample.ShouldBe(sample.Order().ToArray()); // ascending indexes
        sample.Select(i => insights[i].Id).Order().ShouldBe(again.Select(i => reversed[i].Id).Order());
        // Ids made in order (as time-ordered ids are) would otherwise make the sample the oldest insights.
        sample.Select(i => insights[i].Id).Order().ShouldNotBe(insights.Take(20).Select(i => i.Id));
        PatternDetection.Sample(insights, 200).Length.ShouldBe(100);
    }

    private static Guid Id(int n) => new($"00000000-0000-0000-0000-{n:D12}");

    private static InsightEntity Product(int k) => new($"product-{k}", $"Product {k}", "product");

    private static InsightRecord Insight(int n, string content, InsightEntity[] entities, TimeSpan? age = null,
        string status = InsightStatus.Active, DateTime? createdAt = null)
    {
        var reinforced = Now - (age ?? TimeSpan.FromDays(1));
        return new InsightRecord(Id(n), content, "observation", entities, 0.8, 0.8, 1, createdAt ?? reinforced - TimeSpan.FromDays(2),
            reinforced, status, null);
    }

    /// <summary>The six late-delivery insights (ids 1..6) on products 1, 2, 3, 4, 1, 2, plus ten noise insights (ids 101..110).</summary>
    private static List<InsightRecord> Fixture()
    {
        int[] products = [1, 2, 3, 4, 1, 2];
        var insights = LateDelivery.Select((content, i) => Insight(i + 1, content, [Product(products[i])])).ToList();
        insights.AddRange(Noise.Select((content, i) => Insight(101 + i, content, [Product(10 + i)])));
        return insights;
    }

    private static IReadOnlyList<DetectedPattern> Detect(IReadOnlyList<InsightRecord> insights, PatternOptions? options = null,
        IReadOnlyList<KnownPattern>? known = null) =>
        PatternDetection.Detect(insights, FakeModel.Embed([.. insights.Select(PatternDetection.ThemeText)]), Now, options ?? Defaults,
            FakeModel.Embed, known);

    private static string Describe(IReadOnlyList<DetectedPattern> patterns) => string.Join("\n", patterns.Select(p =>
        $"{p.Theme}|{p.Support}|{p.DistinctEntities}|{p.EntityType}|{string.Join(',', p.ExampleInsightIds)}|"
        + $"{string.Join(',', p.SupportingInsightIds)}|{p.FirstSeen:O}|{p.LastSeen:O}|{p.RepresentativeInsightId}"));

    [Fact]
    public void Detect_FindsATheme_WrittenInDifferentWords()
    {
        var pattern = Detect(Fixture()).ShouldHaveSingleItem();

        pattern.SupportingInsightIds.ShouldBe([Id(1), Id(2), Id(3), Id(4), Id(5), Id(6)]);
        pattern.Support.ShouldBe(6);
        pattern.DistinctEntities.ShouldBe(4);
        pattern.EntityType.ShouldBe("product");
        pattern.SupportingInsightIds.ShouldContain(pattern.RepresentativeInsightId);
        pattern.FirstSeen.ShouldBe(Now - TimeSpan.FromDays(3));
        pattern.LastSeen.ShouldBe(Now - TimeSpan.FromDays(1));
    }

    [Fact]
    public void Detect_NamesATheme_ByTheWordsThatMeanWhatItSays()
    {
        var name = Detect(Fixture()).Single().Theme;

        // Of the theme's distinctive words, the ones that mean "delivery" (the concept its texts share) win.
        ThemeNames.TermsOf(name).SelectMany(t => t.Split(' ')).ShouldAllBe(word =>
            new[] { "late", "delay", "courier", "delivery", "shipping", "ship", "slow", "parcel" }.Contains(word), name);
    }

    [Fact]
    public void Detect_NeverNamesATheme_ByAGenericWordOrAnEntitysName()
    {
        // Every theme text says "buyers" and "Kettle Pro" (another insight's product), more than any delivery word.
        var insights = Fixture().Select(i => i.Id.CompareTo(Id(100)) < 0
            ? i with { Content = $"Buyers say Kettle Pro buyers noticed: {i.Content}" } : i).ToList();
        insights.Add(Insight(200, "Kettle Pro lid is stiff.", [new InsightEntity("kettle", "Kettle Pro", "product")]));

        var name = Detect(insights).Single().Theme;

        ThemeNames.TermsOf(name).SelectMany(t => t.Split(' ')).ShouldAllBe(word => word != "buyer" && word != "kettle" && word != "pro", name);
    }

    [Fact]
    public void ThemeText_RemovesTheInsightsOwnEntityNames()
    {
        var insight = Insight(1, "The BLUE KETTLE leaks; blue kettle lids crack. Kettle Co says sorry.",
            [new InsightEntity("k1", "Blue Kettle", "product"), new InsightEntity("k2", "Kettle", "product"), new InsightEntity("k3", "", "brand")]);

        PatternDetection.ThemeText(insight).ShouldBe("The leaks; lids crack. Co says sorry.");
    }

    [Fact]
    public void Detect_ReturnsNothing_WhenSupportIsBelowMinSupport()
    {
        var insights = Fixture().Where(i => i.Id != Id(5) && i.Id != Id(6)).ToList(); // 4 left

        Detect(insights).ShouldBeEmpty();
        Detect(insights, Defaults with { MinSupport = 4 }).Single().Support.ShouldBe(4);
    }

    [Fact]
    public void Detect_ReturnsNothing_WhenThemeCoversTooFewDistinctEntities()
    {
        var insights = LateDelivery.Select((content, i) => Insight(i + 1, content, [Product(1 + (i % 2))])).ToList();

        Detect(insights).ShouldBeEmpty();
        Detect(insights, Defaults with { MinDistinctEntities = 2 }).Single().DistinctEntities.ShouldBe(2);
    }

    [Fact]
    public void Detect_CountsUnionOfEntityIds_WhenInsightsHaveSeveralEntities()
    {
        var customer = new InsightEntity("customer-1", "Acme", "customer");
        var insights = Fixture().Select(i => i.Id.CompareTo(Id(100)) < 0 ? i with { Entities = [.. i.Entities, customer, customer] } : i).ToList();

        var pattern = Detect(insights).Single();

        pattern.DistinctEntities.ShouldBe(5); // 4 products + 1 customer, the duplicate listed once
        pattern.EntityType.ShouldBe("customer"); // 6 product and 6 customer mentions (once per insight): the ordinal first wins
    }

    [Fact]
    public void Detect_ReportsNullEntityType_WhenSupportingInsightsHaveNoEntities()
    {
        var insights = Fixture().Select(i => i with { Entities = [] }).ToList();

        var pattern = Detect(insights, Defaults with { MinDistinctEntities = 0 }).Single();

        pattern.EntityType.ShouldBeNull();
        pattern.DistinctEntities.ShouldBe(0);
    }

    [Fact]
    public void Detect_IgnoresInsights_OutsideTheWindow_AndCountsThoseAtItsBoundaries()
    {
        var insights = Fixture();
        insights.Add(Insight(7, "Late parcel again.", [Product(5)], age: TimeSpan.FromDays(30) + TimeSpan.FromTicks(1)));
        insights.Add(Insight(8, "Courier was late.", [Product(6)], age: TimeSpan.FromHours(-1))); // after now
        insights.Add(Insight(9, "Slow delivery.", [Product(7)], age: TimeSpan.FromDays(30)));
        insights.Add(Insight(10, "Shipping delay.", [Product(8)], age: TimeSpan.Zero));

        var pattern = Detect(insights).Single();

        pattern.SupportingInsightIds.ShouldBe([Id(1), Id(2), Id(3), Id(4), Id(5), Id(6), Id(9), Id(10)]);
        Detect(insights, Defaults with { Window = TimeSpan.FromDays(2) }).Single().Support.ShouldBe(7);
    }

    [Fact]
    public void Detect_IgnoresMergedAndStaleInsights()
    {
        var insights = Fixture();
        insights.Add(Insight(7, "Late parcel again.", [Product(5)], status: InsightStatus.Merged));
        insights.Add(Insight(8, "Courier was late.", [Product(6)], status: InsightStatus.Stale));

        Detect(insights).Single().Support.ShouldBe(6);
        Detect([.. insights.Select(i => i with { Status = InsightStatus.Stale })]).ShouldBeEmpty();
    }

    [Fact]
    public void Detect_FindsSeveralThemes_OrderedBySupportThenTheme()
    {
        var insights = Fixture();
        string[] battery =
        [
            "Battery is flat after an hour.", "Needs a charge every day.", "Power drains overnight.",
            "Runtime is half what the box says.", "The battery dies fast.", "Charge never lasts.", "Flat by lunchtime.",
        ];
        insights.AddRange(battery.Select((content, i) => Insight(201 + i, content, [Product(20 + i)])));
        string[] smell = ["Strong chemical smell.", "It stinks of plastic.", "Weird fumes when hot.", "A nasty whiff.", "The room reeks after use.", "Odour lingers."];
        insights.AddRange(smell.Select((content, i) => Insight(301 + i, content, [Product(30 + i)])));

        var patterns = Detect(insights);

        patterns.Select(p => p.Support).ShouldBe([7, 6, 6]);
        patterns[0].SupportingInsightIds.ShouldAllBe(id => id.CompareTo(Id(200)) > 0 && id.CompareTo(Id(300)) < 0);
        string.CompareOrdinal(patterns[1].Theme, patterns[2].Theme).ShouldBeLessThan(0);
        patterns.Select(p => p.Theme).Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public void Detect_KeepsAKnownThemesName_WhenTheThemeContinues()
    {
        var first = Detect(Fixture()).Single();
        var insights = Fixture();
        insights.Add(Insight(7, "Delivery was late.", [Product(5)])); // the theme grows; its own best name may change
        var known = new KnownPattern("courier", [.. first.SupportingInsightIds]);

        var pattern = Detect(insights, known: [known]).Single();

        pattern.Theme.ShouldBe("courier"); // still one of its distinctive terms, and 6 of its 7 insights were the known theme's
        pattern.Support.ShouldBe(7);
    }

    [Fact]
    public void Detect_NamesTheThemeAfresh_WhenTooLittleOfAKnownPatternRemains()
    {
        var fresh = Detect(Fixture()).Single().Theme;
        var known = new KnownPattern("courier", [Id(1), Id(2), Id(101), Id(102), Id(103)]); // 2 of 5 in common

        Detect(Fixture(), known: [known]).Single().Theme.ShouldBe(fresh);
    }

    [Fact]
    public void Detect_NamesTheThemeAfresh_WhenAKnownNameIsNoLongerAmongItsTerms()
    {
        var fresh = Detect(Fixture()).Single().Theme;
        var known = new KnownPattern("gift wrapping", [Id(1), Id(2), Id(3), Id(4), Id(5), Id(6)]);

        Detect(Fixture(), known: [known]).Single().Theme.ShouldBe(fresh);
    }

    [Fact]
    public void Detect_GivesEachThemeAUniqueName()
    {
        // Two groups of insights in the same words, but far apart in meaning (vectors on two axes): two themes, two names.
        var insights = Fixture().Take(6).Concat(Fixture().Take(6).Select((i, k) => i with { Id = Id(50 + k), Entities = [Product(40 + k)] })).ToList();
        var vectors = insights.Select((_, k) =>
        {
            var v = new float[FakeModel.Width]; // on axes no word of the fake model uses
            v[k < 6 ? 3 : 4] = 1f;
            v[5 + (k % 3)] = 0.5f;
            Vectors.Normalize(v);
            return v;
        }).ToList();

        var patterns = PatternDetection.Detect(insights, vectors, Now, Defaults, FakeModel.Embed);

        patterns.Count.ShouldBe(2);
        patterns[1].Theme.ShouldBe($"{patterns[0].Theme} (2)");
    }

    [Fact]
    public void Detect_IsDeterministic_WhateverTheInputOrder()
    {
        var insights = Fixture();
        insights.AddRange(new[] { "Battery is flat.", "Charge drains.", "Power runs out.", "Battery dies.", "Flat battery again." }
            .Select((content, i) => Insight(201 + i, content, [Product(20 + i)], age: TimeSpan.FromHours(i + 2))));
        var expected = Describe(Detect(insights));
        expected.Split('\n').Length.ShouldBe(2);

        var random = new Random(7);
        for (var round = 0; round < 5; round++)
        {
            Describe(Detect([.. insights.OrderBy(_ => random.Next())])).ShouldBe(expected);
        }
    }

    [Fact]
    public void Detect_KeepsTheMostRecentlyReinforcedExamples()
    {
        var insights = Fixture().Select((i, k) => i with { LastReinforcedAt = Now - TimeSpan.FromHours(k < 6 ? 10 - k : 1) }).ToList();

        var pattern = Detect(insights, Defaults with { MaxExamples = 3 }).Single();

        pattern.ExampleInsightIds.ShouldBe([Id(6), Id(5), Id(4)]);
        Detect(insights, Defaults with { MaxExamples = 0 }).Single().ExampleInsightIds.ShouldBeEmpty();
    }

    [Fact]
    public void Detect_ReturnsNothing_WhenThereAreNoInsights()
    {
        Detect([]).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(0, 3, 30, 5, 0.4f)]
    [InlineData(5, -1, 30, 5, 0.4f)]
    [InlineData(5, 3, -1, 5, 0.4f)]
    [InlineData(5, 3, 30, -1, 0.4f)]
    [InlineData(5, 3, 30, 5, 0f)]
    [InlineData(5, 3, 30, 5, 1f)]
    public void Detect_Throws_WhenOptionsAreInvalid(int minSupport, int minEntities, int windowDays, int maxExamples, float threshold)
    {
        var options = new PatternOptions(minSupport, minEntities, TimeSpan.FromDays(windowDays), maxExamples, threshold);

        Should.Throw<ArgumentException>(() => Detect(Fixture(), options));
    }

    [Fact]
    public void Detect_Throws_WhenVectorsDoNotMatchTheirTexts()
    {
        var insights = Fixture();
        Should.Throw<ArgumentException>(() => PatternDetection.Draft(insights, FakeModel.Embed(["one"]), Now, Defaults));

        var draft = PatternDetection.Draft(insights, FakeModel.Embed([.. insights.Select(PatternDetection.ThemeText)]), Now, Defaults);
        draft.Terms.Count.ShouldBeGreaterThan(0);
        Should.Throw<ArgumentException>(() => PatternDetection.Detect(draft, []));
    }
}
