using System.Globalization;
using System.Text.Json;
using Dapper;
using Hangfire;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>A host with the real built-in handlers (no scripted ones), a price source and an assistant on loopback.</summary>
public sealed class HandlerHost : IAsyncLifetime
{
    public FakeOutsideServices Outside { get; private set; } = null!;

    public NexusApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Outside = await FakeOutsideServices.StartAsync();
        App = await NexusApp.IsolatedAsync(new()
        {
            ["AiJobs:Handlers:PriceSources:0:Name"] = "rivals",
            ["AiJobs:Handlers:PriceSources:0:Url"] = $"{Outside.BaseUrl}/prices",
            ["AiJobs:Handlers:PriceSources:1:Name"] = "broken",
            ["AiJobs:Handlers:PriceSources:1:Url"] = $"{Outside.BaseUrl}/prices-down",
            ["AiJobs:Handlers:Assistants:0:Name"] = "gpt-like",
            ["AiJobs:Handlers:Assistants:0:BaseUrl"] = $"{Outside.BaseUrl}/ai",
            ["AiJobs:Handlers:Assistants:0:Model"] = "test-model",
            ["AiJobs:Handlers:Assistants:0:ApiKey"] = "sk-test-secret",
            ["AiJobs:Handlers:Assistants:1:Name"] = "slow",
            ["AiJobs:Handlers:Assistants:1:BaseUrl"] = $"{Outside.BaseUrl}/slow-ai",
            ["AiJobs:Handlers:Assistants:1:Model"] = "test-model",
            ["AiJobs:Handlers:Assistants:1:TimeoutSeconds"] = "1",
            ["AiJobs:DefaultRetry:Attempts"] = "1",
            ["AiJobs:DefaultRetry:DelaysSeconds:0"] = "0",
        }, scriptedHandlers: false);
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Outside.DisposeAsync();
    }
}

public sealed class HandlerTests(HandlerHost host) : IClassFixture<HandlerHost>
{
    private NexusApp App => host.App;

    private static string Rows(string member, IEnumerable<object> rows) => JsonSerializer.Serialize(new Dictionary<string, object> { [member] = rows });

    private async Task<ApiClient> WorkspaceWithProductAsync(string sku, decimal price, decimal? cost, string title = "Nexus steel kettle")
    {
        var api = await App.ClientAsync();
        var response = await api.PostAsync("/v1/catalog/products", Rows("products", [new
        {
            sku, marketplace = "amazon_us", title, description = (string?)null, bullet_points = Array.Empty<string>(), brand = "Nexus",
            category = "kettle", price, cost, currency = "USD",
        }]));
        response.Status.ShouldBe(HttpStatusCode.OK, response.Body);
        return api;
    }

