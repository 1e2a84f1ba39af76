namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>Places our price among the competitors' latest offers for a SKU.</summary>
/// <remarks>
/// Positions: no_offers (no competitor offers for the SKU), unknown (offers, but our price is not known: the
/// statistics are still filled in; this value is beyond the list on <see cref="CompetitorPosition"/>), cheapest,
/// most_expensive, at_median (within 0.5% of the median), below_median, above_median.
/// With two or more offers, cheapest wins ties at the minimum and most_expensive ties at the maximum. With a single
/// offer the minimum, median and maximum coincide, so a price within 0.5% of it is at_median, a lower one cheapest
/// and a higher one most_expensive.
/// </remarks>
public static class CompetitorModel
{
    /// <summary>No competitor offers for the SKU.</summary>
    public const string NoOffers = "no_offers";

    /// <summary>Offers exist, but our price is unknown.</summary>
    public const string Unknown = "unknown";

    /// <summary>At or below every competitor.</summary>
    public const string Cheapest = "cheapest";

    /// <summary>Below the median, above the minimum.</summary>
    public const string BelowMedian = "below_median";

    /// <summary>Within <see cref="MedianTolerance"/> of the median.</summary>
    public const string AtMedian = "at_median";

    /// <summary>Above the median, below the maximum.</summary>
    public const string AboveMedian = "above_median";

    /// <summary>At or above every competitor.</summary>
    public const string MostExpensive = "most_expensive";

    /// <summary>Relative distance from the median still counted as at the median.</summary>
    public const decimal MedianTolerance = 0.005m;

    /// <summary>
    /// Our price's position among the competitors' offers for <paramref name="sku"/>, using only each competitor's
    /// latest offer (by ObservedAt; competitors compared case-insensitively; offers for other SKUs ignored).
    /// </summary>
    public static CompetitorPosition Position(string sku, decimal? ourPrice, IReadOnlyList<CompetitorOffer> offers)
    {
        ArgumentNullException.ThrowIfNull(sku);
        ArgumentNullException.ThrowIfNull(offers);

        // Latest per competitor; on equal timestamps the later offer in the list wins, so the result is deterministic.
        var latest = new Dictionary<string, CompetitorOffer>(StringComparer.OrdinalIgnoreCase);
        foreach (var offer in offers)
        {
            if (!string.Equals(offer.Sku, sku, StringComparison.Ordinal))
            {
                continue;
            }

            if (!latest.TryGetValue(offer.Competitor, out var seen) || offer.ObservedAt >= seen.ObservedAt)
            {
                latest[offer.Competitor] = offer;
            }
        }

        if (latest.Count == 0)
        {
            return new CompetitorPosition(sku, ourPrice, null, null, null, 0, NoOffers);
        }

        var prices = latest.Values.Select(o => o.Price).Order().ToList();
        var min = prices[0];
        var max = prices[^1];
        var median = Median(prices);

        var position = ourPrice is not { } our ? Unknown : Classify(our, min, median, max, prices.Count);
        return new CompetitorPosition(sku, ourPrice, min, median, max, prices.Count, position);
    }

    private static string Classify(decimal our, decimal min, decimal median, decimal max, int count)
    {
        var atMedian = Math.Abs(our - median) <= MedianTolerance * Math.Abs(median);
        if (count == 1)
        {
            return atMedian ? AtMedian : our < median ? Cheapest : MostExpensive;
        }

        if (our <= min)
        {
            return Cheapest;
        }

        if (our >= max)
        {
            return MostExpensive;
        }

        return atMedian ? AtMedian : our < median ? BelowMedian : AboveMedian;
    }

    // Sorted input; the mean of the middle two for an even count, rounded to cents (half away from zero).
    private static decimal Median(List<decimal> sorted)
    {
        var mid = sorted.Count / 2;
        var median = sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return Math.Round(median, 2, MidpointRounding.AwayFromZero);
    }
}
