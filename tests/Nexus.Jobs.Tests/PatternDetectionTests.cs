using System.Diagnostics;
using Nexus.Jobs.Compounding;
using Xunit.Abstractions;

namespace Nexus.Jobs.Tests;

public class PatternDetectionTests(ITestOutputHelper output)
{
    private static readonly DateTime Now = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    private static readonly PatternOptions Defaults = new(); // MinSupport 5, MinDistinctEntities 3, 30 days, 5 examples

    /// <summary>Six insights about four products that all mention a late delivery, in varied wording.</summary>
    private static readonly string[] LateDelivery =
    [
        "Customers complained about late delivery of the blue kettle.",
        "Another late delivery reported for the red toaster.",
        "Late delivery again: the oak table arrived two weeks after the promised date.",
        "Reviews mention late deliveries and poor communication.",
        "The steel pan suffered a late delivery in March.",
        "Shoppers are unhappy with late deliveries this month.",
    ];

    /// <summary>Insights whose words never recur five times.</summary>
    private static readonly string[] Noise =
    [
        "Packaging looked premium and sturdy.",
        "The colour matches the photos perfectly.",
        "Battery life exceeds expectations by far.",
        "Assembly instructions were confusing for first-time buyers.",
        "Return rate dropped after the new sizing chart.",
        "Warranty claims rose slightly in April.",
        "Support agents resolved tickets quickly.",
        "Price feels high compared with rivals.",
        "Gift wrapping option was popular at Christmas.",
        "Handle gets hot when boiling water.",
    ];

    private static Guid Id(int n) => new($"00000000-0000-0000-0000-{n:D12}");

    private static InsightEntity Product(int k) => new($"product-{k}", $"Product {k}", "product");

    private static InsightRecord Insight(
        int n,
        string content,
        InsightEntity[] entities,
        TimeSpan? age = null,
        string status = InsightStatus.Active,
        DateTime? createdAt = null)
    {
        var reinforced = Now - (age ?? TimeSpan.FromDays(1));
        return new InsightRecord(
            Id(n), content, "observation", entities, 0.8, 0.8, 1, createdAt ?? reinforced - TimeSpan.FromDays(2), reinforced, status, null);
    }

    /// <summary>The six late-delivery insights (ids 1..6) on products 1, 2, 3, 4, 1, 2, plus ten noise insights (ids 101..110).</summary>
    private static List<InsightRecord> Fixture()
    {
        var insights = new List<InsightRecord>();
        int[] products = [1, 2, 3, 4, 1, 2];
        for (var i = 0; i < LateDelivery.Length; i++)
        {
            insights.Add(Insight(i + 1, LateDelivery[i], [Product(products[i])]));
        }

        for (var i = 0; i < Noise.Length; i++)
        {
            insights.Add(Insight(101 + i, Noise[i], [Product(10 + i)]));
        }

        return insights;
    }

    private static string Describe(IReadOnlyList<DetectedPattern> patterns) => string.Join(
        "\n",
        patterns.Select(p =>
            $"{p.Theme}|{p.Support}|{p.DistinctEntities}|{p.EntityType}|{string.Join(',', p.ExampleInsightIds)}|"
            + $"{string.Join(',', p.SupportingInsightIds)}|{p.FirstSeen:O}|{p.LastSeen:O}"));

    [Fact]
    public void Detect_FindsTheme_WhenItRecursAcrossEnoughEntities()
    {
        var patterns = PatternDetection.Detect(Fixture(), Now, Defaults);

        var pattern = patterns.ShouldHaveSingleItem();
        pattern.Theme.ShouldBe("late delivery");
        pattern.Support.ShouldBe(6);
        pattern.DistinctEntities.ShouldBe(4);
        pattern.EntityType.ShouldBe("product");
        pattern.SupportingInsightIds.ShouldBe([Id(1), Id(2), Id(3), Id(4), Id(5), Id(6)]);
    }

