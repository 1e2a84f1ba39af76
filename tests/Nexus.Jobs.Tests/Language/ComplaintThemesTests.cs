using Nexus.Jobs.AiJobs.Handlers;

namespace Nexus.Jobs.Tests.Language;

/// <summary>Negative themes found by meaning with the real model.</summary>
public class ComplaintThemesTests
{
    private static Task<float[][]> Embed(IReadOnlyList<string> texts) => Task.FromResult(SharedModel.Embed(texts));

    [Fact]
    public async Task FindsComplaintsSaidInDifferentWords_NamesThem_AndLeavesOneOffsOut()
    {
        string[] reviews =
        [
            // The battery, never in the same words.
            "The battery is flat by lunchtime.",
            "Needs charging twice a day, the cell just doesn't hold power.",
            "Charge runs out after barely two hours of use.",
            "Battery drains overnight even when switched off.",
            // The strap.
            "The strap snapped after a week.",
            "Wrist band tore at the buckle on day three.",
            "Strap came apart where it joins the case.",
            // One-offs.
            "The instructions were only in German.",
            "Delivery driver left it in the rain.",
        ];

        var themes = await ComplaintThemes.FindAsync(reviews, Embed, 10);

        themes.Count.ShouldBe(2);
        themes[0].Count.ShouldBe(4);
        themes[0].Theme.ShouldContain("batter");
        reviews[..4].ShouldContain(themes[0].Example);
        themes[1].Count.ShouldBeInRange(3, 4); // average linkage at 0.4 may take in a one-off; it cannot make it a theme
        themes[1].Theme.ShouldContain("strap");
        reviews[4..7].ShouldContain(themes[1].Example);
    }

    [Fact]
    public async Task NeverNamesAThemeByAWordEveryComplaintUses()
    {
        string[] reviews =
        [
            "Terrible product, the lid leaks all over the bag.",
            "Awful product, the lid does not seal and it leaks.",
            "Worst product ever, leaks from the lid.",
        ];

        var theme = (await ComplaintThemes.FindAsync(reviews, Embed, 5)).ShouldHaveSingleItem();

        theme.Count.ShouldBe(3);
        theme.Theme.ShouldNotContain("product");
        theme.Theme.ShouldNotContain("terrible");
        theme.Theme.ShouldNotContain("worst");
        (theme.Theme.Contains("lid") || theme.Theme.Contains("leak")).ShouldBeTrue(theme.Theme);
    }

    [Fact]
    public async Task IsEmpty_WithoutThreeReviewsToShareAComplaint()
    {
        (await ComplaintThemes.FindAsync([], Embed, 5)).ShouldBeEmpty();
        (await ComplaintThemes.FindAsync(["The lid leaks.", "The lid leaks badly.", "  "], Embed, 5)).ShouldBeEmpty(); // two are not a theme
        (await ComplaintThemes.FindAsync(["The lid leaks.", "The lid leaks badly.", "Leaky lid."], Embed, 0)).ShouldBeEmpty();
        (await ComplaintThemes.FindAsync(["The lid leaks.", "The lid leaks badly.", "Leaky lid."], Embed, 5)).ShouldHaveSingleItem().Count.ShouldBe(3);
    }
}
