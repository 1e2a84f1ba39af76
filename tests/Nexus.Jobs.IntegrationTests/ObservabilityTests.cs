using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Nexus.Jobs.IntegrationTests;

public sealed class ObservabilityTests
{
    [Fact]
    public async Task Health_LiveAndReady_ReportTheDatabaseAndTheWorkers()
    {
        var app = await NexusApp.SharedAsync();
        using var http = app.CreateClient();

        var live = await http.GetAsync("/health/live");
        live.StatusCode.ShouldBe(HttpStatusCode.OK);

        var ready = await Eventually.Until(async () =>
        {
            var response = await http.GetAsync("/health/ready");
            return (response.StatusCode, Body: JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
        }, r => r.StatusCode == HttpStatusCode.OK, what: "ready");
        ready.Body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString().ShouldBe("healthy");
        ready.Body.GetProperty("checks").GetProperty("hangfire_server").GetProperty("status").GetString().ShouldBe("healthy");
    }

    [Fact]
    public async Task Ready_InAnApiOnlyProcess_ChecksTheDatabase_AndNoHangfireServer()
    {
        // An API-only process runs no Hangfire server, so readiness does not ask for one.
        await using var api = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        using var http = api.CreateClient();
        var body = JsonDocument.Parse(await (await http.GetAsync("/health/ready")).Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("checks").TryGetProperty("hangfire_server", out _).ShouldBeFalse();
        body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString().ShouldBe("healthy");
    }

    [Fact]
    public async Task Metrics_CountDispatchesAndCompletions_PerTypeAndPriority()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("ok-metrics", "high"));
        await api.ShouldReachStatus(id, "completed");
        using var http = app.CreateClient();

        var text = await Eventually.Until(() => http.GetStringAsync("/metrics"),
            t => t.Contains("nexus_jobs_completed", StringComparison.Ordinal), what: "the completed counter in the scrape");

        text.ShouldContain("nexus_jobs_dispatched");
        text.ShouldMatch("nexus_jobs_dispatched[^\\n]*priority=\"high\"[^\\n]*type=\"pricing_recalculate\"");
        text.ShouldContain("nexus_jobs_pickup_latency");
        text.ShouldContain("nexus_queue_depth");
    }

    [Fact]
    public async Task OneTrace_SpansTheHttpRequest_TheDispatch_AndTheJobsExecution()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var traceId = ActivityTraceId.CreateRandom();
        var seen = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Nexus.Jobs",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { if (activity.TraceId == traceId) { seen.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);

        var request = new HttpRequestMessage(HttpMethod.Post, "/api/ai-jobs") { Content = new StringContent(ApiClient.Pricing("ok-trace")) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var response = await api.SendAsync(request);
        response.Status.ShouldBe(HttpStatusCode.Accepted, response.Body);
        await api.ShouldReachStatus(response.Json.GetProperty("data").GetProperty("id").GetString()!, "completed");

        var execution = await Eventually.Until(() => Task.FromResult(seen.FirstOrDefault(a => a.OperationName == "job.execute")), a => a is not null,
            what: "the job's execution span in the request's trace");
        execution!.GetTagItem("job.type").ShouldBe("pricing_recalculate");
        execution.GetTagItem("job.id").ShouldBe(response.Json.GetProperty("data").GetProperty("id").GetString());
    }
}
