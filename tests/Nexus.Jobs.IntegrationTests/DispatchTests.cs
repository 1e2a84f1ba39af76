using Nexus.Jobs.Client;

namespace Nexus.Jobs.IntegrationTests;

public sealed class DispatchTests
{
    [Fact]
    public async Task Dispatch_Returns202WithQueuedJob_AndTheJobCompletes()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();

        var response = await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok-1", "high"));

        response.Status.ShouldBe(HttpStatusCode.Accepted, response.Body);
        var data = response.Json.GetProperty("data");
        data.GetProperty("id").GetString()!.ShouldMatch("^job_[0-9A-HJKMNP-TV-Z]{26}$");
        data.GetProperty("type").GetString().ShouldBe("pricing_recalculate");
        data.GetProperty("status").GetString().ShouldBe("queued");
        data.GetProperty("priority").GetString().ShouldBe("high");
        data.GetProperty("params").GetRawText().ShouldBe("""{"skus":["ok-1"],"marketplace":"amazon_us","apply":false}""");
        var created = data.GetProperty("created_at").GetDateTime();
        data.GetProperty("estimated_completion_at").GetDateTime().ShouldBeGreaterThan(created);
        response.Headers["Location"].ShouldBe($"/api/ai-jobs/{data.GetProperty("id").GetString()}");

