namespace Nexus.Jobs.IntegrationTests;

public sealed class RolesTests
{
    [Fact]
    public async Task ApiOnlyAndWorkerOnlyProcesses_ShareOneDatabase()
    {
        var connectionString = await TestDatabase.CreateIsolatedAsync();
        await using var api = new NexusApp(connectionString, new() { ["Nexus:Roles"] = "api" }, scriptedHandlers: false);
        await using var worker = new NexusApp(connectionString, new() { ["Nexus:Roles"] = "worker" });
        var client = await api.ClientAsync();
        _ = worker.Server; // start the worker process

        var id = await client.DispatchAsync(ApiClient.Pricing("ok-roles"));
        var job = await client.ShouldReachStatus(id, "completed");

        // Only the worker-role process runs Hangfire servers (the AI-job server and the callback server), and it did the
        // work with its own handlers.
        job.GetProperty("result").GetProperty("handled_by").GetString().ShouldBe("test");
        (await api.QueryAsync<long>("select count(*) from hangfire.server")).ShouldBe(2);
        (await api.QueryAsync<long>("select count(distinct split_part(id, ':', 2)) from hangfire.server")).ShouldBe(1, "one process");
        using var http = worker.CreateClient();
        (await http.GetAsync("/api/ai-jobs")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AWorkerOnlyProcess_DeliversCallbacks_WhoseDataIsTheApiProcesssGetPayload()
    {
        var connectionString = await TestDatabase.CreateIsolatedAsync();
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var api = new NexusApp(connectionString, new() { ["Nexus:Roles"] = "api" }, scriptedHandlers: false);
        await using var worker = new NexusApp(connectionString, new() { ["Nexus:Roles"] = "worker" });
        var client = await api.ClientAsync();
        var secret = await client.RotateSecretAsync();
        _ = worker.Server;
        var url = receiver.Url("ok");

        var id = await client.DispatchAsync($$"""{"type":"pricing_recalculate","params":{"skus":["ok-roles"],"marketplace":"amazon_us"},"callback_url":"{{url}}"}""");

        var callback = (await receiver.ShouldReceive(url)).Single();
        callback.IsSignedWith(secret).ShouldBeTrue();
        callback.Json.GetProperty("data").GetRawText().ShouldBe(await client.GetPayloadAsync($"/api/ai-jobs/{id}"));
    }
}
