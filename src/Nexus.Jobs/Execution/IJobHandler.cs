using System.Text.Json.Nodes;

namespace Nexus.Jobs.Execution;

/// <summary>What a handler is given: the job and which attempt this is (1 for the first).</summary>
public sealed record JobExecution(string JobId, string Type, long WorkspaceId, JsonObject Params, int Attempt);

/// <summary>Runs one AI job type. One implementation per type; the result becomes the job's <c>result</c>.</summary>
public interface IJobHandler
{
    /// <summary>The job type this handler runs, e.g. <c>pricing_recalculate</c>.</summary>
    string Type { get; }

    /// <summary>Does the work. Must honour <paramref name="cancellationToken"/> and be safe to run twice for one job.</summary>
    Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken);
}

/// <summary>A job failed with a code for the public <c>error</c>; retried per the type's policy.</summary>
public class JobFailureException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}

/// <summary>A failure that no retry can fix (a missing handler or provider, a request the worker rejects).</summary>
public sealed class PermanentJobFailureException(string code, string message, Exception? inner = null)
    : JobFailureException(code, message, inner);

/// <summary>Machine codes of job failures.</summary>
public static class JobErrorCodes
{
    public const string WorkerTimeout = "WORKER_TIMEOUT";
    public const string WorkerError = "WORKER_ERROR";
    public const string WorkerBadResponse = "WORKER_BAD_RESPONSE";
    public const string HandlerNotConfigured = "HANDLER_NOT_CONFIGURED";
    public const string HandlerError = "HANDLER_ERROR";
    public const string Cancelled = "CANCELLED";
    public const string ProviderError = "PROVIDER_ERROR";
    public const string ProviderTimeout = "PROVIDER_TIMEOUT";
}
