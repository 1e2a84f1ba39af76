using System.Diagnostics;
using Nexus.Jobs.Language;
using Xunit.Abstractions;

namespace Nexus.Jobs.Tests.Language;

public class ThemeClusteringTests(ITestOutputHelper output)
{
    private const int Dimensions = 256;

    /// <summary>
    /// Unit vectors whose cosine is known exactly: sqrt(w) x a theme axis + sqrt(1 - w) x an axis of the item's own. Two
    /// items of one theme are w alike; items of different themes w x (their axes' cosine); items of no theme 0.
    /// </summary>
    private sealed class Space
    {
        private readonly List<float[]> axes = [];
        private int nextOwnAxis = 200;

        public List<float[]> Items { get; } = [];

        /// <summary>A theme axis; <paramref name="like"/> and <paramref name="cosine"/> tilt it towards an earlier one.</summary>
        public int Axis(int? like = null, double cosine = 0)
        {
            var axis = new float[Dimensions];
            axis[axes.Count] = 1f;
            if (like is { } other)
            {
                for (var d = 0; d < Dimensions; d++)
                {
                    axis[d] = (float)((cosine * axes[other][d]) + (Math.Sqrt(1 - (cosine * cosine)) * (d == axes.Count ? 1 : 0)));
                }
            }
            axes.Add(axis);
            return axes.Count - 1;
        }

        /// <summary>Adds <paramref name="count"/> items of theme <paramref name="axis"/>, <paramref name="within"/> alike; returns their indexes.</summary>
        public List<int> Add(int axis, int count, double within)
        {
            var added = new List<int>();
            for (var k = 0; k < count; k++)
            {
                var vector = new float[Dimensions];
                for (var d = 0; d < Dimensions; d++)
                {
                    vector[d] = (float)(Math.Sqrt(within) * axes[axis][d]);
                }
                vector[nextOwnAxis++] += (float)Math.Sqrt(1 - within);
                Vectors.Normalize(vector);
                added.Add(Items.Count);
                Items.Add(vector);
            }
            return added;
        }

        /// <summary>Adds <paramref name="count"/> items alike to nothing.</summary>
        public List<int> Noise(int count)
        {
            var added = new List<int>();
            for (var k = 0; k < count; k++)
            {
                var vector = new float[Dimensions];
                vector[nextOwnAxis++] = 1f;
                added.Add(Items.Count);
                Items.Add(vector);
            }
            return added;
        }
    }

    [Fact]
    public void Themes_GroupsLooselyAlikeItems_WhenTheirMeanSimilarityReachesTheThreshold()
    {
        // Paraphrases of one complaint are only ~0.3 alike pair by pair; a second theme is as loose; noise is alike to nothing.
        var space = new Space();
        var late = space.Add(space.Axis(), 8, within: 0.3);
        var noisy = space.Add(space.Axis(), 6, within: 0.3);
        space.Noise(15);

        var themes = ThemeClustering.Themes(space.Items, threshold: 0.225f, minSize: 5);

        themes.Select(t => t.Members).ShouldBe([late, noisy]);
    }

    [Fact]
    public void Themes_LeavesAGroupOut_WhenItsItemsAreLessAlikeThanTheThreshold()
    {
        var space = new Space();
        var loose = space.Add(space.Axis(), 8, within: 0.2);

        ThemeClustering.Themes(space.Items, threshold: 0.225f, minSize: 5).ShouldBeEmpty();
        ThemeClustering.Themes(space.Items, threshold: 0.15f, minSize: 5).Single().Members.ShouldBe(loose);
    }

    [Fact]
    public void Themes_LeavesAGroupOut_WhenItHasFewerThanMinSizeItems()
    {
        var space = new Space();
        var four = space.Add(space.Axis(), 4, within: 0.5);

        ThemeClustering.Themes(space.Items, 0.225f, minSize: 5).ShouldBeEmpty();
        ThemeClustering.Themes(space.Items, 0.225f, minSize: 4).Single().Members.ShouldBe(four);
    }

    [Fact]
    public void Themes_KeepsTwoTightGroupsApart_WhenTheyAreLessAlikeAcrossThanTheGuardAsks()
    {
        // Near-duplicates of two different complaints: 0.9 alike inside, 0.36 across. The mean across reaches the threshold
        // (0.3) but not 0.8 x min(0.5, 0.9) = 0.4, so "late delivery of the X" and "damaged box of the X" stay two themes.
        var space = new Space();
        var first = space.Axis();
        var late = space.Add(first, 6, within: 0.9);
        var damaged = space.Add(space.Axis(like: first, cosine: 0.4), 6, within: 0.9);

        var themes = ThemeClustering.Themes(space.Items, threshold: 0.3f, minSize: 5);

        themes.Select(t => t.Members).ShouldBe([late, damaged]);
    }

