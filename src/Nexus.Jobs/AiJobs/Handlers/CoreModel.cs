namespace Nexus.Jobs.AiJobs.Handlers;

// The inputs and outputs of the handlers' pure cores. Each core is a static class with no I/O; the handler
// around it loads these from the workspace's commerce data and writes back what the result says.

/// <summary>One day of sales of a SKU.</summary>
public sealed record SalesPoint(DateOnly Date, int Units, decimal Price);

/// <summary>Everything the price model knows about one SKU.</summary>
public sealed record PricingInput(string Sku, decimal CurrentPrice, decimal? Cost, IReadOnlyList<SalesPoint> Sales, IReadOnlyList<decimal> CompetitorPrices);

/// <summary>Limits a recommendation must respect.</summary>
/// <param name="MinMarginOverCost">The price stays at least cost x (1 + this).</param>
/// <param name="MaxChangePerRun">At most this fraction up or down from the current price in one run.</param>
/// <param name="CompetitorBand">With competitor prices known, stay within this fraction of their median.</param>
/// <param name="MinHistoryDays">Days of sales needed to trust a fitted elasticity.</param>
/// <param name="MinDistinctPrices">Distinct prices in the history needed to fit an elasticity at all.</param>
public sealed record PricingGuardrails(decimal MinMarginOverCost = 0.15m, decimal MaxChangePerRun = 0.10m, decimal CompetitorBand = 0.15m, int MinHistoryDays = 14, int MinDistinctPrices = 3);

/// <summary>A fitted constant-elasticity demand curve: ln(units) = Intercept + Elasticity x ln(price).</summary>
public sealed record ElasticityFit(double Elasticity, double Intercept, double RSquared, int Points);

/// <summary>The price model's answer for one SKU (the seed's recommendation shape, plus how it was reached).</summary>
/// <param name="Method">elasticity, competitor or hold.</param>
public sealed record PriceRecommendation(string Sku, decimal CurrentPrice, decimal RecommendedPrice, double Confidence, string Reasoning, string Method, double? Elasticity);

/// <summary>A review's sentiment: score in -1..1, its label (positive, neutral, negative) and the label's probability.</summary>
public sealed record SentimentScore(double Score, string Label, double Confidence);

/// <summary>A return reason's class in the fixed taxonomy, with a confidence 0..1 (the probability of that class).</summary>
public sealed record ReturnClass(string Category, double Confidence);

/// <summary>Return counts of one SKU: in the window under test and in its own baseline before it.</summary>
public sealed record ReturnRates(string Sku, int WindowReturns, int WindowUnitsSold, int BaselineReturns, int BaselineUnitsSold);

/// <summary>Whether a SKU's return rate in the window is significantly above its baseline.</summary>
/// <param name="Test">The statistical test used, named.</param>
public sealed record ReturnAnomaly(string Sku, double WindowRate, double BaselineRate, double PValue, bool IsAnomaly, string Test);

/// <summary>A competitor's offer for a SKU.</summary>
public sealed record CompetitorOffer(string Sku, string Competitor, decimal Price, DateTime ObservedAt, string? Title = null);

/// <summary>Where our price stands among the competitors' latest offers.</summary>
/// <param name="Position">cheapest, below_median, at_median, above_median, most_expensive, or no_offers.</param>
public sealed record CompetitorPosition(string Sku, decimal? OurPrice, decimal? MinPrice, decimal? MedianPrice, decimal? MaxPrice, int Offers, string Position);

/// <summary>How an assistant's answer treats our brand and product.</summary>
/// <param name="Rank">1-based order of first mention among the brands/products the answer names (null when not mentioned).</param>
/// <param name="Score">0..1: 1 for first mention, decreasing with later mentions, 0 when absent.</param>
public sealed record VisibilityScore(bool BrandMentioned, bool ProductMentioned, int? Rank, double Score);

/// <summary>A product listing.</summary>
public sealed record Listing(string Title, string? Description, IReadOnlyList<string> Bullets);

/// <summary>One thing wrong with a listing against the marketplace's rules.</summary>
public sealed record ListingIssue(string Field, string Rule, string Detail);

/// <summary>A listing's score (0..100), what is wrong, the keywords it misses, and a concrete proposal.</summary>
public sealed record ListingEvaluation(double Score, IReadOnlyList<ListingIssue> Issues, IReadOnlyList<string> MissingKeywords, Listing Proposal);
