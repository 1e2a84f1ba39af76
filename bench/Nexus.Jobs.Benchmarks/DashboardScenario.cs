using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Nexus.Jobs.Api.Dashboard;
using Nexus.Jobs.Auth;
using Nexus.Jobs.Storage;
using Npgsql;

namespace Nexus.Jobs.Benchmarks;

public sealed partial class Scenarios
{
    private const int DashboardWorkspaces = 200;

    // Ended jobs spread over 30 days and 200 workspaces, written by the server (generate_series), none of them in
    // Hangfire any more (negative ids, as after Hangfire's expiry). One in ten belongs to a batch of ten; 6% failed with
    // one of five codes, 3% were cancelled, 2% completed after a retry.
    private const string FillEndedSql = """
        insert into nexus.ai_batches (id, workspace_id, sequential, job_count, created_at)
        select 'batch_bench' || lpad(b::text, 10, '0'), 1000 + b % @Workspaces, b % 2 = 0, 10,
               @Now - interval '30 days' * (b * 100.0 / @Count)
        from generate_series(0, @Count / 100 - 1) b;

        insert into nexus.ai_jobs (id, workspace_id, type, priority, params, batch_id, batch_position, hangfire_job_id,
                                   created_at, estimated_completion_at, outcome, started_at, completed_at, result, error, retry_count)
        select 'job_bench' || lpad(g::text, 10, '0'),
               case when g % 10 = 0 then 1000 + (g / 100) % @Workspaces else 1000 + g % @Workspaces end,
               (array['pricing_recalculate', 'competitor_scan', 'listing_optimize', 'review_sentiment', 'llm_visibility_score'])[1 + g % 5],
               (array['high', 'normal', 'low'])[1 + g % 3],
               '{"skus":["SKU-1"],"marketplace":"amazon_us"}'::json,
               case when g % 10 = 0 then 'batch_bench' || lpad((g / 100)::text, 10, '0') end,
               case when g % 10 = 0 then (g / 10) % 10 end,
               -(g + 1),
               t.created, t.created + interval '30 seconds',
               o.outcome, t.created + interval '5 seconds', t.created + interval '30 seconds',
               case when o.outcome = 'completed' then '{"ok":true}'::json end,
               case o.outcome
                   when 'failed' then jsonb_build_object('code', (array['WORKER_TIMEOUT', 'WORKER_ERROR', 'PROVIDER_TIMEOUT', 'PROVIDER_ERROR', 'HANDLER_ERROR'])[1 + g % 5],
                                                         'message', 'bench failure ' || g, 'retry_count', 2)
                   when 'cancelled' then jsonb_build_object('code', 'CANCELLED', 'message', 'Cancelled because an earlier job failed')
               end,
               case when o.outcome = 'failed' then 2 when g % 50 = 1 then 1 else 0 end
        from generate_series(0, @Count - 1) g
        cross join lateral (select @Now - interval '30 days' * (g::float8 / @Count) as created) t
        cross join lateral (select case when (g::bigint * 7919) % 100 < 6 then 'failed' when (g::bigint * 7919) % 100 < 9 then 'cancelled' else 'completed' end as outcome) o;

        insert into nexus.compounding_runs (id, workspace_id, job_type, dry_run, trigger, hangfire_job_id, created_at, outcome,
                                            executed_at, completed_at, duration_ms, insights_scanned, insights_affected,
                                            candidates_created, errors, error_details)
        select gen_random_uuid(), 1000 + w, p, false, 'schedule', -(w * 1000 + d * 10 + i), @Now - interval '1 day' * d,
               case when (w + d) % 40 = 0 then 'failed' else 'completed' end,
               @Now - interval '1 day' * d, @Now - interval '1 day' * d + interval '2 seconds', 2000, 500 + d, d, 0,
               case when (w + d) % 40 = 0 then 1 else 0 end,
               case when (w + d) % 40 = 0 then '{"code":"PIPELINE_ERROR","message":"bench failure"}'::jsonb end
        from generate_series(0, @Workspaces - 1) w,
             unnest(array['consolidation', 'pattern_detection', 'playbook_synthesis', 'decay_sweep', 'metrics']) with ordinality as x(p, i),
             generate_series(0, 29) d;

        insert into nexus.metrics_snapshots (run_id, workspace_id, taken_at, metrics)
        select gen_random_uuid(), 1000 + w, @Now - interval '1 day' * d,
               jsonb_build_object('insights', jsonb_build_object('total', 1000 + 30 - d, 'active', 800 - d, 'merged', 150 + d, 'stale', 50),
                                  'patterns', 20 + (30 - d) / 3, 'playbook_rules', 10 + (30 - d) / 5)
        from generate_series(0, @Workspaces - 1) w, generate_series(0, 29) d;

        analyze nexus.ai_jobs;
        analyze nexus.ai_batches;
        analyze nexus.compounding_runs;
        analyze nexus.metrics_snapshots;
        """;

