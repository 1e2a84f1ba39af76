using System.Text.Json;
using Nexus.Jobs.Client;
using Nexus.Jobs.Compounding;
using NewInsight = Nexus.Jobs.Client.NewInsight;

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

    /// <summary>The typed form of <see cref="Insight"/> for the client library.</summary>
    public static NewInsight InsightRequest(string content, params string[] entityIds) =>
        new(content, "feedback", entityIds.Select(id => new Nexus.Jobs.Client.InsightEntity(id, $"Product {id}", "product")).ToList(), 0.5);

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

    /// <summary>Triggers a pipeline with the client library; the run's id.</summary>
    public static async Task<string> TriggerAsync(this ApiClient api, string jobType, bool dryRun = false) =>
        (await api.Client.Compounding.TriggerAsync(new TriggerRequest(jobType, dryRun))).JobRunId.ToString("D");

    /// <summary>Triggers a pipeline and waits for the run to end, asserting that it completed.</summary>
    public static async Task<CompoundingRun> RunToCompletionAsync(this ApiClient api, string jobType, bool dryRun = false)
    {
        var accepted = await api.Client.Compounding.TriggerAsync(new TriggerRequest(jobType, dryRun));
        var run = await api.Client.Compounding.WaitForCompletionAsync(accepted.JobRunId, RunPatience);
        run.Status.ShouldBe(RunStatus.Completed, $"{jobType} run {run.JobRunId}: {run.ErrorDetails}");
        return run;
    }

    /// <summary>How long tests wait for a compounding run (pipelines over demo data take longer than test jobs).</summary>
    public static readonly TimeSpan RunPatience = TimeSpan.FromSeconds(60);

    public static async Task<JsonElement> RunShouldReach(this ApiClient api, string runId, string status, TimeSpan? within = null)
    {
        return await Eventually.Until(async () => (await api.GetAsync($"/v1/compounding/jobs/{runId}")).Json,
            r => r.GetProperty("status").GetString() == status, within ?? TimeSpan.FromSeconds(60), $"run {runId} to be {status}");
    }
}
