using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Nexus.Jobs.IntegrationTests;

public sealed class RemoteWorkerTests : IAsyncLifetime
{
    private FakeWorkerFleet _fleet = null!;
    private NexusApp _app = null!;

    public async Task InitializeAsync()
    {
        _fleet = await FakeWorkerFleet.StartAsync();
        // No built-in handlers at all here: every type either goes to the fleet or has nowhere to run.
        _app = await NexusApp.IsolatedAsync(new()
        {
            ["AiJobs:RemoteWorkers:pricing_recalculate:Url"] = $"{_fleet.BaseUrl}/ok",
            ["AiJobs:RemoteWorkers:competitor_scan:Url"] = $"{_fleet.BaseUrl}/error",
            ["AiJobs:Retry:competitor_scan:Attempts"] = "2",
            ["AiJobs:Retry:competitor_scan:DelaysSeconds:0"] = "0",
            ["AiJobs:RemoteWorkers:listing_optimize:Url"] = $"{_fleet.BaseUrl}/slow",
            ["AiJobs:RemoteWorkers:listing_optimize:TimeoutSeconds"] = "1",
            ["AiJobs:Retry:listing_optimize:Attempts"] = "1",
            ["AiJobs:Retry:listing_optimize:DelaysSeconds:0"] = "0",
            ["AiJobs:RemoteWorkers:return_classify:Url"] = $"{_fleet.BaseUrl}/reject",
            ["AiJobs:RemoteWorkers:llm_visibility_score:Url"] = $"{_fleet.BaseUrl}/garbage",
            ["AiJobs:Retry:llm_visibility_score:Attempts"] = "0",
        }, scriptedHandlers: false,
            // Without the built-in handlers, so a type with no fleet has nowhere to run.
            services: s => s.RemoveAll<Nexus.Jobs.Execution.IJobHandler>());
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _fleet.DisposeAsync();
    }

    [Fact]
    public async Task Success_TakesTheResultFromTheFleet_WhichGotTheContractsRequest()
    {
        var api = await _app.ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("SKU-1"));

        var job = await api.ShouldReachStatus(id, "completed");

        job.GetProperty("result").GetProperty("echo_job_id").GetString().ShouldBe(id);
        var (path, body) = _fleet.Received.Single(r => r.Body["job_id"]!.GetValue<string>() == id);
        path.ShouldBe("/ok");
        body["type"]!.GetValue<string>().ShouldBe("pricing_recalculate");
        body["workspace_id"]!.GetValue<long>().ShouldBe(api.Workspace);
        body["attempt"]!.GetValue<int>().ShouldBe(1);
        body["params"]!.ToJsonString().ShouldBe("""{"skus":["SKU-1"],"marketplace":"amazon_us","apply":false}""");
    }

    [Fact]
    public async Task ServerErrors_AreRetried_ThenFailWithWorkerError()
    {
        var api = await _app.ClientAsync();
        var id = await api.DispatchAsync("""{"type":"competitor_scan","params":{"skus":["SKU-1"],"marketplace":"amazon_us"}}""");

        var job = await api.ShouldReachStatus(id, "failed");

        var error = job.GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("WORKER_ERROR");
        error.GetProperty("message").GetString()!.ShouldContain("503");
        error.GetProperty("retry_count").GetInt32().ShouldBe(2);
        _fleet.Received.Where(r => r.Body["job_id"]!.GetValue<string>() == id).Select(r => r.Body["attempt"]!.GetValue<int>())
            .ShouldBe([1, 2, 3]);
    }

    [Fact]
    public async Task Timeout_IsWorkerTimeout_RetriedPerPolicy_ThenFailed()
    {
        var api = await _app.ClientAsync();
        var id = await api.DispatchAsync("""{"type":"listing_optimize","params":{"skus":["SKU-1"],"marketplace":"amazon_us"}}""");

        var job = await api.ShouldReachStatus(id, "failed");

        var error = job.GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("WORKER_TIMEOUT");
        error.GetProperty("message").GetString().ShouldBe("Worker did not respond within the timeout window (1 s)");
        error.GetProperty("retry_count").GetInt32().ShouldBe(1);
        _fleet.Received.Count(r => r.Body["job_id"]!.GetValue<string>() == id).ShouldBe(2);
    }

    [Fact]
    public async Task ClientErrors_FailAtOnce_WithoutRetry()
    {
        var api = await _app.ClientAsync();
        var id = await api.DispatchAsync("""{"type":"return_classify","params":{}}""");

        var job = await api.ShouldReachStatus(id, "failed");

        job.GetProperty("error").GetProperty("code").GetString().ShouldBe("WORKER_ERROR");
        job.GetProperty("error").GetProperty("retry_count").GetInt32().ShouldBe(0);
        _fleet.Received.Count(r => r.Body["job_id"]!.GetValue<string>() == id).ShouldBe(1);
    }

    [Fact]
    public async Task ABodyWithoutResult_IsWorkerBadResponse()
    {
        var api = await _app.ClientAsync();
        var id = await api.DispatchAsync("""{"type":"llm_visibility_score","params":{"skus":["SKU-1"]}}""");

        var job = await api.ShouldReachStatus(id, "failed");

        job.GetProperty("error").GetProperty("code").GetString().ShouldBe("WORKER_BAD_RESPONSE");
    }

    [Fact]
    public async Task ATypeWithNeitherHandlerNorFleet_FailsAtOnce_WithHandlerNotConfigured()
    {
        var api = await _app.ClientAsync();
        var id = await api.DispatchAsync("""{"type":"review_sentiment","params":{}}""");

        var job = await api.ShouldReachStatus(id, "failed");

        var error = job.GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("HANDLER_NOT_CONFIGURED");
        error.GetProperty("retry_count").GetInt32().ShouldBe(0);
        job.TryGetProperty("result", out _).ShouldBeFalse();
    }
}
