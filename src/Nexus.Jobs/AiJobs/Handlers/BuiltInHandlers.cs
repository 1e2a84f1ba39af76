using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Execution;
using Nexus.Jobs.Language;
using Npgsql;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>Reading a job's (already validated) params.</summary>
internal static class JobParams
{
    public static string[]? Skus(this JobExecution job) =>
        job.Params["skus"] is JsonArray a ? a.Select(x => x!.GetValue<string>()).ToArray() : null;

    public static string? Marketplace(this JobExecution job) => job.Params["marketplace"]?.GetValue<string>();

    public static bool Apply(this JobExecution job) => job.Params["apply"]?.GetValue<bool>() ?? false;

    public static int? Int(this JobExecution job, string name) => job.Params[name]?.GetValue<int>();

    public static JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonNode?> map) => new(items.Select(map).ToArray());
}

/// <summary>pricing_recalculate: elasticity-based margin optimum within guardrails, or competitor positioning.</summary>
public sealed class PricingHandler(NpgsqlDataSource dataSource, IOptionsMonitor<HandlerOptions> options) : IJobHandler
{
    public string Type => "pricing_recalculate";

    private const string LoadSql = """
        select sku as Sku, price as Price, cost as Cost from nexus.products
        where workspace_id = @W and marketplace = @M and sku = any(@Skus);

        select sku as Sku, date as Date, units as Units, price as Price from nexus.daily_sales
        where workspace_id = @W and sku = any(@Skus) and date > current_date - 365 order by sku, date;

        select distinct on (sku, competitor) sku as Sku, price as Price from nexus.competitor_offers
        where workspace_id = @W and sku = any(@Skus) order by sku, competitor, observed_at desc;

        select sku as Sku, old_price as OldPrice, new_price as NewPrice from nexus.price_history
        where workspace_id = @W and marketplace = @M and job_id = @Job and sku = any(@Skus);
        """;

    private const string ApplySql = """
        with changed as (
            insert into nexus.price_history (workspace_id, sku, marketplace, job_id, old_price, new_price, changed_at)
            values (@W, @Sku, @M, @Job, @Old, @New, now())
            on conflict do nothing
            returning sku)
        update nexus.products set price = @New, updated_at = now()
        where workspace_id = @W and marketplace = @M and sku = @Sku and exists (select 1 from changed)
        """;

