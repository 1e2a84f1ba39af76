using System.Text.Json;
using Dapper;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Jobs.Compounding;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests;

public sealed class CompoundingTests
{
    private static readonly string[] Pipelines = ["consolidation", "pattern_detection", "playbook_synthesis", "decay_sweep", "metrics"];

    [Fact]
    public async Task Trigger_Returns202AsTheSeedShows_AndTheRunCompletesWithCounts()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.IngestAsync(
            CompoundingClient.Insight("Customers complain about late delivery of the blue kettle", "SKU-1"),
            // A paraphrase with a typo: not the same text after normalising, so ingest keeps both and consolidation merges them.
            CompoundingClient.Insight("late delivery of the blue ketle: customers complain about it!", "SKU-1"),
            CompoundingClient.Insight("The steel toaster is loved by reviewers", "SKU-2"));

        var response = await api.PostAsync("/v1/compounding/trigger", """{"job_type":"consolidation","dry_run":false}""");

        response.Status.ShouldBe(HttpStatusCode.Accepted, response.Body);
        var body = response.Json;
        Guid.TryParse(body.GetProperty("job_run_id").GetString(), out _).ShouldBeTrue();
        body.GetProperty("job_type").GetString().ShouldBe("consolidation");
        body.GetProperty("workspace_id").GetInt64().ShouldBe(api.Workspace);
        body.GetProperty("dry_run").GetBoolean().ShouldBeFalse();
        body.GetProperty("status").GetString().ShouldBe("accepted");
        body.GetProperty("success").GetBoolean().ShouldBeTrue();

        var run = await api.RunShouldReach(body.GetProperty("job_run_id").GetString()!, "completed");
        run.GetProperty("insights_scanned").GetInt32().ShouldBe(3);
        run.GetProperty("insights_affected").GetInt32().ShouldBe(2);
        run.GetProperty("candidates_created").GetInt32().ShouldBe(1);
        run.GetProperty("errors").GetInt32().ShouldBe(0);
        run.GetProperty("trigger").GetString().ShouldBe("api");
        run.GetProperty("error_details").ValueKind.ShouldBe(JsonValueKind.Null);
        run.GetProperty("duration_ms").GetInt64().ShouldBeGreaterThanOrEqualTo(0);
        run.GetProperty("completed_at").GetDateTime().ShouldBeGreaterThanOrEqualTo(run.GetProperty("started_at").GetDateTime());

