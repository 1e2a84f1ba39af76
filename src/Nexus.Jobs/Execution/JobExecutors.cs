using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Execution;

/// <summary>Chooses where a job type runs: the remote fleet when configured, else its built-in handler.</summary>
public sealed class JobExecutors(IEnumerable<IJobHandler> handlers, RemoteWorkerExecutor remote, IOptionsMonitor<AiJobsOptions> options)
{
    private readonly Dictionary<string, IJobHandler> _handlers = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);

    public Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken)
    {
        if (options.CurrentValue.RemoteWorkers.TryGetValue(job.Type, out var worker))
        {
            return remote.ExecuteAsync(job, worker, cancellationToken);
        }
        if (_handlers.TryGetValue(job.Type, out var handler))
        {
            return handler.ExecuteAsync(job, cancellationToken);
        }
        throw new PermanentJobFailureException(JobErrorCodes.HandlerNotConfigured,
            $"No built-in handler and no remote worker (AiJobs:RemoteWorkers:{job.Type}:Url) is configured for {job.Type}");
    }
}
