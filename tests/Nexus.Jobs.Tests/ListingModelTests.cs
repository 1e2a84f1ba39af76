using Nexus.Jobs.AiJobs.Handlers;

namespace Nexus.Jobs.Tests;

public class ListingModelTests
{
    /// <summary>Reviews of wireless earbuds: battery life, noise cancelling, sound quality, charging case and fit recur.</summary>
    private static readonly string[] Reviews =
    [
        "Battery life is fantastic, easily lasts all day.",
        "Great sound quality and the battery life beats my old pair.",
        "Noise cancelling works on the train; sound quality is crisp.",
        "Comfortable fit, noise cancelling is decent.",
        "The charging case is tiny and the fit is comfortable.",
    ];

    private static readonly string[] CompetitorTitles =
    [
        "Wireless Earbuds Bluetooth 5.3 with Noise Cancelling and Charging Case",
        "Wireless Earbuds with 40H Battery Life, Waterproof Sport Headphones",
        "Bluetooth Earbuds Wireless, Waterproof, Charging Case",
    ];

    /// <summary>
    /// By construction: in 3 texts "battery life", "charging case", "noise cancelling" (whose words never occur alone),
    /// "earbuds" and "wireless"; in 2 texts "sound quality", "wireless earbuds", "bluetooth", "comfortable", "fit" and
    /// "waterproof", the last of which falls outside the top 10 on ordinal order.
    /// </summary>
    private static readonly string[] ExpectedKeywords =
    [
        "battery life", "charging case", "noise cancelling", "earbuds", "wireless",
        "sound quality", "wireless earbuds", "bluetooth", "comfortable", "fit",
    ];

    private const string GoodTitle =
        "Wireless Earbuds with Noise Cancelling, 30H Battery Life, Charging Case, Bluetooth 5.3, Comfortable Fit and Rich Sound Quality";

    private static readonly string[] GoodBullets =
    [
        "Active noise cancelling with three modes keeps trains, planes and open offices quiet while you focus on your music.",
        "Up to 30 hours of battery life in total: 8 hours from the earbuds and 22 more from the pocket-sized charging case.",
        "Bluetooth 5.3 pairs in seconds with phones, tablets and laptops and keeps a stable connection up to ten metres away.",
        "Three sizes of soft silicone tips give a comfortable fit that stays put during runs, workouts and long commutes.",
        "Custom 10 mm drivers deliver rich sound quality with deep bass, clear mids and crisp highs at every volume level.",
    ];

    private const string GoodDescription =
        "These wireless earbuds combine active noise cancelling, long battery life and a compact charging case. " +
        "Bluetooth 5.3 keeps the connection stable, three tip sizes give a comfortable fit, and custom drivers " +
        "deliver rich sound quality for music, calls and podcasts.";

    private static readonly Listing Good = new(GoodTitle, GoodDescription, GoodBullets);

    private static ListingEvaluation Evaluate(Listing listing, string marketplace = "amazon_us") =>
        ListingModel.Evaluate(listing, marketplace, Reviews, CompetitorTitles);

    [Fact]
    public void Keywords_AreTheRecurringWordsAndBigrams_OfReviewsAndCompetitorTitles()
    {
        ListingModel.Keywords(Reviews, CompetitorTitles).ShouldBe(ExpectedKeywords);
    }

    [Fact]
    public void Keywords_IgnoreStopWordsFillerAndTermsInOnlyOneText()
    {
        string[] reviews = ["This is a great product, I love it", "Great product, love the colour", "The colour is great"];

        ListingModel.Keywords(reviews, []).ShouldBe(["colour"]);
    }

    [Fact]
    public void Keywords_NeverSpanPunctuation()
    {
        string[] reviews = ["Sturdy, light and cheap", "Sturdy, light frame"];

        var keywords = ListingModel.Keywords(reviews, []);

        keywords.ShouldNotContain("sturdy light");
        keywords.ShouldBe(["light", "sturdy"]);
    }