    /// <summary>
    /// The operator pages with a million jobs stored: each page timed over HTTP as an operator opens it, with the
    /// index of 0008 and without it (the evidence that it is needed), next to Hangfire's own overview.
    /// </summary>
    public async Task DashboardAsync()
    {
        var cs = await cluster.CreateDatabaseAsync("bench_dashboard");
        const string password = "bench-operator";
        await using var service = await ServiceProcess.StartAsync(cs, new Dictionary<string, string>
        {
            ["Nexus:Roles"] = "api", // no workers: dispatched jobs stay queued, as on a night when the workers are behind
            ["AiJobs:MaxQueuedPerWorkspace"] = "1000",
            ["Nexus:RateLimit:RequestsPerSecond"] = "0",
            ["Dashboard:Operators:0:Name"] = "operator",
            ["Dashboard:Operators:0:PasswordHash"] = DashboardAccess.Hash(password),
            ["Dashboard:Operators:0:ReadOnly"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await using var dataSource = NpgsqlDataSource.Create(cs);

        var load = Stopwatch.StartNew();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(new CommandDefinition(FillEndedSql,
                new { Count = settings.LargeStore, Workspaces = DashboardWorkspaces, Now = DateTime.UtcNow }, commandTimeout: 1800));
        }
        var loadSeconds = load.Elapsed.TotalSeconds;

        // Live jobs through the API: one workspace at its cap, nineteen with 40 each.
        var keys = new ApiKeys(dataSource);
        using var api = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var one = """{"type":"pricing_recalculate","params":{"skus":["SKU-1"],"marketplace":"amazon_us","apply":false}}""";
        var batch = "{\"jobs\":[" + string.Join(',', Enumerable.Repeat(one, 20)) + "],\"sequential\":true}";
        for (var w = 0; w < 20; w++)
        {
            var (_, key) = await keys.CreateAsync(1000 + w, ["ai-jobs:write"]);
            for (var b = 0; b < (w == 0 ? 50 : 2); b++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ai-jobs/batch") { Content = new StringContent(batch, Encoding.UTF8, "application/json") };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                using var response = await api.SendAsync(request);
                if ((int)response.StatusCode != 202)
                {
                    throw new InvalidOperationException($"dispatch answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        }
        var stored = await Wait.CountAsync(cs, "select count(*) from nexus.ai_jobs");

        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"operator:{password}")));
        var pages = new (string Name, string Path)[]
        {
            ("Hangfire's overview (baseline)", "/hangfire"),
            ("Workspaces", "/hangfire/nexus/workspaces"),
            ("Batches, every workspace", "/hangfire/nexus/batches"),
            ("Batches, one workspace", "/hangfire/nexus/batches?workspace=1005"),
            ("A batch", "/hangfire/nexus/batches/batch_bench0000000042"),
            ("AI job failures", "/hangfire/nexus/failures"),
            ("Compounding, every workspace", "/hangfire/nexus/compounding"),
            ("Compounding, one workspace", "/hangfire/nexus/compounding?workspace=1005"),
        };
        var with = new Dictionary<string, (Samples Samples, double DbMs)>();
        foreach (var (name, path) in pages)
        {
            with[name] = await TimePageAsync(dataSource, http, path, warmUps: 3, samples: 15);
        }

        // The same pages without 0008's index, then the index back (the migration is safe to re-run).
        var migration = Migration("0008_operator_pages.sql");
        var indexes = IndexName().Matches(migration).Select(m => m.Groups[1].Value).ToList();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            foreach (var index in indexes)
            {
                await connection.ExecuteAsync($"drop index nexus.{index}");
            }
        }
        var without = new Dictionary<string, (Samples Samples, double DbMs)>();
        foreach (var (name, path) in pages)
        {
            without[name] = await TimePageAsync(dataSource, http, path, warmUps: 1, samples: 5);
        }
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(new CommandDefinition(migration, commandTimeout: 600));
        }

        var section = $"Operator pages, {stored:#,0} jobs stored ({DashboardWorkspaces} workspaces; loaded in {loadSeconds:0} s)";
        foreach (var (name, _) in pages)
        {
            var p50 = with[name].Samples.P(50);
            report.Add(new Row(section, $"{name} p50", p50, "ms")
            {
                BaselineName = "without 0008's index", Baseline = without[name].Samples.P(50), Ratio = without[name].Samples.P(50) / p50,
                Target = "<= 500 ms", Met = p50 <= 500,
                Note = $"p99 {with[name].Samples.P(99):0} ms (15 requests, one at a time); database {with[name].DbMs:0.0} ms per request "
                    + $"(without the index {without[name].DbMs:0.0} ms)",
            });
        }
        report.Add(new Panel("Operator pages p50", "ms", pages.Select(p => (p.Name.Split(',')[0], with[p.Name].Samples.P(50))).ToList(), 500, "500 ms"));
    }

    /// <summary>A page's response times, and the time the database spent on it per request (pg_stat_statements).</summary>
    private static async Task<(Samples Samples, double DbMs)> TimePageAsync(NpgsqlDataSource dataSource, HttpClient http, string path, int warmUps, int samples)
    {
        for (var i = 0; i < warmUps; i++)
        {
            using var response = await http.GetAsync(path);
            response.EnsureSuccessStatusCode();
        }
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("/* bench:reset */ select pg_stat_statements_reset()");
        }
        var result = new Samples();
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(path);
            await response.Content.ReadAsStringAsync();
            result.Add(Ms(Stopwatch.GetTimestamp() - start));
            response.EnsureSuccessStatusCode();
        }
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            // Every statement of the page's requests, ours and Hangfire's; the benchmark's own are marked and left out.
            var total = await connection.ExecuteScalarAsync<double>("""
                /* bench:db-time */
                select coalesce(sum(total_exec_time), 0) from pg_stat_statements
                where dbid = (select oid from pg_database where datname = current_database()) and query not like '%bench:%'
                """);
            return (result, total / samples);
        }
    }

    private static string Migration(string name)
    {
        using var stream = typeof(JobsDatabase).Assembly.GetManifestResourceStream("sql/" + name)
            ?? throw new InvalidOperationException($"sql/{name} is not embedded in Nexus.Jobs");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"create index if not exists (\w+) on")]
    private static partial Regex IndexName();
}
