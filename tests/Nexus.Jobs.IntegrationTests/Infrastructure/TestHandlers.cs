using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Nexus.Jobs.AiJobs;
using Nexus.Jobs.Execution;

namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>
/// Built-in handlers for tests, one per job type, scripted by the job's first SKU so that tests sharing a host stay
/// independent: <c>ok-*</c> completes, <c>fail-*</c> fails every attempt, <c>flaky-*</c> fails the first attempt,
/// <c>block-*</c> waits until the test releases that SKU, <c>flakyblock-*</c> fails once and then waits.
/// </summary>
public sealed class ScriptedHandler(string type) : IJobHandler
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    /// <summary>Job ids in the order their execution started (every attempt).</summary>
    public static readonly ConcurrentQueue<(string JobId, int Attempt, DateTime At)> Started = new();

    public string Type { get; } = type;

    public static IEnumerable<IJobHandler> All() => JobTypes.All.Select(t => new ScriptedHandler(t.Name));

    public static void Release(string sku) => Gate(sku).TrySetResult();

    public static bool Ran(string jobId) => Started.Any(s => s.JobId == jobId);

    public static IReadOnlyList<string> StartOrder(IEnumerable<string> jobIds)
    {
        var wanted = jobIds.ToHashSet();
        return Started.Where(s => wanted.Contains(s.JobId)).Select(s => s.JobId).ToList();
    }

    public async Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken)
    {
        Started.Enqueue((job.JobId, job.Attempt, DateTime.UtcNow));
        var sku = job.Params["skus"]?.AsArray().FirstOrDefault()?.GetValue<string>() ?? "ok";
        if (sku.StartsWith("block-", StringComparison.Ordinal))
        {
            await Gate(sku).Task.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
        }
        else if (sku.StartsWith("fail-", StringComparison.Ordinal))
        {
            throw new JobFailureException("TEST_FAILURE", $"scripted failure on attempt {job.Attempt}");
        }
        else if (sku.StartsWith("flakyblock-", StringComparison.Ordinal))
        {
            if (job.Attempt == 1)
            {
                throw new JobFailureException("TEST_FLAKE", "scripted failure on the first attempt");
            }
            await Gate(sku).Task.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
        }
        else if (sku.StartsWith("flaky-", StringComparison.Ordinal) && job.Attempt == 1)
        {
            throw new JobFailureException("TEST_FLAKE", "scripted failure on the first attempt");
        }
        return new JsonObject { ["handled_by"] = "test", ["sku"] = sku, ["attempt"] = job.Attempt };
    }

    private static TaskCompletionSource Gate(string sku) =>
        Gates.GetOrAdd(sku, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