    [Fact]
    public void Themes_MergesTwoLooseGroups_WhenTheyAreAsAlikeAcrossAsInside()
    {
        // Two halves of one loosely worded theme: 0.45 alike inside, 0.38 across, above 0.8 x 0.45 = 0.36: one theme.
        var space = new Space();
        var first = space.Axis();
        var half = space.Add(first, 5, within: 0.45);
        var other = space.Add(space.Axis(like: first, cosine: 0.85), 5, within: 0.45);

        var theme = ThemeClustering.Themes(space.Items, threshold: 0.3f, minSize: 5).ShouldHaveSingleItem();

        theme.Members.ShouldBe([.. half, .. other]);
    }

    [Fact]
    public void Themes_CountsRepeatedVectors_AsItemsOfTheirOwn()
    {
        var space = new Space();
        space.Add(space.Axis(), 1, within: 0.5);
        var copies = Enumerable.Repeat(space.Items[0], 6).ToList();

        ThemeClustering.Themes(copies, 0.225f, minSize: 5).Single().Members.ShouldBe([0, 1, 2, 3, 4, 5]);
        ThemeClustering.Themes(copies, 0.225f, minSize: 7).ShouldBeEmpty();
    }

    [Fact]
    public void Themes_OrdersLargestFirst_ThenByFirstMember()
    {
        var space = new Space();
        var small = space.Add(space.Axis(), 5, within: 0.4);
        var large = space.Add(space.Axis(), 7, within: 0.4);
        var alsoSmall = space.Add(space.Axis(), 5, within: 0.4);

        ThemeClustering.Themes(space.Items, 0.225f, 5).Select(t => t.Members).ShouldBe([large, small, alsoSmall]);
    }

    [Fact]
    public void Themes_PicksTheMemberNearestTheCentroid_AsRepresentative()
    {
        var space = new Space();
        var axis = space.Axis();
        space.Add(axis, 3, within: 0.3);
        var central = space.Add(axis, 1, within: 0.7).Single(); // leans furthest towards what the theme shares
        space.Add(axis, 3, within: 0.3);

        ThemeClustering.Themes(space.Items, 0.2f, 5).Single().Representative.ShouldBe(central);
    }

    [Fact]
    public void Themes_GivesTheSameGroups_WhateverTheInputOrder()
    {
        var space = new Space();
        space.Add(space.Axis(), 8, within: 0.3);
        var first = space.Axis();
        space.Add(first, 7, within: 0.5);
        space.Add(space.Axis(like: first, cosine: 0.6), 6, within: 0.5);
        space.Noise(10);
        var expected = ThemeClustering.Themes(space.Items, 0.225f, 5).Select(t => string.Join(',', t.Members)).ToList();
        expected.Count.ShouldBe(3);

        var random = new Random(5);
        for (var round = 0; round < 5; round++)
        {
            var order = Enumerable.Range(0, space.Items.Count).OrderBy(_ => random.Next()).ToArray();
            var themes = ThemeClustering.Themes([.. order.Select(i => space.Items[i])], 0.225f, 5);
            themes.Select(t => string.Join(',', t.Members.Select(m => order[m]).Order())).ShouldBe(expected);
        }
    }

    [Fact]
    public void Smooth_MovesAVectorTowardsItsThreeNearestNeighbours_ByTheirSimilarity()
    {
        float[] Unit(params float[] v)
        {
            Vectors.Normalize(v);
            return v;
        }
        var a = Unit(1, 0, 0, 0, 0);
        var near = Unit(0.8f, 0.6f, 0, 0, 0);   // 0.8 alike
        var next = Unit(0.6f, 0, 0.8f, 0, 0);   // 0.6
        var third = Unit(0.5f, 0, 0, 0.866f, 0); // 0.5
        var fourth = Unit(0.3f, 0, 0, 0, 0.954f); // 0.3: not among the three nearest
        var far = Unit(0, 0, 0, 0, 1);           // 0: no neighbour of anything but fourth

        var smoothed = ThemeClustering.Smooth([a, near, next, third, fourth, far]);

        var expected = (float[])a.Clone();
        foreach (var v in new[] { near, next, third })
        {
            for (var d = 0; d < expected.Length; d++)
            {
                expected[d] += Vectors.Cosine(a, v) / 3 * v[d];
            }
        }
        Vectors.Normalize(expected);
        smoothed[0].ShouldBe(expected, tolerance: 1e-5f);
        var alone = Unit(0, 0, 0, 0, 1);
        Vectors.Cosine(smoothed[5], alone).ShouldBeGreaterThan(0.95f); // only "fourth" (0.95 alike) pulls it
    }

    [Fact]
    public void Smooth_LeavesAVectorAlone_WhenNothingIsAtLeastTheFloorAlike()
    {
        var space = new Space();
        var noise = space.Noise(3);

        var smoothed = ThemeClustering.Smooth(space.Items);

        noise.ShouldAllBe(i => smoothed[i].SequenceEqual(space.Items[i]));
    }

