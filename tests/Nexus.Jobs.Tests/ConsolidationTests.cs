using Nexus.Jobs.Compounding;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests;

public class ConsolidationTests
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
        Consolidation.Find([], Defaults).ShouldBeEmpty();
        Consolidation.Find([Insight(1, "Late delivery of the blue kettle")], Defaults).ShouldBeEmpty();
    }

    [Fact]
    public void Find_MergesExactDuplicates()
    {
        var groups = Consolidation.Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle"),
                Insight(2, "Customer complains about late delivery of the blue kettle"),
                Insight(3, "Invoice address is outdated"),
            ],
            Defaults);

        ShouldBeGroups(groups, [1, 2]);
    }

    [Fact]
    public void Find_MergesParaphrases_WhenOnlyCasePunctuationStopWordsAndWordOrderDiffer()
    {
        var groups = Consolidation.Find(
            [
                Insight(1, "Customers complain about late delivery of the blue kettle"),
                Insight(2, "late delivery of blue kettle: customers complaining!"),
                Insight(3, "LATE DELIVERY -- BLUE KETTLE; THE CUSTOMERS COMPLAIN."),
            ],
            Defaults);

        ShouldBeGroups(groups, [1, 2, 3]);
    }

    [Fact]
    public void Find_MergesInsights_WhenTheyDifferByAOneCharacterTypo()
    {
        var groups = Consolidation.Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle"),
                Insight(2, "Customer complains about late delivery of the blue kettel"),
                Insight(3, "Customer complains abuot late delivery of the blue kettle"),
            ],
            Defaults);

        ShouldBeGroups(groups, [1, 2, 3]);
    }

    [Fact]
    public void Find_DoesNotMerge_ClearlyDifferentFactsAboutTheSameEntity()
    {
        var groups = Consolidation.Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle"),
                Insight(2, "Customer prefers invoices by email instead of paper"),
                Insight(3, "Customer asked for a discount on the red toaster"),
                Insight(4, "Customer complains about the price of the blue kettle"),
            ],
            Defaults);

        groups.ShouldBeEmpty();
    }

    [Fact]
    public void Find_DoesNotMerge_StatementAndItsNegation()
    {
        var groups = Consolidation.Find(
            [
                Insight(1, "Customer is happy with the delivery speed of the blue kettle"),
                Insight(2, "Customer is not happy with the delivery speed of the blue kettle"),
                Insight(3, "Customer isn't happy with the delivery speed of the blue kettle"),
            ],
            Defaults);

        ShouldBeGroups(groups, [2, 3]);
    }

    [Theory]
    [InlineData("a", "b")]
    [InlineData("a,b", "a,c")]
    [InlineData("", "a")]
    [InlineData("a,b", "b,c,d")]
    public void Find_DoesNotMerge_SameTextAboutDifferentEntities(string first, string second)
    {
        var groups = Consolidation.Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle", Split(first)),
                Insight(2, "Customer complains about late delivery of the blue kettle", Split(second)),
            ],
            Defaults);

        groups.ShouldBeEmpty();
    }

    [Fact]
    public void Find_MergesInsightsWithoutEntities_WithEachOther()
    {
        var groups = Consolidation.Find(
            [
                Insight(1, "Deliveries are late across the board", []),
                Insight(2, "deliveries late across board!", []),
            ],
            Defaults);

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
        var groups = Consolidation.Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle", Split(first)),
                Insight(2, "Customer complains about late delivery of the blue kettle", Split(second)),
            ],
            Defaults);

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
        var groups = Consolidation.Find(
            [
                Insight(ab, "Customer complains about late delivery of the blue kettle", ["a", "b"]),
                Insight(ac, "Customer complains about late delivery of the blue kettle", ["a", "c"]),
                Insight(a, "Customer complains about late delivery of the blue kettle", ["a"]),
            ],
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
        var groups = Consolidation.Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle", ["a"]),
                Insight(2, "Customer complains about late delivery of the blue kettle", ["b"]),
                Insight(3, "Customer complains about late delivery of the blue kettle", ["a", "b"]),
            ],
            Defaults);

        groups.Count.ShouldBe(1);
        var members = Memberships(groups)[0];
        members.ShouldContain(Id(3));
        (members.Contains(Id(1)) ^ members.Contains(Id(2))).ShouldBeTrue();
    }

    [Fact]
    public void Find_IgnoresMergedAndStaleInsights()
    {
        var groups = Consolidation.Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle"),
                Insight(2, "Customer complains about late delivery of the blue kettle", status: InsightStatus.Merged),
                Insight(3, "Customer complains about late delivery of the blue kettle", status: InsightStatus.Stale),
                Insight(4, "Invoice address is outdated", status: InsightStatus.Stale),
                Insight(5, "Invoice address is outdated"),
            ],
            Defaults);

        groups.ShouldBeEmpty();
    }

    [Fact]
    public void Find_IgnoresInsightsWithoutContentWords()
    {
        var groups = Consolidation.Find(
            [
                Insight(1, "It is what it is."),
                Insight(2, "it is what it is"),
                Insight(3, "???"),
            ],
            Defaults);

        groups.ShouldBeEmpty();
    }

    [Fact]
    public void Find_ComputesTheMergedValues()
    {
        var groups = Consolidation.Find(
            [
                Insight(1, "Late delivery of the blue kettle", ["a"], confidence: 0.5, reinforcements: 2,
                    createdAt: T0, lastReinforcedAt: T0.AddDays(3)),
                Insight(2, "late delivery, blue kettle", ["b", "a"], confidence: 0.2, reinforcements: 5,
                    createdAt: T0.AddDays(1), lastReinforcedAt: T0.AddDays(9)),
                Insight(3, "The blue kettle: late delivery", ["a", "c", "b"], confidence: 0.75, reinforcements: 1,
                    createdAt: T0.AddDays(-4), lastReinforcedAt: T0.AddDays(5)),
            ],
            Defaults);

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

        var group = Consolidation.Find([other, canonical], Defaults).Single();

        group.Entities.ShouldBe([new InsightEntity("acme", "Acme Ltd", "customer")]);
    }

    [Fact]
    public void Find_ClampsTheMergedConfidence_WhenInputsAreOutOfRange()
    {
        var group = Consolidation.Find(
            [
                Insight(1, "Late delivery of the blue kettle", confidence: 1.7),
                Insight(2, "late delivery, blue kettle", confidence: -0.3),
            ],
            Defaults).Single();

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

        static Guid Canonical(params InsightRecord[] insights) => Consolidation.Find(insights, Defaults).Single().CanonicalId;
    }

    [Fact]
    public void Find_ReturnsGroupsOrderedByCanonicalId()
    {
        var groups = Consolidation.Find(
            [
                Insight(9, "Invoice address is outdated"),
                Insight(4, "invoice address outdated"),
                Insight(7, "Late delivery of the blue kettle"),
                Insight(8, "late delivery, blue kettle"),
                Insight(2, "Customer wants paper invoices"),
                Insight(3, "customer wants paper invoice"),
            ],
            Defaults);

        groups.Select(g => g.CanonicalId).ShouldBe([Id(2), Id(4), Id(7)]);
    }

    [Fact]
    public void Find_MergesThousandsOfIdenticalInsights_PerEntity()
    {
        // One big LSH bucket, with members about two different entities interleaved.
        var insights = Enumerable.Range(1, 4000)
            .Select(i => Insight(i, "Customer complains about late delivery of the blue kettle", [i % 2 == 0 ? "even" : "odd"]))
            .ToList();

        var groups = Consolidation.Find(insights, Defaults);

        groups.Count.ShouldBe(2);
        groups.ShouldAllBe(g => g.MergedIds.Count == 1999);
        groups.Sum(g => g.ReinforcementCount).ShouldBe(4000);
    }

    [Fact]
    public void Find_IsDeterministic_WhenTheInputIsShuffled()
    {
        var corpus = SyntheticCorpus.Build(2_000, seed: 7);
        var expected = Consolidation.Find(corpus.Insights, Defaults);
        expected.ShouldNotBeEmpty();

        var random = new Random(11);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var shuffled = corpus.Insights.ToArray();
            random.Shuffle(shuffled);
            var actual = Consolidation.Find(shuffled, Defaults);

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
    [InlineData(0.6, 48, 10)]
    [InlineData(0.6, 48, 0)]
    [InlineData(0.6, 0, 12)]
    [InlineData(0.6, -48, 12)]
    [InlineData(0.6, 48, -12)]
    [InlineData(0.0, 48, 12)]
    [InlineData(-0.1, 48, 12)]
    [InlineData(1.01, 48, 12)]
    [InlineData(double.NaN, 48, 12)]
    public void Find_Throws_WhenOptionsAreInvalid(double threshold, int hashes, int bands)
    {
        Should.Throw<ArgumentException>(() => Consolidation.Find([], new ConsolidationOptions(threshold, hashes, bands)));
    }

    [Theory]
    [InlineData(1.0, 48, 12)]
    [InlineData(0.6, 48, 48)]
    [InlineData(0.6, 48, 1)]
    [InlineData(0.8, 128, 32)]
    [InlineData(0.6, 30, 10)] // not a multiple of the vector width: the scalar path
    public void Find_AcceptsOptions_WhenHashesAreAMultipleOfBands(double threshold, int hashes, int bands)
    {
        var groups = Consolidation.Find(
            [
                Insight(1, "Customer complains about late delivery of the blue kettle"),
                Insight(2, "late delivery of blue kettle: customers complaining!"),
            ],
            new ConsolidationOptions(threshold, hashes, bands));

        ShouldBeGroups(groups, [1, 2]);
    }

    [Theory]
    [InlineData("blue complain customer delivery kettle late", 48)]
    [InlineData("tv", 48)]
    [InlineData("доставка задерживается 配送 遅延", 128)]
    public void MinHash_VectorizedAndScalarSignaturesAgree(string normalized, int hashes)
    {
        var functions = Consolidation.MinHashFunctions.Create(hashes);
        var scalar = new uint[hashes];
        var vectorized = new uint[hashes];

        functions.SignScalar(normalized, scalar);
        functions.SignVectorized(normalized, vectorized);

        vectorized.ShouldBe(scalar);
        scalar.ShouldNotContain(uint.MaxValue);
    }

    [Fact]
    public void Jaccard_IsExact_OnDistinctShingles()
    {
        var a = Consolidation.Shingles("abcdef"); // abcd bcde cdef
        var b = Consolidation.Shingles("abcdxf"); // abcd bcdx cdxf

        Consolidation.Jaccard(a, a).ShouldBe(1);
        Consolidation.Jaccard(a, b).ShouldBe(1.0 / 5);
        Consolidation.Shingles("aaaaaaaa").Length.ShouldBe(1);
        Consolidation.Shingles("tv").Length.ShouldBe(1);
    }

    [Fact]
    public void Find_Throws_WhenTheInputIsMalformed()
    {
        Should.Throw<ArgumentNullException>(() => Consolidation.Find(null!, Defaults));
        Should.Throw<ArgumentNullException>(() => Consolidation.Find([], null!));
        Should.Throw<ArgumentException>(() => Consolidation.Find([Insight(1, "a b c"), null!], Defaults));
        Should.Throw<ArgumentException>(() => Consolidation.Find([Insight(1, "kettle"), Insight(1, "toaster")], Defaults));
        Should.Throw<ArgumentException>(() => Consolidation.Find([Insight(1, "kettle") with { Content = null! }], Defaults));
    }

    [Fact]
    public void Find_RecoversThePlantedGroups_InA5000InsightCorpus_WithNoFalseMerges()
    {
        var corpus = SyntheticCorpus.Build(5_000, seed: 1);
        corpus.PlantedGroups.Count.ShouldBeGreaterThan(150);

        var groups = Consolidation.Find(corpus.Insights, Defaults);

        ShouldBeExactlyThePlantedGroups(groups, corpus);
    }

    [Fact]
    public void Find_RecoversThePlantedGroups_In100000Insights()
    {
        // A scale test, not a benchmark: it proves the work stays near-linear (a quadratic step would not finish),
        // and that candidate generation loses none of the planted duplicates at this size.
        var corpus = SyntheticCorpus.Build(100_000, seed: 2);
        corpus.PlantedGroups.Count.ShouldBeGreaterThan(4_000);

        var groups = Consolidation.Find(corpus.Insights, Defaults);

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
        string[] pool = ["a", "b", "c", "d"];
        var insights = Enumerable.Range(1, 600)
            .Select(i => Insight(i, texts[random.Next(texts.Length)], [.. pool.Where(_ => random.Next(3) == 0)]))
            .ToList();
        var byId = insights.ToDictionary(i => i.Id);

        var groups = Consolidation.Find(insights, Defaults);

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
    /// text for a different entity and must stay apart; merged and stale copies must be ignored.
    /// </summary>
    internal sealed class SyntheticCorpus
    {
        private static readonly string[] StopWords =
            ["the", "a", "of", "to", "and", "in", "is", "was", "for", "with", "about", "very", "really", "their", "it", "on", "by"];

        private readonly Random _random;
        private readonly string[] _vocabulary;
        private readonly double[] _cumulative;

        private SyntheticCorpus(int seed)
        {
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

        /// <summary>The id sets every merge group must have, exactly.</summary>
        public List<HashSet<Guid>> PlantedGroups { get; } = [];

        public static SyntheticCorpus Build(int count, int seed)
        {
            var corpus = new SyntheticCorpus(seed);
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
                string[] entities = _random.NextDouble() switch
                {
                    < 0.10 => [],
                    < 0.75 => [$"customer-{_random.Next(customers)}"],
                    _ => [$"customer-{_random.Next(customers)}", $"product-{_random.Next(products)}"],
                };
                var original = Add(Render(words), entities, InsightStatus.Active);

                var roll = _random.NextDouble();
                if (roll < 0.065)
                {
                    var group = new HashSet<Guid> { original.Id };
                    // All paraphrases of one group share one entity set, so that the group is pairwise compatible.
                    var paraphraseEntities = entities.Length == 2 && _random.Next(4) == 0 ? [entities[_random.Next(2)]] : entities;
                    for (var copies = 1 + _random.Next(2); copies > 0; copies--)
                    {
                        group.Add(Add(Paraphrase(words), paraphraseEntities, InsightStatus.Active).Id);
                    }
                    PlantedGroups.Add(group);
                }
                else if (roll < 0.08)
                {
                    // Same text, another entity: must not merge.
                    var other = $"customer-{customers + _random.Next(customers)}";
                    Add(Paraphrase(words), [other], InsightStatus.Active);
                }
                else if (roll < 0.09)
                {
                    Add(Render(words), entities, _random.Next(2) == 0 ? InsightStatus.Merged : InsightStatus.Stale);
                }
            }
            _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Insights));
        }

        private InsightRecord Add(string content, string[] entities, string status)
        {
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

        private string Paraphrase(List<string> original)
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
            if (content >= 10 && _random.Next(2) == 0)
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