    [Fact]
    public void Detect_ReportsMostFrequentSurfaceForm_WhenWordingVaries()
    {
        // "late delivery" x4, "late deliveries" x2: one stem bigram, reported as the more frequent form.
        PatternDetection.Detect(Fixture(), Now, Defaults).Single().Theme.ShouldBe("late delivery");

        var plural = Fixture().Select(i => i with { Content = i.Content.Replace("late delivery", "late deliveries") }).ToList();
        PatternDetection.Detect(plural, Now, Defaults).Single().Theme.ShouldBe("late deliveries");
    }

    [Fact]
    public void Detect_ReturnsNothing_WhenSupportIsBelowMinSupport()
    {
        var insights = Fixture().Where(i => i.Id != Id(5) && i.Id != Id(6)).ToList(); // 4 left

        PatternDetection.Detect(insights, Now, Defaults).ShouldBeEmpty();
        PatternDetection.Detect(insights, Now, Defaults with { MinSupport = 4 }).Single().Support.ShouldBe(4);
    }

    [Fact]
    public void Detect_ReturnsNothing_WhenThemeCoversTooFewDistinctEntities()
    {
        var insights = LateDelivery.Select((content, i) => Insight(i + 1, content, [Product(1 + (i % 2))])).ToList();

        PatternDetection.Detect(insights, Now, Defaults).ShouldBeEmpty();
        PatternDetection.Detect(insights, Now, Defaults with { MinDistinctEntities = 2 }).Single().DistinctEntities.ShouldBe(2);
    }

    [Fact]
    public void Detect_CountsUnionOfEntityIds_WhenInsightsHaveSeveralEntities()
    {
        var customer = new InsightEntity("customer-1", "Acme", "customer");
        var insights = Fixture().Select(i => i.Id.CompareTo(Id(100)) < 0 ? i with { Entities = [.. i.Entities, customer, customer] } : i).ToList();

        var pattern = PatternDetection.Detect(insights, Now, Defaults).Single();

        pattern.DistinctEntities.ShouldBe(5); // 4 products + 1 customer, the duplicate listed once
    }

    [Fact]
    public void Detect_IgnoresInsights_OutsideTheWindow()
    {
        var insights = Fixture();
        insights.Add(Insight(7, "Late delivery of the lamp.", [Product(5)], age: TimeSpan.FromDays(31)));
        insights.Add(Insight(8, "Late delivery of the rug.", [Product(6)], age: TimeSpan.FromDays(30) + TimeSpan.FromTicks(1)));
        insights.Add(Insight(9, "Late delivery of the vase.", [Product(7)], age: TimeSpan.FromHours(-1))); // after now

        var pattern = PatternDetection.Detect(insights, Now, Defaults).Single();

        pattern.Support.ShouldBe(6);
        pattern.DistinctEntities.ShouldBe(4);
    }

    [Fact]
    public void Detect_CountsInsight_WhenReinforcedExactlyAtWindowBoundaries()
    {
        var insights = Fixture();
        insights.Add(Insight(7, "Late delivery of the lamp.", [Product(5)], age: TimeSpan.FromDays(30)));
        insights.Add(Insight(8, "Late delivery of the rug.", [Product(6)], age: TimeSpan.Zero));

        PatternDetection.Detect(insights, Now, Defaults).Single().Support.ShouldBe(8);
        PatternDetection.Detect(insights, Now, Defaults with { Window = TimeSpan.FromDays(2) }).Single().Support.ShouldBe(7);
    }

    [Fact]
    public void Detect_IgnoresMergedAndStaleInsights()
    {
        var insights = Fixture();
        insights.Add(Insight(7, "Late delivery of the lamp.", [Product(5)], status: InsightStatus.Merged));
        insights.Add(Insight(8, "Late delivery of the rug.", [Product(6)], status: InsightStatus.Stale));

        PatternDetection.Detect(insights, Now, Defaults).Single().Support.ShouldBe(6);

        var withoutActive = insights.Select(i => i with { Status = InsightStatus.Stale }).ToList();
        PatternDetection.Detect(withoutActive, Now, Defaults).ShouldBeEmpty();
    }

