using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Jobs.Client;

namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>A workspace's view of the API, with helpers that read like the contract.</summary>
public sealed class ApiClient(HttpClient http, long workspace, string keyId, string key, NexusApp app)
{
    public HttpClient Http { get; } = http;

    /// <summary>The typed client library over the same HttpClient (its key and the test server), polling faster than
    /// its defaults while waiting so that tests do not sit out a 2 s pause after a job ends.</summary>
    public NexusJobsClient Client { get; } = new(http, TestClientOptions());

    /// <summary>Options for a client on the test server: its base address comes from the HttpClient.</summary>
    public static NexusJobsClientOptions TestClientOptions(string? apiKey = null, long? tenantId = null) => new()
    {
        ApiKey = apiKey, TenantId = tenantId, PollInitialDelay = TimeSpan.FromMilliseconds(25), PollMaxDelay = TimeSpan.FromMilliseconds(250),
    };

    public long Workspace { get; } = workspace;

    public string KeyId { get; } = keyId;

    public string Key { get; } = key;

    public NexusApp App { get; } = app;

    /// <summary>How long tests wait for a job, batch or run to end.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The typed form of <see cref="Pricing"/> for the client library (priority omitted: the server's default).</summary>
    public static DispatchJobRequest PricingRequest(string sku, JobPriority? priority = null) =>
        new(JobTypes.PricingRecalculate, new JsonObject { ["skus"] = new JsonArray(sku), ["marketplace"] = "amazon_us", ["apply"] = false }, priority);

    public static string Pricing(string sku, string priority = "normal") =>
        $$"""{"type":"pricing_recalculate","params":{"skus":["{{sku}}"],"marketplace":"amazon_us","apply":false},"priority":"{{priority}}"}""";

    public Task<Response> PostAsync(string path, string json, string? idempotencyKey = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return SendAsync(request);
    }

    public Task<Response> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    public Task<Response> DeleteAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Delete, path));

    public async Task<Response> SendAsync(HttpRequestMessage request)
    {
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return new Response(response.StatusCode, body, response.Content.Headers.ContentType?.MediaType,
            response.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>Dispatches and returns the new job's id (asserting 202).</summary>
    public async Task<string> DispatchAsync(string json)
    {
        var response = await PostAsync("/api/ai-jobs", json);
        response.Status.ShouldBe(HttpStatusCode.Accepted, response.Body);
        return response.Json.GetProperty("data").GetProperty("id").GetString()!;
    }

    /// <summary>Dispatches a batch and returns its id and its jobs' ids in order (asserting 202).</summary>
    public async Task<(string BatchId, string[] Jobs)> DispatchBatchAsync(string json)
    {
        var response = await PostAsync("/api/ai-jobs/batch", json);
        response.Status.ShouldBe(HttpStatusCode.Accepted, response.Body);
        var data = response.Json.GetProperty("data");
        return (data.GetProperty("batch_id").GetString()!, data.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()!).ToArray());
    }

    public async Task<JsonElement> JobAsync(string id)
    {
        var response = await GetAsync($"/api/ai-jobs/{id}");
        response.Status.ShouldBe(HttpStatusCode.OK, response.Body);
        return response.Json.GetProperty("data");
    }

    /// <summary>Polls until the job has <paramref name="status"/>; fails with the last body on the deadline.</summary>
    public async Task<JsonElement> ShouldReachStatus(string id, string status, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        JsonElement job;
        do
        {
            job = await JobAsync(id);
            if (job.GetProperty("status").GetString() == status)
            {
                return job;
            }
            await Task.Delay(25);
        }
        while (DateTime.UtcNow < deadline);
        throw new ShouldAssertException($"Job {id} did not reach '{status}' in time; last: {job}");
    }
}

/// <summary>An HTTP response, read.</summary>
public sealed record Response(HttpStatusCode Status, string Body, string? ContentType, IReadOnlyDictionary<string, string> Headers)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    /// <summary>The problem's machine code (asserting a problem+json body).</summary>
    public string Code
    {
        get
        {
            ContentType.ShouldBe("application/problem+json", Body);
            return Json.GetProperty("code").GetString()!;
        }
    }

    public void ShouldBeProblem(HttpStatusCode status, string code)
    {
        Status.ShouldBe(status, Body);
        Code.ShouldBe(code, Body);
    }
}

/// <summary>Polling with a deadline, never a fixed sleep.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? within = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        T value;
        do
        {
            value = await probe();
            if (done(value))
            {
                return value;
            }
            await Task.Delay(25);
        }
        while (DateTime.UtcNow < deadline);
        throw new ShouldAssertException($"Timed out waiting for {what ?? "a condition"}; last value: {value}");
    }
}
