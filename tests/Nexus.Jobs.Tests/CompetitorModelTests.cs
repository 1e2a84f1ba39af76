using Nexus.Jobs.AiJobs.Handlers;

namespace Nexus.Jobs.Tests;

public class CompetitorModelTests
{
    private static readonly DateTime T0 = new(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    private static CompetitorOffer Offer(string competitor, decimal price, int daysAfter = 0, string sku = "SKU-1") =>
        new(sku, competitor, price, T0.AddDays(daysAfter));

    private static readonly CompetitorOffer[] Five =
    [
        Offer("a", 10m), Offer("b", 20m), Offer("c", 30m), Offer("d", 40m), Offer("e", 50m),
    ];

    [Fact]
    public void Position_IsNoOffers_WithoutOffers()
    {
        var result = CompetitorModel.Position("SKU-1", 10m, []);
        result.ShouldBe(new CompetitorPosition("SKU-1", 10m, null, null, null, 0, "no_offers"));
    }

    [Fact]
    public void Position_IgnoresOffersForOtherSkus()
    {
        var result = CompetitorModel.Position("SKU-1", 10m, [Offer("a", 5m, sku: "SKU-2")]);
        result.Position.ShouldBe("no_offers");
    }

    [Theory]
    [InlineData(5, "cheapest")]
    [InlineData(10, "cheapest")]
    [InlineData(25, "below_median")]
    [InlineData(30, "at_median")]
    [InlineData(30.14, "at_median")]
    [InlineData(29.86, "at_median")]
    [InlineData(30.2, "above_median")]
    [InlineData(29.8, "below_median")]
    [InlineData(45, "above_median")]
    [InlineData(50, "most_expensive")]
    [InlineData(60, "most_expensive")]
    public void Position_PlacesOurPrice(double ours, string expected)
    {
        var result = CompetitorModel.Position("SKU-1", (decimal)ours, Five);

        result.Position.ShouldBe(expected);
        result.MinPrice.ShouldBe(10m);
        result.MedianPrice.ShouldBe(30m);
        result.MaxPrice.ShouldBe(50m);
        result.Offers.ShouldBe(5);
    }

    [Fact]
    public void Position_IsUnknown_WithoutOurPrice_ButKeepsTheStatistics()
    {
        var result = CompetitorModel.Position("SKU-1", null, Five);
        result.ShouldBe(new CompetitorPosition("SKU-1", null, 10m, 30m, 50m, 5, "unknown"));
    }

    [Fact]
    public void Position_UsesEachCompetitorsLatestOfferOnly()
    {
        CompetitorOffer[] offers =
        [
            Offer("a", 100m, daysAfter: 5), Offer("a", 10m, daysAfter: 1), // a's latest is 100
            Offer("B", 20m, daysAfter: 1), Offer("b", 25m, daysAfter: 3), // same competitor, case aside
            Offer("c", 30m, daysAfter: 2),
        ];

        var result = CompetitorModel.Position("SKU-1", 24m, offers);

        result.Offers.ShouldBe(3);
        result.MinPrice.ShouldBe(25m);
        result.MedianPrice.ShouldBe(30m);
        result.MaxPrice.ShouldBe(100m);
        result.Position.ShouldBe("cheapest");
    }

    [Fact]
    public void Median_AveragesTheMiddleTwo_ForEvenCounts_RoundedToCents()
    {
        CompetitorOffer[] offers = [Offer("a", 10m), Offer("b", 19.99m), Offer("c", 20.00m), Offer("d", 90m)];

        var result = CompetitorModel.Position("SKU-1", 19.995m, offers);

        result.MedianPrice.ShouldBe(20.00m); // (19.99 + 20.00) / 2 = 19.995, half away from zero
        result.Position.ShouldBe("at_median");
    }

    [Fact]
    public void Median_IsTheMiddle_ForOddCounts()
    {
        CompetitorOffer[] offers = [Offer("a", 30m), Offer("b", 10m), Offer("c", 12.5m)];
        CompetitorModel.Position("SKU-1", 11m, offers).MedianPrice.ShouldBe(12.5m);
        CompetitorModel.Position("SKU-1", 11m, offers).Position.ShouldBe("below_median");
    }

    [Theory]
    [InlineData(9, "cheapest")]
    [InlineData(10, "at_median")]
    [InlineData(10.04, "at_median")]
    [InlineData(11, "most_expensive")]
    public void Position_WithASingleOffer_ComparesToIt(double ours, string expected)
    {
        CompetitorModel.Position("SKU-1", (decimal)ours, [Offer("a", 10m)]).Position.ShouldBe(expected);
    }

    [Fact]
    public void Position_TiesAtTheMinimum_AreCheapest()
    {
        CompetitorOffer[] offers = [Offer("a", 10m), Offer("b", 10m)];
        CompetitorModel.Position("SKU-1", 10m, offers).Position.ShouldBe("cheapest");
    }
}
