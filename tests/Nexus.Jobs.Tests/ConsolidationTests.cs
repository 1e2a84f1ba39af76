using System.Numerics.Tensors;
using Nexus.Jobs.Compounding;
using Nexus.Jobs.Language;
using Nexus.Jobs.Tests.Language;
using Xunit.Abstractions;

namespace Nexus.Jobs.Tests;

public class ConsolidationTests(ITestOutputHelper output)
{
    private static readonly ConsolidationOptions Defaults = new();
    private static readonly DateTime T0 = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    private static Guid Id(int n) => new($"00000000-0000-0000-0000-{n:D12}");

    private static InsightEntity Entity(string id) => new(id, id.ToUpperInvariant(), "customer");

    private static InsightRecord Insight(
        int id,
        string content,
        string[]? entities = null,
        string status = InsightStatus.Active,
        double confidence = 0.5,
        int reinforcements = 1,
        DateTime? createdAt = null,
        DateTime? lastReinforcedAt = null) =>
        new(
            Id(id),
            content,
            "observation",
            [.. (entities ?? ["acme"]).Select(Entity)],
            confidence,
            confidence,
            reinforcements,
            createdAt ?? T0,
            lastReinforcedAt ?? T0,
            status,
            null);

    /// <summary>Consolidation with the real model's vectors of the insights' contents.</summary>
    private static IReadOnlyList<MergeGroup> Find(IReadOnlyList<InsightRecord> insights, ConsolidationOptions? options = null) =>
        Consolidation.Find(insights, SharedModel.Embed([.. insights.Select(i => i.Content)]), options ?? Defaults);

    /// <summary>A fixed unit vector for <paramref name="seed"/>; different seeds are nearly orthogonal.</summary>
    private static float[] Direction(int seed, int dimensions = 384)
    {
        var random = new Random(seed);
        var vector = new float[dimensions];
        for (var k = 0; k < dimensions; k++)
        {
            vector[k] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
        Vectors.Normalize(vector);
        return vector;
    }

    /// <summary>A unit vector whose cosine with <paramref name="a"/> is exactly <paramref name="cosine"/>, turned towards <paramref name="towards"/>.</summary>
    private static float[] Turned(float[] a, float[] towards, double cosine)
    {
        // The part of towards orthogonal to a, normalised, mixed in at the angle wanted.
        var orthogonal = new float[a.Length];
        TensorPrimitives.MultiplyAdd(a, -TensorPrimitives.Dot(a, towards), towards, orthogonal);
        Vectors.Normalize(orthogonal);
        var result = new float[a.Length];
        TensorPrimitives.MultiplyAdd(a, (float)cosine, new float[a.Length], result);
        TensorPrimitives.MultiplyAdd(orthogonal, (float)Math.Sqrt(1 - cosine * cosine), result, result);
        Vectors.Normalize(result);
        return result;
    }

    /// <summary>The groups as sets of member ids (canonical included), for comparisons that do not care about roles.</summary>
    private static List<HashSet<Guid>> Memberships(IReadOnlyList<MergeGroup> groups) =>
        [.. groups.Select(g => g.MergedIds.Append(g.CanonicalId).ToHashSet())];

    private static void ShouldBeGroups(IReadOnlyList<MergeGroup> groups, params int[][] expected)
    {
        var actual = Memberships(groups).Select(g => string.Join(",", g.Order())).Order().ToList();
        var wanted = expected.Select(g => string.Join(",", g.Select(Id).Order())).Order().ToList();
        actual.ShouldBe(wanted);
    }

    [Fact]
    public void Find_ReturnsNothing_WhenThereAreFewerThanTwoInsights()
    {
        Find([]).ShouldBeEmpty();
        Find([Insight(1, "Late delivery of the blue kettle")]).ShouldBeEmpty();
    }

    [Fact]
    public void Find_MergesExactDuplicates()
    {
        var groups = Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle"),
                Insight(2, "Customer complains about late delivery of the blue kettle"),
                Insight(3, "Invoice address is outdated"),
            ]);