    public async Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken)
    {
        var skus = job.Skus()!;
        var marketplace = job.Marketplace()!;
        var args = new { W = job.WorkspaceId, M = marketplace, Skus = skus, Job = job.JobId };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        using var reader = await connection.QueryMultipleAsync(new CommandDefinition(LoadSql, args, cancellationToken: cancellationToken));
        var products = (await reader.ReadAsync<ProductRow>()).ToDictionary(p => p.Sku, StringComparer.Ordinal);
        var sales = (await reader.ReadAsync<SaleRow>()).GroupBy(s => s.Sku).ToDictionary(g => g.Key, g => g.Select(s => new SalesPoint(s.Date, s.Units, s.Price)).ToList());
        var offers = (await reader.ReadAsync<OfferRow>()).GroupBy(o => o.Sku).ToDictionary(g => g.Key, g => g.Select(o => o.Price).ToList());
        // A job delivered again after it applied: its recorded changes are the answer, not a second move.
        var applied = (await reader.ReadAsync<HistoryRow>()).ToDictionary(h => h.Sku, StringComparer.Ordinal);

        var recommendations = new JsonArray();
        var notFound = new JsonArray();
        int updated = 0, processed = 0;
        foreach (var sku in skus)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!products.TryGetValue(sku, out var product))
            {
                notFound.Add(sku);
                continue;
            }
            processed++;
            var current = applied.TryGetValue(sku, out var done) ? done.OldPrice : product.Price;
            var recommendation = PricingModel.Recommend(
                new PricingInput(sku, current, product.Cost, sales.GetValueOrDefault(sku) ?? [], offers.GetValueOrDefault(sku) ?? []),
                options.CurrentValue.Guardrails());
            var changes = recommendation.RecommendedPrice != current;
            var apply = job.Apply() && changes;
            if (changes)
            {
                updated++;
            }
            if (apply && done is null)
            {
                await connection.ExecuteAsync(new CommandDefinition(ApplySql,
                    new { W = job.WorkspaceId, M = marketplace, Sku = sku, Job = job.JobId, Old = current, New = recommendation.RecommendedPrice },
                    cancellationToken: CancellationToken.None));
            }
            recommendations.Add(new JsonObject
            {
                ["sku"] = sku,
                ["current_price"] = current,
                ["recommended_price"] = recommendation.RecommendedPrice,
                ["confidence"] = recommendation.Confidence,
                ["reasoning"] = recommendation.Reasoning,
                ["method"] = recommendation.Method,
                ["elasticity"] = recommendation.Elasticity is { } e ? Math.Round(e, 3) : null,
                ["applied"] = apply,
            });
        }
        var result = new JsonObject { ["processed_count"] = processed, ["updated_count"] = updated, ["recommendations"] = recommendations };
        if (notFound.Count > 0)
        {
            result["not_found"] = notFound;
        }
        return result;
    }

    private sealed record ProductRow(string Sku, decimal Price, decimal? Cost);

    private sealed record SaleRow(string Sku, DateOnly Date, int Units, decimal Price);

    private sealed record OfferRow(string Sku, decimal Price);

    private sealed record HistoryRow(string Sku, decimal OldPrice, decimal NewPrice);
}

/// <summary>review_sentiment: scores new reviews, stores the scores, summarises per SKU, finds negative themes.</summary>
public sealed class ReviewSentimentHandler(NpgsqlDataSource dataSource, EmbeddingStore embeddings, TextModels models) : IJobHandler
{
    public string Type => "review_sentiment";

    private const string NewSql = """
        select review_id as ReviewId, sku as Sku, text as Text from nexus.reviews r
        where workspace_id = @W and scored_at is null and (@Skus::text[] is null or sku = any(@Skus))
          and (@Since::int is null or created_at > now() - make_interval(days => @Since))
          and (@M::text is null or exists (select 1 from nexus.products p where p.workspace_id = r.workspace_id and p.sku = r.sku and p.marketplace = @M))
        order by review_id
        """;

    private const string ScoreSql = """
        update nexus.reviews set sentiment_score = @Score, sentiment_label = @Label, scored_at = now()
        where workspace_id = @W and review_id = @ReviewId and scored_at is null
        """;

    private const string SummarySql = """
        select sku as Sku, count(*)::int as Reviews, avg(sentiment_score) as MeanSentiment, avg(rating)::float8 as MeanRating,
               count(*) filter (where sentiment_label = 'positive')::int as Positive,
               count(*) filter (where sentiment_label = 'neutral')::int as Neutral,
               count(*) filter (where sentiment_label = 'negative')::int as Negative
        from nexus.reviews where workspace_id = @W and scored_at is not null and sku = any(@Skus)
        group by sku order by sku;

        -- The latest 2,000 negatives: themes are about what buyers say now, and clustering grows with the square.
        select text from nexus.reviews
        where workspace_id = @W and sentiment_label = 'negative' and sku = any(@Skus)
        order by created_at desc, review_id limit 2000;
        """;

