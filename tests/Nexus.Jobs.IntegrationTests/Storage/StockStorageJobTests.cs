using Nexus.Jobs.HangfireSeam;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.IntegrationTests.Storage;

/// <summary>
/// An AI job end to end on the escape hatch (<c>Nexus:Workers:Storage=hangfire-postgresql</c>), where the platform's
/// record is read and its outcome written by statements of their own rather than inside the storage's.
/// </summary>
public sealed class StockStorageJobTests
{
    [Fact]
    public async Task OnStockHangfirePostgreSql_AJobReadsItsRecord_AndItsOutcomeIsWritten()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Workers:Storage"] = WorkerOptions.HangfirePostgreSqlStorageName });
        var api = await app.ClientAsync();
        var prefetch = app.Service<JobRecordPrefetch>();

        var id = await api.DispatchAsync(ApiClient.Pricing("ok-stock-storage"));

        var job = await api.ShouldReachStatus(id, "completed");
        job.GetProperty("result").GetProperty("sku").GetString().ShouldBe("ok-stock-storage");
        job.GetProperty("completed_at").GetDateTime().ShouldBeGreaterThanOrEqualTo(job.GetProperty("started_at").GetDateTime());
        prefetch.Taken.ShouldBe(1, "the run took the read started when Processing was applied");
        prefetch.FromStorage.ShouldBe(0, "stock Hangfire.PostgreSql reads no record with the job");
        app.Service<JobCompletion>().Pending.ShouldBe(0, "the outcome handed over was written");
    }
}
