using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Nexus.Jobs.IntegrationTests.Faults;

/// <summary>
/// Faults a deployment meets, injected into real child processes of the service on a cluster of these tests' own:
/// a worker killed with -9, PostgreSQL stopped under load, the LISTEN connection terminated, a SIGTERM with jobs
/// running. Jobs go to a loopback fleet that takes a chosen time, so no product test hook is involved.
/// </summary>
[Collection("faults")]
public sealed class FaultInjectionTests(FaultCluster cluster, ITestOutputHelper output)
{
    private static Dictionary<string, string> Settings(DelayFleet fleet, int jobMilliseconds, string roles, int workers = 4) => new()
    {
        ["Nexus:Roles"] = roles,
        ["Nexus:Workers:WorkerCount"] = workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["AiJobs:RemoteWorkers:pricing_recalculate:Url"] = fleet.Url(jobMilliseconds),
        ["AiJobs:RemoteWorkers:pricing_recalculate:TimeoutSeconds"] = "30",
        // A failure during a fault is retried soon (1 s) rather than after the default 10 s.
        ["AiJobs:DefaultRetry:DelaysSeconds:0"] = "1",
        ["Nexus:Workers:SchedulePollingInterval"] = "00:00:00.5",
    };

    private void Log(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    [Fact]
    public async Task KillNine_OfAWorkerRunningJobs_LosesNone_AndItsOrphansCompleteWithinAMinute()
    {
        var db = await cluster.CreateDatabaseAsync();
        await using var fleet = await DelayFleet.StartAsync();
        // Jobs of 1.5 s, so that the kill lands while the doomed worker's requests are in flight: with 0.5 s jobs a kill
        // delayed on a loaded machine could fall between two of them, and nothing would be abandoned to recover.
        var workerSettings = Settings(fleet, 1500, "worker");
        workerSettings["Nexus:Workers:InvisibilityTimeout"] = "00:00:30";
        await using var api = await ServiceProcess.StartAsync("api", db, Settings(fleet, 1500, "api"));
        await using var doomed = await ServiceProcess.StartAsync("worker-1", db, workerSettings);
        await using var survivor = await ServiceProcess.StartAsync("worker-2", db, workerSettings);
        var client = await FaultCluster.ClientAsync(db, api.BaseUrl);

        var accepted = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            accepted.Add(await client.DispatchAsync(ApiClient.Pricing($"KILL-{i:00}")));
        }
        // Both workers busy (4 + 4 requests at the fleet), so the one we kill certainly holds running jobs.
        await Eventually.Until(() => Task.FromResult(fleet.InFlight), n => n >= 8, TimeSpan.FromSeconds(20), "8 jobs running at once");
        doomed.KillHard();
        var killedAt = DateTime.UtcNow;
        (await doomed.WaitForExitAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue("worker-1 died");
        Log($"killed worker-1 (pid {doomed.Pid}); {fleet.Arrived.Count} arrivals so far");

        // The killed worker's in-flight requests are dropped by the kernel: those jobs are the orphans.
        await Eventually.Until(() => Task.FromResult(fleet.Abandoned.Count), n => n > 0, TimeSpan.FromSeconds(5), "the killed worker's requests to drop");
        var orphans = fleet.Abandoned.Where(a => a.At >= killedAt.AddSeconds(-1)).Select(a => a.JobId).Distinct().ToList();
        Log($"orphans: {orphans.Count} ({string.Join(", ", orphans)})");
        orphans.ShouldNotBeEmpty();

        var deadline = killedAt + TimeSpan.FromSeconds(60);
        while (await FaultCluster.CompletedAsync(db, accepted) < accepted.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        var completed = await FaultCluster.CompletedAsync(db, accepted);
        completed.ShouldBe(accepted.Count,
            $"every accepted job completes within 60 s of the kill; not completed:\n{await FaultCluster.NotCompletedAsync(db, accepted)}\n--- worker-2 ---\n{survivor.Output}");

        foreach (var orphan in orphans)
        {
            var rerun = fleet.Answered.Where(a => a.JobId == orphan && a.At > killedAt).Select(a => (DateTime?)a.At).FirstOrDefault();
            rerun.ShouldNotBeNull($"orphan {orphan} was run again by the surviving worker");
            Log($"orphan {orphan} answered again {(rerun.Value - killedAt).TotalSeconds:0.0} s after the kill");
            (rerun.Value - killedAt).ShouldBeLessThan(TimeSpan.FromSeconds(60));
            (await client.JobAsync(orphan)).GetProperty("status").GetString().ShouldBe("completed");
        }
        Log($"all {accepted.Count} completed {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill (polled)");
    }

    private sealed record Call(DateTime Start, DateTime End, int Status, string Body, string? JobId);

    [Fact]
    public async Task PostgresStoppedForTenSeconds_UnderDispatchLoad_Answers503_LosesNoAcceptedJob_AndResumesByItself()
    {
        var db = await cluster.CreateDatabaseAsync();
        await using var fleet = await DelayFleet.StartAsync();
        var settings = Settings(fleet, 50, "api,worker", workers: 8);
        await using var service = await ServiceProcess.StartAsync("api+worker", db, settings);
        var client = await FaultCluster.ClientAsync(db, service.BaseUrl);
        var calls = new ConcurrentQueue<Call>();
        using var stopLoad = new CancellationTokenSource();

        async Task Load(int clientNo)
        {
            for (var i = 0; !stopLoad.IsCancellationRequested; i++)
            {
                var start = DateTime.UtcNow;
                try
                {
                    var response = await client.PostAsync("/api/ai-jobs", ApiClient.Pricing($"OUT-{clientNo}-{i}"));
                    string? id = null;
                    if (response.Status == HttpStatusCode.Accepted)
                    {
                        id = response.Json.GetProperty("data").GetProperty("id").GetString();
                    }
                    calls.Enqueue(new Call(start, DateTime.UtcNow, (int)response.Status, response.Body, id));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    calls.Enqueue(new Call(start, DateTime.UtcNow, 0, e.ToString(), null));
                }
                await Task.Delay(50);
            }
        }

        DateTime stopDone, restartBegun, back;
        string probe;
        Task[] load = [];
        try
        {
            load = Enumerable.Range(0, 4).Select(n => Task.Run(() => Load(n))).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(2));
            Log($"stopping PostgreSQL after {calls.Count} calls");
            await cluster.StopAsync();
            stopDone = DateTime.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(10));
            restartBegun = DateTime.UtcNow;
            await cluster.StartOnSamePortAsync();
            back = DateTime.UtcNow;
            Log($"PostgreSQL back on port {cluster.Port} after {(back - stopDone).TotalSeconds:0.0} s");

            // A job dispatched right after the return (a 503 from a connection that died with the old server may
            // still come first: send again until accepted, as a client honouring Retry-After would).
            string? probeId = null;
            while (probeId is null)
            {
                var response = await client.PostAsync("/api/ai-jobs", ApiClient.Pricing("PROBE", "high"));
                if (response.Status == HttpStatusCode.Accepted)
                {
                    probeId = response.Json.GetProperty("data").GetProperty("id").GetString();
                }
                else
                {
                    response.Status.ShouldBe(HttpStatusCode.ServiceUnavailable, response.Body);
                    (DateTime.UtcNow - back).ShouldBeLessThan(TimeSpan.FromSeconds(5), $"dispatch accepted again soon after the return; last: {response.Body}");
                    await Task.Delay(100);
                }
            }
            probe = probeId;
            Log($"probe {probe} accepted {(DateTime.UtcNow - back).TotalSeconds:0.00} s after the return");
            var probeDeadline = back + TimeSpan.FromSeconds(10);
            while (await FaultCluster.CompletedAsync(db, [probe]) == 0 && DateTime.UtcNow < probeDeadline)
            {
                await Task.Delay(100);
            }
            var probeDone = await FaultCluster.CompletedAsync(db, [probe]) == 1;
            Log($"probe completed: {probeDone} at {(DateTime.UtcNow - back).TotalSeconds:0.00} s after the return");
            probeDone.ShouldBeTrue($"a job dispatched right after the database's return completes within 10 s of it\n--- service ---\n{service.Output}");

            await Task.Delay(TimeSpan.FromSeconds(2)); // load keeps flowing after the return
        }
        finally
        {
            await stopLoad.CancelAsync();
            await cluster.EnsureRunningAsync();
        }
        await Task.WhenAll(load);

        var all = calls.ToList();
        var byStatus = all.GroupBy(c => c.Status).ToDictionary(g => g.Key, g => g.Count());
        Log($"calls: {all.Count}; by status: {string.Join(", ", byStatus.Select(kv => $"{kv.Key}={kv.Value}"))}; " +
            $"slowest during the outage: {all.Where(c => c.Start >= stopDone && c.End <= restartBegun).Select(c => (c.End - c.Start).TotalMilliseconds).DefaultIfEmpty().Max():0} ms");
        var server500 = all.Where(c => c.Status == 500).ToList();
        server500.ShouldBeEmpty($"500s:\n{string.Join("\n", server500.Take(5).Select(c => c.Body))}\n--- service ---\n{service.Output}");
        var unexpected = all.Where(c => c.Status is not 202 and not 503).ToList();
        unexpected.ShouldBeEmpty($"only 202 or 503 are fair answers:\n{string.Join("\n", unexpected.Take(5).Select(c => $"{c.Status}: {c.Body}"))}");
        foreach (var unavailable in all.Where(c => c.Status == 503))
        {
            JsonDocument.Parse(unavailable.Body).RootElement.GetProperty("code").GetString().ShouldBe("SERVICE_UNAVAILABLE", unavailable.Body);
        }
        var duringOutage = all.Where(c => c.Start >= stopDone && c.End <= restartBegun).ToList();
        duringOutage.Count.ShouldBeGreaterThan(20, "the load kept coming during the outage");
        duringOutage.ShouldAllBe(c => c.Status == 503);
        all.Count(c => c.Status == 202 && c.Start > back).ShouldBeGreaterThan(0, "dispatch is accepted again after the return");

        var accepted = all.Where(c => c.JobId is not null).Select(c => c.JobId!).Append(probe).ToList();
        var deadline = back + TimeSpan.FromSeconds(60);
        while (await FaultCluster.CompletedAsync(db, accepted) < accepted.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        (await FaultCluster.CompletedAsync(db, accepted)).ShouldBe(accepted.Count,
            $"every job acknowledged with 202 completes; not completed:\n{await FaultCluster.NotCompletedAsync(db, accepted)}\n--- service ---\n{service.Output}");
        Log($"all {accepted.Count} accepted jobs completed {(DateTime.UtcNow - back).TotalSeconds:0.0} s after the return (polled)");
    }

    [Fact]
    public async Task TerminatingTheListenConnection_PickupIsBackToNormalWithinTwoSeconds()
    {
        var db = await cluster.CreateDatabaseAsync();
        var database = new Npgsql.NpgsqlConnectionStringBuilder(db).Database!;
        await using var fleet = await DelayFleet.StartAsync();
        await using var service = await ServiceProcess.StartAsync("api+worker", db, Settings(fleet, 200, "api,worker"));
        var client = await FaultCluster.ClientAsync(db, service.BaseUrl);

        async Task<TimeSpan> Pickup(string sku)
        {
            var watch = Stopwatch.StartNew();
            var id = await client.DispatchAsync(ApiClient.Pricing(sku));
            while (true)
            {
                var status = (await client.JobAsync(id)).GetProperty("status").GetString();
                if (status is "running" or "completed")
                {
                    return watch.Elapsed;
                }
                status.ShouldBe("queued");
                watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), $"job {id} picked up at all");
                await Task.Delay(10);
            }
        }