        var insights = (await api.GetAsync("/v1/insights")).Json.GetProperty("data").EnumerateArray().ToList();
        insights.Count(i => i.GetProperty("status").GetString() == "merged").ShouldBe(1);
        var canonical = insights.Single(i => i.GetProperty("status").GetString() == "active" && i.GetProperty("reinforcement_count").GetInt32() == 2);
        canonical.GetProperty("confidence").GetDouble().ShouldBe(0.75, tolerance: 1e-9); // 1 - (1 - 0.5)(1 - 0.5)
        insights.Single(i => i.GetProperty("status").GetString() == "merged").GetProperty("merged_into").GetString()
            .ShouldBe(canonical.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("""{"job_type":"teleport"}""", "INVALID_JOB_TYPE")]
    [InlineData("""{"dry_run":true}""", "VALIDATION_FAILED")]
    [InlineData("""{"job_type":"metrics","dry_run":"yes"}""", "VALIDATION_FAILED")]
    [InlineData("""{"job_type":"metrics","extra":1}""", "VALIDATION_FAILED")]
    [InlineData("""{"job_type":5}""", "VALIDATION_FAILED")]
    public async Task Trigger_Returns422_ForBadBodies(string body, string code)
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        (await api.PostAsync("/v1/compounding/trigger", body)).ShouldBeProblem((HttpStatusCode)422, code);
        (await api.PostAsync("/v1/compounding/trigger", "{oops")).ShouldBeProblem(HttpStatusCode.BadRequest, "MALFORMED_REQUEST");
    }

    [Fact]
    public async Task Scopes_RecordWriteTriggers_RecordReadReads_InsightScopesGuardInsights()
    {
        var app = await NexusApp.SharedAsync();
        var owner = await app.ClientAsync();
        var runId = await owner.TriggerAsync("metrics");
        var reader = await app.ClientAsync(owner.Workspace, "record.read");
        var writer = await app.ClientAsync(owner.Workspace, "record.write");
        var insightsOnly = await app.ClientAsync(owner.Workspace, "insight.read", "insight.write");

        (await reader.PostAsync("/v1/compounding/trigger", """{"job_type":"metrics"}""")).ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
        (await reader.GetAsync($"/v1/compounding/jobs/{runId}")).Status.ShouldBe(HttpStatusCode.OK);
        (await reader.GetAsync("/v1/compounding/jobs")).Status.ShouldBe(HttpStatusCode.OK);
        (await reader.GetAsync("/v1/patterns")).Status.ShouldBe(HttpStatusCode.OK);
        (await writer.GetAsync($"/v1/compounding/jobs/{runId}")).ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
        (await writer.PostAsync("/v1/compounding/trigger", """{"job_type":"metrics"}""")).Status.ShouldBe(HttpStatusCode.Accepted);
        (await reader.GetAsync("/v1/insights")).ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
        (await writer.PostAsync("/v1/insights", $$"""{"insights":[{{CompoundingClient.Insight("x", "A")}}]}""")).ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
        (await insightsOnly.GetAsync("/v1/insights")).Status.ShouldBe(HttpStatusCode.OK);
        (await insightsOnly.PostAsync("/v1/compounding/trigger", """{"job_type":"metrics"}""")).ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
    }

    [Fact]
    public async Task AnotherWorkspacesRuns_Answer404_AndNeverShowInLists()
    {
        var app = await NexusApp.SharedAsync();
        var owner = await app.ClientAsync();
        var stranger = await app.ClientAsync();
        var runId = await owner.TriggerAsync("metrics");
        await owner.IngestAsync(CompoundingClient.Insight("owner's secret fact", "A"));

        (await stranger.GetAsync($"/v1/compounding/jobs/{runId}")).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        (await stranger.GetAsync("/v1/compounding/jobs/not-a-uuid")).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        (await stranger.GetAsync("/v1/compounding/jobs")).Json.GetProperty("data").GetArrayLength().ShouldBe(0);
        (await stranger.GetAsync("/v1/insights")).Json.GetProperty("data").GetArrayLength().ShouldBe(0);
        (await owner.GetAsync($"/v1/compounding/jobs/{runId}")).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task List_IsNewestFirst_FiltersAndPages()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var first = await api.TriggerAsync("metrics");
        var second = await api.TriggerAsync("decay_sweep");
        var third = await api.TriggerAsync("metrics", dryRun: true);
        await api.RunShouldReach(third, "completed");
        await api.RunShouldReach(first, "completed");

        var all = (await api.GetAsync("/v1/compounding/jobs")).Json.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("job_run_id").GetString()).ToList();
        all.ShouldBe([third, second, first]);
        var metrics = await api.GetAsync("/v1/compounding/jobs?job_type=metrics&limit=1");
        metrics.Json.GetProperty("data")[0].GetProperty("job_run_id").GetString().ShouldBe(third);
        var next = await api.GetAsync($"/v1/compounding/jobs?job_type=metrics&limit=1&cursor={metrics.Json.GetProperty("next_cursor").GetString()}");
        next.Json.GetProperty("data")[0].GetProperty("job_run_id").GetString().ShouldBe(first);
        (await api.GetAsync("/v1/compounding/jobs?status=completed")).Json.GetProperty("data").EnumerateArray()
            .ShouldAllBe(r => r.GetProperty("status").GetString() == "completed");
        (await api.GetAsync("/v1/compounding/jobs?status=done")).ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
        (await api.GetAsync("/v1/compounding/jobs?job_type=teleport")).ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task DryRun_ReportsTheSameCounts_AndPersistsNothingButTheRunRecord()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        await api.IngestDemoAsync(600);
        // Make some insights old enough to decay and go stale.
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.ExecuteAsync("""
                update nexus.insights set last_reinforced_at = now() - interval '90 days'
                where workspace_id = @W and id in (select id from nexus.insights where workspace_id = @W order by id limit 100)
                """, new { W = api.Workspace });
        }

        foreach (var pipeline in Pipelines)
        {
            var before = await SnapshotAsync(app, api.Workspace);
            var dry = await api.RunShouldReach(await api.TriggerAsync(pipeline, dryRun: true), "completed");
            (await SnapshotAsync(app, api.Workspace)).ShouldBe(before, $"{pipeline} dry run changed data");

            var real = await api.RunShouldReach(await api.TriggerAsync(pipeline), "completed");
            foreach (var count in new[] { "insights_scanned", "insights_affected", "candidates_created", "errors" })
            {
                real.GetProperty(count).GetInt32().ShouldBe(dry.GetProperty(count).GetInt32(), $"{pipeline} {count}");
            }
            dry.GetProperty("dry_run").GetBoolean().ShouldBeTrue();
        }
    }

    [Fact]
    public async Task Pipelines_DoRealWork_OnDemoData()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.IngestDemoAsync(1500);

        var consolidation = await api.RunShouldReach(await api.TriggerAsync("consolidation"), "completed");
        consolidation.GetProperty("candidates_created").GetInt32().ShouldBeGreaterThan(0);
        var patterns = await api.RunShouldReach(await api.TriggerAsync("pattern_detection"), "completed");
        patterns.GetProperty("candidates_created").GetInt32().ShouldBeGreaterThan(0);
        var themes = (await api.GetAsync("/v1/patterns?status=active&limit=500")).Json.GetProperty("data").EnumerateArray()
            .Select(p => p.GetProperty("theme").GetString()).ToList();
        themes.ShouldContain(t => t!.Contains("late delivery"));
        themes.ShouldNotContain(t => t!.Contains("kettle"), "product names are what insights are about, not themes");
        var playbooks = await api.RunShouldReach(await api.TriggerAsync("playbook_synthesis"), "completed");
        playbooks.GetProperty("candidates_created").GetInt32().ShouldBeGreaterThan(0);
        var rules = (await api.GetAsync("/v1/playbooks")).Json.GetProperty("data").EnumerateArray().ToList();
        rules.ShouldContain(r => r.GetProperty("action").GetString()!.Contains("faster carrier", StringComparison.OrdinalIgnoreCase));
        await api.RunShouldReach(await api.TriggerAsync("metrics"), "completed");
        var snapshot = (await api.GetAsync("/v1/compounding/metrics")).Json.GetProperty("data")[0].GetProperty("metrics");
        snapshot.GetProperty("insights").GetProperty("merged").GetInt64().ShouldBeGreaterThan(0);
        snapshot.GetProperty("patterns").GetInt32().ShouldBe(themes.Count);
        snapshot.GetProperty("last_runs").GetProperty("consolidation").GetProperty("candidates_created").GetInt32()
            .ShouldBe(consolidation.GetProperty("candidates_created").GetInt32());
    }

    [Fact]
    public async Task DecaySweep_MakesUnreinforcedInsightsStale_AndReinforcementRevivesThem()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var fresh = CompoundingClient.Insight("The desk lamp flickers at night", "L1");
        var old = CompoundingClient.Insight("The backpack zipper breaks", "B1");
        await api.IngestAsync(fresh, old);
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.ExecuteAsync("update nexus.insights set last_reinforced_at = now() - interval '120 days' where workspace_id = @W and content like '%zipper%'",
                new { W = api.Workspace });
        }

        var run = await api.RunShouldReach(await api.TriggerAsync("decay_sweep"), "completed");

        run.GetProperty("insights_affected").GetInt32().ShouldBe(1);
        var insights = (await api.GetAsync("/v1/insights")).Json.GetProperty("data").EnumerateArray().ToList();
        insights.Single(i => i.GetProperty("content").GetString()!.Contains("zipper")).GetProperty("status").GetString().ShouldBe("stale");
        insights.Single(i => i.GetProperty("content").GetString()!.Contains("lamp")).GetProperty("confidence").GetDouble().ShouldBe(0.5);

        var again = await api.IngestAsync(old);
        again.GetProperty("reinforced").GetInt32().ShouldBe(1);
        var revived = (await api.GetAsync("/v1/insights")).Json.GetProperty("data").EnumerateArray().Single(i => i.GetProperty("content").GetString()!.Contains("zipper"));
        revived.GetProperty("status").GetString().ShouldBe("active");
        revived.GetProperty("reinforcement_count").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task TwoRunsOfOnePipeline_NeverOverlap_SoTheSecondFindsNothingLeft()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.IngestDemoAsync(800, seed: 11);

        var a = await api.TriggerAsync("consolidation");
        var b = await api.TriggerAsync("consolidation");
        var first = await api.RunShouldReach(a, "completed");
        var second = await api.RunShouldReach(b, "completed");

        // Run one after the other, one of them merged everything and the other found nothing.
        var groups = new[] { first.GetProperty("candidates_created").GetInt32(), second.GetProperty("candidates_created").GetInt32() };
        groups.Max().ShouldBeGreaterThan(0);
        groups.Min().ShouldBe(0);
    }

    [Fact]
    public async Task ARunExecutedTwice_LeavesTheStateOfOne()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        await api.IngestDemoAsync(600, seed: 5);
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.ExecuteAsync("update nexus.insights set last_reinforced_at = now() - interval '20 days' where workspace_id = @W", new { W = api.Workspace });

        foreach (var pipeline in Pipelines)
        {
            var runId = await api.TriggerAsync(pipeline);
            await api.RunShouldReach(runId, "completed");
            var once = await SnapshotAsync(app, api.Workspace);

            // Deliver the same run again, as Hangfire does when a worker dies before acknowledging it.
            await connection.ExecuteAsync("update nexus.compounding_runs set outcome = null where id = @Id", new { Id = Guid.Parse(runId) });
            var hangfireId = await connection.ExecuteScalarAsync<long>("select hangfire_job_id from nexus.compounding_runs where id = @Id", new { Id = Guid.Parse(runId) });
            app.Service<IBackgroundJobClient>().Requeue(hangfireId.ToString()).ShouldBeTrue();
            await api.RunShouldReach(runId, "completed");

            (await SnapshotAsync(app, api.Workspace)).ShouldBe(once, $"{pipeline} executed twice");
        }
    }

    [Fact]
    public async Task AFailingPipeline_EndsFailed_WithErrorDetails_AfterItsRetries()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["AiJobs:DefaultRetry:Attempts"] = "1", ["AiJobs:DefaultRetry:DelaysSeconds:0"] = "0" },
            services: s => s.AddSingleton<IPipeline, BrokenMetrics>());
        var api = await app.ClientAsync();

        var run = await api.RunShouldReach(await api.TriggerAsync("metrics"), "failed");

        var details = run.GetProperty("error_details");
        details.GetProperty("code").GetString().ShouldBe("PIPELINE_ERROR");
        details.GetProperty("message").GetString().ShouldBe("metrics store is on fire");
        details.GetProperty("exception_type").GetString().ShouldBe(typeof(InvalidOperationException).FullName);
        details.GetProperty("attempt").GetInt32().ShouldBe(2);
        run.GetProperty("completed_at").ValueKind.ShouldBe(JsonValueKind.String);
        run.GetProperty("insights_scanned").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task Schedules_AreRecurringJobs_AndAScheduledRunReachesEveryWorkspaceWithInsights()
    {
        await using var app = await NexusApp.IsolatedAsync();
        var withInsights = new[] { await app.ClientAsync(), await app.ClientAsync(), await app.ClientAsync() };
        var without = await app.ClientAsync();
        foreach (var api in withInsights)
        {
            await api.IngestAsync(CompoundingClient.Insight($"fact for {api.Workspace}", "A"));
        }
        _ = app.Server;

        var recurring = await Eventually.Until(() => app.QueryAsync<long>(
            "select count(*) from hangfire.set where key = 'recurring-jobs' and value like 'compounding:%'"), n => n == 5, what: "5 recurring jobs");
        recurring.ShouldBe(5);
        (await app.QueryAsync<string>("select value from hangfire.hash where key = 'recurring-job:compounding:consolidation' and field = 'Cron'")).ShouldBe("0 * * * *");

        app.Service<IRecurringJobManager>().Trigger("compounding:metrics");

        foreach (var api in withInsights)
        {
            var run = await Eventually.Until(async () => (await api.GetAsync("/v1/compounding/jobs?job_type=metrics")).Json.GetProperty("data"),
                d => d.GetArrayLength() == 1 && d[0].GetProperty("status").GetString() == "completed", what: $"a scheduled run in {api.Workspace}");
            run[0].GetProperty("trigger").GetString().ShouldBe("schedule");
        }
        (await without.GetAsync("/v1/compounding/jobs")).Json.GetProperty("data").GetArrayLength().ShouldBe(0);
    }

    private static async Task<string> SnapshotAsync(NexusApp app, long workspace)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        var parts = new List<string>();
        foreach (var table in new[] { "insights", "patterns", "playbook_rules", "metrics_snapshots" })
        {
            var rows = await connection.QueryAsync<string>($"select to_jsonb(t)::text from nexus.{table} t where workspace_id = @W order by 1", new { W = workspace });
            parts.Add($"{table}:{string.Join("\n", rows)}");
        }
        return string.Join("\n---\n", parts);
    }

    private sealed class BrokenMetrics : IPipeline
    {
        public string JobType => "metrics";

        public Task<PipelineCounts> RunAsync(PipelineContext context) => throw new InvalidOperationException("metrics store is on fire");
    }
}

