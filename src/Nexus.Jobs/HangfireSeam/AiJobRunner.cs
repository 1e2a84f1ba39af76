using System.ComponentModel;
using System.Text.Json.Nodes;
using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.Logging;
using Nexus.Jobs.Execution;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>The Hangfire entry point of every AI job: takes the record (read by <see cref="JobRecordPrefetch"/>), runs the executor, hands the result to <see cref="JobCompletion"/>.</summary>
public sealed class AiJobRunner(JobRecordPrefetch records, JobExecutors executors, JobCompletion completion, ILogger<AiJobRunner> logger)
{
    /// <summary>Runs the job. The arguments after <paramref name="jobId"/> are for the dashboard's benefit.</summary>
    [DisplayName("{1} {0} (workspace {2})")]
    public async Task RunAsync(string jobId, string type, long workspaceId, PerformContext? context, CancellationToken cancellationToken)
    {
        var startedAt = Clock.UtcNowMicros();
        if (!long.TryParse(context?.BackgroundJob.Id, System.Globalization.CultureInfo.InvariantCulture, out var hangfireId))
        {
            throw new InvalidOperationException($"{jobId} was not run by a Hangfire worker (no job context)");
        }
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

        // Written with the Succeeded state Hangfire applies next, in its commit (see JobCompletion).
        completion.Completed(hangfireId, new CompletedJob(jobId, result.ToJsonString(), startedAt, Clock.UtcNowMicros(), retryCount, row.CallbackUrl));
    }
}
