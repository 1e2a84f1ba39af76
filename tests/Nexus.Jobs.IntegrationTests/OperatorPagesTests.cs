using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Nexus.Jobs.Api.Dashboard;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>
/// A host with two workers, a queued-jobs cap of 4 and two operators (an admin and a read-only viewer), on a database of
/// its own so that the pages' totals are this class's jobs only.
/// </summary>
public sealed class OperatorPagesHost : IAsyncLifetime
{
    public const int Cap = 4;

    public NexusApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await NexusApp.IsolatedAsync(new()
        {
            ["Nexus:Workers:WorkerCount"] = "2",
            ["AiJobs:MaxQueuedPerWorkspace"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dashboard:Operators:0:Name"] = "admin",
            ["Dashboard:Operators:0:PasswordHash"] = DashboardAccess.Hash(DashboardHost.AdminPassword),
            ["Dashboard:Operators:1:Name"] = "viewer",
            ["Dashboard:Operators:1:PasswordHash"] = DashboardAccess.Hash(DashboardHost.ViewerPassword),
            ["Dashboard:Operators:1:ReadOnly"] = "true",
        });
        _ = App.Server;
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>The operator pages at <c>/hangfire/nexus/*</c> against jobs dispatched, failed and cancelled through the API.</summary>
/// <remarks>Tests of one class run one at a time, so a test that holds both workers releases them before the next starts.</remarks>
public sealed partial class OperatorPagesTests(OperatorPagesHost host) : IClassFixture<OperatorPagesHost>
{
    private static readonly string[] Pages = ["/hangfire/nexus/workspaces", "/hangfire/nexus/batches", "/hangfire/nexus/failures", "/hangfire/nexus/compounding"];

    private NexusApp App => host.App;

    [Fact]
    public async Task Workspaces_ShowQueuedByPriority_Running_AndTheCap_AndSayFirstThatAWorkspaceIsFull()
    {
        var api = await App.ClientAsync();
        var gates = new[] { $"block-{Guid.NewGuid():N}", $"block-{Guid.NewGuid():N}" };
        try
        {
            foreach (var gate in gates)
            {
                await api.ShouldReachStatus(await api.DispatchAsync(ApiClient.Pricing(gate, "high")), "running");
            }
            foreach (var priority in new[] { "high", "normal", "low", "low" })
            {
                await api.DispatchAsync(ApiClient.Pricing($"ok-{priority}", priority));
            }
            (await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok-over-the-cap"))).ShouldBeProblem(HttpStatusCode.TooManyRequests, "QUEUE_FULL");

            var html = await PageAsync("admin", "/hangfire/nexus/workspaces");

            var alerts = Between(html, "<div id=\"nexus-alerts\">", "<table");
            alerts.ShouldContain($"Workspace {api.Workspace} has 4 of 4 jobs queued (100% of its cap): new jobs get 429 QUEUE_FULL.");
            alerts.ShouldContain("alert-danger");
            var workspace = api.Workspace.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Cells(Row(html, "nexus-workspaces", workspace)).Take(8).ShouldBe([workspace, "1", "1", "2", "2", "0", "0", "4 (100%)"]);
            Row(html, "nexus-workspaces", workspace).ShouldStartWith("<tr class=\"danger\">");

            var byRunning = await PageAsync("admin", "/hangfire/nexus/workspaces?sort=running&dir=asc");
            byRunning.ShouldContain("Running ▲");
        }
        finally
        {
            foreach (var gate in gates)
            {
                ScriptedHandler.Release(gate);
            }
        }
        await Eventually.Until(() => App.QueryAsync<long>("select count(*) from nexus.ai_jobs where workspace_id = @W and outcome is null", new { W = api.Workspace }),
            n => n == 0, what: "the workspace's jobs to finish");
    }

    [Fact]
    public async Task Failures_CountFailuresAndRetries_ByTypeAndCode_ChartThem_AndListTheLatest_Escaped()
    {
        var api = await App.ClientAsync();
        var failed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            failed.Add(await api.DispatchAsync(CompetitorScan($"fail-{i}")));
        }
        var recovered = await api.DispatchAsync(CompetitorScan("flaky-1"));
        foreach (var id in failed)
        {
            await api.ShouldReachStatus(id, "failed", TimeSpan.FromSeconds(60));
        }
        await api.ShouldReachStatus(recovered, "completed", TimeSpan.FromSeconds(60));
        // A message can carry what a client sent; the page must show it as text.
        await App.QueryAsync<int>("""update nexus.ai_jobs set error = jsonb_set(error, '{message}', '"<img src=x onerror=alert(1)> & more"') where id = @Id""", new { Id = failed[0] });
        var hangfireId = await App.QueryAsync<long>("select hangfire_job_id from nexus.ai_jobs where id = @Id", new { Id = failed[0] });

        var html = await PageAsync("viewer", "/hangfire/nexus/failures");

        Cells(Row(html, "nexus-failure-groups", "competitor_scan", "TEST_FAILURE")).ShouldBe(["competitor_scan", "TEST_FAILURE", "3", "6"]);
        Cells(Row(html, "nexus-failure-groups", "competitor_scan", "completed after retrying")).ShouldBe(["competitor_scan", "completed after retrying", "0", "1"]);
        html.ShouldContain("&lt;img src=x onerror=alert(1)&gt; &amp; more");
        html.ShouldNotContain("<img src=x");
        html.ShouldContain($"href=\"/hangfire/jobs/details/{hangfireId}\"");
        foreach (var id in failed)
        {
            html.ShouldContain($"<code>{id}</code>");
        }
        var byType = Chart(html, "nexus-failures-by-type");
        var types = byType.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).ToList();
        var failures = byType.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("label").GetString() == "failed: TEST_FAILURE");
        failures.GetProperty("data")[types.IndexOf("competitor_scan")].GetInt32().ShouldBe(3);
        var byHour = Chart(html, "nexus-failures-by-hour");
        byHour.GetProperty("labels").GetArrayLength().ShouldBe(25);
        byHour.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("label").GetString() == "TEST_FAILURE")
            .GetProperty("data").EnumerateArray().Sum(d => d.GetInt32()).ShouldBeGreaterThanOrEqualTo(3);

        var workspaces = await PageAsync("viewer", "/hangfire/nexus/workspaces");
        Between(workspaces, "<div id=\"nexus-alerts\">", "<table").ShouldContain("TEST_FAILURE is rising");
    }

    [Fact]
    public async Task Batches_ListTheBatchWithItsCounts_AndItsPageListsTheJobsInOrder_WithTheCancellationReason()
    {
        var api = await App.ClientAsync();
        var (batchId, jobs) = await api.DispatchBatchAsync($$"""
            {"jobs":[{{ApiClient.Pricing("ok-first")}},{{ApiClient.Pricing("fail-second")}},{{ApiClient.Pricing("ok-third")}},{{ApiClient.Pricing("ok-fourth")}}],"sequential":true}
            """);
        await api.ShouldReachStatus(jobs[1], "failed", TimeSpan.FromSeconds(60));
        await api.ShouldReachStatus(jobs[3], "cancelled");

        var list = await PageAsync("viewer", $"/hangfire/nexus/batches?workspace={api.Workspace}");
        var row = Cells(Row(list, "nexus-batches", batchId));
        row.Take(10).ShouldBe([batchId, api.Workspace.ToString(System.Globalization.CultureInfo.InvariantCulture), "sequential", "failed", "4", "0", "0", "1", "1", "2"]);

        var page = await PageAsync("viewer", $"/hangfire/nexus/batches/{batchId}");
        page.ShouldContain("<dd id=\"nexus-batch-status\"><span class=\"label label-danger\">failed</span></dd>");
        var rows = Rows(page, "nexus-batch-jobs");
        rows.Select(r => Cells(r)[1]).ShouldBe(jobs);
        rows.Select(r => Cells(r)[4]).ShouldBe(["completed", "failed", "cancelled", "cancelled"]);
        Cells(rows[1])[5].ShouldBe("TEST_FAILURE");
        foreach (var later in rows.Skip(2))
        {
            Cells(later)[5].ShouldBe("CANCELLED");
            Cells(later)[6].ShouldBe($"Cancelled because {jobs[1]} (job 2 of {batchId}) failed");
        }
        foreach (var id in jobs)
        {
            var hangfireId = await App.QueryAsync<long>("select hangfire_job_id from nexus.ai_jobs where id = @Id", new { Id = id });
            page.ShouldContain($"href=\"/hangfire/jobs/details/{hangfireId}\"");
        }

        var missing = await PageAsync("viewer", "/hangfire/nexus/batches/batch_NOSUCHBATCH");
        missing.ShouldContain("No batch batch_NOSUCHBATCH exists.");
    }

    [Fact]
    public async Task Compounding_ListsTheLastRunsPerPipeline_AndChartsTheMetricsHistory()
    {
        var api = await App.ClientAsync();
        await api.IngestAsync(CompoundingClient.Insight("Shoppers ask for a larger size", "SKU-1"), CompoundingClient.Insight("Delivery took too long", "SKU-2"));
        await api.RunToCompletionAsync("metrics");
        await api.IngestAsync(CompoundingClient.Insight("The colour faded after washing", "SKU-3"));
        var second = await api.RunToCompletionAsync("metrics");

        var html = await PageAsync("viewer", $"/hangfire/nexus/compounding?workspace={api.Workspace}");

        var runs = Rows(html, "nexus-runs");
        runs.Count.ShouldBe(2);
        var latest = Cells(runs[0]);
        latest[0].ShouldBe(api.Workspace.ToString(System.Globalization.CultureInfo.InvariantCulture));
        latest[1].ShouldBe("metrics");
        latest[3].ShouldBe("api");
        latest[4].ShouldBe("completed");
        latest[5].ShouldBe("3", "insights scanned by the second run");
        runs[0].ShouldContain($"href=\"/hangfire/jobs/details/{await App.QueryAsync<long>("select hangfire_job_id from nexus.compounding_runs where id = @Id", new { Id = second.JobRunId })}\"");
        var history = Chart(html, "nexus-metrics-history");
        history.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("label").GetString() == "insights active")
            .GetProperty("data").EnumerateArray().Select(d => d.GetInt32()).ShouldBe([2, 3]);
    }

    [Fact]
    public async Task EveryPage_NeedsTheDashboardsAuthorisation()
    {
        foreach (var path in Pages.Append("/hangfire/nexus/batches/batch_X"))
        {
            using var anonymous = App.CreateClient();
            using var response = await anonymous.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
            response.Headers.WwwAuthenticate.ShouldHaveSingleItem().Scheme.ShouldBe("Basic");
            (await response.Content.ReadAsStringAsync()).ShouldNotContain("nexus-");

            using var wrong = Operator("viewer", DashboardHost.AdminPassword);
            (await wrong.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
        }
    }

    [Fact]
    public async Task ReadOnlyViewer_GetsEveryPage_InTheDashboardsNavigation_WithNothingToPress_AndNoPageTakesAPost()
    {
        var api = await App.ClientAsync();
        var (batchId, jobs) = await api.DispatchBatchAsync($$"""{"jobs":[{{ApiClient.Pricing("ok-viewer")}}],"sequential":false}""");
        await api.ShouldReachStatus(jobs[0], "completed");
        using var viewer = Operator("viewer", DashboardHost.ViewerPassword);
        using var admin = Operator("admin", DashboardHost.AdminPassword);

        foreach (var path in Pages.Append($"/hangfire/nexus/batches/{batchId}"))
        {
            var html = await PageAsync("viewer", path);
            html.ShouldContain("Nexus Jobs</a>", customMessage: "the dashboard's layout");
            html.ShouldContain("href=\"/hangfire/nexus/workspaces\"", customMessage: "the navigation item");
            html.ShouldNotContain("<form", Case.Insensitive, path);
            html.ShouldNotContain("method=\"post\"", Case.Insensitive, path);
            html.ShouldNotContain("data-url=", Case.Insensitive, path); // Hangfire's command buttons post to their data-url
            html.ShouldNotContain("js-jobs-list-command", Case.Insensitive, path);

            foreach (var http in new[] { viewer, admin })
            {
                using var post = await PostWithTokenAsync(http, path);
                post.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed, path);
            }
        }
    }

    [Fact]
    public async Task EveryPage_RunsTheSameNumberOfQueries_WhateverTheRows_AndOneOfThemIsOurs()
    {
        var api = await App.ClientAsync();
        var (batchId, jobs) = await api.DispatchBatchAsync($$"""{"jobs":[{{ApiClient.Pricing("ok-q1")}}],"sequential":false}""");
        await api.ShouldReachStatus(jobs[0], "completed");
        var paths = Pages.Append($"/hangfire/nexus/batches/{batchId}").ToList();
        var before = new Dictionary<string, (int All, int Ours)>();
        foreach (var path in paths)
        {
            before[path] = await CountQueriesAsync(path);
        }

        // More of every kind of row: workspaces, batches with more jobs, failures.
        for (var w = 0; w < 3; w++)
        {
            var more = await App.ClientAsync();
            var (_, batchJobs) = await more.DispatchBatchAsync($$"""{"jobs":[{{ApiClient.Pricing("ok-q2")}},{{ApiClient.Pricing("fail-q3")}},{{ApiClient.Pricing("ok-q4")}}],"sequential":false}""");
            await more.ShouldReachStatus(batchJobs[1], "failed", TimeSpan.FromSeconds(60));
        }
        var (bigBatch, bigJobs) = await api.DispatchBatchAsync($$"""{"jobs":[{{string.Join(",", Enumerable.Range(0, OperatorPagesHost.Cap).Select(i => ApiClient.Pricing($"ok-big-{i}")))}}],"sequential":false}""");
        await api.ShouldReachStatus(bigJobs[^1], "completed");
        paths[^1] = $"/hangfire/nexus/batches/{bigBatch}";
        before[paths[^1]] = before[$"/hangfire/nexus/batches/{batchId}"];

        foreach (var path in paths)
        {
            var after = await CountQueriesAsync(path);
            after.Ours.ShouldBe(1, $"{path}: one round trip to our tables");
            after.All.ShouldBe(before[path].All, $"{path}: the same number of queries with more rows");
        }
    }

    [Fact]
    public void Rules_CallACodeRising_OnlyWhenItsLastHourStandsOut()
    {
        OperatorRules.IsRising(new CodeTrend { Code = "X", LastHour = 3, Day = 3 }).ShouldBeTrue();
        OperatorRules.IsRising(new CodeTrend { Code = "X", LastHour = 2, Day = 2 }).ShouldBeFalse("below the floor");
        OperatorRules.IsRising(new CodeTrend { Code = "X", LastHour = 5, Day = 5 + 23 * 3 }).ShouldBeFalse("as usual: 3 an hour");
        OperatorRules.IsRising(new CodeTrend { Code = "X", LastHour = 7, Day = 7 + 23 * 3 }).ShouldBeTrue("more than twice the usual");
    }

    [Fact]
    public void Rules_SayWhatIsWrong_TheWorstFirst_EachWithWhereItIs()
    {
        var now = new DateTime(2026, 12, 7, 3, 0, 0, DateTimeKind.Utc);
        var view = new WorkspacesView(
            [
                new WorkspaceLoad { WorkspaceId = 7, QueuedNormal = 95, Running = 4 },
                new WorkspaceLoad { WorkspaceId = 8, QueuedLow = 10, OldestQueuedAt = now.AddMinutes(-45) },
                new WorkspaceLoad { WorkspaceId = 9, QueuedHigh = 100 },
            ],
            [new StalledBatch { Id = "batch_A", WorkspaceId = 8, Unfinished = 3, LastProgressAt = now.AddMinutes(-20), CreatedAt = now.AddHours(-1) }],
            [new CodeTrend { Code = "WORKER_TIMEOUT", LastHour = 9, Day = 12 }, new CodeTrend { Code = "PROVIDER_ERROR", LastHour = 1, Day = 30 }],
            [new FailedRun { WorkspaceId = 7, JobType = "consolidation", ErrorCode = "PIPELINE_ERROR", CreatedAt = now.AddHours(-2) }],
            Cap: 100, Now: now);

        var alerts = OperatorRules.Alerts(view);

        alerts.Select(a => (a.Level, a.Text, a.Path)).ShouldBe(
        [
            (AlertLevel.Danger, "Workspace 9 has 100 of 100 jobs queued (100% of its cap): new jobs get 429 QUEUE_FULL.", "/nexus/batches?workspace=9"),
            (AlertLevel.Warning, "Workspace 7 has 95 of 100 jobs queued (95% of its cap).", "/nexus/batches?workspace=7"),
            (AlertLevel.Danger, "Batch batch_A (workspace 8) is stalled: 3 job(s) unfinished, none ended for 20 min.", "/nexus/batches/batch_A"),
            (AlertLevel.Danger, "WORKER_TIMEOUT is rising: 9 failure(s) in the last hour, 3 in the 23 hours before.", "/nexus/failures"),
            (AlertLevel.Warning, "The last consolidation run of workspace 7 failed (PIPELINE_ERROR).", "/nexus/compounding?workspace=7"),
            (AlertLevel.Warning, "Workspace 8's oldest queued job has waited 45 min (0 running).", "/jobs/enqueued"),
        ]);
        OperatorRules.Alerts(view with { Workspaces = [], Stalled = [], Codes = [], FailedRuns = [] }).ShouldBeEmpty();
    }

    [Fact]
    public void Charts_DrawEveryHourOfTheWindow_AndFoldRareCodesIntoOther()
    {
        var now = new DateTime(2026, 12, 7, 3, 25, 0, DateTimeKind.Utc);
        var hour = new DateTime(2026, 12, 7, 2, 0, 0, DateTimeKind.Utc);
        var hourly = Enumerable.Range(0, OperatorCharts.MaxCodes + 2)
            .Select(i => new HourlyFailures { Hour = hour, Code = $"CODE_{i}", Failed = 20 - i })
            .Append(new HourlyFailures { Hour = now.AddHours(-24).AddMinutes(-25), Code = "CODE_0", Failed = 1 })
            .ToList();

        var chart = OperatorCharts.FailuresByHour(hourly, now);

        chart.Labels.Count.ShouldBe(25);
        chart.Labels[0].ShouldBe("06 Dec 03:00");
        chart.Labels[^1].ShouldBe("07 Dec 03:00");
        chart.Series.Select(s => s.Label).ShouldBe([.. Enumerable.Range(0, OperatorCharts.MaxCodes - 1).Select(i => $"CODE_{i}"), "other"]);
        chart.Series[0].Data[0].ShouldBe(1, "the window's first (partial) hour");
        chart.Series[0].Data[23].ShouldBe(20);
        chart.Series[^1].Data[23].ShouldBe(Enumerable.Range(OperatorCharts.MaxCodes - 1, 3).Sum(i => 20 - i));
        chart.Series.Sum(s => s.Data.Sum()).ShouldBe(hourly.Sum(h => h.Failed));
    }

    [Theory]
    [InlineData(2, 0, 0, 0, 0, "queued")]
    [InlineData(1, 0, 1, 0, 0, "running")]
    [InlineData(0, 1, 0, 0, 0, "running")]
    [InlineData(0, 0, 3, 0, 0, "completed")]
    [InlineData(0, 0, 1, 1, 2, "failed")]
    [InlineData(0, 0, 1, 0, 2, "cancelled")]
    public void Rules_GiveABatchTheStatusTheApiGivesIt(int queued, int running, int completed, int failed, int cancelled, string status) =>
        OperatorRules.BatchStatus(queued, running, completed, failed, cancelled).ShouldBe(status);

    [Fact]
    public void Rules_SortTheBusiestFirst_AndByAnyColumn()
    {
        WorkspaceLoad W(long id, int queued, int running, int failed = 0) => new() { WorkspaceId = id, QueuedNormal = queued, Running = running, Failed = failed };
        var loads = new[] { W(1, 1, 0), W(2, 3, 2), W(3, 0, 0, failed: 9), W(4, 3, 2) };

        OperatorRules.Sort(loads, null, false, 10).Select(w => w.WorkspaceId).ShouldBe([2, 4, 1, 3]);
        OperatorRules.Sort(loads, "failed", false, 10).Select(w => w.WorkspaceId).First().ShouldBe(3);
        OperatorRules.Sort(loads, "workspace", true, 10).Select(w => w.WorkspaceId).ShouldBe([1, 2, 3, 4]);
        OperatorRules.Sort(loads, "cap", true, 10).Select(w => w.WorkspaceId).ShouldBe([3, 1, 2, 4]);
    }

    /// <summary>Queries the host runs for one page request: all of them, and those that read our tables.</summary>
    private async Task<(int All, int Ours)> CountQueriesAsync(string path)
    {
        var traceId = ActivityTraceId.CreateRandom();
        var seen = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { if (activity.TraceId == traceId && activity.Source.Name == "Npgsql") { seen.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);
        using var http = Operator("viewer", DashboardHost.ViewerPassword);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await http.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
        // Only commands: a physical connection opened from an empty pool is no query, and comes and goes with the pool.
        var queries = seen.Where(a => a.TagObjects.Any(t => t.Key is "db.statement" or "db.query.text")).ToList();
        queries.ShouldNotBeEmpty($"{path}: Npgsql's activities are seen");
        var ours = queries.Count(a => a.TagObjects.Any(t => t.Value is string s && s.Contains("nexus.", StringComparison.Ordinal)));
        return (queries.Count, ours);
    }

    private static string CompetitorScan(string sku) => $$$"""{"type":"competitor_scan","params":{"skus":["{{{sku}}}"],"marketplace":"amazon_us"}}""";

    private async Task<string> PageAsync(string name, string path)
    {
        using var http = Operator(name, name == "admin" ? DashboardHost.AdminPassword : DashboardHost.ViewerPassword);
        using var response = await http.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{path}: {html}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        return html;
    }

    private HttpClient Operator(string name, string password)
    {
        var http = App.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{password}")));
        return http;
    }

    /// <summary>A POST as the dashboard's script would send one, with the CSRF token of a page, so only the page's answer decides.</summary>
    private static async Task<HttpResponseMessage> PostWithTokenAsync(HttpClient http, string path)
    {
        var page = await (await http.GetAsync("/hangfire/jobs/enqueued")).Content.ReadAsStringAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([new("jobs[]", "1")]) };
        request.Headers.Add(WebUtility.HtmlDecode(CsrfHeader().Match(page).Groups[1].Value), WebUtility.HtmlDecode(CsrfToken().Match(page).Groups[1].Value));
        return await http.SendAsync(request);
    }

    private static JsonElement Chart(string html, string id)
    {
        var match = Regex.Match(html, $"<script type=\"application/json\" id=\"{id}\">(.*?)</script>", RegexOptions.Singleline);
        match.Success.ShouldBeTrue($"chart {id} on the page");
        html.ShouldContain($"data-nexus-chart=\"{id}\"");
        return JsonDocument.Parse(match.Groups[1].Value).RootElement;
    }

    private static string Between(string html, string start, string end)
    {
        var from = html.IndexOf(start, StringComparison.Ordinal);
        from.ShouldBeGreaterThanOrEqualTo(0, start);
        var to = html.IndexOf(end, from, StringComparison.Ordinal);
        return to < 0 ? html[from..] : html[from..to];
    }

    private static List<string> Rows(string html, string tableId)
    {
        var table = Between(html, $"id=\"{tableId}\"", "</table>");
        return TableRow().Matches(Between(table, "<tbody>", "</tbody>")).Select(m => m.Value).ToList();
    }

    /// <summary>The row of the table whose cells contain every one of <paramref name="texts"/>.</summary>
    private static string Row(string html, string tableId, params string[] texts)
    {
        var rows = Rows(html, tableId).Where(r => texts.All(t => Cells(r).Contains(t))).ToList();
        return rows.ShouldHaveSingleItem($"{tableId}: one row with {string.Join(", ", texts)}");
    }

    /// <summary>A row's cells as the operator reads them: tags dropped, entities decoded.</summary>
    private static List<string> Cells(string row) =>
        TableCell().Matches(row).Select(m => WebUtility.HtmlDecode(Tag().Replace(m.Groups[1].Value, "")).Trim()).ToList();

    [GeneratedRegex("<tr[^>]*>.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex TableRow();

    [GeneratedRegex("<td[^>]*>(.*?)</td>", RegexOptions.Singleline)]
    private static partial Regex TableCell();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex("<meta name=\"csrf-header\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfHeader();

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();
}
