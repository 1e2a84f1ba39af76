using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>
/// A host whose fleet, price source, assistant and callback receiver are one <see cref="ContentLengthReceiver"/>: a server
/// that reads bodies by Content-Length only, as Python's http.server does, and answers 400 to an empty body.
/// </summary>
public sealed class ContentLengthHost : IAsyncLifetime
{
    public ContentLengthReceiver Receiver { get; private set; } = null!;

    public NexusApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = ContentLengthReceiver.Start(Answer);
        App = await NexusApp.IsolatedAsync(new()
        {
            ["AiJobs:RemoteWorkers:return_classify:Url"] = $"{Receiver.BaseUrl}/fleet",
            ["AiJobs:Handlers:PriceSources:0:Name"] = "wsgi-prices",
            ["AiJobs:Handlers:PriceSources:0:Url"] = $"{Receiver.BaseUrl}/prices",
            ["AiJobs:Handlers:Assistants:0:Name"] = "wsgi-assistant",
            ["AiJobs:Handlers:Assistants:0:BaseUrl"] = $"{Receiver.BaseUrl}/v1",
            ["AiJobs:Handlers:Assistants:0:Model"] = "test-model",
            ["AiJobs:Handlers:Assistants:0:ApiKey"] = "sk-test",
            // A body the receiver could not read fails the job at once instead of being retried into the test's deadline.
            ["AiJobs:DefaultRetry:Attempts"] = "0",
        }, scriptedHandlers: false);
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    /// <summary>What a small Flask app would answer: 400 when <c>request.get_json()</c> finds no body, else the endpoint's reply.</summary>
    private static ReceiverReply Answer(ReceivedRequest request)
    {
        if (request.Body.Length == 0)
        {
            return new ReceiverReply(400, """{"error":"empty body"}""");
        }
        var body = JsonNode.Parse(request.Text)!;
        return request.Path switch
        {
            "/fleet" => new ReceiverReply(200, JsonSerializer.Serialize(new { result = new { seen_job_id = body["job_id"]!.GetValue<string>() } })),
            "/prices" => new ReceiverReply(200, JsonSerializer.Serialize(new
            {
                offers = body["skus"]!.AsArray().Select(s => new { sku = s!.GetValue<string>(), competitor = "Rival", price = 9.5m, observed_at = "2026-11-20T10:00:00Z" }),
            })),
            "/v1/chat/completions" => new ReceiverReply(200, JsonSerializer.Serialize(new
            {
                id = "chatcmpl-1", @object = "chat.completion", created = 1_780_000_000, model = body["model"]!.GetValue<string>(),
                choices = new[] { new { index = 0, finish_reason = "stop", message = new { role = "assistant", content = "1. Nexus steel kettle\n2. Boilco" } } },
            })),
            _ => new ReceiverReply(200, "{}"), // a callback: any 2xx is delivered
        };
    }
}

/// <summary>Every body the platform sends out carries a Content-Length, so receivers that ignore chunked bodies read it whole.</summary>
public sealed class OutgoingBodyTests(ContentLengthHost host) : IClassFixture<ContentLengthHost>
{
    private ContentLengthReceiver Receiver => host.Receiver;

    [Fact]
    public async Task RemoteWorkerFleet_ReadingOnlyContentLength_GetsTheJobIdTypeAndParams()
    {
        var api = await host.App.ClientAsync();
        var id = await api.DispatchAsync("""{"type":"return_classify","params":{"window_days":14}}""");

        var job = await ShouldEndCompleted(api, id);

        job.GetProperty("result").GetProperty("seen_job_id").GetString().ShouldBe(id);
        var request = SentWithContentLength("/fleet", r => r.Text.Contains(id, StringComparison.Ordinal));
        var body = JsonNode.Parse(request.Text)!;
        body["type"]!.GetValue<string>().ShouldBe("return_classify");
        body["params"]!.ToJsonString().ShouldBe("""{"window_days":14}""");
        body["workspace_id"]!.GetValue<long>().ShouldBe(api.Workspace);
    }

