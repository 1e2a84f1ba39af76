using Nexus.Jobs.AiJobs.Handlers;

namespace Nexus.Jobs.Tests;

public class SentimentModelTests
{
    [Theory]
    [InlineData("I love this blender, it is excellent and works great!")]
    [InlineData("Fantastic quality, fast delivery, highly recommend.")]
    public void Score_IsPositive_ForClearlyPositiveReviews(string text)
    {
        var result = SentimentModel.Score(text);
        result.Label.ShouldBe("positive");
        result.Score.ShouldBeGreaterThan(0.5);
    }

    [Theory]
    [InlineData("Terrible. It broke after two days and the delivery was late.")]
    [InlineData("Worst purchase ever, defective and useless, I want a refund.")]
    public void Score_IsNegative_ForClearlyNegativeReviews(string text)
    {
        var result = SentimentModel.Score(text);
        result.Label.ShouldBe("negative");
        result.Score.ShouldBeLessThan(-0.5);
    }

    [Theory]
    [InlineData("The package arrived on Tuesday.")]
    [InlineData("")]
    [InlineData("It is a blue kettle with a one litre capacity.")]
    public void Score_IsNeutral_WithoutSentimentWords(string text)
    {
        var result = SentimentModel.Score(text);
        result.Label.ShouldBe("neutral");
        result.Score.ShouldBe(0);
    }

    [Fact]
    public void Score_StaysWithinMinusOneToOne()
    {
        var gushing = string.Join(' ', Enumerable.Repeat("extremely amazing perfect love", 50));
        var furious = string.Join(' ', Enumerable.Repeat("extremely terrible broken garbage", 50));
        SentimentModel.Score(gushing).Score.ShouldBeInRange(0.99, 1.0);
        SentimentModel.Score(furious).Score.ShouldBeInRange(-1.0, -0.99);
    }

    [Fact]
    public void Score_UsesVaderNormalisation()
    {
        // "love" = 3 alone: 3 / sqrt(9 + 15).
        SentimentModel.Score("love").Score.ShouldBe(3 / Math.Sqrt(24), 1e-12);
    }

    [Fact]
    public void Negation_FlipsGoodToNegative()
    {
        SentimentModel.Score("This is not good.").Label.ShouldBe("negative");
        SentimentModel.Score("It doesn't work well").Label.ShouldBe("negative");
        SentimentModel.Score("Never worked.").Label.ShouldBe("negative");
    }

    [Fact]
    public void Negation_FlipsBadToPositive()
    {
        var result = SentimentModel.Score("Honestly not bad.");
        result.Label.ShouldBe("positive");
        SentimentModel.Score("No problems at all").Label.ShouldBe("positive");
    }

    [Fact]
    public void Negation_ReachesPastAnIntensifier_ButNotPastAComma()
    {
        SentimentModel.Score("not very good").Score.ShouldBeLessThan(SentimentModel.Score("not good").Score);
        SentimentModel.Score("not cheap, but great").Label.ShouldBe("positive");
    }

    [Fact]
    public void Intensifiers_ScaleTheNextWord()
    {
        var good = SentimentModel.Score("good").Score;
        SentimentModel.Score("very good").Score.ShouldBeGreaterThan(good);
        SentimentModel.Score("extremely good").Score.ShouldBeGreaterThan(SentimentModel.Score("very good").Score);
        SentimentModel.Score("slightly good").Score.ShouldBeLessThan(good);
        SentimentModel.Score("slightly good").Score.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void But_WeighsTheClauseAfterIt()
    {
        SentimentModel.Score("good but broke after a week").Label.ShouldBe("negative");
        SentimentModel.Score("The box was damaged but the blender is great").Label.ShouldBe("positive");
    }

    [Fact]
    public void Score_IsCaseInsensitive_AndHandlesCurlyApostrophes()
    {
        SentimentModel.Score("GREAT").Score.ShouldBe(SentimentModel.Score("great").Score);
        SentimentModel.Score("It doesn\u2019t work").Label.ShouldBe("negative");
    }

    [Fact]
    public void NegativeThemes_FindsPlantedThemes()
    {
        string[] reviews =
        [
            "Battery life is awful, barely lasts an hour.",
            "Terrible battery life and the charger stopped working.",
            "The battery life is a joke.",
            "Charger stopped working after a month, battery life short too.",
            "The strap broke. Strap quality is poor.",
            "Strap snapped on day two.",
        ];

        var themes = SentimentModel.NegativeThemes(reviews, 4);

        themes.Count.ShouldBe(4);
        themes[0].ShouldBe(("battery life", 4));
        themes[1].ShouldBe(("charger stopped", 2));
        themes.Select(t => t.Theme).ShouldContain("strap");
        themes.Select(t => t.Theme).ShouldNotContain("battery");
        themes.Select(t => t.Theme).ShouldNotContain("life");
    }

    [Fact]
    public void NegativeThemes_KeepsTheUnigram_WhenNoBigramCoversIt()
    {
        string[] reviews = ["zipper broke", "the zipper jammed", "zipper teeth fell off", "zipper broke again"];

        var themes = SentimentModel.NegativeThemes(reviews, 5);

        // "zipper broke" covers 2 of 4 "zipper" reviews (50%) but all of "broke": it replaces "broke" only.
        themes.ShouldBe([("zipper", 4), ("zipper broke", 2)]);
    }

    [Fact]
    public void NegativeThemes_OrdersTiesOrdinally_AndCountsEachReviewOnce()
    {
        string[] reviews = ["lid lid lid leaks", "lid cracked", "handle leaks", "handle cracked"];

        var themes = SentimentModel.NegativeThemes(reviews, 10);

        themes.ShouldBe([("cracked", 2), ("handle", 2), ("leaks", 2), ("lid", 2)]);
    }

    [Fact]
    public void NegativeThemes_IsEmpty_ForNoTexts()
    {
        SentimentModel.NegativeThemes([], 5).ShouldBeEmpty();
        SentimentModel.NegativeThemes(["one complaint only"], 5).ShouldBeEmpty();
    }
}
