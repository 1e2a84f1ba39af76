using Nexus.Jobs.AiJobs.Handlers;

namespace Nexus.Jobs.Tests;

public class VisibilityModelTests
{
    private const string Brand = "Acme";
    private const string Title = "Acme PulseBlend 900 Countertop Blender";

    [Fact]
    public void Questions_AreDeterministic_AndNameTheCategory()
    {
        var questions = VisibilityModel.Questions("blenders", null);

        questions.Count.ShouldBeInRange(4, 6);
        questions.ShouldAllBe(q => q.Contains("blenders", StringComparison.Ordinal) && q.EndsWith('?'));
        questions.ShouldBe(VisibilityModel.Questions("blenders", null));
        questions.ShouldContain("What is the best blenders to buy?");
        questions.ShouldContain("Which blenders brands are most reliable?");
        questions.ShouldAllBe(q => !q.Contains(" on ", StringComparison.Ordinal));
    }

    [Fact]
    public void Questions_NameTheMarketplace_WhenGiven()
    {
        var questions = VisibilityModel.Questions("running_shoes", "amazon_us");

        questions.ShouldAllBe(q => q.Contains("on Amazon US", StringComparison.Ordinal));
        questions.ShouldContain("What is the best running shoes to buy on Amazon US?");
        VisibilityModel.Questions("kettles", "ebay_de")[0].ShouldBe("What is the best kettles to buy on eBay DE?");
    }

    [Fact]
    public void Score_IsZero_WhenTheBrandIsNotMentioned()
    {
        var result = VisibilityModel.Score("I would pick a Vitamix or a Ninja.", Brand, Title, ["Vitamix", "Ninja"]);
        result.ShouldBe(new VisibilityScore(false, false, null, 0));
    }

    [Fact]
    public void Score_IsOne_WhenFirstInANumberedList()
    {
        const string answer = """
            Here are my picks:
            1. Acme - powerful and affordable.
            2. Vitamix - premium build.
            3. Ninja - great value.
            """;

        var result = VisibilityModel.Score(answer, Brand, Title);

        result.BrandMentioned.ShouldBeTrue();
        result.ProductMentioned.ShouldBeFalse();
        result.Rank.ShouldBe(1);
        result.Score.ShouldBe(1);
    }

    [Fact]
    public void Score_IsAThird_WhenThirdInTheList()
    {
        const string answer = """
            1. **Vitamix** 5200 - the benchmark.
            2. Ninja Professional - great value.
            3. Acme - a solid budget choice.
            """;

        var result = VisibilityModel.Score(answer, Brand, Title);

        result.Rank.ShouldBe(3);
        result.Score.ShouldBe(1.0 / 3, 1e-12);
    }

    [Fact]
    public void Score_CountsKnownCompetitorsMentionedInProse()
    {
        const string answer = "Vitamix and Breville lead the market, though Acme is catching up.";

        VisibilityModel.Score(answer, Brand, Title).Rank.ShouldBe(1); // no list, no known competitors
        var result = VisibilityModel.Score(answer, Brand, Title, ["Vitamix", "Breville", "Ninja"]);

        result.Rank.ShouldBe(3);
        result.Score.ShouldBe(1.0 / 3, 1e-12);
    }

    [Fact]
    public void Score_GivesABonus_WhenTheProductIsNamed()
    {
        const string answer = """
            1. Vitamix 5200 - the benchmark.
            2. Acme PulseBlend 900 - strong motor for the price.
            """;

        var result = VisibilityModel.Score(answer, Brand, Title);

        result.ProductMentioned.ShouldBeTrue();
        result.Rank.ShouldBe(2);
        result.Score.ShouldBe(0.75, 1e-12);
    }

    [Fact]
    public void Score_CapsTheBonusAtOne_AndMatchesTheFullTitle()
    {
        var result = VisibilityModel.Score("Get the acme pulseblend 900 countertop blender.", Brand, Title);

        result.ProductMentioned.ShouldBeTrue();
        result.Score.ShouldBe(1);
    }

    [Fact]
    public void Score_DoesNotCountGenericTitleWordsNextToARival()
    {
        const string answer = "The best countertop blender is the Vitamix 5200. Acme is cheaper.";

        var result = VisibilityModel.Score(answer, Brand, Title, ["Vitamix"]);

        result.ProductMentioned.ShouldBeFalse();
        result.Rank.ShouldBe(2);
        result.Score.ShouldBe(0.5, 1e-12);
    }

    [Fact]
    public void Score_IsCaseInsensitive()
    {
        var result = VisibilityModel.Score("I like ACME blenders.", Brand, Title);
        result.BrandMentioned.ShouldBeTrue();
        result.Rank.ShouldBe(1);
    }

    [Fact]
    public void Score_MatchesWholeWordsOnly()
    {
        var result = VisibilityModel.Score("Visit the Acmeville store for blenders.", Brand, Title);
        result.BrandMentioned.ShouldBeFalse();
        result.Score.ShouldBe(0);

        VisibilityModel.Score("Acme's blender is fine.", Brand, Title).BrandMentioned.ShouldBeTrue();
    }
}
