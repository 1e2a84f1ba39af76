using System.Text;
using Dapper;
using Npgsql;

namespace Nexus.Jobs.Catalog;

/// <summary>A product listing in one marketplace.</summary>
public sealed record Product(string Sku, string Marketplace, string Title, string? Description, string[] BulletPoints, string? Brand,
    string? Category, decimal Price, decimal? Cost, string Currency);

/// <summary>One day of one SKU's sales.</summary>
public sealed record DailySale(string Sku, DateOnly Date, int Units, decimal Price);

/// <summary>A competitor's price for a SKU at a moment.</summary>
public sealed record Offer(string Sku, string Competitor, decimal Price, DateTime ObservedAt, string? Title);

/// <summary>A customer review.</summary>
public sealed record Review(string ReviewId, string Sku, int Rating, string Text, DateTime CreatedAt);

/// <summary>A returned order line.</summary>
public sealed record ReturnLine(string Sku, string OrderRef, string Reason, int Units, DateTime CreatedAt);

/// <summary>The five kinds of commerce data, by their API names.</summary>
public enum CatalogKind
{
    Products,
    DailySales,
    CompetitorOffers,
    Reviews,
    Returns,
}

/// <summary>Bulk upserts and reads of a workspace's commerce data.</summary>
/// <remarks>Upserts are keyed by each kind's natural key, so loading the same data twice changes nothing.</remarks>
public sealed class CatalogStore(NpgsqlDataSource dataSource)
{
    public const int MaxBatch = 1000;

    private const string ProductSql = """
        insert into nexus.products (workspace_id, sku, marketplace, title, description, bullet_points, brand, category, price, cost, currency, updated_at)
        values (@WorkspaceId, @Sku, @Marketplace, @Title, @Description, @BulletPoints, @Brand, @Category, @Price, @Cost, @Currency, now())
        on conflict (workspace_id, sku, marketplace) do update
        set title = excluded.title, description = excluded.description, bullet_points = excluded.bullet_points, brand = excluded.brand,
            category = excluded.category, price = excluded.price, cost = excluded.cost, currency = excluded.currency, updated_at = now()
        """;

    private const string SaleSql = """
        insert into nexus.daily_sales (workspace_id, sku, date, units, price) values (@WorkspaceId, @Sku, @Date, @Units, @Price)
        on conflict (workspace_id, sku, date) do update set units = excluded.units, price = excluded.price
        """;

    private const string OfferSql = """
        insert into nexus.competitor_offers (workspace_id, sku, competitor, price, observed_at, title)
        values (@WorkspaceId, @Sku, @Competitor, @Price, @ObservedAt, @Title)
        on conflict (workspace_id, sku, competitor, observed_at) do update set price = excluded.price, title = excluded.title
        """;

    // A review whose text changes loses its score, so review_sentiment scores it again.
    private const string ReviewSql = """
        insert into nexus.reviews as r (workspace_id, review_id, sku, rating, text, created_at)
        values (@WorkspaceId, @ReviewId, @Sku, @Rating, @Text, @CreatedAt)
        on conflict (workspace_id, review_id) do update
        set sku = excluded.sku, rating = excluded.rating, created_at = excluded.created_at, text = excluded.text,
            sentiment_score = case when r.text = excluded.text then r.sentiment_score end,
            sentiment_label = case when r.text = excluded.text then r.sentiment_label end,
            scored_at = case when r.text = excluded.text then r.scored_at end
        """;

    private const string ReturnSql = """
        insert into nexus.returns as r (workspace_id, sku, order_ref, reason, units, created_at)
        values (@WorkspaceId, @Sku, @OrderRef, @Reason, @Units, @CreatedAt)
        on conflict (workspace_id, order_ref, sku) do update
        set units = excluded.units, created_at = excluded.created_at, reason = excluded.reason,
            category = case when r.reason = excluded.reason then r.category end,
            category_confidence = case when r.reason = excluded.reason then r.category_confidence end
        """;

    public Task<int> UpsertProductsAsync(long workspaceId, IReadOnlyList<Product> rows, CancellationToken ct) =>
        ExecuteAsync(ProductSql, rows.Select(r => new
        {
            WorkspaceId = workspaceId, r.Sku, r.Marketplace, r.Title, r.Description, r.BulletPoints, r.Brand, r.Category, r.Price, r.Cost, r.Currency,
        }), ct);

    public Task<int> UpsertSalesAsync(long workspaceId, IReadOnlyList<DailySale> rows, CancellationToken ct) =>
        ExecuteAsync(SaleSql, rows.Select(r => new { WorkspaceId = workspaceId, r.Sku, r.Date, r.Units, r.Price }), ct);

    public Task<int> UpsertOffersAsync(long workspaceId, IReadOnlyList<Offer> rows, CancellationToken ct) =>
        ExecuteAsync(OfferSql, rows.Select(r => new { WorkspaceId = workspaceId, r.Sku, r.Competitor, r.Price, r.ObservedAt, r.Title }), ct);

    public Task<int> UpsertReviewsAsync(long workspaceId, IReadOnlyList<Review> rows, CancellationToken ct) =>
        ExecuteAsync(ReviewSql, rows.Select(r => new { WorkspaceId = workspaceId, r.ReviewId, r.Sku, r.Rating, r.Text, r.CreatedAt }), ct);

    public Task<int> UpsertReturnsAsync(long workspaceId, IReadOnlyList<ReturnLine> rows, CancellationToken ct) =>
        ExecuteAsync(ReturnSql, rows.Select(r => new { WorkspaceId = workspaceId, r.Sku, r.OrderRef, r.Reason, r.Units, r.CreatedAt }), ct);

    /// <summary>Rows of one kind as JSON objects (snake_case), newest or by key, optionally for one SKU.</summary>
    public async Task<IReadOnlyList<string>> ReadAsync(long workspaceId, CatalogKind kind, string? sku, int limit, int offset, CancellationToken ct)
    {
        var (table, order) = kind switch
        {
            CatalogKind.Products => ("products", "sku, marketplace"),
            CatalogKind.DailySales => ("daily_sales", "date desc, sku"),
            CatalogKind.CompetitorOffers => ("competitor_offers", "observed_at desc, sku, competitor"),
            CatalogKind.Reviews => ("reviews", "created_at desc, review_id"),
            _ => ("returns", "created_at desc, order_ref, sku"),
        };
        var sql = new StringBuilder($"select (to_jsonb(t) - 'workspace_id')::text from nexus.{table} t where workspace_id = @WorkspaceId");
        if (sku is not null)
        {
            sql.Append(" and sku = @Sku");
        }
        sql.Append($" order by {order} limit @Limit offset @Offset");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<string>(new CommandDefinition(sql.ToString(),
            new { WorkspaceId = workspaceId, Sku = sku, Limit = limit, Offset = offset }, cancellationToken: ct))).AsList();
    }

    private async Task<int> ExecuteAsync(string sql, IEnumerable<object> rows, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var count = await connection.ExecuteAsync(new CommandDefinition(sql, rows, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return count;
    }
}
