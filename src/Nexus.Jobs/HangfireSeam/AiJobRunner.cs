using System.ComponentModel;
using System.Text.Json.Nodes;
using Dapper;
using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.Logging;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Execution;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>The Hangfire entry point of every AI job: takes the record (read by <see cref="JobRecordPrefetch"/>), runs the executor, records the result.</summary>
public sealed class AiJobRunner(JobRecordPrefetch records, NpgsqlDataSource dataSource, JobExecutors executors, CallbackOutbox outbox, ILogger<AiJobRunner> logger)
{
    // 'failed' may be overwritten: an operator can requeue a failed job from the dashboard.
    private static readonly JobOutcomeStatement CompleteSql = CallbackOutbox.JobOutcome("""
        update nexus.ai_jobs
        set outcome = 'completed', result = @Result::json, error = null,
            started_at = @StartedAt, completed_at = @CompletedAt, retry_count = @RetryCount
        where id = @Id and (outcome is null or outcome = 'failed')
        """, CallbackEvents.JobCompleted);

    /// <summary>Runs the job. The arguments after <paramref name="jobId"/> are for the dashboard's benefit.</summary>
    [DisplayName("{1} {0} (workspace {2})")]
    public async Task RunAsync(string jobId, string type, long workspaceId, PerformContext? context, CancellationToken cancellationToken)
    {
        var startedAt = Clock.UtcNowMicros();
        var hangfireId = long.TryParse(context?.BackgroundJob.Id, System.Globalization.CultureInfo.InvariantCulture, out var h) ? h : 0;
        var row = await records.TakeAsync(jobId, hangfireId, cancellationToken).WaitAsync(cancellationToken);
        if (row is null)
        {
            // Cannot happen while the record and the Hangfire job are created in one transaction.
            throw new PermanentJobFailureException(JobErrorCodes.HandlerError, $"No record for {jobId}");
        }
        if (row.Outcome is StatusMapping.OutcomeCompleted or StatusMapping.OutcomeCancelled)
        {
            // Delivered again after it finished (at-least-once): the first run's outcome stands.
            logger.LogInformation("Job {JobId} already {Outcome}; not running it again", jobId, row.Outcome);
            return;
        }

        var retryCount = int.TryParse(row.RetryCount?.Trim('"'), System.Globalization.CultureInfo.InvariantCulture, out var retries) ? retries : 0;
        var parameters = JsonNode.Parse(row.Params) as JsonObject ?? [];
        var execution = new JobExecution(jobId, row.Type, row.WorkspaceId, parameters, retryCount + 1);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = jobId, ["WorkspaceId"] = row.WorkspaceId, ["JobType"] = row.Type });

        var result = await executors.ExecuteAsync(execution, cancellationToken);

        List<JobOutcomeRow> ended;
        await using (var connection = await dataSource.OpenConnectionAsync(CancellationToken.None))
        {
            // Not cancellable: the work is done, and losing its result to a shutdown would mean doing it again.
            ended = (await connection.QueryAsync<JobOutcomeRow>(CompleteSql.For(row.CallbackUrl), new
            {
                Id = jobId,
                Result = result.ToJsonString(),
                StartedAt = startedAt,
                CompletedAt = Clock.UtcNowMicros(),
                RetryCount = retryCount,
            })).AsList();
        }
        outbox.AfterJobOutcomes(ended);
    }
}