    public async Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken)
    {
        var model = await models.SentimentAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var fresh = (await connection.QueryAsync<ReviewRow>(new CommandDefinition(NewSql,
            new { W = job.WorkspaceId, Skus = job.Skus(), Since = job.Int("since_days"), M = job.Marketplace() }, cancellationToken: cancellationToken))).AsList();
        var scores = await model.ScoreAsync([.. fresh.Select(r => r.Text)], texts => embeddings.GetOrCreateAsync(texts, cancellationToken));
        var scored = fresh.Zip(scores, (r, s) => (Row: r, Score: s)).ToList();
        await connection.ExecuteAsync(new CommandDefinition(ScoreSql,
            scored.Select(s => new { W = job.WorkspaceId, s.Row.ReviewId, Score = Math.Round(s.Score.Score, 4), s.Score.Label }), cancellationToken: CancellationToken.None));

        var skus = job.Skus() ?? fresh.Select(r => r.Sku).Distinct().ToArray();
        using var reader = await connection.QueryMultipleAsync(new CommandDefinition(SummarySql, new { W = job.WorkspaceId, Skus = skus }, cancellationToken: cancellationToken));
        var summary = (await reader.ReadAsync<SummaryRow>()).AsList();
        var negatives = (await reader.ReadAsync<string>()).AsList();
        var themes = await ComplaintThemes.FindAsync(negatives, texts => embeddings.GetOrCreateAsync(texts, cancellationToken), 10);
        return new JsonObject
        {
            ["processed_count"] = fresh.Count,
            ["new_by_label"] = new JsonObject
            {
                ["positive"] = scored.Count(s => s.Score.Label == "positive"),
                ["neutral"] = scored.Count(s => s.Score.Label == "neutral"),
                ["negative"] = scored.Count(s => s.Score.Label == "negative"),
            },
            ["skus"] = JobParams.Array(summary, s => new JsonObject
            {
                ["sku"] = s.Sku, ["reviews"] = s.Reviews, ["mean_sentiment"] = Math.Round(s.MeanSentiment ?? 0, 3),
                ["mean_rating"] = Math.Round(s.MeanRating ?? 0, 2), ["positive"] = s.Positive, ["neutral"] = s.Neutral, ["negative"] = s.Negative,
            }),
            ["negative_themes"] = JobParams.Array(themes, t => new JsonObject { ["theme"] = t.Theme, ["count"] = t.Count, ["example"] = t.Example }),
        };
    }

    private sealed record ReviewRow(string ReviewId, string Sku, string Text);

    private sealed record SummaryRow(string Sku, int Reviews, double? MeanSentiment, double? MeanRating, int Positive, int Neutral, int Negative);
}

/// <summary>return_classify: classifies return reasons into the taxonomy and flags SKUs whose return rate jumped.</summary>
public sealed class ReturnClassifyHandler(NpgsqlDataSource dataSource, EmbeddingStore embeddings, TextModels models, IOptionsMonitor<HandlerOptions> options) : IJobHandler
{
    public string Type => "return_classify";

    private const string WindowSql = """
        select order_ref as OrderRef, sku as Sku, reason as Reason, category as Category from nexus.returns r
        where workspace_id = @W and created_at > now() - make_interval(days => @Window) and (@Skus::text[] is null or sku = any(@Skus))
          and (@M::text is null or exists (select 1 from nexus.products p where p.workspace_id = r.workspace_id and p.sku = r.sku and p.marketplace = @M))
        order by created_at, order_ref, sku
        """;

    private const string ClassifySql = """
        update nexus.returns set category = @Category, category_confidence = @Confidence
        where workspace_id = @W and order_ref = @OrderRef and sku = @Sku
        """;

