namespace Nexus.Jobs.IntegrationTests;

public sealed class CancelTests
{
    [Fact]
    public async Task Cancel_Returns204ForQueuedJob_AndAgainWhenAlreadyCancelled()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        var api = await app.ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("ok"));

        (await api.DeleteAsync($"/api/ai-jobs/{id}")).Status.ShouldBe(HttpStatusCode.NoContent);
        (await api.DeleteAsync($"/api/ai-jobs/{id}")).Status.ShouldBe(HttpStatusCode.NoContent);

        var job = await api.JobAsync(id);
        job.GetProperty("status").GetString().ShouldBe("cancelled");
        job.GetProperty("error").GetProperty("code").GetString().ShouldBe("CANCELLED");
        job.GetProperty("error").GetProperty("message").GetString().ShouldBe("Cancelled by API request");
        job.GetProperty("completed_at").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.String);
    }

    [Fact]
    public async Task Cancel_Returns409_WhenJobIsRunning()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var sku = $"block-{Guid.NewGuid():N}";
        var id = await api.DispatchAsync(ApiClient.Pricing(sku));
        await api.ShouldReachStatus(id, "running");

        var response = await api.DeleteAsync($"/api/ai-jobs/{id}");

        response.ShouldBeProblem(HttpStatusCode.Conflict, "JOB_NOT_CANCELLABLE");
        response.Json.GetProperty("detail").GetString()!.ShouldContain("running");
        ScriptedHandler.Release(sku);
        await api.ShouldReachStatus(id, "completed");
    }

    [Fact]
    public async Task Cancel_Returns409_WhenJobIsCompletedOrFailed()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var done = await api.DispatchAsync(ApiClient.Pricing("ok"));
        var failed = await api.DispatchAsync(ApiClient.Pricing("fail-x"));
        await api.ShouldReachStatus(done, "completed");
        await api.ShouldReachStatus(failed, "failed");

        (await api.DeleteAsync($"/api/ai-jobs/{done}")).ShouldBeProblem(HttpStatusCode.Conflict, "JOB_NOT_CANCELLABLE");
        (await api.DeleteAsync($"/api/ai-jobs/{failed}")).ShouldBeProblem(HttpStatusCode.Conflict, "JOB_NOT_CANCELLABLE");
    }

    [Fact]
    public async Task Cancel_Returns404_ForUnknownIds()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        (await api.DeleteAsync("/api/ai-jobs/job_01ARZ3NDEKTSV4RRFFQ69G5FAV")).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        (await api.DeleteAsync("/api/ai-jobs/whatever")).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
    }

    [Fact]
    public async Task CancelRacingStart_NeverCancelsAJobThatRan_AndNeverRunsACancelledJob()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add(await api.DispatchAsync(ApiClient.Pricing($"ok-race-{i}")));
        }

        // Cancel them all at once while the workers are picking them up.
        var answers = await Task.WhenAll(ids.Select(id => api.DeleteAsync($"/api/ai-jobs/{id}")));

        for (var i = 0; i < ids.Count; i++)
        {
            var answer = answers[i];
            if (answer.Status == HttpStatusCode.NoContent)
            {
                (await api.JobAsync(ids[i])).GetProperty("status").GetString().ShouldBe("cancelled");
            }
            else
            {
                answer.ShouldBeProblem(HttpStatusCode.Conflict, "JOB_NOT_CANCELLABLE");
                await api.ShouldReachStatus(ids[i], "completed");
                ScriptedHandler.Ran(ids[i]).ShouldBeTrue();
            }
        }
        // Give any wrongly started cancelled job the time a worker needs to pick it up, then check none ran.
        var cancelled = ids.Where((_, i) => answers[i].Status == HttpStatusCode.NoContent).ToList();
        var probe = await api.DispatchAsync(ApiClient.Pricing("ok-probe"));
        await api.ShouldReachStatus(probe, "completed");
        cancelled.Where(ScriptedHandler.Ran).ShouldBeEmpty();
    }
}
