using Dapper;
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
        var id = await api.DispatchAsync(ApiClient.Pricing("fail-1"));

        var job = await api.ShouldReachStatus(id, "failed");

        var error = job.GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("TEST_FAILURE");
        error.GetProperty("message").GetString()!.ShouldContain("attempt 3");
        error.GetProperty("retry_count").GetInt32().ShouldBe(2); // test hosts allow 2 retries
        job.GetProperty("retry_count").GetInt32().ShouldBe(2);
        job.TryGetProperty("result", out _).ShouldBeFalse();
        ScriptedHandler.Started.Count(s => s.JobId == id).ShouldBe(3);
    }

    [Fact]
    public async Task Retried_JobIsQueuedWhileItWaitsForItsRetry_AndThenCompletes()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("flaky-1"));

        var job = await api.ShouldReachStatus(id, "completed");

        job.GetProperty("retry_count").GetInt32().ShouldBe(1);
        job.GetProperty("result").GetProperty("attempt").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task Status_OutlivesHangfire_ExpiringTheJob()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("ok-expire"));
        var completed = await api.ShouldReachStatus(id, "completed");

        // What Hangfire's expiration manager does a day later.
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            var deleted = await connection.ExecuteAsync(
                "delete from hangfire.job where id = (select hangfire_job_id from nexus.ai_jobs where id = @Id)", new { Id = id });
            deleted.ShouldBe(1);
        }

        var after = await api.JobAsync(id);
        after.GetProperty("status").GetString().ShouldBe("completed");
        after.GetProperty("result").GetRawText().ShouldBe(completed.GetProperty("result").GetRawText());
        after.GetProperty("started_at").GetDateTime().ShouldBe(completed.GetProperty("started_at").GetDateTime());
    }

    [Fact]
    public async Task List_IsNewestFirst_FiltersByTypeAndStatus_AndPagesWithACursor()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        var api = await app.ClientAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await api.DispatchAsync(ApiClient.Pricing($"ok-{i}")));
        }
        var review = await api.DispatchAsync("""{"type":"review_sentiment","params":{}}""");
        (await api.DeleteAsync($"/api/ai-jobs/{ids[0]}")).Status.ShouldBe(HttpStatusCode.NoContent);

        var all = await api.GetAsync("/api/ai-jobs");
        all.Json.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString())
            .ShouldBe([review, ids[4], ids[3], ids[2], ids[1], ids[0]]);
        all.Json.GetProperty("next_cursor").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);

        var pricing = await api.GetAsync("/api/ai-jobs?type=pricing_recalculate&status=queued&limit=2");
        pricing.Json.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()).ShouldBe([ids[4], ids[3]]);
        var cursor = pricing.Json.GetProperty("next_cursor").GetString();
        var page2 = await api.GetAsync($"/api/ai-jobs?type=pricing_recalculate&status=queued&limit=2&cursor={cursor}");
        page2.Json.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()).ShouldBe([ids[2], ids[1]]);
        page2.Json.GetProperty("next_cursor").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);

        var cancelled = await api.GetAsync("/api/ai-jobs?status=cancelled");
        cancelled.Json.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()).ShouldBe([ids[0]]);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd");
        (await api.GetAsync($"/api/ai-jobs?start_date={today}&end_date={today}")).Json.GetProperty("data").GetArrayLength().ShouldBe(6);
        (await api.GetAsync($"/api/ai-jobs?start_date={tomorrow}")).Json.GetProperty("data").GetArrayLength().ShouldBe(0);
        var later = DateTime.UtcNow.AddMinutes(5).ToString("yyyy-MM-ddTHH:mm:ssZ");
        (await api.GetAsync($"/api/ai-jobs?end_date={later}")).Json.GetProperty("data").GetArrayLength().ShouldBe(6);

        // Another workspace sees none of them.
        var other = await app.ClientAsync();
        (await other.GetAsync("/api/ai-jobs")).Json.GetProperty("data").GetArrayLength().ShouldBe(0);
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
