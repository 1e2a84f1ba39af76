using System.Text.Json;

namespace Nexus.Jobs.IntegrationTests;

public sealed class BatchTests
{
    private static string Batch(bool sequential, params string[] skus) =>
        $$"""{"jobs":[{{string.Join(",", skus.Select(s => ApiClient.Pricing(s)))}}],"sequential":{{(sequential ? "true" : "false")}}}""";

    private static async Task<JsonElement> BatchShouldReach(ApiClient api, string batchId, string status)
    {
        return await Eventually.Until(async () => (await api.GetAsync($"/api/ai-jobs/batch/{batchId}")).Json.GetProperty("data"),
            b => b.GetProperty("status").GetString() == status, what: $"batch {batchId} to be {status}");
    }

    [Fact]
    public async Task Batch_Returns202_WithEveryJobQueued_InOrder()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var response = await api.PostAsync("/api/ai-jobs/batch", """
            {"jobs":[{"type":"competitor_scan","params":{"skus":["ok-1"],"marketplace":"amazon_us"}},
                     {"type":"pricing_recalculate","params":{"skus":["ok-1"],"marketplace":"amazon_us","apply":true},"priority":"high"}],
             "sequential":true}
            """);

        response.Status.ShouldBe(HttpStatusCode.Accepted, response.Body);
        var data = response.Json.GetProperty("data");
        data.GetProperty("batch_id").GetString()!.ShouldMatch("^batch_[0-9A-HJKMNP-TV-Z]{26}$");
        var jobs = data.GetProperty("jobs").EnumerateArray().ToList();
        jobs.Select(j => j.GetProperty("type").GetString()).ShouldBe(["competitor_scan", "pricing_recalculate"]);
        jobs.ShouldAllBe(j => j.GetProperty("status").GetString() == "queued");
        var batch = await BatchShouldReach(api, data.GetProperty("batch_id").GetString()!, "completed");
        batch.GetProperty("counts").GetProperty("completed").GetInt32().ShouldBe(2);
        batch.GetProperty("jobs")[1].GetProperty("priority").GetString().ShouldBe("high");
        batch.GetProperty("jobs")[1].GetProperty("batch_position").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Sequential_StartsEachJobOnlyAfterThePreviousCompleted()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var (batchId, jobs) = await api.DispatchBatchAsync(Batch(true, "ok-s1", "ok-s2", "ok-s3", "ok-s4"));

        var batch = await BatchShouldReach(api, batchId, "completed");