        ShouldBeGroups(groups, [1, 2]);
    }

    [Fact]
    public void Find_MergesTheSameWords_WhateverTheirCasePunctuationStopWordsOrderAndTypos()
    {
        var groups = Find(
            [
                Insight(1, "Customers complain about late delivery of the blue kettle"),
                Insight(2, "late delivery of blue kettle: customers complaining!"),
                Insight(3, "LATE DELIVERY -- BLUE KETTLE; THE CUSTOMERS COMPLAIN."),
                Insight(4, "late delivery of the blue ketle: customers complain about it!"),
                Insight(5, "Customers complain abuot late delivery of the blue kettle"),
                Insight(6, "Customers complain about late delivery of the blue kettel"),
            ]);

        ShouldBeGroups(groups, [1, 2, 3, 4, 5, 6]);
    }

    [Fact]
    public void Find_MergesParaphrasesInOtherWords()
    {
        var groups = Find(
            [
                Insight(1, "Customers complain about late delivery of the blue kettle"),
                Insight(2, "The blue kettle keeps arriving late, buyers complain"),
                Insight(3, "The client is pleased with the new dashboard", ["globex"]),
                Insight(4, "The new dashboard has made the client happy", ["globex"]),
                Insight(5, "The product page lacks size information", ["initech"]),
                Insight(6, "Size details are missing from the product page", ["initech"]),
            ]);

        ShouldBeGroups(groups, [1, 2], [3, 4], [5, 6]);
    }

    [Fact]
    public void Find_DoesNotMerge_ClearlyDifferentFactsAboutTheSameEntity()
    {
        var groups = Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle"),
                Insight(2, "Customer prefers invoices by email instead of paper"),
                Insight(3, "Customer asked for a discount on the red toaster"),
                Insight(4, "Customer complains about the price of the blue kettle"),
            ]);

        groups.ShouldBeEmpty();
    }

    [Fact]
    public void Find_DoesNotMerge_NearMissesTheModelFindsAlike()
    {
        // Each pair scores 0.86 to 0.97 with the model; each states another fact.
        var pairs = new[]
        {
            ("Delivery of the blue kettle takes 3 days", "Delivery of the blue kettle takes 5 days"),
            ("The blue kettle sells better in Germany", "The blue kettle sells better in France"),
            ("Sales of the blue kettle increased last month", "Sales of the blue kettle decreased last month"),
            ("The blue kettle is sold with a lid", "The blue kettle is sold without a lid"),
            ("Customer is happy with the delivery speed of the blue kettle", "Customer is not happy with the delivery speed of the blue kettle"),
        };
        var insights = pairs.SelectMany((p, k) => new[] { Insight(2 * k, p.Item1, [$"product-{k}"]), Insight(2 * k + 1, p.Item2, [$"product-{k}"]) }).ToList();
        var vectors = SharedModel.Embed([.. insights.Select(i => i.Content)]);
        for (var k = 0; k < pairs.Length; k++)
        {
            Vectors.Cosine(vectors[2 * k], vectors[2 * k + 1]).ShouldBeGreaterThan(0.85f, pairs[k].Item1);
        }

        Consolidation.Find(insights, vectors, Defaults).ShouldBeEmpty();
    }

    [Fact]
    public void Find_NeedsMoreSimilarity_TheFewerWordsTwoTextsDoNotShare()
    {
        // One word apart: a synonym scores 0.996, another object 0.86, though the model finds both alike.
        var groups = Find(
            [
                Insight(1, "The customer wants a bigger discount on the annual plan", ["a"]),
                Insight(2, "The customer wants a larger discount on the annual plan", ["a"]),
                Insight(3, "The customer complains about the kettle lid", ["b"]),
                Insight(4, "The customer complains about the teapot lid", ["b"]),
            ]);

        ShouldBeGroups(groups, [1, 2]);
    }

    [Fact]
    public void Find_DoesNotMerge_StatementAndItsNegation()
    {
        var groups = Find(
            [
                Insight(1, "Customer is happy with the delivery speed of the blue kettle"),
                Insight(2, "Customer is not happy with the delivery speed of the blue kettle"),
                Insight(3, "Customer isn't happy with the delivery speed of the blue kettle"),
            ]);

        ShouldBeGroups(groups, [2, 3]);
    }

    [Theory]
    [InlineData("a", "b")]
    [InlineData("a,b", "a,c")]
    [InlineData("", "a")]
    [InlineData("a,b", "b,c,d")]
    public void Find_DoesNotMerge_SameTextAboutDifferentEntities(string first, string second)
    {
        var vector = Direction(1);
        var groups = Consolidation.Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle", Split(first)),
                Insight(2, "Customer complains about late delivery of the blue kettle", Split(second)),
            ],
            [vector, vector],
            Defaults);

        groups.ShouldBeEmpty();
    }

    [Fact]
    public void Find_MergesInsightsWithoutEntities_WithEachOther()
    {
        var groups = Find(
            [
                Insight(1, "Deliveries are late across the board", []),
                Insight(2, "deliveries late across board!", []),
            ]);

        ShouldBeGroups(groups, [1, 2]);
        groups[0].Entities.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("a", "a,b")]
    [InlineData("b", "a,b,c")]
    [InlineData("a,c", "a,b,c")]
    [InlineData("a,b", "b,a")]
    public void Find_MergesInsights_WhenOneEntitySetContainsTheOther(string first, string second)
    {
        var groups = Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle", Split(first)),
                Insight(2, "Customer complains about late delivery of the blue kettle", Split(second)),
            ]);

        ShouldBeGroups(groups, [1, 2]);
    }

    [Theory]
    [InlineData(1, 2, 3)]
    [InlineData(1, 3, 2)]
    [InlineData(2, 1, 3)]
    [InlineData(2, 3, 1)]
    [InlineData(3, 1, 2)]
    [InlineData(3, 2, 1)]
    public void Find_NeverGroupsDifferentEntitySets_ThroughASubsetBridge(int ab, int ac, int a)
    {
        // Whatever the ids (and so the processing order), {A} may join {A,B} or {A,C}, never both.
        var vector = Direction(2);
        var groups = Consolidation.Find(
            [
                Insight(ab, "Customer complains about late delivery of the blue kettle", ["a", "b"]),
                Insight(ac, "Customer complains about late delivery of the blue kettle", ["a", "c"]),
                Insight(a, "Customer complains about late delivery of the blue kettle", ["a"]),
            ],
            [vector, vector, vector],
            Defaults);

        groups.Count.ShouldBe(1);
        var members = Memberships(groups)[0];
        members.ShouldContain(Id(a));
        (members.Contains(Id(ab)) ^ members.Contains(Id(ac))).ShouldBeTrue();
    }

    [Fact]
    public void Find_NeverGroupsDisjointSubsets_ThroughTheirUnion()
    {
        // {A} and {B} are both part of {A,B}, but not of each other: they would be insights about different entities.
        var vector = Direction(3);
        var groups = Consolidation.Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle", ["a"]),
                Insight(2, "Customer complains about late delivery of the blue kettle", ["b"]),
                Insight(3, "Customer complains about late delivery of the blue kettle", ["a", "b"]),
            ],
            [vector, vector, vector],
            Defaults);

        groups.Count.ShouldBe(1);
        var members = Memberships(groups)[0];
        members.ShouldContain(Id(3));
        (members.Contains(Id(1)) ^ members.Contains(Id(2))).ShouldBeTrue();
    }

    [Fact]
    public void Find_JoinsMembersToTheCanonicalDirectly_SoThatNoChainDrifts()
    {
        // b is close to a and to c (0.87), but a and c are far apart (0.5): a chain a-b-c would merge two facts through b.
        var a = Direction(10);
        var c = Turned(a, Direction(11), 0.5);
        var b = Turned(a, c, Math.Cos(Math.PI / 6));
        Vectors.Cosine(b, c).ShouldBeGreaterThan(0.85f);

        var groups = Consolidation.Find(
            [
                Insight(1, "Printer jams on thick paper", reinforcements: 5),
                Insight(2, "Labels smudge when printed", reinforcements: 3),
                Insight(3, "Toner runs out within days", reinforcements: 1),
            ],
            [a, b, c],
            Defaults);

        ShouldBeGroups(groups, [1, 2]);
        groups[0].CanonicalId.ShouldBe(Id(1));
    }

    [Fact]
    public void Find_JoinsAMember_ToTheMostSimilarOfTwoCanonicals()
    {
        var a = Direction(20);
        var c = Turned(a, Direction(21), 0.5);
        var between = Turned(a, c, 0.95);
        var groups = Consolidation.Find(
            [
                Insight(1, "Printer jams on thick paper", ["x"], reinforcements: 9),
                Insight(2, "Toner runs out within days", ["x", "y"], reinforcements: 8),
                Insight(3, "Labels smudge when printed", ["x"]),
            ],
            [a, c, between],
            Defaults);

        ShouldBeGroups(groups, [1, 3]);
    }

    [Fact]
    public void Find_FindsNothingMore_WhenRunAgainOnItsOwnResult()
    {
        var corpus = SyntheticCorpus.Build(3_000, seed: 8);
        var groups = Consolidation.Find(corpus.Insights, corpus.Vectors, Defaults);
        groups.ShouldNotBeEmpty();

        // What the pipeline writes: the canonical takes the merged values, the others become merged.
        var byId = groups.ToDictionary(g => g.CanonicalId);
        var absorbed = groups.SelectMany(g => g.MergedIds).ToHashSet();
        var after = corpus.Insights.Select(i => byId.TryGetValue(i.Id, out var g)
            ? i with { Entities = g.Entities, ReinforcementCount = g.ReinforcementCount, Confidence = g.Confidence, LastReinforcedAt = g.LastReinforcedAt }
            : absorbed.Contains(i.Id) ? i with { Status = InsightStatus.Merged } : i).ToList();

        Consolidation.Find(after, corpus.Vectors, Defaults).ShouldBeEmpty();
    }

    [Fact]
    public void Find_IgnoresMergedAndStaleInsights()
    {
        var groups = Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle"),
                Insight(2, "Customer complains about late delivery of the blue kettle", status: InsightStatus.Merged),
                Insight(3, "Customer complains about late delivery of the blue kettle", status: InsightStatus.Stale),
                Insight(4, "Invoice address is outdated", status: InsightStatus.Stale),
                Insight(5, "Invoice address is outdated"),
            ]);

        groups.ShouldBeEmpty();
    }

    [Fact]
    public void Find_IgnoresInsightsWithoutContentWords()
    {
        var groups = Find(
            [
                Insight(1, "It is what it is."),
                Insight(2, "it is what it is"),
                Insight(3, "???"),
            ]);

        groups.ShouldBeEmpty();
    }

    [Fact]
    public void Find_ComputesTheMergedValues()
    {
        var groups = Find(
            [
                Insight(1, "Late delivery of the blue kettle", ["a"], confidence: 0.5, reinforcements: 2,
                    createdAt: T0, lastReinforcedAt: T0.AddDays(3)),
                Insight(2, "late delivery, blue kettle", ["b", "a"], confidence: 0.2, reinforcements: 5,
                    createdAt: T0.AddDays(1), lastReinforcedAt: T0.AddDays(9)),
                Insight(3, "The blue kettle: late delivery", ["a", "c", "b"], confidence: 0.75, reinforcements: 1,
                    createdAt: T0.AddDays(-4), lastReinforcedAt: T0.AddDays(5)),
            ]);

        groups.Count.ShouldBe(1);
        var group = groups[0];
        group.CanonicalId.ShouldBe(Id(2)); // most reinforced
        group.MergedIds.ShouldBe([Id(1), Id(3)]);
        group.ReinforcementCount.ShouldBe(8);
        group.Confidence.ShouldBe(1 - (0.5 * 0.8 * 0.25), tolerance: 1e-12);
        group.LastReinforcedAt.ShouldBe(T0.AddDays(9));
        // The canonical's entities first (in its order), then those of the others in MergedIds order.
        group.Entities.Select(e => e.Id).ShouldBe(["b", "a", "c"]);
    }

    [Fact]
    public void Find_KeepsTheCanonicalsEntityRecord_WhenIdsRepeat()
    {
        var canonical = Insight(1, "Late delivery of the blue kettle", reinforcements: 9) with
        {
            Entities = [new InsightEntity("acme", "Acme Ltd", "customer")],
        };
        var other = Insight(2, "late delivery, blue kettle") with
        {
            Entities = [new InsightEntity("acme", "ACME (old name)", "account")],
        };

        var group = Find([other, canonical]).Single();

        group.Entities.ShouldBe([new InsightEntity("acme", "Acme Ltd", "customer")]);
    }

    [Fact]
    public void Find_ClampsTheMergedConfidence_WhenInputsAreOutOfRange()
    {
        var group = Find(
            [
                Insight(1, "Late delivery of the blue kettle", confidence: 1.7),
                Insight(2, "late delivery, blue kettle", confidence: -0.3),
            ]).Single();

        group.Confidence.ShouldBe(1);
    }

    [Fact]
    public void Find_ChoosesTheCanonical_ByReinforcementsThenConfidenceThenAgeThenId()
    {
        const string Text = "Late delivery of the blue kettle";

        Canonical(Insight(1, Text, reinforcements: 1), Insight(2, Text, reinforcements: 3)).ShouldBe(Id(2));
        Canonical(Insight(1, Text, confidence: 0.4), Insight(2, Text, confidence: 0.6)).ShouldBe(Id(2));
        Canonical(Insight(1, Text, createdAt: T0), Insight(2, Text, createdAt: T0.AddSeconds(-1))).ShouldBe(Id(2));
        Canonical(Insight(2, Text), Insight(1, Text)).ShouldBe(Id(1));

        static Guid Canonical(params InsightRecord[] insights) => Find(insights).Single().CanonicalId;
    }

    [Fact]
    public void Find_ReturnsGroupsOrderedByCanonicalId()
    {
        var groups = Find(
            [
                Insight(9, "Invoice address is outdated"),
                Insight(4, "invoice address outdated"),
                Insight(7, "Late delivery of the blue kettle"),
                Insight(8, "late delivery, blue kettle"),
                Insight(2, "Customer wants paper invoices"),
                Insight(3, "customer wants paper invoice"),
            ]);

        groups.Select(g => g.CanonicalId).ShouldBe([Id(2), Id(4), Id(7)]);
    }

    [Fact]
    public void Find_MergesThousandsOfIdenticalInsights_PerEntity()
    {
        var vector = Direction(4);
        var insights = Enumerable.Range(1, 4000)
            .Select(i => Insight(i, "Customer complains about late delivery of the blue kettle", [i % 2 == 0 ? "even" : "odd"]))
            .ToList();

        var groups = Consolidation.Find(insights, [.. insights.Select(_ => vector)], Defaults);

        groups.Count.ShouldBe(2);
        groups.ShouldAllBe(g => g.MergedIds.Count == 1999);
        groups.Sum(g => g.ReinforcementCount).ShouldBe(4000);
    }

    [Fact]
    public void Find_IsDeterministic_WhenTheInputIsShuffled()
    {
        var corpus = SyntheticCorpus.Build(4_000, seed: 7, withoutEntities: 0.9);
        var expected = Consolidation.Find(corpus.Insights, corpus.Vectors, Defaults with { Search = new NeighbourSearchOptions(ExactUpTo: 500) });
        expected.ShouldNotBeEmpty();

        var random = new Random(11);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var order = Enumerable.Range(0, corpus.Insights.Count).ToArray();
            random.Shuffle(order);
            var actual = Consolidation.Find([.. order.Select(k => corpus.Insights[k])], [.. order.Select(k => corpus.Vectors[k])],
                Defaults with { Search = new NeighbourSearchOptions(ExactUpTo: 500) });

            actual.Count.ShouldBe(expected.Count);
            for (var g = 0; g < expected.Count; g++)
            {
                actual[g].CanonicalId.ShouldBe(expected[g].CanonicalId);
                actual[g].MergedIds.ShouldBe(expected[g].MergedIds);
                actual[g].ReinforcementCount.ShouldBe(expected[g].ReinforcementCount);
                actual[g].Confidence.ShouldBe(expected[g].Confidence); // bit for bit: members are combined in id order
                actual[g].LastReinforcedAt.ShouldBe(expected[g].LastReinforcedAt);
                actual[g].Entities.ShouldBe(expected[g].Entities);
            }
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Find_Throws_WhenTheThresholdIsInvalid(double threshold)
    {
        Should.Throw<ArgumentException>(() => Consolidation.Find([], [], new ConsolidationOptions(threshold)));
    }

    [Fact]
    public void Find_Throws_WhenTheInputIsMalformed()
    {
        var v = Direction(5);
        Should.Throw<ArgumentNullException>(() => Consolidation.Find(null!, [], Defaults));
        Should.Throw<ArgumentNullException>(() => Consolidation.Find([], null!, Defaults));
        Should.Throw<ArgumentNullException>(() => Consolidation.Find([], [], null!));
        Should.Throw<ArgumentException>(() => Consolidation.Find([Insight(1, "a b c"), null!], [v, v], Defaults));
        Should.Throw<ArgumentException>(() => Consolidation.Find([Insight(1, "kettle"), Insight(1, "toaster")], [v, v], Defaults));
        Should.Throw<ArgumentException>(() => Consolidation.Find([Insight(1, "kettle") with { Content = null! }], [v], Defaults));
        Should.Throw<ArgumentException>(() => Consolidation.Find([Insight(1, "kettle"), Insight(2, "toaster")], [v], Defaults));
        Should.Throw<ArgumentException>(() => Consolidation.Find([Insight(1, "kettle"), Insight(2, "toaster")], [v, null!], Defaults));
        Should.Throw<ArgumentException>(() => Consolidation.Find([Insight(1, "kettle"), Insight(2, "toaster")], [v, Direction(6, 128)], Defaults));
        Should.Throw<ArgumentException>(() => Consolidation.Find([Insight(1, "kettle"), Insight(2, "toaster")], [v, [.. v.Select(x => 2 * x)]], Defaults));
    }

    [Fact]
    public void Find_NeedsNoVector_ForInsightsThatAreNotActive()
    {
        var v = Direction(7);
        Consolidation.Find([Insight(1, "kettle"), Insight(2, "kettle", status: InsightStatus.Merged)], [v, null!], Defaults).ShouldBeEmpty();
    }

    [Fact]
    public void Find_RecoversThePlantedGroups_InA5000InsightCorpus_WithNoFalseMerges()
    {
        var corpus = SyntheticCorpus.Build(5_000, seed: 1);
        corpus.PlantedGroups.Count.ShouldBeGreaterThan(150);

        var groups = Consolidation.Find(corpus.Insights, corpus.Vectors, Defaults);

        ShouldBeExactlyThePlantedGroups(groups, corpus);
    }

    [Fact]
    public void Find_RecoversThePlantedGroups_In100000Insights_HalfOfThemInOneBucketWithoutEntities()
    {
        // A scale test, not a benchmark: candidates come from entity buckets and, for the 50,000 insights without
        // entities, from the inverted-file index; a quadratic step would not finish, and the index must lose none of the
        // planted duplicates.
        var corpus = SyntheticCorpus.Build(100_000, seed: 2, withoutEntities: 0.5);
        corpus.PlantedGroups.Count.ShouldBeGreaterThan(4_000);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var groups = Consolidation.Find(corpus.Insights, corpus.Vectors, Defaults);
        output.WriteLine($"100,000 insights consolidated in {started.Elapsed.TotalSeconds:F1} s");

        ShouldBeExactlyThePlantedGroups(groups, corpus);
    }

    [Fact]
    public void Find_KeepsEveryGroupEntityCompatible_WhenManyTextsAndEntitySetsOverlap()
    {
        // Few texts, many overlapping entity sets: every kind of bridge exists. Whatever is grouped must be one fact
        // about pairwise compatible entity sets.
        var random = new Random(5);
        string[] texts =
        [
            "Customer complains about late delivery of the blue kettle",
            "Invoice address of the customer is outdated",
            "Customer asks for paper invoices instead of email",
            "Support hotline was unreachable for two days",
        ];
        var vectors = SharedModel.Embed(texts);
        string[] pool = ["a", "b", "c", "d"];
        var picks = Enumerable.Range(1, 600).Select(_ => random.Next(texts.Length)).ToList();
        var insights = picks.Select((t, i) => Insight(i + 1, texts[t], [.. pool.Where(_ => random.Next(3) == 0)])).ToList();
        var byId = insights.ToDictionary(i => i.Id);

        var groups = Consolidation.Find(insights, [.. picks.Select(t => vectors[t])], Defaults);

        groups.ShouldNotBeEmpty();
        foreach (var members in Memberships(groups).Select(g => g.Select(id => byId[id]).ToList()))
        {
            members.Select(m => m.Content).Distinct().Count().ShouldBe(1);
            foreach (var x in members)
            {
                foreach (var y in members)
                {
                    Compatible(x, y).ShouldBeTrue($"{Describe(x)} and {Describe(y)} are in one group");
                }
            }
        }

        static bool Compatible(InsightRecord x, InsightRecord y)
        {
            var a = x.Entities.Select(e => e.Id).ToHashSet();
            var b = y.Entities.Select(e => e.Id).ToHashSet();
            return a.SetEquals(b) || (a.Count > 0 && (a.IsProperSubsetOf(b) || (b.Count > 0 && b.IsProperSubsetOf(a))));
        }

        static string Describe(InsightRecord x) => $"{x.Id} {{{string.Join(",", x.Entities.Select(e => e.Id))}}}";
    }

    private static string[] Split(string ids) => ids.Length == 0 ? [] : ids.Split(',');

    private static string Key(HashSet<Guid> group) => string.Join(",", group.Order());

    private static void ShouldBeExactlyThePlantedGroups(IReadOnlyList<MergeGroup> groups, SyntheticCorpus corpus)
    {
        var found = Memberships(groups).Select(Key).ToHashSet();
        var planted = corpus.PlantedGroups.Select(Key).ToHashSet();
        planted.Except(found).ShouldBeEmpty("planted groups that were not found (or not exactly)");
        found.Except(planted).ShouldBeEmpty("groups that were not planted");
    }

    /// <summary>
    /// Random insights whose right answer is known by construction: 10-25 word sentences over a Zipf-distributed
    /// vocabulary with English stop words mixed in; about 10% are paraphrases of another insight (shuffled words,
    /// other case, punctuation and stop words, sometimes a typo, sometimes a subset of its entities); decoys repeat a
    /// text for a different entity and must stay apart; merged and stale copies must be ignored. Facts lie around a few
    /// hundred topics (cosine about 0.5 between two facts of a topic, as a model places sentences on one subject), and
    /// each wording of a fact within cosine 0.97 or so of it, as a model places rewordings of one sentence.
    /// </summary>
    internal sealed class SyntheticCorpus
    {
        private static readonly string[] StopWords =
            ["the", "a", "of", "to", "and", "in", "is", "was", "for", "with", "about", "very", "really", "their", "it", "on", "by"];

        private readonly Random _random;
        private readonly string[] _vocabulary;
        private readonly double[] _cumulative;

        private readonly double _withoutEntities;

        private SyntheticCorpus(int seed, double withoutEntities)
        {
            _withoutEntities = withoutEntities;
            _random = new Random(seed);
            _vocabulary = Vocabulary(_random, 5_000);
            _cumulative = new double[_vocabulary.Length];
            var total = 0.0;
            for (var k = 0; k < _vocabulary.Length; k++)
            {
                total += 1 / Math.Pow(k + 1, 0.9);
                _cumulative[k] = total;
            }
        }

        public List<InsightRecord> Insights { get; } = [];

        /// <summary>The embedding of each insight, in the order of <see cref="Insights"/>.</summary>
        public List<float[]> Vectors { get; } = [];

        /// <summary>The id sets every merge group must have, exactly.</summary>
        public List<HashSet<Guid>> PlantedGroups { get; } = [];

        public static SyntheticCorpus Build(int count, int seed, double withoutEntities = 0.1)
        {
            var corpus = new SyntheticCorpus(seed, withoutEntities);
            corpus.Fill(count);
            return corpus;
        }

        private void Fill(int count)
        {
            var customers = Math.Max(10, count / 8);
            var products = Math.Max(5, count / 40);
            while (Insights.Count < count)
            {
                var words = Sentence();
                var fact = Fact();
                var roll0 = _random.NextDouble();
                string[] entities = roll0 < _withoutEntities ? []
                    : roll0 < _withoutEntities + (1 - _withoutEntities) * 0.7 ? [$"customer-{_random.Next(customers)}"]
                    : [$"customer-{_random.Next(customers)}", $"product-{_random.Next(products)}"];
                var original = Add(Render(words), entities, InsightStatus.Active, fact);

                var roll = _random.NextDouble();
                if (roll < 0.065)
                {
                    var group = new HashSet<Guid> { original.Id };
                    // All paraphrases of one group share one entity set, so that the group is pairwise compatible.
                    var paraphraseEntities = entities.Length == 2 && _random.Next(4) == 0 ? [entities[_random.Next(2)]] : entities;
                    // At most one wording of a group has a typo: two different misspellings of one name are two names.
                    var typo = _random.Next(2) == 0;
                    for (var copies = 1 + _random.Next(2); copies > 0; copies--)
                    {
                        group.Add(Add(Paraphrase(words, typo), paraphraseEntities, InsightStatus.Active, fact).Id);
                        typo = false;
                    }
                    PlantedGroups.Add(group);
                }
                else if (roll < 0.08)
                {
                    // Same text, another entity: must not merge.
                    var other = $"customer-{customers + _random.Next(customers)}";
                    Add(Paraphrase(words, typo: _random.Next(2) == 0), [other], InsightStatus.Active, fact);
                }
                else if (roll < 0.09)
                {
                    Add(Render(words), entities, _random.Next(2) == 0 ? InsightStatus.Merged : InsightStatus.Stale, fact);
                }
            }
            var order = Enumerable.Range(0, Insights.Count).ToArray();
            _random.Shuffle(order);
            var insights = order.Select(k => Insights[k]).ToList();
            var vectors = order.Select(k => Vectors[k]).ToList();
            Insights.Clear();
            Insights.AddRange(insights);
            Vectors.Clear();
            Vectors.AddRange(vectors);
        }

        private float[]? _topics;

        private float[] Fact()
        {
            _topics ??= [.. Enumerable.Range(0, 300).Select(_ => Direction(_random.Next())).SelectMany(t => t)];
            var topic = _topics.AsSpan(_random.Next(300) * 384, 384);
            var fact = Direction(_random.Next());
            TensorPrimitives.Add(fact, topic, fact);
            Nexus.Jobs.Language.Vectors.Normalize(fact);
            return fact;
        }

        private InsightRecord Add(string content, string[] entities, string status, float[] fact)
        {
            // Noise of norm 0.25: cosine about 0.97 with the fact's direction, 0.94 between two wordings.
            var vector = Direction(_random.Next());
            TensorPrimitives.MultiplyAdd(vector, 0.25f, fact, vector);
            Nexus.Jobs.Language.Vectors.Normalize(vector);
            Vectors.Add(vector);
            var bytes = new byte[16];
            _random.NextBytes(bytes);
            var confidence = Math.Round(_random.NextDouble(), 3);
            var created = T0.AddMinutes(-_random.Next(500_000));
            var insight = new InsightRecord(
                new Guid(bytes),
                content,
                "observation",
                [.. entities.Select(Entity)],
                confidence,
                confidence,
                1 + _random.Next(5),
                created,
                created.AddMinutes(_random.Next(100_000)),
                status,
                null);
            Insights.Add(insight);
            return insight;
        }

        /// <summary>
        /// 10-25 words, a quarter to a third of them stop words; the content words are drawn by Zipf's law, at least
        /// seven and all different, so that two unrelated sentences do not come near the threshold by chance.
        /// </summary>
        private List<string> Sentence()
        {
            var length = 10 + _random.Next(16);
            var stopWords = Math.Min(length - 7, _random.Next(length / 4, length / 3 + 1));
            var words = new List<string>();
            while (words.Count < length - stopWords)
            {
                var word = ContentWord();
                if (!words.Contains(word))
                {
                    words.Add(word);
                }
            }
            for (var k = 0; k < stopWords; k++)
            {
                words.Insert(_random.Next(words.Count + 1), StopWords[_random.Next(StopWords.Length)]);
            }
            return words;
        }

        private string ContentWord()
        {
            var k = Array.BinarySearch(_cumulative, _random.NextDouble() * _cumulative[^1]);
            return _vocabulary[Math.Min(k < 0 ? ~k : k, _vocabulary.Length - 1)];
        }

        private static string Render(List<string> words) => char.ToUpperInvariant(words[0][0]) + string.Join(' ', words)[1..] + ".";

        private string Paraphrase(List<string> original, bool typo)
        {
            var words = original.Where(w => !StopWords.Contains(w) || _random.Next(2) == 0).ToList();
            for (var extra = _random.Next(3); extra > 0; extra--)
            {
                words.Insert(_random.Next(words.Count + 1), StopWords[_random.Next(StopWords.Length)]);
            }
            if (_random.Next(2) == 0)
            {
                _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(words));
            }

            var content = words.Where(w => !StopWords.Contains(w)).Count();
            if (content >= 10 && typo)
            {
                // One substituted letter inside a longer content word (not the first, so its sort position stays).
                var candidates = Enumerable.Range(0, words.Count).Where(i => !StopWords.Contains(words[i]) && words[i].Length >= 5).ToList();
                if (candidates.Count > 0)
                {
                    var i = candidates[_random.Next(candidates.Count)];
                    var letters = words[i].ToCharArray();
                    var at = 1 + _random.Next(letters.Length - 2);
                    letters[at] = letters[at] == 'q' ? 'j' : 'q';
                    words[i] = new string(letters);
                }
            }

            string[] separators = [" ", " ", " ", ", ", " - ", "; "];
            var text = string.Concat(words.Select((w, i) => (i == 0 ? "" : separators[_random.Next(separators.Length)]) + Case(w)));
            return text + new[] { ".", "!", "", "...", "?" }[_random.Next(5)];
        }

        private string Case(string word) => _random.Next(10) switch
        {
            0 => word.ToUpperInvariant(),
            1 or 2 => char.ToUpperInvariant(word[0]) + word[1..],
            _ => word,
        };

        /// <summary>Distinct pronounceable non-words, none of them a stop word.</summary>
        private static string[] Vocabulary(Random random, int size)
        {
            const string Consonants = "bcdfghklmnprstvz";
            const string Vowels = "aeiou";
            var words = new HashSet<string>();
            var ordered = new List<string>();
            while (ordered.Count < size)
            {
                var chars = new List<char>();
                for (var syllables = 2 + random.Next(3); syllables > 0; syllables--)
                {
                    chars.Add(Consonants[random.Next(Consonants.Length)]);
                    chars.Add(Vowels[random.Next(Vowels.Length)]);
                    if (random.Next(3) == 0)
                    {
                        chars.Add(Consonants[random.Next(Consonants.Length)]);
                    }
                }
                var word = new string([.. chars]);
                if (!TextNormalizer.IsStopWord(word) && words.Add(word))
                {
                    ordered.Add(word);
                }
            }
            return [.. ordered];
        }
    }
}
