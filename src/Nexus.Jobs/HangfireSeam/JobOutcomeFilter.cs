using System.Text.Json;
using Dapper;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Execution;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>Writes the terminal outcome of failed and cancelled jobs onto our record, and ends the rest of a sequential batch.</summary>
/// <remarks>
/// Hangfire treats Failed as not final, so a continuation waiting on a failed job would wait forever; and when a
/// job is deleted, Hangfire deletes its continuations itself, through its static filter providers, so this filter
/// never sees those. Either way the filter of the job that ended the batch gives every later job the outcome
/// <c>cancelled</c> with a reason naming it. Each outcome write also queues the subject's callback delivery, if it has a
/// callback URL (see <see cref="CallbackOutbox"/>).
/// </remarks>
public sealed class JobOutcomeFilter(NpgsqlDataSource dataSource, IServiceProvider services, CallbackOutbox outbox, ILogger<JobOutcomeFilter> logger) : IApplyStateFilter
{
    /// <summary>Marks deletion reasons written by the platform: the text after it is the public reason.</summary>
    public const string ReasonPrefix = "nexus: ";

    /// <summary>Marks deletions the platform makes because an earlier job of the batch ended the batch.</summary>
    public const string CascadePrefix = "nexus-cascade: ";

    private const string JobSql = """
        select j.id as Id, j.batch_id as BatchId, j.batch_position as Position, coalesce(b.sequential, false) as Sequential,
               j.callback_url as CallbackUrl
        from nexus.ai_jobs j left join nexus.ai_batches b on b.id = j.batch_id
        where j.id = @Id
        """;

    private static readonly JobOutcomeStatement FailSql = CallbackOutbox.JobOutcome("""
        update nexus.ai_jobs
        set outcome = 'failed', error = @Error::jsonb, retry_count = @RetryCount, completed_at = @Now,
            started_at = coalesce(started_at,
                (select max(s.createdat) from hangfire.state s where s.jobid = @HangfireId and s.name = 'Processing'))
        where id = @Id and outcome is null
        """, CallbackEvents.JobFailed);

    private static readonly JobOutcomeStatement CancelSql = CallbackOutbox.JobOutcome("""
        update nexus.ai_jobs
        set outcome = 'cancelled', error = @Error::jsonb, completed_at = @Now
        where id = @Id and (outcome is null or outcome = 'failed')
        """, CallbackEvents.JobCancelled);

    // In a sequential batch nothing after a failed or cancelled job can ever start (each waits for its predecessor
    // to succeed), so their outcomes are final and written here, whoever deletes their Hangfire jobs.
    // The jobs of a batch share the batch's callback URL.
    private static readonly JobOutcomeStatement CancelLaterSql = CallbackOutbox.JobOutcome("""
        update nexus.ai_jobs
        set outcome = 'cancelled', error = @Error::jsonb, completed_at = @Now
        where batch_id = @BatchId and batch_position > @Position and outcome is null
        """, CallbackEvents.JobCancelled);

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        var job = context.BackgroundJob.Job;
        if (JobArguments.Run(job) is { } run)
        {
            OnRunStateApplied(context, run.RunId);
            return;
        }
        if (JobArguments.AiJob(job) is not { JobId: var jobId })
        {
            return;
        }
        switch (context.NewState)
        {
            case FailedState failed:
                NexusTelemetry.Failed.Add(1, NexusTelemetry.Tags(job));
                OnFailed(context, jobId, failed);
                break;
            case DeletedState deleted:
                if (context.OldStateName != FailedState.StateName)
                {
                    NexusTelemetry.Cancelled.Add(1, NexusTelemetry.Tags(job));
                }
                OnDeleted(context, jobId, deleted);
                break;
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }

    // A cancelled run reads failed, so both report compounding_run.failed.
    private static readonly string RunFailSql = CallbackOutbox.RunOutcomeSql("""
        update nexus.compounding_runs
        set outcome = @Outcome, error_details = @Details::jsonb, completed_at = @Now,
            duration_ms = (extract(epoch from (@Now - created_at)) * 1000)::bigint
        where id = @Id and outcome is null
        """, CallbackEvents.RunFailed);

    private void OnRunStateApplied(ApplyStateContext context, Guid runId)
    {
        string outcome, details;
        switch (context.NewState)
        {
            case FailedState failed:
                _ = int.TryParse(context.Connection.GetJobParameter(context.BackgroundJob.Id, "RetryCount"), out var retries);
                outcome = "failed";
                details = Compounding.RunErrors.Details(failed.Exception, retries + 1);
                break;
            case DeletedState deleted when context.OldStateName != FailedState.StateName:
                outcome = "cancelled";
                details = JsonSerializer.Serialize(new
                {
                    code = JobErrorCodes.Cancelled,
                    message = string.IsNullOrEmpty(deleted.Reason) ? "Deleted by an operator" : $"Deleted by an operator: {deleted.Reason}",
                    exception_type = (string?)null,
                    attempt = 0,
                });
                break;
            default:
                return;
        }
        Guid? delivery;
        using (var connection = dataSource.OpenConnection())
        {
            delivery = connection.ExecuteScalar<Guid?>(RunFailSql, new { Id = runId, Outcome = outcome, Details = details, Now = Clock.UtcNowMicros() });
        }
        outbox.AfterRunOutcome(delivery);
    }