    [Fact]
    public void Evaluate_ScoresAListingThatMeetsEveryRule_100_AndProposesItUnchanged()
    {
        var result = Evaluate(Good);

        result.Issues.ShouldBeEmpty();
        result.MissingKeywords.ShouldBeEmpty();
        result.Score.ShouldBe(100.0);
        result.Proposal.ShouldBeSameAs(Good);
    }

    [Fact]
    public void Evaluate_FlagsAShortAmazonTitle_AndProposesOneWithTheTopMissingKeyword()
    {
        // No word of battery life anywhere: the second bullet talks about the case only.
        var listing = new Listing(
            "Wireless Earbuds",
            "Wireless earbuds for music and calls, with a pocket case.",
            [GoodBullets[0], "The pocket-sized charging case tops the earbuds up three times and fits in any jeans pocket or small bag.", .. GoodBullets[2..]]);

        var result = Evaluate(listing);

        result.Issues.ShouldContain(i => i.Field == "title" && i.Rule == "too_short");
        result.MissingKeywords.ShouldBe(["battery life"]);
        result.Proposal.Title.ShouldStartWith("Wireless Earbuds - ");
        result.Proposal.Title.Length.ShouldBeInRange(80, 200);
        result.Proposal.Title.ShouldContain("Battery Life");
        Evaluate(result.Proposal).Issues.ShouldNotContain(i => i.Field == "title");
    }

    [Fact]
    public void Evaluate_AppendsMissingKeywords_InRankOrder()
    {
        var listing = new Listing("Wireless Earbuds", null, []);

        var result = Evaluate(listing);

        result.MissingKeywords.ShouldBe(["battery life", "charging case", "noise cancelling", "sound quality", "bluetooth", "comfortable", "fit"]);
        result.Proposal.Title.ShouldBe("Wireless Earbuds - Battery Life, Charging Case, Noise Cancelling, Sound Quality, Bluetooth");
        result.Proposal.Bullets.ShouldBe(["Praised by customers for comfortable.", "Praised by customers for fit."]);
    }

    [Fact]
    public void Evaluate_ComposesAMissingDescription_FromTitleAndBullets()
    {
        var listing = Good with { Description = null };

        var result = Evaluate(listing);

        result.Issues.ShouldContain(i => i.Field == "description" && i.Rule == "missing");
        result.Score.ShouldBe(80.0);
        var description = result.Proposal.Description.ShouldNotBeNull();
        description.ShouldStartWith(GoodTitle + ". ");
        foreach (var bullet in GoodBullets)
        {
            description.ShouldContain(bullet);
        }

        Evaluate(result.Proposal).Issues.ShouldBeEmpty();
    }

    [Fact]
    public void Evaluate_FlagsShortDescription_AndKeepsItInTheComposedOne()
    {
        var listing = Good with { Description = "Great earbuds." };

        var result = Evaluate(listing);

        result.Issues.ShouldContain(i => i.Field == "description" && i.Rule == "too_short");
        result.Proposal.Description.ShouldNotBeNull().ShouldContain("Great earbuds.");
        result.Proposal.Description!.Length.ShouldBeGreaterThanOrEqualTo(200);
    }

    [Fact]
    public void Evaluate_FlagsBulletCountAndLength()
    {
        var listing = Good with { Bullets = ["Short bullet.", .. GoodBullets[1..], "A sixth bullet that Amazon does not show."] };

        var result = Evaluate(listing);

        result.Issues.ShouldContain(i => i.Field == "bullets" && i.Rule == "too_many");
        result.Issues.ShouldContain(i => i.Field == "bullets[0]" && i.Rule == "too_short");
        result.Issues.ShouldContain(i => i.Field == "bullets[5]" && i.Rule == "too_short");
        result.Score.ShouldBe(84.0); // 100 - 10 (count) - 2 x 3 (lengths)
        result.Proposal.Bullets.Count.ShouldBe(5);
    }

