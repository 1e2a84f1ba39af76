using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

public class ThemeNamesTests
{
    private static ClassTerm Term(string term, double weight, int documents = 2, string? display = null) =>
        new(term, display ?? term, weight, documents);

    /// <summary>A unit vector at <paramref name="cosine"/> to the first axis (the centroid below).</summary>
    private static float[] At(double cosine) => [(float)cosine, (float)Math.Sqrt(1 - (cosine * cosine))];

    private static readonly float[] Centroid = [1f, 0f];

    [Fact]
    public void CandidatesOf_DropsPhrasesOfOneText_ButKeepsItsWords()
    {
        ClassTerm[] terms = [Term("colour", 3, documents: 1), Term("real life", 2, documents: 1), Term("wrong colour", 1, documents: 2)];

        ThemeNames.CandidatesOf(terms).Select(t => t.Term).ShouldBe(["colour", "wrong colour"]);
    }

    [Fact]
    public void CandidatesOf_KeepsTheFirstThirtyTerms()
    {
        var terms = Enumerable.Range(0, 40).Select(i => Term($"w{i:D2}", 40 - i)).ToList();

        ThemeNames.CandidatesOf(terms).Select(t => t.Term).ShouldBe(terms.Take(ThemeNames.Candidates).Select(t => t.Term));
    }

    [Fact]
    public void Rank_OrdersByMeaning_NotByTermWeight()
    {
        // "real" is the heavier c-TF-IDF term, "colour" the one that means what the theme says.
        ClassTerm[] candidates = [Term("real", 9, documents: 2), Term("colour", 1, documents: 2)];

        var ranked = ThemeNames.Rank(candidates, [At(0.2), At(0.6)], Centroid);

        ranked.Select(t => t.Term).ShouldBe(["colour", "real"]);
        ranked[0].Weight.ShouldBe(0.6 * (1 + (ThemeNames.RecurrenceBonus * Math.Log(2))), tolerance: 1e-6);
    }

    [Fact]
    public void Rank_FavoursTermsFoundInMoreTexts_WhenEquallyNear()
    {
        ClassTerm[] candidates = [Term("once", 1, documents: 1), Term("often", 1, documents: 4)];

        ThemeNames.Rank(candidates, [At(0.5), At(0.5)], Centroid).Select(t => t.Term).ShouldBe(["often", "once"]);
    }

    [Fact]
    public void Rank_Throws_WhenVectorsAndTermsDiffer()
    {
        Should.Throw<ArgumentException>(() => ThemeNames.Rank([Term("a", 1)], [], Centroid));
    }

    [Fact]
    public void Name_TakesUpToThreeTerms_WithinTheShareOfTheFirst()
    {
        ClassTerm[] ranked = [Term("smell", 1.0), Term("odour", 0.95), Term("fumes", 0.9), Term("plastic", 0.88), Term("box", 0.5)];

        ThemeNames.Name(ranked).ShouldBe("smell, odour, fumes");
        ThemeNames.Name([Term("smell", 1.0), Term("box", 0.84)]).ShouldBe("smell");
    }

    [Fact]
    public void Name_SkipsTermsThatRepeatAWord()
    {
        ClassTerm[] ranked = [Term("strap", 1.0, documents: 5), Term("strap snapped", 0.95, documents: 2), Term("buckle", 0.9)];

        ThemeNames.Name(ranked).ShouldBe("strap, buckle"); // "strap snapped" is in too few texts to replace "strap"
    }

    [Fact]
    public void Name_PrefersAPhrase_ToTheWordsInsideIt_WhenNearlyAsCommon()
    {
        ClassTerm[] ranked =
        [
            Term("late", 1.0, documents: 5), Term("delivery", 0.99, documents: 6), Term("late delivery", 0.95, documents: 5),
        ];

        ThemeNames.Name(ranked).ShouldBe("late delivery");
    }

    [Fact]
    public void Name_ShowsTermsAsWritten()
    {
        ThemeNames.Name([Term("arrive late", 1.0, display: "arrived late")]).ShouldBe("arrived late");
    }

    [Fact]
    public void Name_IsEmpty_WithoutTerms()
    {
        ThemeNames.Name([]).ShouldBe(string.Empty);
    }

    [Fact]
    public void TermsOf_GivesTheStemsOfEachPartOfAName()
    {
        ThemeNames.TermsOf("late deliveries, Couriers").ShouldBe(["late delivery", "courier"]);
    }

    [Fact]
    public void NameOrText_FallsBackToTheRepresentativeText_Cut_WhenNoTermIsLeft()
    {
        ThemeNames.NameOrText([], "  Order 4711 for ACME  ").ShouldBe("Order 4711 for ACME");
        ThemeNames.NameOrText([], new string('x', 70)).ShouldBe(new string('x', 60) + "…");
        ThemeNames.NameOrText([], " ").ShouldBe("untitled");
    }

    [Fact]
    public void Unique_NumbersARepeatedName()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);

        ThemeNames.Unique("late delivery", used).ShouldBe("late delivery");
        ThemeNames.Unique("late delivery", used).ShouldBe("late delivery (2)");
        ThemeNames.Unique("late delivery", used).ShouldBe("late delivery (3)");
        used.Count.ShouldBe(3);
    }
}
