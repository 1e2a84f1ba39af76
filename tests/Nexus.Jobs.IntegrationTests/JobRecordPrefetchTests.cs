using System.Globalization;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Nexus.Jobs.HangfireSeam;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.IntegrationTests;

public sealed class JobRecordPrefetchTests
{
    [Fact]
    public async Task TheWorkerReadsTheRecordWhenItTakesTheJob_AndTheRunUsesThatRead()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var prefetch = app.Service<JobRecordPrefetch>();
        var (before, fromStorageBefore) = (prefetch.Taken, prefetch.FromStorage);

        var id = await api.DispatchAsync(ApiClient.Pricing("ok-prefetch"));

        var job = await api.ShouldReachStatus(id, "completed");
        job.GetProperty("result").GetProperty("sku").GetString().ShouldBe("ok-prefetch", "the run got the job's params from the read");
        prefetch.Taken.ShouldBeGreaterThan(before, "the run took the read started when Processing was applied");
        prefetch.FromStorage.ShouldBeGreaterThan(fromStorageBefore, "the platform storage read the record with the fetched job");
    }

    [Fact]
    public async Task ACompletedJobsOutcome_CommitsWithItsSucceededState()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("ok-one-commit"));
        await api.ShouldReachStatus(id, "completed");

        // xmin is the transaction that wrote a row: the record's outcome and Hangfire's Succeeded state share it.
        var writers = await app.QueryAsync<string>("""
            select j.xmin::text || ' ' || s.xmin::text from nexus.ai_jobs j
            join hangfire.state s on s.jobid = j.hangfire_job_id and s.name = 'Succeeded'
            where j.id = @Id
            """, new { Id = id });
        var (record, succeeded) = (writers.Split(' ')[0], writers.Split(' ')[1]);
        record.ShouldBe(succeeded, "the outcome was written in the Succeeded transaction");
        app.Service<JobCompletion>().Pending.ShouldBe(0, "the outcome handed over was taken");
    }

    [Fact]
    public async Task AJobDeliveredAgainAfterItCompleted_IsNotRunAgain()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("ok-delivered-again"));
        var first = await api.ShouldReachStatus(id, "completed");
        var hangfireId = await app.QueryAsync<long>("select hangfire_job_id from nexus.ai_jobs where id = @Id", new { Id = id });

        // At-least-once delivery: Hangfire runs the job again although our record says it completed.
        app.Service<IBackgroundJobClient>().Requeue(hangfireId.ToString(CultureInfo.InvariantCulture)).ShouldBeTrue();
        await Eventually.Until(
            () => app.QueryAsync<long>("select count(*) from hangfire.state where jobid = @H and name = 'Succeeded'", new { H = hangfireId }),
            succeeded => succeeded == 2, what: "the second delivery to succeed");

        ScriptedHandler.Started.Count(s => s.JobId == id).ShouldBe(1, "the handler ran for the first delivery only");
        var again = await api.JobAsync(id);
        again.GetProperty("status").GetString().ShouldBe("completed");
        again.GetProperty("completed_at").GetDateTime().ShouldBe(first.GetProperty("completed_at").GetDateTime());
    }

    [Fact]
    public async Task AReadNoRunTakes_IsDroppedOnceAbandoned_AndARunWithoutOneReadsForItself()
    {
        var app = await NexusApp.SharedAsync();
        var prefetch = new JobRecordPrefetch(app.Service<Npgsql.NpgsqlDataSource>()) { AbandonAfter = TimeSpan.Zero };
        var storage = app.Service<JobStorage>();
        using var connection = storage.GetConnection();
        using var transaction = connection.CreateWriteTransaction(); // never committed: the filter only starts a read

        void TakeJob(long hangfireId, string jobId) => prefetch.OnStateApplied(new ApplyStateContext(storage, connection, transaction,
            new BackgroundJob(hangfireId.ToString(CultureInfo.InvariantCulture), Job.FromExpression<AiJobRunner>(r => r.RunAsync(jobId, "pricing_recalculate", 1, null, CancellationToken.None)), DateTime.UtcNow),
            new Taken(), EnqueuedState.StateName), transaction);

        TakeJob(-1, "job_never_run");
        prefetch.Pending.ShouldBe(1);
        TakeJob(-2, "job_never_run_either"); // the first read is older than AbandonAfter: dropped
        prefetch.Pending.ShouldBe(1);

        (await prefetch.TakeAsync("job_never_run", -1, CancellationToken.None)).ShouldBeNull("no such record; read afresh");
        prefetch.Taken.ShouldBe(0);
        (await prefetch.TakeAsync("job_never_run_either", -2, CancellationToken.None)).ShouldBeNull();
        prefetch.Taken.ShouldBe(1);
        prefetch.Pending.ShouldBe(0);
    }

    /// <summary>Processing as a worker applies it (Hangfire's own ProcessingState cannot be made outside Hangfire).</summary>
    private sealed class Taken : IState
    {
        public string Name => ProcessingState.StateName;

        public string? Reason => null;

        public bool IsFinal => false;

        public bool IgnoreJobLoadException => false;

        public Dictionary<string, string> SerializeData() => [];
    }
}