    // Returned and sold units per SKU: in the window, and in the baseline just before it.
    private const string RatesSql = """
        with skus as (select distinct sku from nexus.returns where workspace_id = @W and (@Skus::text[] is null or sku = any(@Skus))
                      union select distinct sku from nexus.daily_sales where workspace_id = @W and sku = any(coalesce(@Skus, '{}')))
        select s.sku as Sku,
               coalesce((select sum(units) from nexus.returns r where r.workspace_id = @W and r.sku = s.sku and r.created_at > now() - make_interval(days => @Window)), 0)::int as WindowReturns,
               coalesce((select sum(units) from nexus.daily_sales d where d.workspace_id = @W and d.sku = s.sku and d.date > current_date - @Window), 0)::int as WindowSold,
               coalesce((select sum(units) from nexus.returns r where r.workspace_id = @W and r.sku = s.sku
                         and r.created_at <= now() - make_interval(days => @Window) and r.created_at > now() - make_interval(days => @Window + @Baseline)), 0)::int as BaselineReturns,
               coalesce((select sum(units) from nexus.daily_sales d where d.workspace_id = @W and d.sku = s.sku
                         and d.date <= current_date - @Window and d.date > current_date - (@Window + @Baseline)), 0)::int as BaselineSold
        from skus s order by s.sku
        """;

    public async Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken)
    {
        var window = job.Int("window_days") ?? options.CurrentValue.ReturnWindowDays;
        var args = new { W = job.WorkspaceId, Window = window, Skus = job.Skus(), M = job.Marketplace(), Baseline = options.CurrentValue.ReturnBaselineDays };
        var model = await models.ReturnReasonsAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var returns = (await connection.QueryAsync<ReturnRow>(new CommandDefinition(WindowSql, args, cancellationToken: cancellationToken))).AsList();
        var classes = await model.ClassifyAsync([.. returns.Select(r => r.Reason)], texts => embeddings.GetOrCreateAsync(texts, cancellationToken));
        var classified = returns.Zip(classes, (r, c) => (Row: r, Class: c)).ToList();
        await connection.ExecuteAsync(new CommandDefinition(ClassifySql,
            classified.Select(c => new { W = job.WorkspaceId, c.Row.OrderRef, c.Row.Sku, c.Class.Category, Confidence = Math.Round(c.Class.Confidence, 4) }),
            cancellationToken: CancellationToken.None));
        var rates = (await connection.QueryAsync<RateRow>(new CommandDefinition(RatesSql, args, cancellationToken: cancellationToken))).AsList();
        var tests = rates.Select(r => ReturnModel.Test(new ReturnRates(r.Sku, r.WindowReturns, r.WindowSold, r.BaselineReturns, r.BaselineSold))).ToList();
        return new JsonObject
        {
            ["processed_count"] = returns.Count,
            ["window_days"] = window,
            ["by_category"] = new JsonObject(classified.GroupBy(c => c.Class.Category).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count()))),
            ["classifications"] = JobParams.Array(classified.Take(500), c => new JsonObject
            {
                ["order_ref"] = c.Row.OrderRef, ["sku"] = c.Row.Sku, ["category"] = c.Class.Category, ["confidence"] = Math.Round(c.Class.Confidence, 3),
            }),
            ["anomalies"] = JobParams.Array(tests.Where(t => t.IsAnomaly), t => new JsonObject
            {
                ["sku"] = t.Sku, ["window_rate"] = Math.Round(t.WindowRate, 4), ["baseline_rate"] = Math.Round(t.BaselineRate, 4),
                ["p_value"] = t.PValue, ["test"] = t.Test,
            }),
            ["skus_tested"] = tests.Count,
        };
    }

    private sealed record ReturnRow(string OrderRef, string Sku, string Reason, string? Category);

    private sealed record RateRow(string Sku, int WindowReturns, int WindowSold, int BaselineReturns, int BaselineSold);
}

/// <summary>competitor_scan: fetches offers from the configured price sources, stores them, reports our position.</summary>
public sealed class CompetitorScanHandler(NpgsqlDataSource dataSource, PriceSourceClient client, IOptionsMonitor<HandlerOptions> options) : IJobHandler
{
    public string Type => "competitor_scan";

    private const string StoreSql = """
        insert into nexus.competitor_offers (workspace_id, sku, competitor, price, observed_at, title)
        values (@W, @Sku, @Competitor, @Price, @ObservedAt, @Title)
        on conflict (workspace_id, sku, competitor, observed_at) do update set price = excluded.price, title = excluded.title
        """;