    [Fact]
    public void Detect_DropsUnigram_WhenABigramHasAtLeastEightyPercentOfItsSupport()
    {
        // "delivery" in 10 insights, "late delivery" in 8 of them: 8 >= 0.8 x 10, so "delivery" is subsumed.
        var insights = Fixture();
        insights.Add(Insight(7, "Late delivery of the lamp.", [Product(5)]));
        insights.Add(Insight(8, "Late delivery of the rug.", [Product(6)]));
        insights.Add(Insight(9, "Express delivery was praised.", [Product(7)]));
        insights.Add(Insight(10, "The delivery driver was polite.", [Product(8)]));

        var pattern = PatternDetection.Detect(insights, Now, Defaults).ShouldHaveSingleItem();

        pattern.Theme.ShouldBe("late delivery");
        pattern.Support.ShouldBe(8);
    }

    [Fact]
    public void Detect_KeepsUnigram_WhenBigramsHaveLessThanEightyPercentOfItsSupport()
    {
        // "delivery" in 10 insights, "late delivery" in 6 (60 %): both reported; "late" (6 of 6) is subsumed.
        var insights = Fixture();
        insights.Add(Insight(7, "Express delivery was praised.", [Product(5)]));
        insights.Add(Insight(8, "The delivery driver was polite.", [Product(6)]));
        insights.Add(Insight(9, "Weekend delivery slots sold out.", [Product(7)]));
        insights.Add(Insight(10, "Delivery tracking emails arrive twice.", [Product(8)]));

        var patterns = PatternDetection.Detect(insights, Now, Defaults);

        patterns.Select(p => (p.Theme, p.Support)).ShouldBe([("delivery", 10), ("late delivery", 6)]);
        patterns[0].DistinctEntities.ShouldBe(8);
    }

    [Fact]
    public void Detect_KeepsUnigram_WhenTheCoveringBigramIsNotItselfAPattern()
    {
        // "late delivery" in 6 insights, but about two products only: the bigram is no pattern, so it cannot subsume "delivery".
        var insights = new List<InsightRecord>();
        for (var i = 0; i < 6; i++)
        {
            insights.Add(Insight(i + 1, LateDelivery[i], [Product(1 + (i % 2))]));
        }

        insights.Add(Insight(7, "Express delivery was praised.", [Product(3)]));

        var pattern = PatternDetection.Detect(insights, Now, Defaults).ShouldHaveSingleItem();

        pattern.Theme.ShouldBe("delivery");
        pattern.Support.ShouldBe(7);
        pattern.DistinctEntities.ShouldBe(3);
    }

    [Fact]
    public void Detect_DoesNotPairWords_AcrossSentences()
    {
        var insights = new List<InsightRecord>();
        string[] contents =
        [
            "The parcel was late. Delivery staff blamed the weather.",
            "Order came late! Delivery notes were missing.",
            "Refund was late; delivery fee was still charged.",
            "Again late.\nDelivery partner changed.",
            "It was late? Delivery app froze.",
        ];
        for (var i = 0; i < contents.Length; i++)
        {
            insights.Add(Insight(i + 1, contents[i], [Product(i + 1)]));
        }

        var patterns = PatternDetection.Detect(insights, Now, Defaults);

        patterns.Select(p => p.Theme).ShouldBe(["delivery", "late"]);
    }

    [Fact]
    public void Detect_PairsWordsAcrossStopWords_WithinASentence()
    {
        // "delays in shipping" -> tokens delay, shipping: adjacent once the stop word is gone.
        var insights = Enumerable.Range(1, 5)
            .Select(i => Insight(i, $"Customer {i * 1000} reported delays in shipping.", [Product(i)]))
            .ToList();

        var patterns = PatternDetection.Detect(insights, Now, Defaults);

        patterns.Select(p => p.Theme).ShouldContain("delays shipping");
    }