    private void OnFailed(ApplyStateContext context, string jobId, FailedState failed)
    {
        var code = failed.Exception is JobFailureException j ? j.Code : JobErrorCodes.HandlerError;
        _ = int.TryParse(context.Connection.GetJobParameter(context.BackgroundJob.Id, "RetryCount"), out var retryCount);
        var error = JsonSerializer.Serialize(new { code, message = failed.Exception.Message, retry_count = retryCount });
        List<JobOutcomeRow> ended;
        (List<long> Later, string Reason)? cascade = null;
        using (var connection = dataSource.OpenConnection())
        {
            var record = connection.QuerySingleOrDefault<JobRow>(JobSql, new { Id = jobId });
            ended = connection.Query<JobOutcomeRow>(FailSql.For(record?.CallbackUrl), new
            {
                Id = jobId, Error = error, RetryCount = retryCount, Now = Clock.UtcNowMicros(),
                HangfireId = long.Parse(context.BackgroundJob.Id, System.Globalization.CultureInfo.InvariantCulture),
            }).AsList();
            if (record is { Sequential: true, BatchId: not null })
            {
                cascade = CancelLaterJobs(connection, record, $"Cancelled because {jobId} (job {record.Position + 1} of {record.BatchId}) failed", ended);
            }
        }
        outbox.AfterJobOutcomes(ended);
        DeleteAwaiting(cascade);
    }

    private void OnDeleted(ApplyStateContext context, string jobId, DeletedState deleted)
    {
        if (context.OldStateName == FailedState.StateName)
        {
            // Removing a failed job from the dashboard does not make it cancelled: failed is final for clients.
            return;
        }
        var reason = deleted.Reason ?? "";
        string publicReason;
        var cascaded = false;
        if (reason.StartsWith(CascadePrefix, StringComparison.Ordinal))
        {
            publicReason = reason[CascadePrefix.Length..];
            cascaded = true;
        }
        else if (reason.StartsWith(ReasonPrefix, StringComparison.Ordinal))
        {
            publicReason = reason[ReasonPrefix.Length..];
        }
        else
        {
            publicReason = string.IsNullOrEmpty(reason) ? "Deleted by an operator" : $"Deleted by an operator: {reason}";
        }

        var error = JsonSerializer.Serialize(new { code = JobErrorCodes.Cancelled, message = publicReason });
        List<JobOutcomeRow> ended;
        (List<long> Later, string Reason)? cascade = null;
        using (var connection = dataSource.OpenConnection())
        {
            var record = connection.QuerySingleOrDefault<JobRow>(JobSql, new { Id = jobId });
            if (record is null)
            {
                return;
            }
            ended = connection.Query<JobOutcomeRow>(CancelSql.For(record.CallbackUrl), new { Id = jobId, Error = error, Now = Clock.UtcNowMicros() }).AsList();
            if (record is { Sequential: true, BatchId: not null })
            {
                cascade = CancelLaterJobs(connection, record, cascaded
                    ? publicReason
                    : $"Cancelled because {jobId} (job {record.Position + 1} of {record.BatchId}) was cancelled", ended);
            }
        }
        outbox.AfterJobOutcomes(ended);
        DeleteAwaiting(cascade);
    }

    /// <summary>Writes <c>cancelled</c> for every later job of the batch (adding them to <paramref name="ended"/>); returns their Hangfire jobs.</summary>
    private static (List<long> Later, string Reason) CancelLaterJobs(NpgsqlConnection connection, JobRow record, string reason, List<JobOutcomeRow> ended)
    {
        var error = JsonSerializer.Serialize(new { code = JobErrorCodes.Cancelled, message = reason });
        var later = connection.Query<JobOutcomeRow>(CancelLaterSql.For(record.CallbackUrl), new { record.BatchId, record.Position, Error = error, Now = Clock.UtcNowMicros() }).AsList();
        ended.AddRange(later);
        return (later.Select(r => r.HangfireJobId).ToList(), reason);
    }

    private void DeleteAwaiting((List<long> Later, string Reason)? cascade)
    {
        if (cascade is not { Later.Count: > 0 } c)
        {
            return;
        }
        // Hangfire leaves continuations of a failed job Awaiting forever (Failed is not final there): end them.
        // Those Hangfire already deleted (a deleted parent's continuations) are not Awaiting and are left as they are.
        var client = services.GetRequiredService<IBackgroundJobClient>();
        foreach (var hangfireId in c.Later)
        {
            var changed = client.ChangeState(hangfireId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new DeletedState { Reason = CascadePrefix + c.Reason }, AwaitingState.StateName);
            if (!changed)
            {
                logger.LogDebug("Batch job {HangfireId} was no longer awaiting; left as it is", hangfireId);
            }
        }
    }

    private sealed record JobRow(string Id, string? BatchId, int? Position, bool Sequential, string? CallbackUrl);

}
