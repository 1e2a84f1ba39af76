using System.Text.Json;
using Dapper;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Jobs.Client;
using Nexus.Jobs.Compounding;
using Npgsql;
using InsightQuery = Nexus.Jobs.Client.InsightQuery;

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

    [Fact]
    public async Task Consolidation_MergesParaphrasesInOtherWords_KeepsNearMissesApart_AndStoresEachTextsVector()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        string[] contents =
        [
            "Customers complain about late delivery of the blue kettle",
            "The blue kettle keeps arriving late, buyers complain",
            // Alike to the model (cosine 0.86 to 0.97), but other facts: another number, another country.
            "Delivery of the steel toaster takes 3 days",
            "Delivery of the steel toaster takes 5 days",
            "The steel toaster sells better in Germany",
            "The steel toaster sells better in France",
        ];
        await api.IngestAsync([.. contents.Select((c, k) => CompoundingClient.Insight(c, $"SKU-{k / 2}"))]);

        var run = await api.RunToCompletionAsync("consolidation");

        (run.InsightsScanned, run.InsightsAffected, run.CandidatesCreated).ShouldBe((6, 2, 1));
        var insights = (await api.Client.Insights.ListAsync()).Data;
        insights.Where(i => i.Status == "merged").Select(i => i.Content).Single().ShouldBeOneOf(contents[0], contents[1]);
        insights.Count(i => i.Status == "active").ShouldBe(5);
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        (await connection.ExecuteScalarAsync<long>("select count(*) from nexus.embeddings where model = @Model and text_sha256 = any(@Hashes)",
            new { app.Service<Nexus.Jobs.Language.EmbeddingStore>().Model, Hashes = contents.Select(Nexus.Jobs.Language.EmbeddingStore.Hash).ToArray() }))
            .ShouldBe(6);
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
        var runs = api.Client.Compounding;
        var first = (await runs.TriggerAsync(new TriggerRequest("metrics"))).JobRunId;
        var second = (await runs.TriggerAsync(new TriggerRequest("decay_sweep"))).JobRunId;
        var third = (await runs.TriggerAsync(new TriggerRequest("metrics", DryRun: true))).JobRunId;
        (await runs.WaitForCompletionAsync(third, CompoundingClient.RunPatience)).Status.ShouldBe(RunStatus.Completed);
        (await runs.WaitForCompletionAsync(first, CompoundingClient.RunPatience)).Status.ShouldBe(RunStatus.Completed);

        (await runs.ListRunsAsync()).Data.Select(r => r.JobRunId).ShouldBe([third, second, first]);
        var metrics = await runs.ListRunsAsync(new RunListQuery { JobType = "metrics", Limit = 1 });
        metrics.Data.Single().JobRunId.ShouldBe(third);
        var next = await runs.ListRunsAsync(new RunListQuery { JobType = "metrics", Limit = 1, Cursor = metrics.NextCursor });
        next.Data.Single().JobRunId.ShouldBe(first);
        (await runs.ListRunsAsync(new RunListQuery { Status = RunStatus.Completed })).Data.ShouldAllBe(r => r.Status == RunStatus.Completed);
        (await Should.ThrowAsync<NexusApiException>(() => runs.ListRunsAsync(new RunListQuery { Status = new RunStatus("done") })))
            .Code.ShouldBe(NexusErrorCodes.ValidationFailed);
        (await Should.ThrowAsync<NexusApiException>(() => runs.ListRunsAsync(new RunListQuery { JobType = "teleport" })))
            .Errors.Keys.ShouldBe(["job_type"]);
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
            var dry = await api.RunToCompletionAsync(pipeline, dryRun: true);
            (await SnapshotAsync(app, api.Workspace)).ShouldBe(before, $"{pipeline} dry run changed data");

            var real = await api.RunToCompletionAsync(pipeline);
            (real.InsightsScanned, real.InsightsAffected, real.CandidatesCreated, real.Errors)
                .ShouldBe((dry.InsightsScanned, dry.InsightsAffected, dry.CandidatesCreated, dry.Errors), $"{pipeline} counts");
            dry.DryRun.ShouldBeTrue();
            real.DryRun.ShouldBeFalse();
        }
    }

    [Fact]
    public async Task Pipelines_DoRealWork_OnDemoData()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.IngestDemoAsync(1500);

        var consolidation = await api.RunToCompletionAsync("consolidation");
        consolidation.CandidatesCreated!.Value.ShouldBeGreaterThan(0);
        var patterns = await api.RunToCompletionAsync("pattern_detection");
        patterns.CandidatesCreated!.Value.ShouldBeGreaterThan(0);
        var active = await api.Client.Compounding.ListPatternsAsync(status: "active", limit: 500);
        var themes = active.Select(p => p.Theme).ToList();
        themes.ShouldContain(t => t.Contains("late delivery"));
        themes.ShouldNotContain(t => t.Contains("kettle"), "product names are what insights are about, not themes");
        themes.ShouldNotContain(t => t.Contains("buyer") || t.Contains("customer") || t.Contains("shopper"), "generic words never name a theme");
        active.ShouldAllBe(p => p.RepresentativeInsightId != null);
        var playbooks = await api.RunToCompletionAsync("playbook_synthesis");
        playbooks.CandidatesCreated!.Value.ShouldBeGreaterThan(0);
        var rules = await api.Client.Compounding.ListPlaybooksAsync();
        rules.ShouldContain(r => r.Action.Contains("faster carrier", StringComparison.OrdinalIgnoreCase));
        rules.ShouldAllBe(r => r.Confidence > 0 && r.Confidence <= 1);
        await api.RunToCompletionAsync("metrics");
        var snapshot = (await api.Client.Compounding.ListMetricsAsync())[0].Metrics;
        snapshot.GetProperty("insights").GetProperty("merged").GetInt64().ShouldBeGreaterThan(0);
        snapshot.GetProperty("patterns").GetInt32().ShouldBe(themes.Count);
        snapshot.GetProperty("last_runs").GetProperty("consolidation").GetProperty("candidates_created").GetInt32()
            .ShouldBe(consolidation.CandidatesCreated.Value);
    }

    [Fact]
    public async Task PatternDetection_KeepsAThemesRowAndRule_WhenMoreOfItArrives()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.IngestDemoAsync(600, seed: 21);
        await api.RunToCompletionAsync("pattern_detection");
        await api.RunToCompletionAsync("playbook_synthesis");
        // The demo store's six recurring problems (its one-off remarks may regroup as more arrive: "photos viewed" and
        // "page traffic rose" are one theme at 600 insights and two at 900).
        string[] problems = ["late delivery", "damaged packaging", "battery drains", "runs small", "gift wrapping", "price"];
        var before = (await api.Client.Compounding.ListPatternsAsync(status: "active", limit: 500))
            .Where(p => problems.Any(words => p.Theme.Contains(words, StringComparison.Ordinal))).ToList();
        var rulesBefore = (await api.Client.Compounding.ListPlaybooksAsync()).Where(r => r.Status == "active").ToList();
        before.Count.ShouldBe(6);

        await api.IngestDemoAsync(300, seed: 22); // more of the same themes, in the same and other words
        await api.RunToCompletionAsync("pattern_detection");
        await api.RunToCompletionAsync("playbook_synthesis");

        var after = (await api.Client.Compounding.ListPatternsAsync(status: "active", limit: 500)).ToDictionary(p => p.Id);
        foreach (var pattern in before)
        {
            after.ShouldContainKey(pattern.Id, pattern.Theme);
            after[pattern.Id].Theme.ShouldBe(pattern.Theme);
            after[pattern.Id].Support.ShouldBeGreaterThan(pattern.Support);
        }
        var rulesAfter = (await api.Client.Compounding.ListPlaybooksAsync()).Where(r => r.Status == "active").Select(r => r.Id).ToHashSet();
        rulesBefore.Where(r => before.Any(p => p.Id == r.PatternId)).ShouldAllBe(r => rulesAfter.Contains(r.Id));
    }

    [Fact]
    public async Task DecaySweep_MakesUnreinforcedInsightsStale_AndReinforcementRevivesThem()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var fresh = CompoundingClient.InsightRequest("The desk lamp flickers at night", "L1");
        var old = CompoundingClient.InsightRequest("The backpack zipper breaks", "B1");
        await api.Client.Insights.IngestAsync([fresh, old]);
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.ExecuteAsync("update nexus.insights set last_reinforced_at = now() - interval '120 days' where workspace_id = @W and content like '%zipper%'",
                new { W = api.Workspace });
        }

        var run = await api.RunToCompletionAsync("decay_sweep");

        run.InsightsAffected.ShouldBe(1);
        var insights = (await api.Client.Insights.ListAsync()).Data;
        insights.Single(i => i.Content.Contains("zipper")).Status.ShouldBe("stale");
        insights.Single(i => i.Content.Contains("lamp")).Confidence.ShouldBe(0.5);

        var again = await api.Client.Insights.IngestAsync([old]);
        again.Reinforced.ShouldBe(1);
        var revived = (await api.Client.Insights.ListAsync()).Data.Single(i => i.Content.Contains("zipper"));
        revived.Status.ShouldBe("active");
        revived.ReinforcementCount.ShouldBe(2);
    }

    [Fact]
    public async Task TwoRunsOfOnePipeline_NeverOverlap_SoTheSecondFindsNothingLeft()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.IngestDemoAsync(800, seed: 11);

        var runs = api.Client.Compounding;
        var a = await runs.TriggerAsync(new TriggerRequest("consolidation"));
        var b = await runs.TriggerAsync(new TriggerRequest("consolidation"));
        var first = await runs.WaitForCompletionAsync(a.JobRunId, CompoundingClient.RunPatience);
        var second = await runs.WaitForCompletionAsync(b.JobRunId, CompoundingClient.RunPatience);

        // Run one after the other, one of them merged everything and the other found nothing.
        new[] { first.Status, second.Status }.ShouldAllBe(s => s == RunStatus.Completed);
        var groups = new[] { first.CandidatesCreated!.Value, second.CandidatesCreated!.Value };
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

        var accepted = await api.Client.Compounding.TriggerAsync(new TriggerRequest("metrics"));
        var run = await api.Client.Compounding.WaitForCompletionAsync(accepted.JobRunId, CompoundingClient.RunPatience);

        run.Status.ShouldBe(RunStatus.Failed);
        var details = run.ErrorDetails!.Value;
        details.GetProperty("code").GetString().ShouldBe("PIPELINE_ERROR");
        details.GetProperty("message").GetString().ShouldBe("metrics store is on fire");
        details.GetProperty("exception_type").GetString().ShouldBe(typeof(InvalidOperationException).FullName);
        details.GetProperty("attempt").GetInt32().ShouldBe(2);
        run.CompletedAt.ShouldNotBeNull();
        run.InsightsScanned.ShouldBeNull();
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
        var first = await api.Client.Insights.IngestAsync(
        [
            CompoundingClient.InsightRequest("Customers love the blue kettle", "K1"),
            CompoundingClient.InsightRequest("customers LOVE the blue kettle!!", "K1"),
            CompoundingClient.InsightRequest("Customers love the blue kettle", "K2"),
        ]);

        first.Created.ShouldBe(2);
        first.Reinforced.ShouldBe(1);
        first.Data[1].Id.ShouldBe(first.Data[0].Id);
        first.Data[2].Id.ShouldNotBe(first.Data[0].Id);

        var list = (await api.Client.Insights.ListAsync()).Data;
        list.Count.ShouldBe(2);
        var k1 = list.Single(i => i.Entities[0].Id == "K1");
        k1.ReinforcementCount.ShouldBe(2);
        k1.Entities[0].Name.ShouldBe("Product K1");
        k1.Confidence.ShouldBe(0.75, tolerance: 1e-9);
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
        await api.Client.Insights.IngestAsync(
            [CompoundingClient.InsightRequest("new fact", "A"), CompoundingClient.InsightRequest("old fact", "B"), CompoundingClient.InsightRequest("middle fact", "C")]);
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.ExecuteAsync("update nexus.insights set created_at = now() - interval '3 days' where workspace_id = @W and content = 'old fact'", new { W = api.Workspace });
            await connection.ExecuteAsync("update nexus.insights set created_at = now() - interval '90 minutes' where workspace_id = @W and content = 'middle fact'", new { W = api.Workspace });
        }
        async Task<List<string>> Contents(InsightQuery query) => (await api.Client.Insights.ListAsync(query)).Data.Select(i => i.Content).ToList();

        (await Contents(new InsightQuery())).ShouldBe(["new fact", "middle fact", "old fact"]);
        (await Contents(new InsightQuery { Last = TimeSpan.FromMinutes(30) })).ShouldBe(["new fact"]);
        (await Contents(new InsightQuery { Last = TimeSpan.FromHours(2) })).ShouldBe(["new fact", "middle fact"]);
        (await Contents(new InsightQuery { Last = TimeSpan.FromDays(1) })).ShouldBe(["new fact", "middle fact"]);
        (await Contents(new InsightQuery { To = DateTimeOffset.UtcNow.AddDays(-1) })).ShouldBe(["old fact"]);
        var page = await api.Client.Insights.ListAsync(new InsightQuery { Limit = 2 });
        page.Data.Select(i => i.Content).ShouldBe(["new fact", "middle fact"]);
        (await Contents(new InsightQuery { Limit = 2, Cursor = page.NextCursor })).ShouldBe(["old fact"]);
        // The query strings the client cannot build (or builds only valid) are sent raw.
        foreach (var bad in new[] { "last=5y", "last=abc", "last=0m", "last=400d", "from=yesterday", "limit=0", "limit=1001", "cursor=zzz", "last=1d&from=2026-01-01" })
        {
            (await api.GetAsync($"/v1/insights?{bad}")).ShouldBeProblem((HttpStatusCode)422, "VALIDATION_FAILED");
        }
    }
}
