using System.Globalization;
using Dapper;
using Hangfire.States;
using Hangfire.Storage;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.HangfireSeam.HangfireStorage;
using Nexus.Jobs.Platform;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>A completed AI job's outcome, from its run to the Succeeded state that records it.</summary>
public sealed record CompletedJob(string JobId, string Result, DateTime StartedAt, DateTime CompletedAt, int RetryCount, string? CallbackUrl);

/// <summary>
/// Writes a completed AI job's outcome (result, times, retries, and its callback delivery) in the same commit as the
/// job's Succeeded state: <see cref="AiJobRunner"/> hands the outcome over when its work is done, and this filter adds it
/// to the Succeeded transaction.
/// </summary>
/// <remarks>
/// One commit instead of two, and no moment in which our record says completed while Hangfire still says Processing.
/// Should the Succeeded commit fail, neither is written and Hangfire runs the job again (at-least-once, as for any job
/// whose state change failed). A job whose Succeeded never comes (cancelled while it ran: Hangfire does not apply
/// Succeeded over Deleted) keeps the outcome its cancellation wrote. On stock Hangfire.PostgreSql (the escape hatch),
/// whose transaction takes no statement of ours, the outcome commits on its own connection just before Succeeded's.
/// </remarks>
public sealed class JobCompletion(NpgsqlDataSource dataSource, CallbackOutbox outbox) : IApplyStateFilter
{
    // 'failed' may be overwritten: an operator can requeue a failed job from the dashboard.
    private static readonly JobOutcomeStatement CompleteSql = CallbackOutbox.JobOutcome("""
        update nexus.ai_jobs
        set outcome = 'completed', result = @Result::json, error = null,
            started_at = @StartedAt, completed_at = @CompletedAt, retry_count = @RetryCount
        where id = @Id and (outcome is null or outcome = 'failed')
        """, CallbackEvents.JobCompleted);

    // Kept far longer than a read hand-over: Hangfire retries a failed Succeeded change up to ten times, each waiting up
    // to DistributedLockTimeout for the job's lock, and an outcome dropped before its Succeeded commits would leave the
    // job succeeded without its result. What is never taken (the job was cancelled while it ran) is small and rare.
    private readonly WorkerHandoff<CompletedJob> _completed = new() { AbandonAfter = TimeSpan.FromHours(1) };

    /// <summary>Test seam: outcomes handed over and not yet written or dropped.</summary>
    internal int Pending => _completed.Pending;

    /// <summary>Called by the run when its work is done: the outcome waits for the job's Succeeded state.</summary>
    public void Completed(long hangfireId, CompletedJob outcome) => _completed.Put(hangfireId, outcome.JobId, outcome);

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState.Name != SucceededState.StateName
            || JobArguments.AiJob(context.BackgroundJob.Job) is not { JobId: var jobId }
            || !long.TryParse(context.BackgroundJob.Id, CultureInfo.InvariantCulture, out var hangfireId)
            || !_completed.TryTake(hangfireId, jobId, out var outcome))
        {
            return;
        }
        var sql = CompleteSql.For(outcome.CallbackUrl);
        if (transaction is PlatformWriteTransaction platform)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<string>("Id", outcome.JobId));
            command.Parameters.Add(new NpgsqlParameter<string>("Result", outcome.Result));
            command.Parameters.Add(new NpgsqlParameter<DateTime>("StartedAt", NpgsqlDbType.TimestampTz) { TypedValue = outcome.StartedAt });
            command.Parameters.Add(new NpgsqlParameter<DateTime>("CompletedAt", NpgsqlDbType.TimestampTz) { TypedValue = outcome.CompletedAt });
            command.Parameters.Add(new NpgsqlParameter<int>("RetryCount", outcome.RetryCount));
            var ended = new List<JobOutcomeRow>(1);
            platform.AddFirst(command, reader =>
            {
                while (reader.Read())
                {
                    ended.Add(new JobOutcomeRow(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetGuid(2)));
                }
            }, () => outbox.AfterJobOutcomes(ended));
            return;
        }
        List<JobOutcomeRow> written;
        using (var connection = dataSource.OpenConnection())
        {
            written = connection.Query<JobOutcomeRow>(sql, new
            {
                Id = outcome.JobId, outcome.Result, outcome.StartedAt, outcome.CompletedAt, outcome.RetryCount,
            }).AsList();
        }
        outbox.AfterJobOutcomes(written);
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }
}