public sealed class InsightsApiTests
{
    [Fact]
    public async Task Ingest_CreatesThenReinforces_TheSameFact()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var first = await api.IngestAsync(
            CompoundingClient.Insight("Customers love the blue kettle", "K1"),
            CompoundingClient.Insight("customers LOVE the blue kettle!!", "K1"),
            CompoundingClient.Insight("Customers love the blue kettle", "K2"));

        first.GetProperty("created").GetInt32().ShouldBe(2);
        first.GetProperty("reinforced").GetInt32().ShouldBe(1);
        var results = first.GetProperty("data").EnumerateArray().ToList();
        results[1].GetProperty("id").GetString().ShouldBe(results[0].GetProperty("id").GetString());
        results[2].GetProperty("id").GetString().ShouldNotBe(results[0].GetProperty("id").GetString());

        var list = (await api.GetAsync("/v1/insights")).Json.GetProperty("data").EnumerateArray().ToList();
        list.Count.ShouldBe(2);
        var k1 = list.Single(i => i.GetProperty("entities")[0].GetProperty("id").GetString() == "K1");
        k1.GetProperty("reinforcement_count").GetInt32().ShouldBe(2);
        k1.GetProperty("entities")[0].GetProperty("name").GetString().ShouldBe("Product K1");
        k1.GetProperty("confidence").GetDouble().ShouldBe(0.75, tolerance: 1e-9);
    }

    [Theory]
    [InlineData("""{"insights":[]}""", "insights")]
    [InlineData("""{"items":[]}""", "items")]
    [InlineData("""{"insights":[{"type":"feedback"}]}""", "insights[0].content")]
    [InlineData("""{"insights":[{"content":"   ","type":"feedback"}]}""", "insights[0].content")]
    [InlineData("""{"insights":[{"content":"x","type":"feedback","confidence":1.5}]}""", "insights[0].confidence")]
    [InlineData("""{"insights":[{"content":"x","type":"feedback","entities":[{"id":"A","name":"a"}]}]}""", "insights[0].entities[0].type")]
    [InlineData("""{"insights":[{"content":"x","type":"feedback","entities":"A"}]}""", "insights[0].entities")]
    [InlineData("""{"insights":[{"content":"x","type":"feedback","mood":"happy"}]}""", "insights[0].mood")]
    public async Task Ingest_Returns422_NamingTheField_AndStoresNothing(string body, string field)
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var response = await api.PostAsync("/v1/insights", body);
        response.ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
        response.Json.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(response.Body);
        (await api.GetAsync("/v1/insights")).Json.GetProperty("data").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Ingest_TakesUpTo1000_AndRefusesMore()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var many = Enumerable.Range(0, 1001).Select(i => CompoundingClient.Insight($"fact number {i}", "A")).ToList();
        (await api.PostAsync("/v1/insights", $$"""{"insights":[{{string.Join(",", many)}}]}""")).ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
        var ok = await api.IngestAsync(many.Take(1000).ToArray());
        ok.GetProperty("created").GetInt32().ShouldBe(1000);
    }

    [Fact]
    public async Task List_FiltersByLastFromTo_AndPages()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        await api.IngestAsync(CompoundingClient.Insight("new fact", "A"), CompoundingClient.Insight("old fact", "B"), CompoundingClient.Insight("middle fact", "C"));
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.ExecuteAsync("update nexus.insights set created_at = now() - interval '3 days' where workspace_id = @W and content = 'old fact'", new { W = api.Workspace });
            await connection.ExecuteAsync("update nexus.insights set created_at = now() - interval '90 minutes' where workspace_id = @W and content = 'middle fact'", new { W = api.Workspace });
        }
        static List<string?> Contents(Response r) => r.Json.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("content").GetString()).ToList();

        Contents(await api.GetAsync("/v1/insights")).ShouldBe(["new fact", "middle fact", "old fact"]);
        Contents(await api.GetAsync("/v1/insights?last=30m")).ShouldBe(["new fact"]);
        Contents(await api.GetAsync("/v1/insights?last=2h")).ShouldBe(["new fact", "middle fact"]);
        Contents(await api.GetAsync("/v1/insights?last=1d")).ShouldBe(["new fact", "middle fact"]);
        var to = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm:ssZ");
        Contents(await api.GetAsync($"/v1/insights?to={to}")).ShouldBe(["old fact"]);
        var page = await api.GetAsync("/v1/insights?limit=2");
        Contents(page).ShouldBe(["new fact", "middle fact"]);
        Contents(await api.GetAsync($"/v1/insights?limit=2&cursor={page.Json.GetProperty("next_cursor").GetString()}")).ShouldBe(["old fact"]);
        foreach (var bad in new[] { "last=5y", "last=abc", "last=0m", "last=400d", "from=yesterday", "limit=0", "limit=1001", "cursor=zzz", "last=1d&from=2026-01-01" })
        {
            (await api.GetAsync($"/v1/insights?{bad}")).ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
        }
    }
}