    private const string LoadSql = """
        select sku as Sku, price as Price from nexus.products where workspace_id = @W and marketplace = @M and sku = any(@Skus);

        select sku as Sku, competitor as Competitor, price as Price, observed_at as ObservedAt, title as Title
        from nexus.competitor_offers where workspace_id = @W and sku = any(@Skus);
        """;

    public async Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken)
    {
        var skus = job.Skus()!;
        var marketplace = job.Marketplace()!;
        var sources = options.CurrentValue.PriceSources;
        var fetched = new List<CompetitorOffer>();
        var failures = new JsonArray();
        foreach (var source in sources)
        {
            try
            {
                fetched.AddRange(await client.FetchAsync(source, skus, marketplace, cancellationToken));
            }
            catch (JobFailureException e) when (sources.Count > 1)
            {
                // One failing source does not hide the others' prices; the result says which one failed.
                failures.Add(new JsonObject { ["source"] = source.Name, ["code"] = e.Code, ["message"] = e.Message });
            }
        }
        if (sources.Count > 1 && failures.Count == sources.Count)
        {
            throw new JobFailureException("PRICE_SOURCE_ERROR", "Every configured price source failed");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(StoreSql,
            fetched.Select(o => new { W = job.WorkspaceId, o.Sku, o.Competitor, o.Price, o.ObservedAt, o.Title }), cancellationToken: CancellationToken.None));
        using var reader = await connection.QueryMultipleAsync(new CommandDefinition(LoadSql, new { W = job.WorkspaceId, M = marketplace, Skus = skus }, cancellationToken: cancellationToken));
        var ours = (await reader.ReadAsync<PriceRow>()).ToDictionary(p => p.Sku, p => (decimal?)p.Price, StringComparer.Ordinal);
        var offers = (await reader.ReadAsync<CompetitorOffer>()).GroupBy(o => o.Sku).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var result = new JsonObject
        {
            ["processed_count"] = skus.Length,
            ["sources_queried"] = sources.Count,
            ["offers_fetched"] = fetched.Count,
            ["skus"] = JobParams.Array(skus, sku =>
            {
                var p = CompetitorModel.Position(sku, ours.GetValueOrDefault(sku), offers.GetValueOrDefault(sku) ?? []);
                return new JsonObject
                {
                    ["sku"] = sku, ["our_price"] = p.OurPrice, ["min_price"] = p.MinPrice, ["median_price"] = p.MedianPrice,
                    ["max_price"] = p.MaxPrice, ["offers"] = p.Offers, ["position"] = p.Position,
                };
            }),
        };
        if (failures.Count > 0)
        {
            result["source_failures"] = failures;
        }
        if (sources.Count == 0)
        {
            result["note"] = "No price source is configured (AiJobs:Handlers:PriceSources); positions use the offers already stored.";
        }
        return result;
    }

    private sealed record PriceRow(string Sku, decimal Price);
}

/// <summary>llm_visibility_score: asks the configured assistants shopper questions and scores how our brand and product show up.</summary>
public sealed class VisibilityHandler(NpgsqlDataSource dataSource, AssistantClient client, IOptionsMonitor<HandlerOptions> options) : IJobHandler
{
    public string Type => "llm_visibility_score";

    private const string ProductsSql = """
        select distinct on (sku) sku as Sku, title as Title, brand as Brand, category as Category from nexus.products
        where workspace_id = @W and sku = any(@Skus) and (@M::text is null or marketplace = @M)
        order by sku, marketplace
        """;