    [Fact]
    public void Detect_GroupsInflections_UnderOneStem()
    {
        string[] contents =
        [
            "Shipment delays frustrate buyers in Leeds.",
            "Our courier delayed the parcel.",
            "A delaying customs check hit Oslo orders.",
            "Expect delays around the Easter weekend.",
            "One delay cost us a wholesale account.",
        ];
        var insights = contents.Select((c, i) => Insight(i + 1, c, [Product(i + 1)])).ToList();

        var pattern = PatternDetection.Detect(insights, Now, Defaults).ShouldHaveSingleItem();

        pattern.Theme.ShouldBe("delays"); // the most frequent of delays (2), delayed, delaying, delay
        pattern.Support.ShouldBe(5);
    }

    [Fact]
    public void Detect_ChoosesMostCommonEntityType()
    {
        var customer = new InsightEntity("customer-1", "Acme", "customer");
        var insights = Fixture().Select(i => i.Id == Id(1) || i.Id == Id(2) ? i with { Entities = [.. i.Entities, customer] } : i).ToList();

        // product: 6 insights, customer: 2
        PatternDetection.Detect(insights, Now, Defaults).Single().EntityType.ShouldBe("product");
    }

    [Fact]
    public void Detect_ChoosesOrdinalSmallestEntityType_WhenTypesTie()
    {
        var insights = Fixture()
            .Select(i => i.Id.CompareTo(Id(4)) < 0 ? i with { Entities = [new InsightEntity($"zone-{i.Id}", "Zone", "warehouse")] } : i)
            .ToList();
        insights.Add(Insight(7, "Late delivery spotted once more.", [new InsightEntity("x", "X", "carrier")]));
        insights.Add(Insight(8, "Late delivery spotted yet again.", [new InsightEntity("y", "Y", "carrier")]));
        insights.Add(Insight(9, "Late delivery spotted during spring.", [new InsightEntity("z", "Z", "carrier")]));

        // warehouse 3, product 3, carrier 3: ordinal smallest wins.
        PatternDetection.Detect(insights, Now, Defaults).Single().EntityType.ShouldBe("carrier");
    }

    [Fact]
    public void Detect_ReportsNullEntityType_WhenSupportingInsightsHaveNoEntities()
    {
        var insights = Fixture().Select(i => i with { Entities = [] }).ToList();

        var pattern = PatternDetection.Detect(insights, Now, Defaults with { MinDistinctEntities = 0 }).Single();

        pattern.EntityType.ShouldBeNull();
        pattern.DistinctEntities.ShouldBe(0);
    }

    [Fact]
    public void Detect_OrdersBySupportThenTheme()
    {
        var insights = Fixture(); // "late delivery" x6
        string[] damaged =
        [
            "Mug arrived with damaged packaging.",
            "Damaged packaging on the lamp order.",
            "Reviewer shows damaged packaging in photos.",
            "Complaint: damaged packaging, dented box.",
            "Vase shipped in damaged packaging.",
            "Damaged packaging again for Leeds store.",
            "Returns cite damaged packaging often.",
        ];
        string[] broken =
        [
            "Kettle came with a broken handle.",
            "Broken handle on pan 7.",
            "Buyer reports broken handle after a week.",
            "Photos show a broken handle.",
            "Broken handle complaints spike.",
            "Jug has broken handle issues.",
        ];
        insights.AddRange(damaged.Select((content, i) => Insight(200 + i, content, [Product(30 + i)])));
        insights.AddRange(broken.Select((content, i) => Insight(300 + i, content, [Product(40 + i)])));

        var patterns = PatternDetection.Detect(insights, Now, Defaults);

        patterns.Select(p => (p.Theme, p.Support)).ShouldBe([("damaged packaging", 7), ("broken handle", 6), ("late delivery", 6)]);
    }

