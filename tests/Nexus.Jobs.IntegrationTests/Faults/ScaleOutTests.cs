using System.Net.Http.Headers;
using System.Text;
using Dapper;
using Nexus.Jobs.Api.Dashboard;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests.Faults;

/// <summary>The scale-out of docs/operations.md: one API-role process and two worker-role processes on one database.</summary>
[Collection("faults")]
public sealed class ScaleOutTests(FaultCluster cluster)
{
    [Fact]
    public async Task OneApiAndTwoWorkerProcesses_ShareTheWork_AndTheDashboardListsBothServers()
    {
        var db = await cluster.CreateDatabaseAsync();
        await using var fleet = await DelayFleet.StartAsync();
        Dictionary<string, string> Settings(string roles) => new()
        {
            ["Nexus:Roles"] = roles,
            ["Nexus:Workers:WorkerCount"] = "2",
            ["AiJobs:RemoteWorkers:pricing_recalculate:Url"] = fleet.Url(300),
            ["Dashboard:Operators:0:Name"] = "ops",
            ["Dashboard:Operators:0:PasswordHash"] = DashboardAccess.Hash("scale-out-pw"),
        };
        await using var api = await ServiceProcess.StartAsync("api", db, Settings("api"));
        await using var first = await ServiceProcess.StartAsync("worker-1", db, Settings("worker"));
        await using var second = await ServiceProcess.StartAsync("worker-2", db, Settings("worker"));
        var client = await FaultCluster.ClientAsync(db, api.BaseUrl);

        var accepted = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            accepted.Add(await client.DispatchAsync(ApiClient.Pricing($"SCALE-{i:00}")));
        }
        await Eventually.Until(() => FaultCluster.CompletedAsync(db, accepted), n => n == accepted.Count, TimeSpan.FromSeconds(60), "every job to complete");

        await using var connection = new NpgsqlConnection(db);
        // Only the worker-role processes run Hangfire servers (an AI-job server and a callback server each), and both took work.
        (await connection.ExecuteScalarAsync<long>("select count(distinct split_part(id, ':', 2)) from hangfire.server")).ShouldBe(2);
        (await connection.ExecuteScalarAsync<long>("select count(*) from hangfire.server where not (data::jsonb -> 'Queues') @> '[\"callbacks\"]'")).ShouldBe(2);
        var servers = (await connection.QueryAsync<string>("""
            select distinct s.data ->> 'ServerId' from hangfire.state s join nexus.ai_jobs j on j.hangfire_job_id = s.jobid
            where s.name = 'Processing'
            """)).ToList();
        servers.Count.ShouldBe(2, string.Join(", ", servers));
        servers.ShouldContain(s => s.Contains($":{first.Pid}:", StringComparison.Ordinal));
        servers.ShouldContain(s => s.Contains($":{second.Pid}:", StringComparison.Ordinal));

        // The dashboard, served by the API process, lists both servers.
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:scale-out-pw")));
        var page = await http.GetStringAsync($"{api.BaseUrl}/hangfire/servers");
        page.ShouldContain($":{first.Pid}:");
        page.ShouldContain($":{second.Pid}:");
    }

    /// <summary>
    /// A job dispatched by one process wakes an idle worker of another within milliseconds, not at its next poll: the
    /// poll interval is set to 30 s here, so only the LISTEN/NOTIFY wake-up (QueueWakeUp) can make the deadline.
    /// </summary>
    [Fact]
    public async Task AJobDispatchedInOneProcess_WakesAnIdleWorkerOfAnother_LongBeforeItsNextPoll()
    {
        var db = await cluster.CreateDatabaseAsync();
        await using var fleet = await DelayFleet.StartAsync();
        Dictionary<string, string> Settings(string roles) => new()
        {
            ["Nexus:Roles"] = roles,
            ["Nexus:Workers:WorkerCount"] = "2",
            ["Nexus:Workers:QueuePollInterval"] = "00:00:30",
            ["AiJobs:RemoteWorkers:pricing_recalculate:Url"] = fleet.Url(1),
        };
        await using var api = await ServiceProcess.StartAsync("api", db, Settings("api"));
        await using var worker = await ServiceProcess.StartAsync("worker", db, Settings("worker"));
        var client = await FaultCluster.ClientAsync(db, api.BaseUrl);
        await using var connection = new NpgsqlConnection(db);

        // Workers that just started have polled once and now wait; every job below arrives while they wait.
        for (var i = 0; i < 5; i++)
        {
            var id = await client.DispatchAsync(ApiClient.Pricing($"WAKE-{i}"));
            await Eventually.Until(() => FaultCluster.CompletedAsync(db, [id]), n => n == 1, TimeSpan.FromSeconds(5), $"job {i} to run well before the 30 s poll");
            var pickup = await connection.ExecuteScalarAsync<double>("""
                select extract(epoch from (p.createdat - e.createdat)) * 1000
                from nexus.ai_jobs j
                join hangfire.state e on e.jobid = j.hangfire_job_id and e.name = 'Enqueued'
                join hangfire.state p on p.jobid = j.hangfire_job_id and p.name = 'Processing'
                where j.id = @Id
                """, new { Id = id });
            pickup.ShouldBeLessThan(2000, $"job {i}: Enqueued -> Processing took {pickup:0} ms");
        }
    }
}