    public async Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken)
    {
        var configured = options.CurrentValue.Assistants;
        var wanted = job.Params["assistants"] is JsonArray names ? names.Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) : null;
        var assistants = configured.Where(a => wanted is null || wanted.Contains(a.Name)).ToList();
        if (assistants.Count == 0)
        {
            throw new PermanentJobFailureException("PROVIDER_NOT_CONFIGURED", wanted is null
                ? "No assistant is configured (AiJobs:Handlers:Assistants)"
                : $"None of the requested assistants is configured: {string.Join(", ", wanted)}");
        }
        var marketplace = job.Marketplace();
        List<ProductRow> products;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            products = (await connection.QueryAsync<ProductRow>(new CommandDefinition(ProductsSql,
                new { W = job.WorkspaceId, Skus = job.Skus(), M = marketplace }, cancellationToken: cancellationToken))).AsList();
        }
        var results = new JsonArray();
        foreach (var product in products)
        {
            var brand = product.Brand ?? product.Title.Split(' ')[0];
            var questions = VisibilityModel.Questions(product.Category ?? "product", marketplace);
            var perAssistant = new JsonArray();
            var scores = new List<VisibilityScore>();
            foreach (var assistant in assistants)
            {
                var assistantScores = new List<VisibilityScore>();
                foreach (var question in questions)
                {
                    var answer = await client.AskAsync(assistant, question, cancellationToken);
                    assistantScores.Add(VisibilityModel.Score(answer, brand, product.Title));
                }
                scores.AddRange(assistantScores);
                perAssistant.Add(new JsonObject
                {
                    ["assistant"] = assistant.Name,
                    ["score"] = Math.Round(assistantScores.Average(s => s.Score), 3),
                    ["mention_rate"] = Math.Round(assistantScores.Count(s => s.BrandMentioned) / (double)assistantScores.Count, 3),
                });
            }
            var ranks = scores.Where(s => s.Rank is not null).Select(s => (double)s.Rank!.Value).ToList();
            results.Add(new JsonObject
            {
                ["sku"] = product.Sku, ["brand"] = brand, ["questions_asked"] = scores.Count,
                ["visibility_score"] = Math.Round(scores.Average(s => s.Score), 3),
                ["brand_mention_rate"] = Math.Round(scores.Count(s => s.BrandMentioned) / (double)scores.Count, 3),
                ["product_mention_rate"] = Math.Round(scores.Count(s => s.ProductMentioned) / (double)scores.Count, 3),
                ["mean_rank"] = ranks.Count == 0 ? null : Math.Round(ranks.Average(), 2),
                ["assistants"] = perAssistant,
            });
        }
        var found = products.Select(p => p.Sku).ToHashSet(StringComparer.Ordinal);
        var result = new JsonObject { ["processed_count"] = products.Count, ["skus"] = results };
        var missing = (job.Skus() ?? []).Where(s => !found.Contains(s)).ToList();
        if (missing.Count > 0)
        {
            result["not_found"] = JobParams.Array(missing, s => s);
        }
        return result;
    }

    private sealed record ProductRow(string Sku, string Title, string? Brand, string? Category);
}

/// <summary>listing_optimize: scores listings against the marketplace's rules and proposes (or applies) concrete changes.</summary>
public sealed class ListingHandler(NpgsqlDataSource dataSource) : IJobHandler
{
    public string Type => "listing_optimize";

    private const string LoadSql = """
        select sku as Sku, title as Title, description as Description, bullet_points as Bullets from nexus.products
        where workspace_id = @W and marketplace = @M and sku = any(@Skus);

        select sku as Sku, text as Text from (
            select sku, text, row_number() over (partition by sku order by created_at desc) as n
            from nexus.reviews where workspace_id = @W and sku = any(@Skus)) r where n <= 200;

        select distinct sku as Sku, title as Text from nexus.competitor_offers
        where workspace_id = @W and sku = any(@Skus) and title is not null;

        select sku as Sku, old_listing::text as Old from nexus.listing_history where workspace_id = @W and marketplace = @M and job_id = @Job;
        """;