    [Fact]
    public void Smooth_KeepsIdenticalVectorsIdentical_AndNeverCountsACopyAsANeighbour()
    {
        var space = new Space();
        space.Noise(2);
        var copies = new List<float[]> { space.Items[0], space.Items[0], space.Items[1], space.Items[0] };

        var smoothed = ThemeClustering.Smooth(copies);

        smoothed[0].ShouldBe(space.Items[0]);
        smoothed[1].ShouldBe(smoothed[0]);
        smoothed[3].ShouldBe(smoothed[0]);
    }

    [Fact]
    public void Smooth_DrawsLooselyWordedItemsOfOneThemeTogether()
    {
        var space = new Space();
        var theme = space.Add(space.Axis(), 8, within: 0.3);
        var noise = space.Noise(5);

        var smoothed = ThemeClustering.Smooth(space.Items);

        Vectors.Cosine(smoothed[theme[0]], smoothed[theme[1]]).ShouldBeGreaterThan(0.45f);
        Vectors.Cosine(smoothed[theme[0]], smoothed[noise[0]]).ShouldBe(0f, tolerance: 1e-6f);
        ThemeClustering.Smooth([]).ShouldBeEmpty();
    }

    [Fact]
    public void Themes_ReturnsNothing_ForNoVectors()
    {
        ThemeClustering.Themes([], 0.225f, 5).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(-1f, 5)]
    [InlineData(1.5f, 5)]
    [InlineData(float.NaN, 5)]
    [InlineData(0.3f, 0)]
    public void Themes_Throws_WhenArgumentsAreInvalid(float threshold, int minSize)
    {
        Should.Throw<ArgumentOutOfRangeException>(() => ThemeClustering.Themes([new float[4]], threshold, minSize));
    }

    [Fact]
    public void Themes_Throws_WhenVectorsDifferInWidth()
    {
        Should.Throw<ArgumentException>(() => ThemeClustering.Themes([new float[4], new float[3]], 0.3f, 2));
    }

    [Fact]
    public void Themes_FindsPlantedThemes_AmongThousandsOfVectors()
    {
        // 20 themes of 30 items about 0.35 alike, among 1,400 random 384-dimensional vectors (random pairs ~0 +- 0.05).
        const int width = 384;
        var random = new Random(11);
        float[] RandomUnit()
        {
            var v = new float[width];
            for (var d = 0; d < width; d++)
            {
                v[d] = (float)((random.NextDouble() * 2) - 1);
            }
            Vectors.Normalize(v);
            return v;
        }

        var vectors = new List<float[]>();
        var truth = new List<List<int>>();
        for (var theme = 0; theme < 20; theme++)
        {
            var axis = RandomUnit();
            var members = new List<int>();
            for (var k = 0; k < 30; k++)
            {
                var own = RandomUnit();
                var v = new float[width];
                for (var d = 0; d < width; d++)
                {
                    v[d] = (float)((Math.Sqrt(0.35) * axis[d]) + (Math.Sqrt(0.65) * own[d]));
                }
                Vectors.Normalize(v);
                members.Add(vectors.Count);
                vectors.Add(v);
            }
            truth.Add(members);
        }
        for (var k = 0; k < 1_400; k++)
        {
            vectors.Add(RandomUnit());
        }
        var shuffled = Enumerable.Range(0, vectors.Count).OrderBy(_ => random.Next()).ToArray();

        var stopwatch = Stopwatch.StartNew();
        var themes = ThemeClustering.Themes([.. shuffled.Select(i => vectors[i])], 0.225f, 5);
        stopwatch.Stop();
        output.WriteLine($"{vectors.Count:N0} vectors: {stopwatch.ElapsedMilliseconds} ms, {themes.Count} themes");

        themes.Select(t => string.Join(',', t.Members.Select(m => shuffled[m]).Order())).Order(StringComparer.Ordinal)
            .ShouldBe(truth.Select(t => string.Join(',', t)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Assign_JoinsEachOtherItemToTheThemeItIsMostAlikeTo_AsAlikeAsItsMembersAreLessTheMargin()
    {
        static float[] Unit(params float[] v)
        {
            Vectors.Normalize(v);
            return v;
        }
        float[][] vectors =
        [
            Unit(1, 0.1f, 0), Unit(1, -0.1f, 0),    // theme 0: coherence 0.98
            Unit(0, 1, 0.3f), Unit(0, 1, -0.3f),    // theme 1: coherence 0.83
            Unit(1, 0, 0.05f),                      // 4: alike to theme 0
            Unit(0.1f, 1, 0),                       // 5: alike to theme 1
            Unit(0.75f, 0.66f, 0),                  // 6: between them, alike enough to neither
            Unit(0, 0, 1),                          // 7: alike to nothing
        ];

        var members = ThemeClustering.Assign([[0, 1], [2, 3]], vectors, [4, 5, 6, 7]);

        members[0].ShouldBe([0, 1, 4]);
        members[1].ShouldBe([2, 3, 5]);
        Should.Throw<ArgumentException>(() => ThemeClustering.Assign([[0]], vectors, [4]));
    }
}
