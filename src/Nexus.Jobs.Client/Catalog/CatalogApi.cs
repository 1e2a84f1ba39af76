using System.Text.Json.Serialization.Metadata;

namespace Nexus.Jobs.Client;

/// <summary>The workspace's commerce data the AI jobs work on: bulk upserts of 1 to 1,000 rows by natural key, and reads.</summary>
public sealed class CatalogApi
{
    private readonly NexusHttp _http;

    internal CatalogApi(NexusHttp http) => _http = http;

    /// <summary><c>POST /v1/catalog/products</c> (scope <c>catalog.write</c>).</summary>
    public Task<UpsertResult> UpsertProductsAsync(IReadOnlyList<Product> products, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        UpsertAsync("products", new ProductsBody(products), NexusJson.Default.ProductsBody, idempotencyKey, cancellationToken);

    /// <summary><c>POST /v1/catalog/daily-sales</c> (scope <c>catalog.write</c>).</summary>
    public Task<UpsertResult> UpsertDailySalesAsync(IReadOnlyList<DailySale> sales, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        UpsertAsync("daily-sales", new DailySalesBody(sales), NexusJson.Default.DailySalesBody, idempotencyKey, cancellationToken);

    /// <summary><c>POST /v1/catalog/competitor-offers</c> (scope <c>catalog.write</c>).</summary>
    public Task<UpsertResult> UpsertCompetitorOffersAsync(IReadOnlyList<CompetitorOffer> offers, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        UpsertAsync("competitor-offers", new CompetitorOffersBody(offers), NexusJson.Default.CompetitorOffersBody, idempotencyKey, cancellationToken);

    /// <summary><c>POST /v1/catalog/reviews</c> (scope <c>catalog.write</c>).</summary>
    public Task<UpsertResult> UpsertReviewsAsync(IReadOnlyList<Review> reviews, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        UpsertAsync("reviews", new ReviewsBody(reviews), NexusJson.Default.ReviewsBody, idempotencyKey, cancellationToken);

    /// <summary><c>POST /v1/catalog/returns</c> (scope <c>catalog.write</c>).</summary>
    public Task<UpsertResult> UpsertReturnsAsync(IReadOnlyList<ProductReturn> returns, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        UpsertAsync("returns", new ReturnsBody(returns), NexusJson.Default.ReturnsBody, idempotencyKey, cancellationToken);

    /// <summary><c>GET /v1/catalog/products</c>, ordered by SKU and marketplace (scope <c>catalog.read</c>).</summary>
    public Task<IReadOnlyList<StoredProduct>> ListProductsAsync(CatalogQuery? query = null, CancellationToken cancellationToken = default) =>
        ReadAsync("products", query, NexusJson.Default.DataOfIReadOnlyListStoredProduct, cancellationToken);

    /// <summary><c>GET /v1/catalog/daily-sales</c>, newest day first (scope <c>catalog.read</c>).</summary>
    public Task<IReadOnlyList<DailySale>> ListDailySalesAsync(CatalogQuery? query = null, CancellationToken cancellationToken = default) =>
        ReadAsync("daily-sales", query, NexusJson.Default.DataOfIReadOnlyListDailySale, cancellationToken);

    /// <summary><c>GET /v1/catalog/competitor-offers</c>, newest first (scope <c>catalog.read</c>).</summary>
    public Task<IReadOnlyList<CompetitorOffer>> ListCompetitorOffersAsync(CatalogQuery? query = null, CancellationToken cancellationToken = default) =>
        ReadAsync("competitor-offers", query, NexusJson.Default.DataOfIReadOnlyListCompetitorOffer, cancellationToken);

    /// <summary><c>GET /v1/catalog/reviews</c>, newest first, with their sentiment (scope <c>catalog.read</c>).</summary>
    public Task<IReadOnlyList<StoredReview>> ListReviewsAsync(CatalogQuery? query = null, CancellationToken cancellationToken = default) =>
        ReadAsync("reviews", query, NexusJson.Default.DataOfIReadOnlyListStoredReview, cancellationToken);

    /// <summary><c>GET /v1/catalog/returns</c>, newest first, with their class (scope <c>catalog.read</c>).</summary>
    public Task<IReadOnlyList<StoredReturn>> ListReturnsAsync(CatalogQuery? query = null, CancellationToken cancellationToken = default) =>
        ReadAsync("returns", query, NexusJson.Default.DataOfIReadOnlyListStoredReturn, cancellationToken);

    private Task<UpsertResult> UpsertAsync<TBody>(string kind, TBody body, JsonTypeInfo<TBody> type, string? idempotencyKey, CancellationToken cancellationToken) =>
        _http.PostAsync($"v1/catalog/{kind}", body, type, NexusJson.Default.UpsertResult, idempotencyKey, cancellationToken);

    private async Task<IReadOnlyList<T>> ReadAsync<T>(string kind, CatalogQuery? query, JsonTypeInfo<DataOf<IReadOnlyList<T>>> type, CancellationToken cancellationToken)
    {
        var path = new QueryBuilder($"v1/catalog/{kind}").Add("sku", query?.Sku).Add("limit", query?.Limit).Add("offset", query?.Offset).ToString();
        return (await _http.GetAsync(path, type, cancellationToken).ConfigureAwait(false)).Data;
    }
}
