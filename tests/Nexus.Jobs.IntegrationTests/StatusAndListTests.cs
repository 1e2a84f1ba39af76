using Dapper;
using Nexus.Jobs.Client;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests;

public sealed class StatusAndListTests
{
    [Fact]
    public async Task Get_Returns404JobNotFound_ForUnknownAndMalformedIds()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        foreach (var id in new[] { "job_01ARZ3NDEKTSV4RRFFQ69G5FAV", "job_x", "nonsense", "job_01arz3ndektsv4rrffq69g5fav", "batch_01ARZ3NDEKTSV4RRFFQ69G5FAV" })
        {
            (await api.GetAsync($"/api/ai-jobs/{id}")).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        }
    }

    [Fact]
    public async Task Failed_ReportsErrorWithRetryCount_OnlyAfterAllRetries()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var id = (await api.Client.AiJobs.DispatchAsync(ApiClient.PricingRequest("fail-1"))).Id;

        var job = await api.Client.AiJobs.WaitForCompletionAsync(id, ApiClient.Patience);

        job.Status.ShouldBe(JobStatus.Failed);
        job.Error!.Code.ShouldBe("TEST_FAILURE");
        job.Error.Message.ShouldContain("attempt 3");
        job.Error.RetryCount.ShouldBe(2); // test hosts allow 2 retries
        job.RetryCount.ShouldBe(2);
        job.Result.ShouldBeNull();
        ScriptedHandler.Started.Count(s => s.JobId == id).ShouldBe(3);
    }

    [Fact]
    public async Task Retried_JobIsQueuedWhileItWaitsForItsRetry_AndThenCompletes()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var id = (await api.Client.AiJobs.DispatchAsync(ApiClient.PricingRequest("flaky-1"))).Id;

        var job = await api.Client.AiJobs.WaitForCompletionAsync(id, ApiClient.Patience);

        job.Status.ShouldBe(JobStatus.Completed);
        job.RetryCount.ShouldBe(1);
        job.Result!.Value.GetProperty("attempt").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task Status_OutlivesHangfire_ExpiringTheJob()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var id = (await api.Client.AiJobs.DispatchAsync(ApiClient.PricingRequest("ok-expire"))).Id;
        var completed = await api.Client.AiJobs.WaitForCompletionAsync(id, ApiClient.Patience);
        completed.Status.ShouldBe(JobStatus.Completed);

        // What Hangfire's expiration manager does a day later.
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            var deleted = await connection.ExecuteAsync(
                "delete from hangfire.job where id = (select hangfire_job_id from nexus.ai_jobs where id = @Id)", new { Id = id });
            deleted.ShouldBe(1);
        }

        var after = await api.Client.AiJobs.GetAsync(id);
        after.Status.ShouldBe(JobStatus.Completed);
        after.Result!.Value.GetRawText().ShouldBe(completed.Result!.Value.GetRawText());
        after.StartedAt.ShouldBe(completed.StartedAt);
        after.CompletedAt.ShouldBe(completed.CompletedAt);
    }

    [Fact]
    public async Task List_IsNewestFirst_FiltersByTypeAndStatus_AndPagesWithACursor()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        var api = await app.ClientAsync();
        var jobs = api.Client.AiJobs;
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await jobs.DispatchAsync(ApiClient.PricingRequest($"ok-{i}"))).Id);
        }
        var review = (await jobs.DispatchAsync(new DispatchJobRequest(JobTypes.ReviewSentiment, new System.Text.Json.Nodes.JsonObject()))).Id;
        await jobs.CancelAsync(ids[0]);
        static IEnumerable<string> Ids(JobPage page) => page.Data.Select(j => j.Id);

        var all = await jobs.ListAsync();
        Ids(all).ShouldBe([review, ids[4], ids[3], ids[2], ids[1], ids[0]]);
        all.NextCursor.ShouldBeNull();

        var queuedPricing = new JobListQuery { Type = JobTypes.PricingRecalculate, Status = JobStatus.Queued, Limit = 2 };
        var pricing = await jobs.ListAsync(queuedPricing);
        Ids(pricing).ShouldBe([ids[4], ids[3]]);
        var page2 = await jobs.ListAsync(queuedPricing with { Cursor = pricing.NextCursor });
        Ids(page2).ShouldBe([ids[2], ids[1]]);
        page2.NextCursor.ShouldBeNull();

        Ids(await jobs.ListAsync(new JobListQuery { Status = JobStatus.Cancelled })).ShouldBe([ids[0]]);

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        (await jobs.ListAsync(new JobListQuery { StartDate = today, EndDate = today })).Data.Count.ShouldBe(6);
        (await jobs.ListAsync(new JobListQuery { StartDate = today.AddDays(1) })).Data.ShouldBeEmpty();
        (await jobs.ListAsync(new JobListQuery { EndDate = DateTimeOffset.UtcNow.AddMinutes(5) })).Data.Count.ShouldBe(6);

        // Another workspace sees none of them.
        var other = await app.ClientAsync();
        (await other.Client.AiJobs.ListAsync()).Data.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("status=done", "status")]
    [InlineData("start_date=yesterday", "start_date")]
    [InlineData("end_date=2026-02-30", "end_date")]
    [InlineData("start_date=2026-03-12T10:00:00", "start_date")]
    [InlineData("start_date=2026-03-12&end_date=2026-03-01", "end_date")]
    [InlineData("cursor=garbage", "cursor")]
    [InlineData("limit=1&limit=2", "limit")]
    public async Task List_Returns422_ForBadParameters(string query, string field)
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var response = await api.GetAsync($"/api/ai-jobs?{query}");
        response.ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
        response.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(response.Body);
    }

    [Fact]
    public async Task List_Returns422InvalidJobType_ForUnknownTypeFilter()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        (await api.GetAsync("/api/ai-jobs?type=teleport")).ShouldBeProblem((HttpStatusCode)422, "INVALID_JOB_TYPE");
    }

    [Fact]
    public async Task StatusSql_AgreesWithStatusMapping_ForEveryCombination()
    {
        var outcomes = new string?[] { null, "completed", "failed", "cancelled" };
        var states = new string?[] { null, "Enqueued", "Scheduled", "Awaiting", "Processing", "Succeeded", "Failed", "Deleted", "Custom" };
        await using var connection = new NpgsqlConnection(await TestDatabase.SharedAsync());
        foreach (var outcome in outcomes)
        {
            foreach (var state in states)
            {
                var sql = $"select {Nexus.Jobs.Platform.JobStatusReader.StatusSql} from (select @Outcome::text as outcome) j, (select @State::text as statename) h";
                var fromSql = await connection.ExecuteScalarAsync<string>(sql, new { Outcome = outcome, State = state });
                var fromCode = Nexus.Jobs.Platform.JobStatusNames.Name(Nexus.Jobs.Platform.StatusMapping.Map(outcome, state));
                fromSql.ShouldBe(fromCode, $"outcome {outcome ?? "null"}, state {state ?? "null"}");
            }
        }
    }
}