    private const string ApplySql = """
        with changed as (
            insert into nexus.listing_history (workspace_id, sku, marketplace, job_id, old_listing, new_listing, changed_at)
            values (@W, @Sku, @M, @Job, @Old::jsonb, @New::jsonb, now())
            on conflict do nothing
            returning sku)
        update nexus.products set title = @Title, description = @Description, bullet_points = @Bullets, updated_at = now()
        where workspace_id = @W and marketplace = @M and sku = @Sku and exists (select 1 from changed)
        """;

    public async Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken)
    {
        var skus = job.Skus()!;
        var marketplace = job.Marketplace()!;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        using var reader = await connection.QueryMultipleAsync(new CommandDefinition(LoadSql,
            new { W = job.WorkspaceId, M = marketplace, Skus = skus, Job = job.JobId }, cancellationToken: cancellationToken));
        var products = (await reader.ReadAsync<ProductRow>()).ToDictionary(p => p.Sku, StringComparer.Ordinal);
        var reviews = (await reader.ReadAsync<TextRow>()).GroupBy(r => r.Sku).ToDictionary(g => g.Key, g => g.Select(r => r.Text).ToList());
        var titles = (await reader.ReadAsync<TextRow>()).GroupBy(r => r.Sku).ToDictionary(g => g.Key, g => g.Select(r => r.Text).ToList());
        // Delivered again after applying: evaluate the listing as it was before this job changed it.
        var before = (await reader.ReadAsync<HistoryRow>()).ToDictionary(h => h.Sku, h => JsonSerializer.Deserialize<Listing>(h.Old)!, StringComparer.Ordinal);

        var listings = new JsonArray();
        int processed = 0, updated = 0;
        foreach (var sku in skus)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!products.TryGetValue(sku, out var product))
            {
                continue;
            }
            processed++;
            var current = before.GetValueOrDefault(sku) ?? new Listing(product.Title, product.Description, product.Bullets);
            var evaluation = ListingModel.Evaluate(current, marketplace, reviews.GetValueOrDefault(sku) ?? [], titles.GetValueOrDefault(sku) ?? []);
            var changes = evaluation.Proposal.Title != current.Title || evaluation.Proposal.Description != current.Description
                || !evaluation.Proposal.Bullets.SequenceEqual(current.Bullets);
            var apply = job.Apply() && changes;
            if (changes)
            {
                updated++;
            }
            if (apply && !before.ContainsKey(sku))
            {
                await connection.ExecuteAsync(new CommandDefinition(ApplySql, new
                {
                    W = job.WorkspaceId, M = marketplace, Sku = sku, Job = job.JobId,
                    Old = JsonSerializer.Serialize(current), New = JsonSerializer.Serialize(evaluation.Proposal),
                    evaluation.Proposal.Title, evaluation.Proposal.Description, Bullets = evaluation.Proposal.Bullets.ToArray(),
                }, cancellationToken: CancellationToken.None));
            }
            listings.Add(new JsonObject
            {
                ["sku"] = sku,
                ["score"] = evaluation.Score,
                ["issues"] = JobParams.Array(evaluation.Issues, i => new JsonObject { ["field"] = i.Field, ["rule"] = i.Rule, ["detail"] = i.Detail }),
                ["missing_keywords"] = JobParams.Array(evaluation.MissingKeywords, k => k),
                ["proposal"] = new JsonObject
                {
                    ["title"] = evaluation.Proposal.Title, ["description"] = evaluation.Proposal.Description,
                    ["bullet_points"] = JobParams.Array(evaluation.Proposal.Bullets, b => b),
                },
                ["applied"] = apply,
            });
        }
        return new JsonObject { ["processed_count"] = processed, ["updated_count"] = updated, ["listings"] = listings };
    }

    private sealed class ProductRow
    {
        public string Sku { get; init; } = "";
        public string Title { get; init; } = "";
        public string? Description { get; init; }
        public string[] Bullets { get; init; } = [];
    }

    private sealed record TextRow(string Sku, string Text);

    private sealed record HistoryRow(string Sku, string Old);
}