        var job = await api.ShouldReachStatus(data.GetProperty("id").GetString()!, "completed");
        job.GetProperty("result").GetProperty("sku").GetString().ShouldBe("ok-1");
        job.GetProperty("started_at").GetDateTime().ShouldBeGreaterThanOrEqualTo(created);
        job.GetProperty("completed_at").GetDateTime().ShouldBeGreaterThanOrEqualTo(job.GetProperty("started_at").GetDateTime());
        job.GetProperty("duration_seconds").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
        job.TryGetProperty("error", out _).ShouldBeFalse();
        job.GetProperty("created_at").GetDateTime().ShouldBe(created);
    }

    [Fact]
    public async Task Dispatch_DefaultsPriorityToNormal()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var response = await api.PostAsync("/api/ai-jobs", """{"type":"review_sentiment","params":{}}""");
        response.Status.ShouldBe(HttpStatusCode.Accepted, response.Body);
        response.Json.GetProperty("data").GetProperty("priority").GetString().ShouldBe("normal");
    }

    [Theory]
    [InlineData("""{"type":"pricing_recalculate","params":{"marketplace":"amazon_us"}}""", "params.skus")]
    [InlineData("""{"type":"pricing_recalculate","params":{"skus":[],"marketplace":"amazon_us"}}""", "params.skus")]
    [InlineData("""{"type":"pricing_recalculate","params":{"skus":[1],"marketplace":"amazon_us"}}""", "params.skus")]
    [InlineData("""{"type":"pricing_recalculate","params":{"skus":["A"],"marketplace":"mars_prime"}}""", "params.marketplace")]
    [InlineData("""{"type":"pricing_recalculate","params":{"skus":["A"],"marketplace":"amazon_us","apply":"yes"}}""", "params.apply")]
    [InlineData("""{"type":"pricing_recalculate","params":{"skus":["A"],"marketplace":"amazon_us","colour":"red"}}""", "params.colour")]
    [InlineData("""{"type":"pricing_recalculate","params":{"skus":["A"],"marketplace":"amazon_us"},"priority":"urgent"}""", "priority")]
    [InlineData("""{"type":"pricing_recalculate","params":{"skus":["A"],"marketplace":"amazon_us"},"priority":1}""", "priority")]
    [InlineData("""{"type":"pricing_recalculate","params":[1,2]}""", "params")]
    [InlineData("""{"params":{}}""", "type")]
    [InlineData("""{"type":7}""", "type")]
    [InlineData("""{"type":"review_sentiment","extra":true}""", "extra")]
    [InlineData("""{"type":"review_sentiment","type":"review_sentiment"}""", "type")]
    public async Task Dispatch_Returns422ValidationFailed_NamingTheField(string body, string field)
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();

        var response = await api.PostAsync("/api/ai-jobs", body);

        response.ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
        response.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(response.Body);
        (await api.App.QueryAsync<long>("select count(*) from nexus.ai_jobs where workspace_id = @W", new { W = api.Workspace })).ShouldBe(0);
    }

    [Fact]
    public async Task Dispatch_Returns422InvalidJobType_ForUnknownType()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var response = await api.PostAsync("/api/ai-jobs", """{"type":"teleport","params":{}}""");
        response.ShouldBeProblem((HttpStatusCode)422, "INVALID_JOB_TYPE");
        response.Json.GetProperty("errors").GetProperty("type")[0].GetString()!.ShouldContain("teleport");
    }

    [Theory]
    [InlineData("{\"type\":")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("{\"type\":\"review_sentiment\",}")]
    public async Task Dispatch_Returns400MalformedRequest_ForBrokenJson(string body)
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var response = await api.PostAsync("/api/ai-jobs", body);
        response.ShouldBeProblem(HttpStatusCode.BadRequest, "MALFORMED_REQUEST");
    }

    [Fact]
    public async Task Dispatch_Returns422_ForJsonThatIsNotAnObject()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var response = await api.PostAsync("/api/ai-jobs", "[1,2]");
        response.ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task Dispatch_Returns415_ForWrongContentType()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var response = await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"), contentType: "text/plain");
        response.ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "MALFORMED_REQUEST");
    }

    [Fact]
    public async Task Dispatch_Returns413PayloadTooLarge_ForHugeBodies()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var huge = "{\"type\":\"review_sentiment\",\"params\":{\"skus\":[\"" + new string('x', 3 * 1024 * 1024) + "\"]}}";
        var response = await api.PostAsync("/api/ai-jobs", huge);
        response.ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task Dispatch_Returns429QueueFull_WithRetryAfter_WhenTheWorkspaceCapIsReached()
    {
        // No worker role: nothing drains the queue, so the cap is reached deterministically.
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api", ["AiJobs:MaxQueuedPerWorkspace"] = "2" });
        var api = await app.ClientAsync();
        var other = await app.ClientAsync();

        await api.DispatchAsync(ApiClient.Pricing("ok-a"));
        await api.DispatchAsync(ApiClient.Pricing("ok-b"));
        var third = await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok-c"));
        var batch = await api.PostAsync("/api/ai-jobs/batch", $$"""{"jobs":[{{ApiClient.Pricing("ok-d")}}]}""");

        third.ShouldBeProblem(HttpStatusCode.TooManyRequests, "QUEUE_FULL");
        int.Parse(third.Headers["Retry-After"]).ShouldBeGreaterThan(0);
        batch.ShouldBeProblem(HttpStatusCode.TooManyRequests, "QUEUE_FULL");
        // The cap is per workspace.
        await other.DispatchAsync(ApiClient.Pricing("ok-e"));
        // A cancelled job no longer counts.
        var page = await api.GetAsync("/api/ai-jobs");
        var first = page.Json.GetProperty("data")[0].GetProperty("id").GetString();
        (await api.DeleteAsync($"/api/ai-jobs/{first}")).Status.ShouldBe(HttpStatusCode.NoContent);
        await api.DispatchAsync(ApiClient.Pricing("ok-f"));
    }

    [Fact]
    public async Task EstimatedCompletion_UsesTheObservedDurationsOfTheWorkspace()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        var api = await app.ClientAsync();
        // Prior for pricing_recalculate: the middle of the seed's 10-60 s, 35 s.
        var before = await api.Client.AiJobs.DispatchAsync(ApiClient.PricingRequest("ok"));
        Seconds(before).ShouldBe(35, tolerance: 35 * 0.02 + 1); // only itself queued, and nobody ahead

        // Ten observed 5-second runs pull the estimate towards 5 s: (3*35 + 10*5) / 13 = 11.9 s.
        await using (var connection = new Npgsql.NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await Dapper.SqlMapper.ExecuteAsync(connection, """
                update nexus.ai_jobs set outcome = 'completed', started_at = now() - interval '5 seconds', completed_at = now()
                where workspace_id = @W
                """, new { W = api.Workspace });
            for (var i = 0; i < 9; i++)
            {
                await api.Client.AiJobs.DispatchAsync(ApiClient.PricingRequest($"ok-{i}"));
            }
            await Dapper.SqlMapper.ExecuteAsync(connection, """
                update nexus.ai_jobs set outcome = 'completed', started_at = now() - interval '5 seconds', completed_at = now()
                where workspace_id = @W
                """, new { W = api.Workspace });
        }
        // Observed durations are cached for DispatchEstimates.DurationsFor; the test does not wait that long.
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Nexus.Jobs.Platform.DispatchEstimates>(app.Services).Clear();
        var after = await api.Client.AiJobs.DispatchAsync(ApiClient.PricingRequest("ok"));
        Seconds(after).ShouldBe((3 * 35 + 10 * 5) / 13.0, tolerance: 1);

        static double Seconds(AcceptedJob job) => (job.EstimatedCompletionAt - job.CreatedAt).TotalSeconds;
    }

    /// <summary>Hangfire's culture capture costs a parameter row per job and two reads per execution; the platform leaves it out.</summary>
    [Fact]
    public async Task AJob_CarriesNoCultureParameters()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("ok-culture"));
        await api.ShouldReachStatus(id, "completed");

        var names = await app.QueryAsync<string[]>("""
            select coalesce(array_agg(p.name order by p.name), '{}')
            from nexus.ai_jobs j join hangfire.jobparameter p on p.jobid = j.hangfire_job_id
            where j.id = @Id
            """, new { Id = id });
        names.ShouldNotContain("CurrentCulture");
        names.ShouldNotContain("CurrentUICulture");
    }
}
