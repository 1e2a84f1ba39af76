namespace Nexus.Jobs.IntegrationTests;

public sealed class PriorityTests
{
    [Fact]
    public async Task BusyWorkers_StartHighThenNormalThenLow_WhateverTheOrderOfDispatch()
    {
        // One worker and a database of our own: the order of starts is the order of fetches.
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Workers:WorkerCount"] = "1" });
        var api = await app.ClientAsync();
        var gate = $"block-{Guid.NewGuid():N}";
        var blocker = await api.DispatchAsync(ApiClient.Pricing(gate));
        await api.ShouldReachStatus(blocker, "running");

        var high = new List<string>();
        var normal = new List<string>();
        var low = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            // Lowest first, so that dispatch order alone would give the wrong answer.
            low.Add(await api.DispatchAsync(ApiClient.Pricing($"ok-low-{i}", "low")));
            normal.Add(await api.DispatchAsync(ApiClient.Pricing($"ok-normal-{i}", "normal")));
            high.Add(await api.DispatchAsync(ApiClient.Pricing($"ok-high-{i}", "high")));
        }
        ScriptedHandler.Release(gate);
        await api.ShouldReachStatus(low[^1], "completed", TimeSpan.FromSeconds(60));

        ScriptedHandler.StartOrder(high.Concat(normal).Concat(low)).ShouldBe([.. high, .. normal, .. low]);
    }

    [Fact]
    public async Task RetriedJob_ReturnsToItsOwnQueue()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var sku = $"flakyblock-{Guid.NewGuid():N}";
        var id = await api.DispatchAsync(ApiClient.Pricing(sku, "low"));
        var hangfireId = await app.QueryAsync<long>("select hangfire_job_id from nexus.ai_jobs where id = @Id", new { Id = id });

        // The second attempt holds its queue entry while it runs: which queue was it fetched from?
        await Eventually.Until(() => Task.FromResult(ScriptedHandler.Started.Any(s => s.JobId == id && s.Attempt == 2)), started => started,
            what: "the retry to start");
        var queue = await app.QueryAsync<string>("select queue from hangfire.jobqueue where jobid = @Id", new { Id = hangfireId });
        ScriptedHandler.Release(sku);

        queue.ShouldBe("3_low");
        var job = await api.ShouldReachStatus(id, "completed");
        job.GetProperty("retry_count").GetInt32().ShouldBe(1);
    }
}
