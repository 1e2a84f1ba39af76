namespace Nexus.Jobs.Client;

/// <summary>A product to upsert, keyed by (sku, marketplace).</summary>
public sealed record Product(
    string Sku, string Marketplace, string Title, decimal Price, string Currency,
    string? Description = null, IReadOnlyList<string>? BulletPoints = null, string? Brand = null, string? Category = null, decimal? Cost = null);

/// <summary>A day's sales of a SKU, keyed by (sku, date).</summary>
public sealed record DailySale(string Sku, DateOnly Date, int Units, decimal Price);

/// <summary>A competitor's price for a SKU at a moment.</summary>
public sealed record CompetitorOffer(string Sku, string Competitor, decimal Price, DateTimeOffset ObservedAt, string? Title = null);

/// <summary>A customer review (rating 1..5); a review whose text changes is scored again.</summary>
public sealed record Review(string ReviewId, string Sku, int Rating, string Text, DateTimeOffset CreatedAt);

/// <summary>A returned order line, keyed by (order_ref, sku).</summary>
public sealed record ProductReturn(string Sku, string OrderRef, string Reason, int Units, DateTimeOffset CreatedAt);

/// <summary>How many rows an upsert wrote (inserted or updated).</summary>
public sealed record UpsertResult(int Upserted);

/// <summary>A stored product.</summary>
public sealed record StoredProduct(
    string Sku, string Marketplace, string Title, string? Description, IReadOnlyList<string> BulletPoints, string? Brand,
    string? Category, decimal Price, decimal? Cost, string Currency, DateTimeOffset UpdatedAt);

/// <summary>A stored review, with the sentiment review_sentiment gave it (null until scored).</summary>
public sealed record StoredReview(
    string ReviewId, string Sku, int Rating, string Text, DateTimeOffset CreatedAt,
    double? SentimentScore, string? SentimentLabel, DateTimeOffset? ScoredAt);

/// <summary>A stored return, with the class return_classify gave it (null until classified).</summary>
public sealed record StoredReturn(
    string Sku, string OrderRef, string Reason, int Units, DateTimeOffset CreatedAt, string? Category, double? CategoryConfidence);

/// <summary>Filters of <c>GET /v1/catalog/{kind}</c>; every null member is left out of the query.</summary>
public sealed record CatalogQuery
{
    /// <summary>Only rows of this SKU.</summary>
    public string? Sku { get; init; }

    /// <summary>Page size, 1..1000 (server default 100).</summary>
    public int? Limit { get; init; }

    /// <summary>Rows to skip.</summary>
    public int? Offset { get; init; }
}

/// <summary>The bodies of the catalog upserts: one member named after the kind.</summary>
internal sealed record ProductsBody(IReadOnlyList<Product> Products);

internal sealed record DailySalesBody(IReadOnlyList<DailySale> DailySales);

internal sealed record CompetitorOffersBody(IReadOnlyList<CompetitorOffer> CompetitorOffers);

internal sealed record ReviewsBody(IReadOnlyList<Review> Reviews);

internal sealed record ReturnsBody(IReadOnlyList<ProductReturn> Returns);
