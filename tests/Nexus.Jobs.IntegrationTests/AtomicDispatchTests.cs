using Dapper;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests;

public sealed class AtomicDispatchTests
{
    private static async Task<(long Records, long HangfireJobs)> CountsAsync(NexusApp app)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        return (await connection.ExecuteScalarAsync<long>("select count(*) from nexus.ai_jobs"),
                await connection.ExecuteScalarAsync<long>("select count(*) from hangfire.job"));
    }

    [Fact]
    public async Task Dispatch_WritesTheRecordAndTheHangfireJobTogether()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        var api = await app.ClientAsync();

        var id = await api.DispatchAsync(ApiClient.Pricing("ok"));

        (await CountsAsync(app)).ShouldBe((1, 1));
        var arguments = await app.QueryAsync<string>(
            "select h.arguments::text from hangfire.job h join nexus.ai_jobs j on j.hangfire_job_id = h.id where j.id = @Id", new { Id = id });
        arguments.ShouldContain(id);
    }

    [Fact]
    public async Task ConnectionDyingBetweenStatements_LeavesNeitherRecordNorJob()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        var api = await app.ClientAsync();
        var dataSource = app.Service<NpgsqlDataSource>();
        var transaction = app.Service<Nexus.Jobs.Platform.DispatchTransaction>();
        transaction.BetweenStatementsForTests = async () =>
        {
            // The Hangfire job exists (uncommitted); now the session dies, as it does when the process is killed.
            await using var connection = await dataSource.OpenConnectionAsync();
            await connection.ExecuteAsync("select pg_terminate_backend(pg_backend_pid())");
        };

        var response = await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"));
        var batch = await api.PostAsync("/api/ai-jobs/batch", $$"""{"jobs":[{{ApiClient.Pricing("ok")}},{{ApiClient.Pricing("ok")}}],"sequential":true}""");
        transaction.BetweenStatementsForTests = null;

        response.ShouldBeProblem(HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        batch.ShouldBeProblem(HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        (await CountsAsync(app)).ShouldBe((0, 0));
        (await app.QueryAsync<long>("select count(*) from hangfire.jobqueue")).ShouldBe(0);
        (await app.QueryAsync<long>("select count(*) from nexus.ai_batches")).ShouldBe(0);

        // And the service is fine afterwards.
        await api.DispatchAsync(ApiClient.Pricing("ok"));
        (await CountsAsync(app)).ShouldBe((1, 1));
    }

    [Fact]
    public async Task FailureBetweenStatements_LeavesNeitherRecordNorJob()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        var api = await app.ClientAsync();
        var transaction = app.Service<Nexus.Jobs.Platform.DispatchTransaction>();
        transaction.BetweenStatementsForTests = () => throw new InvalidOperationException("simulated crash between statements");

        var response = await api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"));
        transaction.BetweenStatementsForTests = null;

        ((int)response.Status).ShouldBeGreaterThanOrEqualTo(500);
        (await CountsAsync(app)).ShouldBe((0, 0));
    }

    /// <summary>
    /// Requests for one workspace that arrive while its previous dispatch transaction runs share the next one (one
    /// lock, one count, one commit), each still accepted or refused whole and in order, the cap exact.
    /// </summary>
    [Fact]
    public async Task ConcurrentDispatchesOfOneWorkspace_ShareTheNextTransaction_AndTheCapStaysExact()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api", ["AiJobs:MaxQueuedPerWorkspace"] = "12" });
        var api = await app.ClientAsync();
        var dispatcher = app.Service<Nexus.Jobs.Platform.JobDispatcher>();
        var transaction = app.Service<Nexus.Jobs.Platform.DispatchTransaction>();
        var release = new TaskCompletionSource();
        var transactions = 0;
        transaction.BetweenStatementsForTests = async () =>
        {
            if (Interlocked.Increment(ref transactions) == 1)
            {
                await release.Task;
            }
        };
        try
        {
            // The first request's transaction is held open; fifteen more arrive meanwhile, a batch of three among them.
            var first = api.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok-first"));
            await Eventually.Until(() => Task.FromResult(Volatile.Read(ref transactions)), n => n == 1, what: "the first transaction");
            var more = Enumerable.Range(0, 14).Select(i => api.PostAsync("/api/ai-jobs", ApiClient.Pricing($"ok-{i}"))).ToList();
            more.Add(api.PostAsync("/api/ai-jobs/batch", $$"""{"jobs":[{{ApiClient.Pricing("ok-b1")}},{{ApiClient.Pricing("ok-b2")}},{{ApiClient.Pricing("ok-b3")}}]}"""));
            await Eventually.Until(() => Task.FromResult(dispatcher.WaitingFor(api.Workspace)), n => n == 15, what: "fifteen requests waiting");
            release.SetResult();

            (await first).Status.ShouldBe(HttpStatusCode.Accepted);
            var answers = await Task.WhenAll(more);
            Volatile.Read(ref transactions).ShouldBe(2, "the fifteen waiting requests share one transaction");
            // Cap 12: the first job, then in arrival order until the cap; a request that does not fit is refused whole.
            var accepted = answers.Count(a => a.Status == HttpStatusCode.Accepted);
            var refused = answers.Where(a => a.Status != HttpStatusCode.Accepted).ToList();
            refused.ShouldAllBe(a => a.Code == "QUEUE_FULL");
            var jobs = await app.QueryAsync<long>("select count(*) from nexus.ai_jobs where workspace_id = @W", new { W = api.Workspace });
            jobs.ShouldBe(12, $"{accepted} of 15 accepted");
            (await app.QueryAsync<long>("select count(*) from hangfire.job h join nexus.ai_jobs j on j.hangfire_job_id = h.id where j.workspace_id = @W", new { W = api.Workspace })).ShouldBe(12);
        }
        finally
        {
            transaction.BetweenStatementsForTests = null;
        }
    }

    /// <summary>Far below the cap, dispatch bounds the workspace's jobs from its dispatch counter instead of counting them.</summary>
    [Fact]
    public async Task DispatchFarBelowTheCap_CountsTheWorkspacesJobsOnce_NotPerRequest()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api", ["AiJobs:MaxQueuedPerWorkspace"] = "1000" });
        var api = await app.ClientAsync();
        var cap = app.Service<Nexus.Jobs.Platform.QueuedJobsCap>();

        for (var i = 0; i < 10; i++)
        {
            await api.DispatchAsync(ApiClient.Pricing($"ok-{i}"));
        }

        cap.ExactCounts.ShouldBe(1, "counted once, on the workspace's first dispatch; the counter bounds the rest");
        (await app.QueryAsync<long>("select dispatched from nexus.dispatch_counters where workspace_id = @W", new { W = api.Workspace })).ShouldBe(10);
    }

    /// <summary>
    /// The bound includes what other processes dispatched since this one last counted: two hosts on one database share a
    /// workspace's cap exactly.
    /// </summary>
    [Fact]
    public async Task TwoProcessesDispatchingToOneWorkspace_KeepTheCapExact()
    {
        var settings = new Dictionary<string, string?> { ["Nexus:Roles"] = "api", ["AiJobs:MaxQueuedPerWorkspace"] = "5" };
        await using var first = await NexusApp.IsolatedAsync(settings);
        await using var second = new NexusApp(first.ConnectionString, settings);
        var workspace = NexusApp.NewWorkspace();
        var a = await first.ClientAsync(workspace);
        var b = await second.ClientAsync(workspace);

        await a.DispatchAsync(ApiClient.Pricing("ok-a1"));
        await a.DispatchAsync(ApiClient.Pricing("ok-a2"));
        await b.DispatchAsync(ApiClient.Pricing("ok-b1"));
        await b.DispatchAsync(ApiClient.Pricing("ok-b2"));
        await b.DispatchAsync(ApiClient.Pricing("ok-b3"));

        // The first host saw two of its own jobs; the other three came from the second host.
        (await a.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok-a3"))).ShouldBeProblem(HttpStatusCode.TooManyRequests, "QUEUE_FULL");
        (await b.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok-b4"))).ShouldBeProblem(HttpStatusCode.TooManyRequests, "QUEUE_FULL");
        (await first.QueryAsync<long>("select count(*) from nexus.ai_jobs where workspace_id = @W", new { W = workspace })).ShouldBe(5);

        // A cancelled job makes room for exactly one more, whichever host takes it.
        var page = await b.GetAsync("/api/ai-jobs");
        var oldest = page.Json.GetProperty("data")[4].GetProperty("id").GetString();
        (await b.DeleteAsync($"/api/ai-jobs/{oldest}")).Status.ShouldBe(HttpStatusCode.NoContent);
        await a.DispatchAsync(ApiClient.Pricing("ok-a4"));
        (await b.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok-b5"))).ShouldBeProblem(HttpStatusCode.TooManyRequests, "QUEUE_FULL");
    }
}
