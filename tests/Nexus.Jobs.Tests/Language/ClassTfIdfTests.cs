using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

public class ClassTfIdfTests
{
    private static readonly HashSet<string> NothingExcluded = new(StringComparer.Ordinal);

    private static IReadOnlyList<ClassTerm>[] Terms(IReadOnlyList<IReadOnlyList<string>> classes, ISet<string>? excluded = null, int top = 50) =>
        ClassTfIdf.Terms(classes, (IReadOnlySet<string>?)excluded ?? NothingExcluded, top);

    [Fact]
    public void Terms_WeighsAWordOfOneClass_AboveAWordEveryClassUses()
    {
        IReadOnlyList<string>[] classes =
        [
            ["Battery drains overnight, delivery was fine", "Battery drains in an hour, delivery fine"],
            ["Delivery fine but the lid leaks", "Lid leaks, delivery fine"],
            ["Delivery fine, strap broke", "Strap broke, delivery fine"],
        ];

        var battery = Terms(classes)[0];

        battery.Select(t => t.Term).Take(3).ShouldBe(["battery", "battery drain", "drain"]);
        // Same share of the class's terms (2 of 16), but "delivery" is in all six texts: ln(1 + 41/3/2) over ln(1 + 41/3/6).
        battery.Single(t => t.Term == "battery").Weight.ShouldBe(battery.Single(t => t.Term == "delivery").Weight * Math.Log(1 + (41 / 3.0 / 2)) / Math.Log(1 + (41 / 3.0 / 6)), tolerance: 1e-12);
    }

    [Fact]
    public void Terms_WeighsEachTermAsTfTimesLogOfAverageOverFrequency()
    {
        // Class 0 has the terms {lid, leak, lid leak} and {leak}: tf(leak) = 2/4 (a term counts once per text). Class 1 has
        // {strap, broke, strap broke}: 7 occurrences in 2 classes, A = 3.5; f(leak) = 2.
        IReadOnlyList<string>[] classes = [["lid leaks", "leaks"], ["strap broke"]];

        var leak = Terms(classes)[0].Single(t => t.Term == "leak");

        leak.Weight.ShouldBe(2.0 / 4 * Math.Log(1 + (3.5 / 2)), tolerance: 1e-12);
        leak.Documents.ShouldBe(2);
    }

    [Fact]
    public void Terms_CountsATermOncePerText()
    {
        IReadOnlyList<string>[] classes = [["leak leak leak leak", "lid"], ["strap"]];

        var terms = Terms(classes)[0];

        terms.Single(t => t.Term == "leak").Documents.ShouldBe(1);
        terms.Single(t => t.Term == "leak").Weight.ShouldBe(terms.Single(t => t.Term == "lid").Weight, tolerance: 1e-12);
        terms.ShouldNotContain(t => t.Term == "leak leak"); // a word next to itself is no phrase
    }

    [Fact]
    public void Terms_PairsAdjacentWordsWithinAClauseOnly()
    {
        var terms = Terms([["The lid leaks. Strap broke; zip stuck, handle loose"]])[0].Select(t => t.Term).ToList();

        terms.ShouldContain("lid leak");
        terms.ShouldContain("strap broke");
        terms.ShouldNotContain("leak strap");
        terms.ShouldNotContain("broke zip");
        terms.ShouldNotContain("stuck handle");
    }

    [Fact]
    public void Terms_NeverUsesExcludedWords_NorPairsAcrossThem()
    {
        var excluded = ClassTfIdf.StemsOf([.. ClassTfIdf.GenericWords, "Aurora Kettle"]);

        var terms = Terms([["Buyers say the lid leaks", "Customers report the Aurora kettle lid leaks", "lid leaks for shoppers"]], excluded)[0]
            .Select(t => t.Term).ToList();

        terms.ShouldContain("lid leak");
        terms.ShouldAllBe(t => !t.Split(' ', StringSplitOptions.None).Any(excluded.Contains));
        terms.ShouldNotContain("report lid");
    }

    [Fact]
    public void Terms_SkipsNumbersAndLoneNegations_ButKeepsANegatedPair()
    {
        var terms = Terms([["Not fresh after 3 days", "never fresh"]])[0].Select(t => t.Term).ToList();

        terms.ShouldContain("not fresh");
        terms.ShouldContain("never fresh");
        terms.ShouldContain("fresh");
        terms.ShouldNotContain("not");
        terms.ShouldNotContain("3");
        terms.ShouldNotContain("3 day");
    }

    [Fact]
    public void Terms_ShowsEachStemAsItsMostFrequentWrittenForm()
    {
        var terms = Terms([["Arrived late", "It arrived late", "arriving late again"]])[0];

        terms.Single(t => t.Term == "arriv late").Display.ShouldBe("arrived late");
    }

    [Fact]
    public void Terms_ReturnsNoTerms_ForClassesNotAskedFor_ButCountsThemInFrequencies()
    {
        IReadOnlyList<string>[] classes = [["lid leaks", "lid leaks"], ["lid", "lid", "lid", "lid"]];

        var terms = ClassTfIdf.Terms(classes, NothingExcluded, 10, c => c == 0);
        var alone = Terms([classes[0]])[0];

        terms[1].ShouldBeEmpty();
        terms[0][0].Term.ShouldBe("leak"); // "lid" is common in the other class, so "leak" comes first
        alone.Select(t => t.Term).ShouldBe(["leak", "lid", "lid leak"]); // without it the three tie (ordinal)
    }

    [Fact]
    public void Terms_KeepsTheHeaviest_WhenAskedForFewer()
    {
        Terms([["lid leaks badly today"]], top: 2)[0].Count.ShouldBe(2);
        Terms([[]])[0].ShouldBeEmpty();
    }

    [Fact]
    public void GenericWords_AreNeverTerms_InAnyForm()
    {
        var excluded = ClassTfIdf.StemsOf(ClassTfIdf.GenericWords);

        foreach (var word in new[] { "Customers", "buyer", "Shoppers", "users", "products", "item", "reviews", "people", "seller" })
        {
            Terms([[$"{word} {word} {word}"]], excluded)[0].ShouldBeEmpty(word);
        }
    }
}