        var rows = batch.GetProperty("jobs").EnumerateArray().ToList();
        for (var i = 1; i < rows.Count; i++)
        {
            rows[i].GetProperty("started_at").GetDateTime().ShouldBeGreaterThanOrEqualTo(rows[i - 1].GetProperty("completed_at").GetDateTime());
        }
        ScriptedHandler.StartOrder(jobs).ShouldBe(jobs);
    }

    [Fact]
    public async Task Sequential_WaitsWhileAnEarlierJobRuns()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var gate = $"block-{Guid.NewGuid():N}";
        var (_, jobs) = await api.DispatchBatchAsync(Batch(true, gate, "ok-after"));

        await api.ShouldReachStatus(jobs[0], "running");
        (await api.JobAsync(jobs[1])).GetProperty("status").GetString().ShouldBe("queued");
        ScriptedHandler.Ran(jobs[1]).ShouldBeFalse();

        ScriptedHandler.Release(gate);
        await api.ShouldReachStatus(jobs[1], "completed");
    }

    [Fact]
    public async Task Sequential_FailureAfterRetries_CancelsEveryLaterJob_NamingTheFailedJob()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var (batchId, jobs) = await api.DispatchBatchAsync(Batch(true, "ok-first", "fail-second", "ok-third", "ok-fourth"));

        var batch = await BatchShouldReach(api, batchId, "failed");

        var rows = batch.GetProperty("jobs").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("status").GetString()).ShouldBe(["completed", "failed", "cancelled", "cancelled"]);
        rows[1].GetProperty("error").GetProperty("retry_count").GetInt32().ShouldBe(2);
        foreach (var later in rows.Skip(2))
        {
            var error = later.GetProperty("error");
            error.GetProperty("code").GetString().ShouldBe("CANCELLED");
            error.GetProperty("message").GetString().ShouldBe($"Cancelled because {jobs[1]} (job 2 of {batchId}) failed");
        }
        ScriptedHandler.Ran(jobs[2]).ShouldBeFalse();
        ScriptedHandler.Ran(jobs[3]).ShouldBeFalse();
    }

    [Fact]
    public async Task Sequential_CancellingAQueuedJob_CancelsTheOnesAfterIt_NamingIt()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var gate = $"block-{Guid.NewGuid():N}";
        var (batchId, jobs) = await api.DispatchBatchAsync(Batch(true, gate, "ok-2", "ok-3", "ok-4"));
        await api.ShouldReachStatus(jobs[0], "running");

        (await api.DeleteAsync($"/api/ai-jobs/{jobs[1]}")).Status.ShouldBe(HttpStatusCode.NoContent);
        ScriptedHandler.Release(gate);

        var batch = await BatchShouldReach(api, batchId, "cancelled");
        var rows = batch.GetProperty("jobs").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("status").GetString()).ShouldBe(["completed", "cancelled", "cancelled", "cancelled"]);
        rows[1].GetProperty("error").GetProperty("message").GetString().ShouldBe("Cancelled by API request");
        rows[2].GetProperty("error").GetProperty("message").GetString().ShouldBe($"Cancelled because {jobs[1]} (job 2 of {batchId}) was cancelled");
        rows[3].GetProperty("error").GetProperty("message").GetString().ShouldBe($"Cancelled because {jobs[1]} (job 2 of {batchId}) was cancelled");
        jobs.Skip(1).Where(ScriptedHandler.Ran).ShouldBeEmpty();
    }

    [Fact]
    public async Task Parallel_JobsAreIndependent_OneFailingCancelsNothing()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var (batchId, jobs) = await api.DispatchBatchAsync(Batch(false, "fail-p", "ok-p1", "ok-p2"));

        var batch = await BatchShouldReach(api, batchId, "failed");

        batch.GetProperty("jobs").EnumerateArray().Select(r => r.GetProperty("status").GetString()).ShouldBe(["failed", "completed", "completed"]);
        batch.GetProperty("sequential").GetBoolean().ShouldBeFalse();
        ScriptedHandler.Ran(jobs[1]).ShouldBeTrue();
    }

    [Fact]
    public async Task Batch_Returns422BatchTooLarge_Over20Jobs_AndQueuesNothing()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var response = await api.PostAsync("/api/ai-jobs/batch", Batch(false, Enumerable.Range(0, 21).Select(i => $"ok-{i}").ToArray()));
        response.ShouldBeProblem((HttpStatusCode)422, "BATCH_TOO_LARGE");
        (await api.App.QueryAsync<long>("select count(*) from nexus.ai_jobs where workspace_id = @W", new { W = api.Workspace })).ShouldBe(0);

        (await api.PostAsync("/api/ai-jobs/batch", Batch(false, Enumerable.Range(0, 20).Select(i => $"ok-{i}").ToArray()))).Status.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Batch_ValidatesEveryJobBeforeQueueingAny()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var response = await api.PostAsync("/api/ai-jobs/batch", """
            {"jobs":[{"type":"review_sentiment","params":{}},
                     {"type":"pricing_recalculate","params":{"marketplace":"amazon_us"}},
                     {"type":"competitor_scan","params":{"skus":["A"],"marketplace":"nowhere"}}]}
            """);

        response.ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
        var errors = response.Json.GetProperty("errors");
        errors.TryGetProperty("jobs[1].params.skus", out _).ShouldBeTrue(response.Body);
        errors.TryGetProperty("jobs[2].params.marketplace", out _).ShouldBeTrue(response.Body);
        (await api.App.QueryAsync<long>("select count(*) from nexus.ai_jobs where workspace_id = @W", new { W = api.Workspace })).ShouldBe(0);
    }

    [Theory]
    [InlineData("""{"jobs":[]}""", "jobs", "VALIDATION_FAILED")]
    [InlineData("""{"sequential":true}""", "jobs", "VALIDATION_FAILED")]
    [InlineData("""{"jobs":{}}""", "jobs", "VALIDATION_FAILED")]
    [InlineData("""{"jobs":[1]}""", "jobs[0]", "VALIDATION_FAILED")]
    [InlineData("""{"jobs":[{"type":"review_sentiment"}],"sequential":"yes"}""", "sequential", "VALIDATION_FAILED")]
    [InlineData("""{"jobs":[{"type":"review_sentiment"}],"parallel":true}""", "parallel", "VALIDATION_FAILED")]
    [InlineData("""{"jobs":[{"type":"warp"}]}""", "jobs[0].type", "INVALID_JOB_TYPE")]
    public async Task Batch_Returns422_NamingTheField(string body, string field, string code)
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var response = await api.PostAsync("/api/ai-jobs/batch", body);
        response.ShouldBeProblem((HttpStatusCode)422, code);
        response.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(response.Body);
    }

    [Fact]
    public async Task GetBatch_Returns404_ForUnknownBatches()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        (await api.GetAsync("/api/ai-jobs/batch/batch_01ARZ3NDEKTSV4RRFFQ69G5FAV")).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        (await api.GetAsync("/api/ai-jobs/batch/nope")).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
    }
}