    [Fact]
    public void Evaluate_TrimsOverlongBullets_AtAWordBoundary()
    {
        var longBullet = GoodBullets[0] + " " + string.Join(' ', Enumerable.Repeat("Extra detail here.", 12));
        var listing = Good with { Bullets = [longBullet, .. GoodBullets[1..]] };

        var result = Evaluate(listing);

        result.Issues.ShouldContain(i => i.Field == "bullets[0]" && i.Rule == "too_long");
        var trimmed = result.Proposal.Bullets[0];
        trimmed.Length.ShouldBeLessThanOrEqualTo(255);
        longBullet.ShouldStartWith(trimmed);
        longBullet[trimmed.Length].ShouldBe(' ');
    }

    [Theory]
    [InlineData("amazon_us", 80, 200, 5)]
    [InlineData("Amazon_DE", 80, 200, 5)]
    [InlineData("walmart_us", 50, 75, 3)]
    [InlineData("ebay_uk", 40, 80, 0)]
    [InlineData("shopify", 20, 140, 3)]
    [InlineData("etsy", 20, 140, 3)]
    [InlineData("bol_nl", 30, 150, 3)]
    public void RulesFor_PicksTheMarketplacesLimits(string marketplace, int titleMin, int titleMax, int bulletsMin)
    {
        var rules = ListingModel.RulesFor(marketplace);

        rules.TitleMin.ShouldBe(titleMin);
        rules.TitleMax.ShouldBe(titleMax);
        rules.BulletsMin.ShouldBe(bulletsMin);
    }

    [Theory]
    [InlineData("amazon_us", false)]
    [InlineData("shopify", false)]
    [InlineData("walmart_us", true)]
    [InlineData("ebay_us", true)]
    public void Evaluate_AppliesEachMarketplacesTitleLimit(string marketplace, bool tooLong)
    {
        var result = Evaluate(Good, marketplace);

        result.Issues.Any(i => i.Field == "title" && i.Rule == "too_long").ShouldBe(tooLong);
        result.Proposal.Title.Length.ShouldBeLessThanOrEqualTo(ListingModel.RulesFor(marketplace).TitleMax);
        GoodTitle.ShouldStartWith(result.Proposal.Title);
    }

    [Theory]
    [InlineData("amazon_us")]
    [InlineData("walmart_us")]
    [InlineData("ebay_us")]
    [InlineData("etsy")]
    [InlineData("other")]
    public void Evaluate_ProposalOfAProposal_HasNoMoreIssues(string marketplace)
    {
        Listing[] listings =
        [
            new("Earbuds", null, []),
            new("Wireless Earbuds", "Short.", ["Loud."]),
            Good with { Bullets = [.. GoodBullets, .. GoodBullets] },
            new(GoodTitle + " " + GoodTitle, GoodDescription, GoodBullets),
        ];

        foreach (var listing in listings)
        {
            var original = Evaluate(listing, marketplace);
            var first = Evaluate(original.Proposal, marketplace);
            var second = Evaluate(first.Proposal, marketplace);

            first.Score.ShouldBeGreaterThanOrEqualTo(original.Score);
            second.Issues.Count.ShouldBeLessThanOrEqualTo(first.Issues.Count);
            second.Score.ShouldBeGreaterThanOrEqualTo(first.Score);
        }
    }

    [Fact]
    public void Evaluate_IsDeterministic()
    {
        var listing = new Listing("Wireless Earbuds", "Short.", ["Loud."]);

        var a = Evaluate(listing);
        var b = Evaluate(listing);

        b.Score.ShouldBe(a.Score);
        b.Issues.ShouldBe(a.Issues);
        b.MissingKeywords.ShouldBe(a.MissingKeywords);
        b.Proposal.Title.ShouldBe(a.Proposal.Title);
        b.Proposal.Bullets.ShouldBe(a.Proposal.Bullets);
        b.Proposal.Description.ShouldBe(a.Proposal.Description);
    }
}