    // The first text job of a host trains its text models: about 2,000 labelled examples embedded and two classifiers
    // fitted, 6-12 s on two quiet cores and several times that while the suite's other classes share them.
    private static readonly TimeSpan TextModelPatience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Pricing_FindsTheOptimumOfAConstantElasticityCurve_AndAppliesItOnce()
    {
        var api = await WorkspaceWithProductAsync("K1", 19.00m, 10.00m);
        // units = 1e6 * p^-2: elasticity -2, so the margin optimum over cost 10 is 10 * -2 / (1 - 2) = 20.
        var sales = Enumerable.Range(1, 90).Select(d =>
        {
            var price = 15m + d % 11;
            return new { sku = "K1", date = DateTime.UtcNow.AddDays(-d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), units = (int)Math.Round(1e6 / Math.Pow((double)price, 2)), price };
        });
        (await api.PostAsync("/v1/catalog/daily-sales", Rows("daily_sales", sales))).Status.ShouldBe(HttpStatusCode.OK);

        var dry = await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"pricing_recalculate","params":{"skus":["K1","NOPE"],"marketplace":"amazon_us","apply":false}}"""), "completed");
        var result = dry.GetProperty("result");
        result.GetProperty("processed_count").GetInt32().ShouldBe(1);
        result.GetProperty("updated_count").GetInt32().ShouldBe(1);
        result.GetProperty("not_found")[0].GetString().ShouldBe("NOPE");
        var recommendation = result.GetProperty("recommendations")[0];
        recommendation.GetProperty("sku").GetString().ShouldBe("K1");
        recommendation.GetProperty("current_price").GetDecimal().ShouldBe(19.00m);
        recommendation.GetProperty("recommended_price").GetDecimal().ShouldBe(20.00m);
        recommendation.GetProperty("applied").GetBoolean().ShouldBeFalse();
        recommendation.GetProperty("confidence").GetDouble().ShouldBeInRange(0.5, 1.0);
        recommendation.GetProperty("reasoning").GetString().ShouldNotBeNullOrWhiteSpace();
        (await App.QueryAsync<decimal>("select price from nexus.products where workspace_id = @W", new { W = api.Workspace })).ShouldBe(19.00m);

        var id = await api.DispatchAsync("""{"type":"pricing_recalculate","params":{"skus":["K1"],"marketplace":"amazon_us","apply":true}}""");
        var applied = await api.ShouldReachStatus(id, "completed");
        applied.GetProperty("result").GetProperty("recommendations")[0].GetProperty("applied").GetBoolean().ShouldBeTrue();
        (await App.QueryAsync<decimal>("select price from nexus.products where workspace_id = @W", new { W = api.Workspace })).ShouldBe(20.00m);

        // Delivered again: the same change, not a second one.
        await RunAgainAsync(api, id);
        (await App.QueryAsync<decimal>("select price from nexus.products where workspace_id = @W", new { W = api.Workspace })).ShouldBe(20.00m);
        (await App.QueryAsync<long>("select count(*) from nexus.price_history where workspace_id = @W", new { W = api.Workspace })).ShouldBe(1);
    }

    [Fact]
    public async Task ReviewSentiment_ScoresNewReviewsOnce_AndSummarises()
    {
        var api = await WorkspaceWithProductAsync("K1", 19m, 10m);
        var now = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        (await api.PostAsync("/v1/catalog/reviews", Rows("reviews",
        [
            new { review_id = "r1", sku = "K1", rating = 5, text = "I love this kettle, it is great and very fast", created_at = now },
            new { review_id = "r2", sku = "K1", rating = 1, text = "Looks smart, but the handle broke and it leaks", created_at = now },
            new { review_id = "r3", sku = "K1", rating = 1, text = "Awful, the handle broke after a week", created_at = now },
            new { review_id = "r4", sku = "K1", rating = 2, text = "Handle snapped off when I lifted it full of water", created_at = now },
        ]))).Status.ShouldBe(HttpStatusCode.OK);

        var first = (await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"review_sentiment","params":{"skus":["K1"]}}"""), "completed", TextModelPatience)).GetProperty("result");
        first.GetProperty("processed_count").GetInt32().ShouldBe(4);
        var sku = first.GetProperty("skus")[0];
        sku.GetProperty("positive").GetInt32().ShouldBe(1);
        sku.GetProperty("negative").GetInt32().ShouldBe(3);
        // The three negative reviews make one complaint, in three wordings.
        var theme = first.GetProperty("negative_themes").EnumerateArray().ShouldHaveSingleItem();
        theme.GetProperty("theme").GetString()!.ShouldContain("handle");
        theme.GetProperty("count").GetInt32().ShouldBe(3);
        theme.GetProperty("example").GetString().ShouldNotBeNullOrWhiteSpace();
        (await App.QueryAsync<long>("select count(*) from nexus.reviews where workspace_id = @W and scored_at is not null", new { W = api.Workspace })).ShouldBe(4);
        (await App.QueryAsync<string>("select sentiment_label from nexus.reviews where workspace_id = @W and review_id = 'r2'", new { W = api.Workspace })).ShouldBe("negative");
        (await App.QueryAsync<double>("select sentiment_score from nexus.reviews where workspace_id = @W and review_id = 'r1'", new { W = api.Workspace })).ShouldBeInRange(0.0, 1.0);
        // Each review, and each clause of the one that turns on "but", was embedded once and its vector stored.
        string[] embedded = ["I love this kettle, it is great and very fast", "Looks smart, but the handle broke and it leaks", "Looks smart", "the handle broke and it leaks"];
        (await App.QueryAsync<long>("select count(*) from nexus.embeddings where text_sha256 = any(@Hashes)",
            new { Hashes = embedded.Select(Nexus.Jobs.Language.EmbeddingStore.Hash).ToArray() })).ShouldBe(4);

        var second = (await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"review_sentiment","params":{"skus":["K1"]}}"""), "completed")).GetProperty("result");
        second.GetProperty("processed_count").GetInt32().ShouldBe(0);
        second.GetProperty("skus")[0].GetProperty("reviews").GetInt32().ShouldBe(4);
    }

    [Fact]
    public async Task ReturnClassify_ClassifiesReasons_AndFlagsASkuWhoseReturnRateJumped()
    {
        var api = await WorkspaceWithProductAsync("K1", 19m, 10m);
        var sales = Enumerable.Range(1, 200).Select(d => new { sku = "K1", date = DateTime.UtcNow.AddDays(-d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), units = 10, price = 19m });
        (await api.PostAsync("/v1/catalog/daily-sales", Rows("daily_sales", sales))).Status.ShouldBe(HttpStatusCode.OK);
        // Baseline: 3 returns over ~1700 units. Window (30 days): 40 returns over 300 units.
        var returns = Enumerable.Range(0, 3).Select(i => new { sku = "K1", order_ref = $"old-{i}", reason = "Changed my mind", units = 1, created_at = DateTime.UtcNow.AddDays(-100 - i).ToString("O") })
            .Concat(Enumerable.Range(0, 40).Select(i => new { sku = "K1", order_ref = $"new-{i}", reason = i % 2 == 0 ? "Stopped working after two days" : "Arrived damaged, box crushed", units = 1, created_at = DateTime.UtcNow.AddDays(-1 - i % 20).ToString("O") }));
        (await api.PostAsync("/v1/catalog/returns", Rows("returns", returns))).Status.ShouldBe(HttpStatusCode.OK);

        var result = (await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"return_classify","params":{"skus":["K1"],"window_days":30}}"""), "completed", TextModelPatience)).GetProperty("result");

        result.GetProperty("processed_count").GetInt32().ShouldBe(40);
        result.GetProperty("by_category").GetProperty("defective").GetInt32().ShouldBe(20);
        result.GetProperty("by_category").GetProperty("damaged_in_transit").GetInt32().ShouldBe(20);
        var anomaly = result.GetProperty("anomalies")[0];
        anomaly.GetProperty("sku").GetString().ShouldBe("K1");
        anomaly.GetProperty("p_value").GetDouble().ShouldBeLessThan(0.01);
        anomaly.GetProperty("test").GetString()!.ShouldContain("binomial");
        (await App.QueryAsync<long>("select count(*) from nexus.returns where workspace_id = @W and category is not null", new { W = api.Workspace })).ShouldBe(40);
        (await App.QueryAsync<long>("select count(*) from nexus.returns where workspace_id = @W and category_confidence > 0.5 and category_confidence <= 1", new { W = api.Workspace })).ShouldBe(40);
        // The 40 reasons are two texts: each embedded once, its vector stored.
        (await App.QueryAsync<long>("select count(*) from nexus.embeddings where text_sha256 = any(@Hashes)",
            new { Hashes = new[] { "Stopped working after two days", "Arrived damaged, box crushed" }.Select(Nexus.Jobs.Language.EmbeddingStore.Hash).ToArray() })).ShouldBe(2);
    }

    [Fact]
    public async Task CompetitorScan_StoresFetchedOffers_ReportsPosition_AndNamesTheFailedSource()
    {
        var api = await WorkspaceWithProductAsync("K1", 11.00m, 6m);

        var result = (await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"competitor_scan","params":{"skus":["K1"],"marketplace":"amazon_us"}}"""), "completed")).GetProperty("result");

        result.GetProperty("offers_fetched").GetInt32().ShouldBe(2);
        var sku = result.GetProperty("skus")[0];
        sku.GetProperty("min_price").GetDecimal().ShouldBe(9.50m);
        sku.GetProperty("median_price").GetDecimal().ShouldBe(10.75m);
        sku.GetProperty("our_price").GetDecimal().ShouldBe(11.00m);
        sku.GetProperty("position").GetString().ShouldBe("above_median");
        result.GetProperty("source_failures")[0].GetProperty("source").GetString().ShouldBe("broken");
        (await App.QueryAsync<long>("select count(*) from nexus.competitor_offers where workspace_id = @W", new { W = api.Workspace })).ShouldBe(2);
    }

    [Fact]
    public async Task Visibility_ScoresTheAssistantsAnswers_AndSendsTheConfiguredKey()
    {
        var api = await WorkspaceWithProductAsync("K1", 19m, 10m);

        var job = await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"llm_visibility_score","params":{"skus":["K1"],"assistants":["gpt-like"]}}"""), "completed");

        var sku = job.GetProperty("result").GetProperty("skus")[0];
        sku.GetProperty("brand_mention_rate").GetDouble().ShouldBe(1.0);
        sku.GetProperty("mean_rank").GetDouble().ShouldBe(2.0);
        sku.GetProperty("visibility_score").GetDouble().ShouldBeInRange(0.5, 0.76);
        host.Outside.Received.Where(r => r.Path == "/ai/chat/completions").ShouldAllBe(r => r.Authorization == "Bearer sk-test-secret");
    }

    [Fact]
    public async Task Visibility_FailsWithProviderTimeout_WhenTheAssistantDoesNotAnswer()
    {
        var api = await WorkspaceWithProductAsync("K1", 19m, 10m);
        var job = await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"llm_visibility_score","params":{"skus":["K1"],"assistants":["slow"]}}"""), "failed", TimeSpan.FromSeconds(60));
        job.GetProperty("error").GetProperty("code").GetString().ShouldBe("PROVIDER_TIMEOUT");
        job.GetProperty("error").GetProperty("retry_count").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Visibility_FailsAtOnceWithProviderNotConfigured_ForAnUnknownAssistant()
    {
        var api = await WorkspaceWithProductAsync("K1", 19m, 10m);
        var job = await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"llm_visibility_score","params":{"skus":["K1"],"assistants":["nobody"]}}"""), "failed");
        job.GetProperty("error").GetProperty("code").GetString().ShouldBe("PROVIDER_NOT_CONFIGURED");
        job.GetProperty("error").GetProperty("retry_count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task ListingOptimize_ProposesABetterListing_AndAppliesItWithHistory()
    {
        var api = await WorkspaceWithProductAsync("K1", 19m, 10m, title: "Kettle");
        var now = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        (await api.PostAsync("/v1/catalog/reviews", Rows("reviews", Enumerable.Range(0, 4).Select(i =>
            new { review_id = $"lr{i}", sku = "K1", rating = 5, text = "Quiet kettle with a fast boil, cordless and easy", created_at = now })))).Status.ShouldBe(HttpStatusCode.OK);

        var id = await api.DispatchAsync("""{"type":"listing_optimize","params":{"skus":["K1"],"marketplace":"amazon_us","apply":true}}""");
        var listing = (await api.ShouldReachStatus(id, "completed")).GetProperty("result").GetProperty("listings")[0];

        listing.GetProperty("score").GetDouble().ShouldBeLessThan(100);
        listing.GetProperty("issues").GetArrayLength().ShouldBeGreaterThan(0);
        var proposed = listing.GetProperty("proposal").GetProperty("title").GetString()!;
        proposed.Length.ShouldBeGreaterThan("Kettle".Length);
        proposed.ShouldContain("Quiet", Case.Insensitive, "the top review keyword goes into the title");
        listing.GetProperty("applied").GetBoolean().ShouldBeTrue();
        (await App.QueryAsync<string>("select title from nexus.products where workspace_id = @W", new { W = api.Workspace })).ShouldBe(proposed);
        (await App.QueryAsync<string>("select old_listing->>'Title' from nexus.listing_history where workspace_id = @W", new { W = api.Workspace })).ShouldBe("Kettle");

        await RunAgainAsync(api, id);
        (await App.QueryAsync<long>("select count(*) from nexus.listing_history where workspace_id = @W", new { W = api.Workspace })).ShouldBe(1);
        (await App.QueryAsync<string>("select title from nexus.products where workspace_id = @W", new { W = api.Workspace })).ShouldBe(proposed);
    }

    [Theory]
    [InlineData("products", """{"products":[{"sku":"A","marketplace":"mars","title":"t","price":1,"currency":"USD"}]}""", "products[0].marketplace")]
    [InlineData("products", """{"products":[{"sku":"A","marketplace":"amazon_us","title":"t","price":-1,"currency":"USD"}]}""", "products[0].price")]
    [InlineData("products", """{"products":[{"sku":"A","marketplace":"amazon_us","title":"t","price":1,"currency":"dollars"}]}""", "products[0].currency")]
    [InlineData("daily-sales", """{"daily_sales":[{"sku":"A","date":"2026-13-01","units":1,"price":1}]}""", "daily_sales[0].date")]
    [InlineData("reviews", """{"reviews":[{"review_id":"r","sku":"A","rating":6,"text":"x","created_at":"2026-03-12T10:00:00Z"}]}""", "reviews[0].rating")]
    [InlineData("returns", """{"returns":[{"sku":"A","order_ref":"o","reason":"x","units":0,"created_at":"2026-03-12T10:00:00Z"}]}""", "returns[0].units")]
    [InlineData("competitor-offers", """{"competitor_offers":[{"sku":"A","competitor":"c","price":1,"observed_at":"yesterday"}]}""", "competitor_offers[0].observed_at")]
    [InlineData("reviews", """{"reviews":[]}""", "reviews")]
    public async Task CatalogUpserts_Return422_NamingTheField(string path, string body, string field)
    {
        var api = await App.ClientAsync();
        var response = await api.PostAsync($"/v1/catalog/{path}", body);
        response.ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
        response.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(response.Body);
    }

    [Fact]
    public async Task CatalogReads_ShowTheWorkspacesDataOnly_AndNeedCatalogScopes()
    {
        var api = await WorkspaceWithProductAsync("K1", 19m, 10m);
        var other = await App.ClientAsync();
        var products = (await api.GetAsync("/v1/catalog/products")).Json.GetProperty("data");
        products.GetArrayLength().ShouldBe(1);
        products[0].GetProperty("sku").GetString().ShouldBe("K1");
        products[0].TryGetProperty("workspace_id", out _).ShouldBeFalse();
        (await other.GetAsync("/v1/catalog/products")).Json.GetProperty("data").GetArrayLength().ShouldBe(0);
        (await api.GetAsync("/v1/catalog/nonsense")).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        var noScope = await App.ClientAsync(api.Workspace, "ai-jobs:read");
        (await noScope.GetAsync("/v1/catalog/products")).ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
        (await noScope.PostAsync("/v1/catalog/products", "{}")).ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
    }

    [Theory]
    [InlineData("""{"type":"review_sentiment","params":{"skus":["K1"]}}""")]
    [InlineData("""{"type":"return_classify","params":{"skus":["K1"],"window_days":30}}""")]
    [InlineData("""{"type":"competitor_scan","params":{"skus":["K1"],"marketplace":"amazon_us"}}""")]
    [InlineData("""{"type":"llm_visibility_score","params":{"skus":["K1"],"assistants":["gpt-like"]}}""")]
    [InlineData("""{"type":"pricing_recalculate","params":{"skus":["K1"],"marketplace":"amazon_us","apply":true}}""")]
    [InlineData("""{"type":"listing_optimize","params":{"skus":["K1"],"marketplace":"amazon_us","apply":true}}""")]
    public async Task EveryJobType_ExecutedTwice_LeavesTheStateOfOnce(string job)
    {
        var api = await WorkspaceWithProductAsync("K1", 19m, 10m, title: "Kettle");
        var now = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        (await api.PostAsync("/v1/catalog/reviews", Rows("reviews", Enumerable.Range(0, 6).Select(i =>
            new { review_id = $"x{i}", sku = "K1", rating = 1 + i % 5, text = i % 2 == 0 ? "Quiet and fast, love it" : "Broke after a week, awful", created_at = now })))).Status.ShouldBe(HttpStatusCode.OK);
        (await api.PostAsync("/v1/catalog/returns", Rows("returns", Enumerable.Range(0, 5).Select(i =>
            new { sku = "K1", order_ref = $"o{i}", reason = "Stopped working", units = 1, created_at = now })))).Status.ShouldBe(HttpStatusCode.OK);
        (await api.PostAsync("/v1/catalog/daily-sales", Rows("daily_sales", Enumerable.Range(1, 60).Select(d =>
            new { sku = "K1", date = DateTime.UtcNow.AddDays(-d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), units = 20 + d % 7, price = 15m + d % 9 })))).Status.ShouldBe(HttpStatusCode.OK);

        var id = await api.DispatchAsync(job);
        var first = await api.ShouldReachStatus(id, "completed", TextModelPatience);
        var once = await SnapshotAsync(api.Workspace);

        await RunAgainAsync(api, id);

        (await SnapshotAsync(api.Workspace)).ShouldBe(once);
        var again = await api.JobAsync(id);
        if (!job.Contains("review_sentiment", StringComparison.Ordinal))
        {
            // Sentiment reports only newly scored reviews, which the second run rightly has none of.
            again.GetProperty("result").GetRawText().ShouldBe(first.GetProperty("result").GetRawText());
        }
    }

    private async Task<string> SnapshotAsync(long workspace)
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        var parts = new List<string>();
        foreach (var table in new[] { "products", "daily_sales", "competitor_offers", "reviews", "returns", "price_history", "listing_history" })
        {
            // Timestamps the upserts refresh (updated_at, scored_at, changed_at) would differ only if a row were written again.
            var rows = await connection.QueryAsync<string>($"select to_jsonb(t)::text from nexus.{table} t where workspace_id = @W order by 1", new { W = workspace });
            parts.Add($"{table}:{string.Join("\n", rows)}");
        }
        return string.Join("\n---\n", parts);
    }

    private async Task RunAgainAsync(ApiClient api, string jobId)
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.ExecuteAsync("update nexus.ai_jobs set outcome = null where id = @Id", new { Id = jobId });
        var hangfireId = await connection.ExecuteScalarAsync<long>("select hangfire_job_id from nexus.ai_jobs where id = @Id", new { Id = jobId });
        App.Service<IBackgroundJobClient>().Requeue(hangfireId.ToString(CultureInfo.InvariantCulture)).ShouldBeTrue();
        await api.ShouldReachStatus(jobId, "completed");
    }
}
