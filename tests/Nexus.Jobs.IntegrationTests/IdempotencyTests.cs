namespace Nexus.Jobs.IntegrationTests;

public sealed class IdempotencyTests
{
    [Fact]
    public async Task SameKeyAndBody_ReplaysTheFirstResponse_WithoutQueueingAgain()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var key = Guid.NewGuid().ToString();

        var first = await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"), key);
        var second = await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"), key);

        first.Status.ShouldBe(HttpStatusCode.Accepted);
        second.Status.ShouldBe(HttpStatusCode.Accepted);
        second.Body.ShouldBe(first.Body);
        second.Headers["Idempotent-Replayed"].ShouldBe("true");
        first.Headers.ContainsKey("Idempotent-Replayed").ShouldBeFalse();
        (await api.App.QueryAsync<long>("select count(*) from nexus.ai_jobs where workspace_id = @W", new { W = api.Workspace })).ShouldBe(1);
    }

    [Fact]
    public async Task SameKeyWithAnotherBody_Returns422IdempotencyConflict()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var key = Guid.NewGuid().ToString();
        await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok-1"), key);

        (await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok-2"), key)).ShouldBeProblem((HttpStatusCode)422, "IDEMPOTENCY_CONFLICT");
        // The same key on another endpoint is another request too.
        (await api.PostAsync("/api/ai-jobs/batch", $$"""{"jobs":[{{ApiClient.Pricing("ok-1")}}]}""", key))
            .ShouldBeProblem((HttpStatusCode)422, "IDEMPOTENCY_CONFLICT");
    }

    [Fact]
    public async Task KeysArePerWorkspace()
    {
        var app = await NexusApp.SharedAsync();
        var a = await app.ClientAsync();
        var b = await app.ClientAsync();
        var key = Guid.NewGuid().ToString();

        var first = await a.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"), key);
        var other = await b.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"), key);

        other.Status.ShouldBe(HttpStatusCode.Accepted);
        other.Headers.ContainsKey("Idempotent-Replayed").ShouldBeFalse();
        other.Json.GetProperty("data").GetProperty("id").GetString().ShouldNotBe(first.Json.GetProperty("data").GetProperty("id").GetString());
    }

    [Fact]
    public async Task FailedRequests_AreNotRemembered_SoTheClientCanFixAndRetry()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var key = Guid.NewGuid().ToString();

        (await api.PostAsync("/api/ai-jobs", """{"type":"pricing_recalculate","params":{}}""", key)).Status.ShouldBe((HttpStatusCode)422);
        (await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"), key)).Status.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task WhileTheFirstIsInFlight_Returns409IdempotencyInFlight()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        var api = await app.ClientAsync();
        var transaction = app.Service<Nexus.Jobs.Platform.DispatchTransaction>();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transaction.BetweenStatementsForTests = async () =>
        {
            entered.TrySetResult();
            await release.Task;
        };
        var key = Guid.NewGuid().ToString();

        var first = api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"), key);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var during = await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"), key);
        transaction.BetweenStatementsForTests = null;
        release.SetResult();
        var firstResponse = await first;
        var after = await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"), key);

        during.ShouldBeProblem(HttpStatusCode.Conflict, "IDEMPOTENCY_IN_FLIGHT");
        during.Headers.ContainsKey("Retry-After").ShouldBeTrue();
        firstResponse.Status.ShouldBe(HttpStatusCode.Accepted);
        after.Body.ShouldBe(firstResponse.Body);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789k1234567")]
    [InlineData("ümlaut")]
    public async Task MalformedKeys_Return422(string key)
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/ai-jobs") { Content = new StringContent(ApiClient.Pricing("ok")) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        (await api.SendAsync(request)).ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
    }
}
