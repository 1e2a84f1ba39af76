using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Language;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Execution;

/// <summary>Chooses where a job type runs: the remote fleet when configured, else its built-in handler.</summary>
public sealed class JobExecutors(IEnumerable<IJobHandler> handlers, RemoteWorkerExecutor remote, IOptionsMonitor<AiJobsOptions> options)
{
    // The last registration of a type wins, as everywhere in DI, so a host can replace a built-in handler.
    private readonly Dictionary<string, IJobHandler> _handlers = handlers.GroupBy(h => h.Type, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    public Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken)
    {
        if (options.CurrentValue.RemoteWorkers.TryGetValue(job.Type, out var worker))
        {
            return remote.ExecuteAsync(job, worker, cancellationToken);
        }
        if (_handlers.TryGetValue(job.Type, out var handler))
        {
            return RunAsync(handler, job, cancellationToken);
        }
        throw new PermanentJobFailureException(JobErrorCodes.HandlerNotConfigured,
            $"No built-in handler and no remote worker (AiJobs:RemoteWorkers:{job.Type}:Url) is configured for {job.Type}");
    }

    private static async Task<JsonObject> RunAsync(IJobHandler handler, JobExecution job, CancellationToken cancellationToken)
    {
        try
        {
            return await handler.ExecuteAsync(job, cancellationToken);
        }
        catch (EmbeddingEndpointException e)
        {
            // A hosted embedding endpoint is a provider like the assistants: its failures carry the PROVIDER_* codes, and
            // one no retry can fix (a rejected model name or key) is not retried.
            var code = e.InnerException is OperationCanceledException ? JobErrorCodes.ProviderTimeout : JobErrorCodes.ProviderError;
            throw e.IsTransient ? new JobFailureException(code, e.Message, e) : new PermanentJobFailureException(code, e.Message, e);
        }
    }
}
