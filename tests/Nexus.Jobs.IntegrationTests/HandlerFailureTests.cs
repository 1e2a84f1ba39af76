namespace Nexus.Jobs.IntegrationTests;

public sealed class HandlerFailureTests
{
    private static async Task<ApiClient> WithProductAsync(NexusApp app)
    {
        var api = await app.ClientAsync();
        var response = await api.PostAsync("/v1/catalog/products", """
            {"products":[{"sku":"K1","marketplace":"amazon_us","title":"Nexus steel kettle","brand":"Nexus","category":"kettle","price":11,"cost":6,"currency":"USD"}]}
            """);
        response.Status.ShouldBe(HttpStatusCode.OK, response.Body);
        return api;
    }

    [Fact]
    public async Task CompetitorScan_WithNoSourceConfigured_ReportsStoredOffers_AndSaysSo()
    {
        await using var app = await NexusApp.IsolatedAsync(scriptedHandlers: false);
        var api = await WithProductAsync(app);
        (await api.PostAsync("/v1/catalog/competitor-offers", """
            {"competitor_offers":[{"sku":"K1","competitor":"Old","price":10,"observed_at":"2026-11-01T00:00:00Z"},
                                  {"sku":"K1","competitor":"Old","price":12,"observed_at":"2026-11-10T00:00:00Z"}]}
            """)).Status.ShouldBe(HttpStatusCode.OK);

        var result = (await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"competitor_scan","params":{"skus":["K1"],"marketplace":"amazon_us"}}"""), "completed")).GetProperty("result");

        result.GetProperty("sources_queried").GetInt32().ShouldBe(0);
        result.GetProperty("note").GetString()!.ShouldContain("No price source is configured");
        var sku = result.GetProperty("skus")[0];
        sku.GetProperty("offers").GetInt32().ShouldBe(1, "only each competitor's latest offer counts");
        sku.GetProperty("min_price").GetDecimal().ShouldBe(12m);
    }

    [Fact]
    public async Task PriceSourceTimeout_IsRetried_ThenFailsWithPriceSourceTimeout()
    {
        await using var outside = await FakeOutsideServices.StartAsync();
        await using var app = await NexusApp.IsolatedAsync(new()
        {
            ["AiJobs:Handlers:PriceSources:0:Name"] = "slow",
            ["AiJobs:Handlers:PriceSources:0:Url"] = $"{outside.BaseUrl}/slow-prices",
            ["AiJobs:Handlers:PriceSources:0:TimeoutSeconds"] = "1",
            ["AiJobs:DefaultRetry:Attempts"] = "1",
            ["AiJobs:DefaultRetry:DelaysSeconds:0"] = "0",
        }, scriptedHandlers: false);
        var api = await WithProductAsync(app);

        var job = await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"competitor_scan","params":{"skus":["K1"],"marketplace":"amazon_us"}}"""), "failed", TimeSpan.FromSeconds(60));

        job.GetProperty("error").GetProperty("code").GetString().ShouldBe("PRICE_SOURCE_TIMEOUT");
        job.GetProperty("error").GetProperty("retry_count").GetInt32().ShouldBe(1);
        outside.Received.Count(r => r.Path == "/slow-prices").ShouldBe(2);
    }

    [Fact]
    public async Task AssistantRefusingTheKey_FailsAtOnce_WithProviderError()
    {
        await using var outside = await FakeOutsideServices.StartAsync();
        await using var app = await NexusApp.IsolatedAsync(new()
        {
            ["AiJobs:Handlers:Assistants:0:Name"] = "denied",
            ["AiJobs:Handlers:Assistants:0:BaseUrl"] = $"{outside.BaseUrl}/denied-ai",
            ["AiJobs:Handlers:Assistants:0:Model"] = "m",
        }, scriptedHandlers: false);
        var api = await WithProductAsync(app);

        var job = await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"llm_visibility_score","params":{"skus":["K1"]}}"""), "failed");

        job.GetProperty("error").GetProperty("code").GetString().ShouldBe("PROVIDER_ERROR");
        job.GetProperty("error").GetProperty("retry_count").GetInt32().ShouldBe(0);
        outside.Received.Single(r => r.Path == "/denied-ai/chat/completions").Authorization.ShouldBeNullOrEmpty("no key is configured, so none is sent");
    }

    [Fact]
    public async Task AssistantAnswering429_IsRetriedByTheJobsPolicyOnly_ThenFailsWithProviderError()
    {
        await using var outside = await FakeOutsideServices.StartAsync();
        await using var app = await NexusApp.IsolatedAsync(new()
        {
            ["AiJobs:Handlers:Assistants:0:Name"] = "busy",
            ["AiJobs:Handlers:Assistants:0:BaseUrl"] = $"{outside.BaseUrl}/busy-ai",
            ["AiJobs:Handlers:Assistants:0:Model"] = "m",
            ["AiJobs:Handlers:Assistants:0:ApiKey"] = "sk-busy",
            ["AiJobs:DefaultRetry:Attempts"] = "1",
            ["AiJobs:DefaultRetry:DelaysSeconds:0"] = "0",
        }, scriptedHandlers: false);
        var api = await WithProductAsync(app);

        var job = await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"llm_visibility_score","params":{"skus":["K1"]}}"""), "failed", TimeSpan.FromSeconds(60));

        job.GetProperty("error").GetProperty("code").GetString().ShouldBe("PROVIDER_ERROR");
        job.GetProperty("error").GetProperty("message").GetString()!.ShouldContain("429");
        job.GetProperty("error").GetProperty("retry_count").GetInt32().ShouldBe(1);
        // One request per attempt: the OpenAI SDK's own retries (three for a 429 by default) are off, Hangfire's policy decides.
        outside.Received.Count(r => r.Path == "/busy-ai/chat/completions").ShouldBe(2);
    }

    [Fact]
    public async Task Visibility_WithNoAssistantConfigured_FailsAtOnce_WithProviderNotConfigured()
    {
        await using var app = await NexusApp.IsolatedAsync(scriptedHandlers: false);
        var api = await WithProductAsync(app);
        var job = await api.ShouldReachStatus(await api.DispatchAsync("""{"type":"llm_visibility_score","params":{"skus":["K1"]}}"""), "failed");
        job.GetProperty("error").GetProperty("code").GetString().ShouldBe("PROVIDER_NOT_CONFIGURED");
        job.GetProperty("error").GetProperty("retry_count").GetInt32().ShouldBe(0);
    }
}
