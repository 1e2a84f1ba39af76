using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests;

public sealed class StuckFetchReaperTests
{
    [Fact]
    public async Task AFetchThatNeverStarts_IsRequeuedOnTheSecondPass_AndAFreshOneIsLeftAlone()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        var api = await app.ClientAsync();
        var stuckJob = await api.DispatchAsync(ApiClient.Pricing("ok-stuck"));
        var freshJob = await api.DispatchAsync(ApiClient.Pricing("ok-fresh"));
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        var stuck = await connection.ExecuteScalarAsync<long>("select hangfire_job_id from nexus.ai_jobs where id = @Id", new { Id = stuckJob });
        var fresh = await connection.ExecuteScalarAsync<long>("select hangfire_job_id from nexus.ai_jobs where id = @Id", new { Id = freshJob });
        var reaper = new StuckFetchReaper(app.Service<NpgsqlDataSource>(), NullLogger<StuckFetchReaper>.Instance);

        // A worker fetched it (and a keep-alive keeps refreshing the fetch), but it never moved to Processing.
        await connection.ExecuteAsync("update hangfire.jobqueue set fetchedat = now() where jobid = @Id", new { Id = stuck });
        (await reaper.PassAsync(CancellationToken.None)).ShouldBe(0, "first sighting: it may be about to start");
        await connection.ExecuteAsync("update hangfire.jobqueue set fetchedat = now() where jobid = any(@Ids)", new { Ids = new[] { stuck, fresh } });
        (await reaper.PassAsync(CancellationToken.None)).ShouldBe(1);

        (await connection.ExecuteScalarAsync<DateTime?>("select fetchedat from hangfire.jobqueue where jobid = @Id", new { Id = stuck })).ShouldBeNull();
        (await connection.ExecuteScalarAsync<DateTime?>("select fetchedat from hangfire.jobqueue where jobid = @Id", new { Id = fresh })).ShouldNotBeNull("seen once only");
    }
}
