using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Execution;

/// <summary>Runs a job on the remote worker fleet: POSTs the job, takes <c>{"result": {...}}</c> back.</summary>
/// <remarks>CONTRACT "Where the AI jobs run". Retries are not done here: a failure is thrown and the type's retry policy decides.</remarks>
public sealed class RemoteWorkerExecutor(HttpClient http)
{
    public const string HttpClientName = "remote-workers";

    public async Task<JsonObject> ExecuteAsync(JobExecution job, RemoteWorkerOptions worker, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["job_id"] = job.JobId,
            ["type"] = job.Type,
            ["params"] = job.Params.DeepClone(),
            ["workspace_id"] = job.WorkspaceId,
            ["attempt"] = job.Attempt,
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(worker.TimeoutSeconds));
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(worker.Url, JsonBody.Create(body), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new JobFailureException(JobErrorCodes.WorkerTimeout,
                $"Worker did not respond within the timeout window ({worker.TimeoutSeconds} s)");
        }
        catch (HttpRequestException e)
        {
            throw new JobFailureException(JobErrorCodes.WorkerError, $"Worker unreachable: {e.Message}", e);
        }

        using (response)
        {
            string text;
            try
            {
                text = await response.Content.ReadAsStringAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new JobFailureException(JobErrorCodes.WorkerTimeout,
                    $"Worker did not respond within the timeout window ({worker.TimeoutSeconds} s)");
            }
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var message = $"Worker answered {(int)response.StatusCode}: {Truncate(text)}";
                // A 4xx says the request itself is wrong: sending it again cannot help (408 and 429 excepted).
                var status = (int)response.StatusCode;
                if (status is >= 400 and < 500 && status is not 408 and not 429)
                {
                    throw new PermanentJobFailureException(JobErrorCodes.WorkerError, message);
                }
                throw new JobFailureException(JobErrorCodes.WorkerError, message);
            }
            try
            {
                if (JsonNode.Parse(text) is JsonObject root && root["result"] is JsonObject result)
                {
                    return (JsonObject)result.DeepClone();
                }
            }
            catch (JsonException)
            {
                // reported below
            }
            throw new JobFailureException(JobErrorCodes.WorkerBadResponse,
                $"Worker answered 200 without a JSON object body holding a \"result\" object: {Truncate(text)}");
        }
    }

    private static string Truncate(string s) => s.Length <= 500 ? s : s[..500] + "…";
}