    [Fact]
    public void Detect_ReportsExamplesAndTimeRange_FromSupportingInsights()
    {
        var created = new DateTime(2025, 5, 10, 0, 0, 0, DateTimeKind.Utc);
        var insights = new List<InsightRecord>
        {
            Insight(6, LateDelivery[0], [Product(1)], age: TimeSpan.FromDays(9), createdAt: created.AddDays(3)),
            Insight(5, LateDelivery[1], [Product(2)], age: TimeSpan.FromDays(2), createdAt: created.AddDays(1)),
            Insight(4, LateDelivery[2], [Product(3)], age: TimeSpan.FromDays(5), createdAt: created),
            Insight(3, LateDelivery[3], [Product(4)], age: TimeSpan.FromDays(2), createdAt: created.AddDays(2)),
            Insight(2, LateDelivery[4], [Product(1)], age: TimeSpan.FromDays(1), createdAt: created.AddDays(4)),
            Insight(1, LateDelivery[5], [Product(2)], age: TimeSpan.FromDays(7), createdAt: created.AddDays(5)),
        };

        var pattern = PatternDetection.Detect(insights, Now, Defaults with { MaxExamples = 3 }).Single();

        pattern.ExampleInsightIds.ShouldBe([Id(2), Id(3), Id(5)]); // 1 day, then 2 days (ids 3 and 5, by id)
        pattern.SupportingInsightIds.ShouldBe([Id(1), Id(2), Id(3), Id(4), Id(5), Id(6)]);
        pattern.FirstSeen.ShouldBe(created);
        pattern.LastSeen.ShouldBe(Now - TimeSpan.FromDays(1));
    }

    [Fact]
    public void Detect_ReturnsAllSupportingIdsAsExamples_WhenFewerThanMaxExamples()
    {
        var pattern = PatternDetection.Detect(Fixture(), Now, Defaults with { MaxExamples = 50 }).Single();

        pattern.ExampleInsightIds.Count.ShouldBe(6);
        PatternDetection.Detect(Fixture(), Now, Defaults with { MaxExamples = 0 }).Single().ExampleInsightIds.ShouldBeEmpty();
    }

    [Fact]
    public void Detect_IsDeterministic_WhenInputIsShuffled()
    {
        var insights = Fixture();
        for (var i = 0; i < 7; i++)
        {
            insights.Add(Insight(200 + i, $"Item {i + 1}0 came with damaged packaging.", [Product(30 + i)], age: TimeSpan.FromDays(1 + (i % 3))));
        }

        var expected = Describe(PatternDetection.Detect(insights, Now, Defaults));
        var random = new Random(7);
        for (var round = 0; round < 10; round++)
        {
            var shuffled = insights.OrderBy(_ => random.Next()).ToList();
            Describe(PatternDetection.Detect(shuffled, Now, Defaults)).ShouldBe(expected);
        }
    }

    [Fact]
    public void Detect_ReportsOnlyThePhrase_WhenASingleInsightIsEnough()
    {
        var insights = new[] { Insight(1, "Late delivery!", []) };

        var patterns = PatternDetection.Detect(insights, Now, new PatternOptions(MinSupport: 1, MinDistinctEntities: 0));

        patterns.Select(p => p.Theme).ShouldBe(["late delivery"]); // "late" and "delivery" are subsumed (1 of 1)
    }

    [Fact]
    public void Detect_ReturnsNothing_WhenThereAreNoInsights()
    {
        PatternDetection.Detect([], Now, Defaults).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(0, 3, 30, 5)]
    [InlineData(5, -1, 30, 5)]
    [InlineData(5, 3, -1, 5)]
    [InlineData(5, 3, 30, -1)]
    public void Detect_Throws_WhenOptionsAreInvalid(int minSupport, int minEntities, int windowDays, int maxExamples)
    {
        var options = new PatternOptions(minSupport, minEntities, TimeSpan.FromDays(windowDays), maxExamples);

        Should.Throw<ArgumentException>(() => PatternDetection.Detect(Fixture(), Now, options));
    }

    [Theory]
    [InlineData("delays", "delay")]
    [InlineData("delayed", "delay")]
    [InlineData("delaying", "delay")]
    [InlineData("deliveries", "delivery")]
    [InlineData("delivery", "delivery")]
    [InlineData("shipping", "ship")]
    [InlineData("shipped", "ship")]
    [InlineData("boxes", "box")]
    [InlineData("classes", "class")]
    [InlineData("carried", "carry")]
    [InlineData("prices", "pric")]
    [InlineData("pricing", "pric")]
    [InlineData("price", "pric")]
    [InlineData("status", "status")]
    [InlineData("analysis", "analysis")]
    [InlineData("need", "need")]
    [InlineData("speed", "speed")]
    [InlineData("thing", "thing")]
    [InlineData("selling", "sell")]
    [InlineData("use", "use")]
    public void Stem_StripsCommonSuffixes(string word, string stem)
    {
        ThemeTokens.Stem(word).ShouldBe(stem);
    }