    [Fact]
    public async Task CallbackReceiver_ReadingOnlyContentLength_GetsTheSignedBody()
    {
        var api = await host.App.ClientAsync();
        var secret = await api.RotateSecretAsync();
        var url = $"{Receiver.BaseUrl}/hook/{Guid.NewGuid():N}";
        // A job that fails at once (no such assistant) without calling anything else: its ai_job.failed callback is the only request.
        var id = await api.DispatchAsync($$"""{"type":"llm_visibility_score","params":{"skus":["CB-1"],"assistants":["nobody"]},"callback_url":"{{url}}"}""");

        var delivery = await api.DeliveryShouldReach($"/api/ai-jobs/{id}/callbacks", d => d.Status() != "pending", "delivered or failed");

        delivery.Status().ShouldBe("delivered", delivery.ToString());
        var request = SentWithContentLength(new Uri(url).AbsolutePath, _ => true);
        var callback = new ReceivedCallback(request.Path, request.Body, request.Headers, DateTime.UtcNow);
        callback.IsSignedWith(secret).ShouldBeTrue();
        callback.Json.GetProperty("delivery_id").GetString().ShouldBe(callback.DeliveryId);
        callback.Event.ShouldBe("ai_job.failed");
        callback.Json.GetProperty("data").GetProperty("id").GetString().ShouldBe(id);
    }

    [Fact]
    public async Task PriceSource_ReadingOnlyContentLength_GetsTheSkusAndMarketplace()
    {
        var api = await WithProductAsync("PS-1");

        var job = await ShouldEndCompleted(api, await api.DispatchAsync("""{"type":"competitor_scan","params":{"skus":["PS-1"],"marketplace":"amazon_us"}}"""));

        job.GetProperty("result").GetProperty("offers_fetched").GetInt32().ShouldBe(1, job.ToString());
        var request = SentWithContentLength("/prices", r => r.Text.Contains("PS-1", StringComparison.Ordinal));
        JsonNode.Parse(request.Text)!.ToJsonString().ShouldBe("""{"skus":["PS-1"],"marketplace":"amazon_us"}""");
    }

    [Fact]
    public async Task Assistant_ReadingOnlyContentLength_GetsTheModelAndTheQuestion()
    {
        var api = await WithProductAsync("AS-1");

        var job = await ShouldEndCompleted(api, await api.DispatchAsync("""{"type":"llm_visibility_score","params":{"skus":["AS-1"]}}"""));

        job.GetProperty("result").GetProperty("skus")[0].GetProperty("brand_mention_rate").GetDouble().ShouldBe(1.0);
        var request = SentWithContentLength("/v1/chat/completions", _ => true);
        request.Headers["Authorization"].ShouldBe("Bearer sk-test");
        var body = JsonNode.Parse(request.Text)!;
        body["model"]!.GetValue<string>().ShouldBe("test-model");
        var message = body["messages"]!.AsArray().Single()!;
        message["role"]!.GetValue<string>().ShouldBe("user");
        message["content"]!.ToJsonString().ShouldContain("kettle");
    }

    /// <summary>The request that matches, checked to have announced its body's length and not to have been chunked.</summary>
    private ReceivedRequest SentWithContentLength(string path, Func<ReceivedRequest, bool> matches)
    {
        var sent = Receiver.Received.Where(r => r.Path == path).ToList();
        sent.ShouldNotBeEmpty($"nothing reached {path}");
        var request = sent.FirstOrDefault(matches);
        request.ShouldNotBeNull($"what {path} read: {string.Join(" | ", sent.Select(r => $"{(r.Chunked ? "chunked" : "not chunked")}, {r.Body.Length} bytes"))}");
        request.Chunked.ShouldBeFalse();
        int.Parse(request.Headers["Content-Length"], CultureInfo.InvariantCulture).ShouldBe(request.Body.Length);
        request.Headers["Content-Type"].ShouldStartWith("application/json");
        return request;
    }

    private async Task<ApiClient> WithProductAsync(string sku)
    {
        var api = await host.App.ClientAsync();
        var response = await api.PostAsync("/v1/catalog/products", $$"""
            {"products":[{"sku":"{{sku}}","marketplace":"amazon_us","title":"Nexus steel kettle","brand":"Nexus","category":"kettle","price":11,"cost":6,"currency":"USD"}]}
            """);
        response.Status.ShouldBe(HttpStatusCode.OK, response.Body);
        return api;
    }

    /// <summary>Waits for the job to end and asserts it completed, showing its error when it did not.</summary>
    private static async Task<JsonElement> ShouldEndCompleted(ApiClient api, string id)
    {
        var job = await Eventually.Until(() => api.JobAsync(id), j => j.GetProperty("status").GetString() is "completed" or "failed" or "cancelled",
            TimeSpan.FromSeconds(60), $"job {id} to end");
        job.GetProperty("status").GetString().ShouldBe("completed", job.ToString());
        return job;
    }
}
