using System.Text.Json;
using Nexus.Jobs.Compounding;

namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>Compounding helpers that read like the contract.</summary>
public static class CompoundingClient
{
    public static string Insight(string content, params string[] entityIds) =>
        JsonSerializer.Serialize(new
        {
            content,
            type = "feedback",
            entities = entityIds.Select(id => new { id, name = $"Product {id}", type = "product" }),
            confidence = 0.5,
        });

    public static async Task<JsonElement> IngestAsync(this ApiClient api, params string[] insights)
    {
        var response = await api.PostAsync("/v1/insights", $$"""{"insights":[{{string.Join(",", insights)}}]}""");
        response.Status.ShouldBe(HttpStatusCode.OK, response.Body);
        return response.Json;
    }

    public static async Task IngestDemoAsync(this ApiClient api, int count, int seed = 7)
    {
        var store = api.App.Service<InsightStore>();
        await store.IngestAsync(api.Workspace, DemoInsights.Generate(count, seed: seed), CancellationToken.None);
    }

    public static async Task<string> TriggerAsync(this ApiClient api, string jobType, bool dryRun = false)
    {
        var response = await api.PostAsync("/v1/compounding/trigger", $$"""{"job_type":"{{jobType}}","dry_run":{{(dryRun ? "true" : "false")}}}""");
        response.Status.ShouldBe(HttpStatusCode.Accepted, response.Body);
        return response.Json.GetProperty("job_run_id").GetString()!;
    }

    public static async Task<JsonElement> RunShouldReach(this ApiClient api, string runId, string status, TimeSpan? within = null)
    {
        return await Eventually.Until(async () => (await api.GetAsync($"/v1/compounding/jobs/{runId}")).Json,
            r => r.GetProperty("status").GetString() == status, within ?? TimeSpan.FromSeconds(60), $"run {runId} to be {status}");
    }
}
