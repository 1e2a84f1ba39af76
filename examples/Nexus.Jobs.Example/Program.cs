using System.Text.Json.Nodes;
using Nexus.Jobs.Client;

namespace Nexus.Jobs.Example;

/// <summary>Dispatch an AI job, wait for its outcome, print it.</summary>
public static class ReadmeExample
{
    /// <summary>dotnet run --project examples/Nexus.Jobs.Example -- http://127.0.0.1:5080 "$KEY"</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 2)
        {
            await Console.Error.WriteLineAsync("usage: Nexus.Jobs.Example <base url> <api key>");
            return 64;
        }
        using var client = NexusJobsClient.Create(new Uri(args[0]), args[1]);
        return await RunAsync(client, Console.Out);
    }

    /// <summary>The example itself (the tests run it against the service in-process).</summary>
    public static async Task<int> RunAsync(NexusJobsClient client, TextWriter output, CancellationToken cancellationToken = default)
    {
        try
        {
            var request = new DispatchJobRequest(
                JobTypes.PricingRecalculate,
                new JsonObject { ["skus"] = new JsonArray("SKU-001", "SKU-002"), ["marketplace"] = "amazon_us", ["apply"] = false },
                JobPriority.High);
            // Keep the key with the request: sending it again with the same key cannot queue the job twice.
            var job = await client.AiJobs.DispatchAsync(request, NexusJobsClient.NewIdempotencyKey(), cancellationToken);
            await output.WriteLineAsync($"Dispatched {job.Id} ({job.Status}), expected by {job.EstimatedCompletionAt:u}");

            // Completed, failed or cancelled: a failed job is a result, not an exception.
            var done = await client.AiJobs.WaitForCompletionAsync(job.Id, TimeSpan.FromMinutes(2), cancellationToken);
            if (done.Status == JobStatus.Completed)
            {
                await output.WriteLineAsync($"Completed in {done.DurationSeconds} s: {done.Result}");
                return 0;
            }
            await output.WriteLineAsync($"Ended {done.Status}: {done.Error?.Code} {done.Error?.Message}");
            return 1;
        }
        catch (NexusApiException e) when (e.RetryAfter is { } wait)
        {
            // 429 QUEUE_FULL or RATE_LIMITED, 503 SERVICE_UNAVAILABLE: the client never retries; the caller decides when.
            await output.WriteLineAsync($"{e.Code}: try again in {wait.TotalSeconds} s");
            return 3;
        }
        catch (NexusApiException e)
        {
            await output.WriteLineAsync($"{(int)e.Status} {e.Code}: {e.Detail}");
            foreach (var (field, messages) in e.Errors)
            {
                await output.WriteLineAsync($"  {field}: {string.Join("; ", messages)}");
            }
            return 2;
        }
        catch (TimeoutException e)
        {
            // The wait ran out; the job goes on and can be read again later with GetAsync.
            await output.WriteLineAsync(e.Message);
            return 4;
        }
    }
}
