using Nexus.Jobs.Api.Events;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>Push: Server-Sent Events of a job's, a batch's and a run's status.</summary>
public sealed class EventStreamTests
{
    private static string Sequential(params string[] skus) =>
        $$"""{"jobs":[{{string.Join(",", skus.Select(s => ApiClient.Pricing(s)))}}],"sequential":true}""";

    /// <summary>The statuses of consecutive status events, with repeats (other fields changed) folded.</summary>
    private static List<string> Statuses(IEnumerable<ServerSentEvent> events)
    {
        var statuses = new List<string>();
        foreach (var e in events.Where(e => e.Event == "status"))
        {
            if (statuses.Count == 0 || statuses[^1] != e.Status)
            {
                statuses.Add(e.Status);
            }
        }
        return statuses;
    }

    [Fact]
    public async Task JobStream_ShowsQueuedRunningCompleted_ThenEndsAndCloses()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var first = $"block-{Guid.NewGuid():N}";
        var second = $"block-{Guid.NewGuid():N}";
        var (_, jobs) = await api.DispatchBatchAsync(Sequential(first, second));
        await api.ShouldReachStatus(jobs[0], "running");

        await using var stream = await EventStream.OpenAsync(api, $"/api/ai-jobs/{jobs[1]}/events");
        stream.Response.Headers.CacheControl!.NoCache.ShouldBeTrue();
        var initial = (await stream.NextAsync())!;
        initial.Event.ShouldBe("status");
        initial.Id.ShouldBe("1");
        initial.Status.ShouldBe("queued");
        ScriptedHandler.Release(first);
        var running = (await stream.NextAsync())!;
        running.Status.ShouldBe("running");
        ScriptedHandler.Release(second);
        var rest = await stream.ReadToEndAsync();

        Statuses(rest).ShouldBe(["completed"]);
        rest[^1].Event.ShouldBe("end");
        rest[^1].Json.GetProperty("status").GetString().ShouldBe("completed");
        var all = new[] { initial, running }.Concat(rest).ToList();
        all.Select(e => int.Parse(e.Id!)).ShouldBe(Enumerable.Range(1, all.Count), "one id per event, in order");
        all.Where(e => e.Event == "status").ShouldAllBe(e => !e.Data!.Contains('\n'));
        rest[^2].Data.ShouldBe(await api.GetPayloadAsync($"/api/ai-jobs/{jobs[1]}"), "data is the job's GET payload");
    }

    [Fact]
    public async Task BatchStream_FollowsTheOverallStatus_UntilTheBatchEnds()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var gate = $"block-{Guid.NewGuid():N}";
        var (batchId, jobs) = await api.DispatchBatchAsync(Sequential(gate, "fail-after-gate"));
        await api.ShouldReachStatus(jobs[0], "running");

        await using var stream = await EventStream.OpenAsync(api, $"/api/ai-jobs/batch/{batchId}/events");
        var initial = (await stream.NextAsync())!;
        initial.Status.ShouldBe("running");
        initial.Json.GetProperty("jobs")[0].GetProperty("status").GetString().ShouldBe("running");
        ScriptedHandler.Release(gate);
        var rest = await stream.ReadToEndAsync();

        Statuses(rest).ShouldBe(["running", "failed"], "running while job 2 runs and retries, then failed");
        rest[^1].Event.ShouldBe("end");
        rest[^1].Json.GetProperty("status").GetString().ShouldBe("failed");
        var last = rest[^2].Json;
        last.GetProperty("jobs")[0].GetProperty("status").GetString().ShouldBe("completed");
        last.GetProperty("jobs")[1].GetProperty("status").GetString().ShouldBe("failed");
        rest[^2].Data.ShouldBe(await api.GetPayloadAsync($"/api/ai-jobs/batch/{batchId}"));
    }

    [Fact]
    public async Task RunStream_EndsWithTheRunsFinalStatus()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var run = await api.TriggerAsync("metrics");

        await using var stream = await EventStream.OpenAsync(api, $"/v1/compounding/jobs/{run}/events");
        var events = await stream.ReadToEndAsync();

        events[0].Event.ShouldBe("status");
        events[^1].Event.ShouldBe("end");
        events[^2].Status.ShouldBe("completed");
        events[^2].Data.ShouldBe(await api.GetPayloadAsync($"/v1/compounding/jobs/{run}", enveloped: false));
    }

    [Fact]
    public async Task StreamOfAFinishedJob_SendsItsStatusAndEndsAtOnce()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("ok-finished"));
        await api.ShouldReachStatus(id, "completed");

        await using var stream = await EventStream.OpenAsync(api, $"/api/ai-jobs/{id}/events");
        var events = await stream.ReadToEndAsync(TimeSpan.FromSeconds(5));

        events.Select(e => e.Event).ShouldBe(["status", "end"]);
        events[0].Data.ShouldBe(await api.GetPayloadAsync($"/api/ai-jobs/{id}"));
    }

    [Fact]
    public async Task ClientDisconnecting_FreesTheWatchersSubscription()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var gate = $"block-{Guid.NewGuid():N}";
        var id = await api.DispatchAsync(ApiClient.Pricing(gate));
        var watcher = app.Service<StatusWatcher>();

        var stream = await EventStream.OpenAsync(api, $"/api/ai-jobs/{id}/events");
        (await stream.NextAsync())!.Event.ShouldBe("status");
        watcher.SubscribersOf(id).ShouldBe(1);
        await stream.DisposeAsync();

        await Eventually.Until(() => Task.FromResult(watcher.SubscribersOf(id)), n => n == 0, TimeSpan.FromSeconds(10), "the subscription to be released");
        ScriptedHandler.Release(gate);
    }

    [Fact]
    public async Task QuietStream_SendsAHeartbeatComment()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api", ["Nexus:Events:HeartbeatInterval"] = "00:00:01" });
        var api = await app.ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("ok-never-runs")); // no worker in this process: it stays queued

        await using var stream = await EventStream.OpenAsync(api, $"/api/ai-jobs/{id}/events");
        (await stream.NextAsync())!.Status.ShouldBe("queued");
        var heartbeat = (await stream.NextAsync(TimeSpan.FromSeconds(5)))!;

        heartbeat.Comment.ShouldBe("heartbeat");
        heartbeat.Event.ShouldBeNull();
        app.Service<StatusWatcher>().SubscribersOf(id).ShouldBe(1);
    }

    [Fact]
    public async Task AnotherWorkspacesStreams_Answer404JobNotFound()
    {
        var app = await NexusApp.SharedAsync();
        var owner = await app.ClientAsync();
        var other = await app.ClientAsync();
        var job = await owner.DispatchAsync(ApiClient.Pricing("ok-stream-tenancy"));
        var (batch, _) = await owner.DispatchBatchAsync(Sequential("ok-stream-tenancy"));
        var run = await owner.TriggerAsync("metrics");

        foreach (var path in new[] { $"/api/ai-jobs/{job}/events", $"/api/ai-jobs/batch/{batch}/events", $"/v1/compounding/jobs/{run}/events" })
        {
            (await other.GetAsync(path)).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        }
        var readOnlyElsewhere = await app.ClientAsync(owner.Workspace, "insight.write");
        (await readOnlyElsewhere.GetAsync($"/api/ai-jobs/{job}/events")).ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
    }
}