        const string ListenBackends = "select count(*) from pg_stat_activity where datname = @Db and query ilike 'listen%'";
        for (var i = 0; i < 3; i++)
        {
            var idle = await Eventually.Until(() => FaultCluster.QueryAsync<long>(db, ListenBackends, new { Db = database }), n => n > 0,
                TimeSpan.FromSeconds(10), "an idle worker listening");
            var baseline = await Pickup($"BASE-{i}");
            Log($"baseline pickup {baseline.TotalMilliseconds:0} ms ({idle} listening backends)");
            baseline.ShouldBeLessThan(TimeSpan.FromSeconds(1));
            await Task.Delay(300); // idle again
        }

        await Eventually.Until(() => FaultCluster.QueryAsync<long>(db, ListenBackends, new { Db = database }), n => n > 0,
            TimeSpan.FromSeconds(10), "an idle worker listening");
        var terminated = await FaultCluster.QueryAsync<long>(db,
            "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity where datname = @Db and query ilike 'listen%') t",
            new { Db = database });
        var killedAt = DateTime.UtcNow;
        Log($"terminated {terminated} LISTEN backends");
        terminated.ShouldBeGreaterThan(0);

        while (DateTime.UtcNow < killedAt + TimeSpan.FromSeconds(2))
        {
            var early = await Pickup("EARLY");
            Log($"pickup {early.TotalMilliseconds:0} ms, dispatched at +{(DateTime.UtcNow - early - killedAt).TotalSeconds:0.00} s after the kill");
        }
        for (var i = 0; i < 3; i++)
        {
            var after = await Pickup($"AFTER-{i}");
            Log($"pickup {after.TotalMilliseconds:0} ms, {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill");
            after.ShouldBeLessThan(TimeSpan.FromSeconds(1), $"pickup is back to normal 2 s after the LISTEN connections died\n--- service ---\n{service.Output}");
        }
        var listening = await Eventually.Until(() => FaultCluster.QueryAsync<long>(db, ListenBackends, new { Db = database }), n => n > 0,
            TimeSpan.FromSeconds(10), "workers listening again");
        Log($"{listening} listening backends again");
    }

    [Fact]
    public async Task Sigterm_WithJobsRunning_ExitsWithinTenSeconds_AndEveryJobCompletes()
    {
        var db = await cluster.CreateDatabaseAsync();
        await using var fleet = await DelayFleet.StartAsync();
        var firstSettings = Settings(fleet, 2000, "api,worker");
        firstSettings["Nexus:Workers:ShutdownTimeout"] = "00:00:05";
        await using var first = await ServiceProcess.StartAsync("api+worker", db, firstSettings);
        await using var second = await ServiceProcess.StartAsync("worker-2", db, Settings(fleet, 2000, "worker"));
        var client = await FaultCluster.ClientAsync(db, first.BaseUrl);

        var accepted = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            accepted.Add(await client.DispatchAsync(ApiClient.Pricing($"TERM-{i:00}")));
        }
        // 4 + 4 running: the first process certainly has jobs in hand.
        await Eventually.Until(() => Task.FromResult(fleet.InFlight), n => n >= 8, TimeSpan.FromSeconds(20), "8 jobs running at once");
        first.Terminate();
        var terminatedAt = DateTime.UtcNow;
        var exited = await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var tookToExit = DateTime.UtcNow - terminatedAt;
        Log($"SIGTERM: exited={exited} after {tookToExit.TotalSeconds:0.0} s; requests abandoned at the fleet: {fleet.Abandoned.Count}, " +
            $"{string.Join(", ", fleet.Abandoned.Select(a => $"+{(a.At - terminatedAt).TotalMilliseconds:0} ms"))} after SIGTERM");
        exited.ShouldBeTrue($"the process exits within 10 s of SIGTERM (ShutdownTimeout 5 s)\n{first.Output}");
        first.ExitCode.ShouldBe(0, first.Output);

        var deadline = terminatedAt + TimeSpan.FromSeconds(45);
        while (await FaultCluster.CompletedAsync(db, accepted) < accepted.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        (await FaultCluster.CompletedAsync(db, accepted)).ShouldBe(accepted.Count,
            $"no job stays running: every one completes; not completed:\n{await FaultCluster.NotCompletedAsync(db, accepted)}\n--- worker-2 ---\n{second.Output}");
        Log($"all {accepted.Count} completed {(DateTime.UtcNow - terminatedAt).TotalSeconds:0.0} s after SIGTERM (polled); " +
            $"jobs run twice: {fleet.Arrived.GroupBy(a => a.JobId).Count(g => g.Count() > 1)}");
        // Hangfire records Succeeded just after our outcome row: give it a moment, then nothing may be left Processing.
        await Eventually.Until(() => FaultCluster.QueryAsync<long>(db, "select count(*) from hangfire.job where statename = 'Processing'"),
            n => n == 0, TimeSpan.FromSeconds(10), "no Hangfire job left Processing");
    }
}