    [Fact]
    public void Stems_DropStopWordsAndShortTokens()
    {
        ThemeTokens.Stems("We should not ship it to the UK, it's 3x too slow!").ShouldBe(["ship", "slow"]);
    }

    [Fact]
    public void Detect_FindsPlantedThemes_InOneHundredThousandInsights()
    {
        const int count = 100_000;
        const int vocabulary = 20_000;
        var random = new Random(42);
        var insights = new List<InsightRecord>(count);
        var truth = new Dictionary<string, (HashSet<int> Docs, HashSet<string> Entities)>();

        void Count(string theme, int doc, string entity)
        {
            if (!truth.TryGetValue(theme, out var t))
            {
                t = ([], []);
                truth[theme] = t;
            }

            t.Docs.Add(doc);
            t.Entities.Add(entity);
        }

        for (var i = 0; i < count; i++)
        {
            var product = Product(i % 997);
            var outside = i % 13 == 0; // reinforced 40 days ago: outside the window
            var words = Enumerable.Range(0, 8).Select(_ => $"w{random.Next(vocabulary):D5}").ToArray();
            var content = string.Join(' ', words) + ".";
            if (i % 10 == 0)
            {
                content += " Late delivery.";
            }

            if (i % 10_000 == 1)
            {
                content += " Rare gizmo.";
            }

            if (i % 25_000 == 3)
            {
                content += " Obscure widget.";
            }

            if (!outside)
            {
                foreach (var word in words)
                {
                    Count(word, i, product.Id);
                }

                if (i % 10 == 0)
                {
                    Count("late delivery", i, product.Id);
                }

                if (i % 10_000 == 1)
                {
                    Count("rare gizmo", i, product.Id);
                }
            }

            insights.Add(Insight(i + 1, content, [product], age: TimeSpan.FromDays(outside ? 40 : 1 + (i % 20))));
        }

        var stopwatch = Stopwatch.StartNew();
        var patterns = PatternDetection.Detect(insights, Now, Defaults);
        stopwatch.Stop();
        output.WriteLine($"Detect over {count:N0} insights: {stopwatch.ElapsedMilliseconds} ms, {patterns.Count:N0} patterns");

        var byTheme = patterns.ToDictionary(p => p.Theme);
        var late = byTheme["late delivery"];
        late.Support.ShouldBe(truth["late delivery"].Docs.Count);
        late.DistinctEntities.ShouldBe(truth["late delivery"].Entities.Count);
        late.ExampleInsightIds.Count.ShouldBe(5);
        byTheme.ShouldNotContainKey("late");
        byTheme.ShouldNotContainKey("delivery");
        byTheme["rare gizmo"].Support.ShouldBe(truth["rare gizmo"].Docs.Count); // 9: one of the 10 is outside the window
        byTheme.ShouldNotContainKey("obscure widget"); // 4 insights only
        byTheme.ShouldNotContainKey("obscure");

        var expectedNoise = truth
            .Where(t => t.Key.StartsWith('w') && !t.Key.Contains(' ') && t.Value.Docs.Count >= 5 && t.Value.Entities.Count >= 3)
            .ToDictionary(t => t.Key, t => t.Value.Docs.Count);
        var noise = patterns.Where(p => p.Theme.StartsWith('w')).ToList();
        noise.Count.ShouldBe(expectedNoise.Count);
        noise.ShouldAllBe(p => expectedNoise[p.Theme] == p.Support);
        patterns.Count.ShouldBe(expectedNoise.Count + 2);
        patterns.Select(p => p.Support).ShouldBeInOrder(SortDirection.Descending);
    }
}
