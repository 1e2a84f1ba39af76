using System.Runtime.CompilerServices;

namespace Nexus.Jobs.Client;

/// <summary>The AI Jobs API: dispatch, status, list, cancel, batches, callback deliveries, event streams, and waiting for an outcome.</summary>
public sealed class AiJobsApi
{
    private readonly NexusHttp _http;

    internal AiJobsApi(NexusHttp http) => _http = http;

    /// <summary><c>POST /api/ai-jobs</c>: queue one job (scope <c>ai-jobs:write</c>).</summary>
    /// <param name="idempotencyKey">Sent as <c>Idempotency-Key</c>: the same key and body within 24 h returns the first answer.</param>
    /// <exception cref="NexusApiException">422 <c>INVALID_JOB_TYPE</c> / <c>VALIDATION_FAILED</c> (see <see cref="NexusApiException.Errors"/>),
    /// 429 <c>QUEUE_FULL</c> (see <see cref="NexusApiException.RetryAfter"/>), and the other contract errors.</exception>
    public async Task<AcceptedJob> DispatchAsync(DispatchJobRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var accepted = await _http.PostAsync("api/ai-jobs", request, NexusJson.Default.DispatchJobRequest, NexusJson.Default.DataOfAcceptedJob,
            idempotencyKey, cancellationToken).ConfigureAwait(false);
        return accepted.Data;
    }

    /// <summary><c>GET /api/ai-jobs/{id}</c>: a job's status, timestamps, and its result or error.</summary>
    /// <exception cref="NexusApiException">404 <c>JOB_NOT_FOUND</c> for unknown ids and other workspaces' jobs.</exception>
    public async Task<Job> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await _http.GetAsync($"api/ai-jobs/{NexusHttp.Segment(jobId)}", NexusJson.Default.DataOfJob, cancellationToken).ConfigureAwait(false);
        return job.Data;
    }

    /// <summary><c>GET /api/ai-jobs</c>: one page of the workspace's jobs, newest first.</summary>
    public Task<JobPage> ListAsync(JobListQuery? query = null, CancellationToken cancellationToken = default) =>
        _http.GetAsync(ListPath(query ?? new JobListQuery()), NexusJson.Default.JobPage, cancellationToken);

    /// <summary>Every job matching <paramref name="query"/>, newest first, reading page after page as the caller goes.</summary>
    public async IAsyncEnumerable<Job> EnumerateAsync(JobListQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var next = query ?? new JobListQuery();
        while (true)
        {
            var page = await ListAsync(next, cancellationToken).ConfigureAwait(false);
            foreach (var job in page.Data)
            {
                yield return job;
            }
            if (page.NextCursor is null)
            {
                yield break;
            }
            next = next with { Cursor = page.NextCursor };
        }
    }

    /// <summary><c>DELETE /api/ai-jobs/{id}</c>: cancel a queued job (again for a cancelled one is fine).</summary>
    /// <exception cref="NexusApiException">409 <c>JOB_NOT_CANCELLABLE</c> once it is running, completed or failed; 404 <c>JOB_NOT_FOUND</c>.</exception>
    public Task CancelAsync(string jobId, CancellationToken cancellationToken = default) =>
        _http.DeleteAsync($"api/ai-jobs/{NexusHttp.Segment(jobId)}", cancellationToken);

    /// <summary><c>POST /api/ai-jobs/batch</c>: queue 1 to 20 jobs, all validated before any is queued.</summary>
    /// <exception cref="NexusApiException">422 <c>BATCH_TOO_LARGE</c>, <c>VALIDATION_FAILED</c> (fields such as <c>jobs[1].params.skus</c>), 429 <c>QUEUE_FULL</c>.</exception>
    /// <exception cref="ArgumentException">A job of the batch carries a <see cref="DispatchJobRequest.CallbackUrl"/>: a batch has one,
    /// <see cref="DispatchBatchRequest.CallbackUrl"/>, which applies to every job.</exception>
    public async Task<AcceptedBatch> DispatchBatchAsync(DispatchBatchRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Jobs is not null && request.Jobs.Any(j => j?.CallbackUrl is not null))
        {
            throw new ArgumentException("A job of a batch has no callback_url of its own: set DispatchBatchRequest.CallbackUrl, which applies to every job.", nameof(request));
        }
        var accepted = await _http.PostAsync("api/ai-jobs/batch", request, NexusJson.Default.DispatchBatchRequest, NexusJson.Default.DataOfAcceptedBatch,
            idempotencyKey, cancellationToken).ConfigureAwait(false);
        return accepted.Data;
    }

    /// <summary><c>GET /api/ai-jobs/batch/{batch_id}</c>: the batch's jobs in order, counts per status and an overall status.</summary>
    /// <exception cref="NexusApiException">404 <c>JOB_NOT_FOUND</c>.</exception>
    public async Task<Batch> GetBatchAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var batch = await _http.GetAsync($"api/ai-jobs/batch/{NexusHttp.Segment(batchId)}", NexusJson.Default.DataOfBatch, cancellationToken).ConfigureAwait(false);
        return batch.Data;
    }

    /// <summary><c>GET /api/ai-jobs/{id}/callbacks</c>: the job's callback deliveries (none without a <c>callback_url</c>), each with every attempt.</summary>
    /// <exception cref="NexusApiException">404 <c>JOB_NOT_FOUND</c>.</exception>
    public async Task<IReadOnlyList<CallbackDelivery>> ListCallbacksAsync(string jobId, CancellationToken cancellationToken = default) =>
        (await _http.GetAsync($"api/ai-jobs/{NexusHttp.Segment(jobId)}/callbacks", NexusJson.Default.DataOfIReadOnlyListCallbackDelivery,
            cancellationToken).ConfigureAwait(false)).Data;

    /// <summary><c>GET /api/ai-jobs/batch/{batch_id}/callbacks</c>: the batch's own delivery (<c>ai_job_batch.completed</c>, once all its
    /// jobs ended) with every attempt; each job's are at <see cref="ListCallbacksAsync"/>.</summary>
    /// <exception cref="NexusApiException">404 <c>JOB_NOT_FOUND</c>.</exception>
    public async Task<IReadOnlyList<CallbackDelivery>> ListBatchCallbacksAsync(string batchId, CancellationToken cancellationToken = default) =>
        (await _http.GetAsync($"api/ai-jobs/batch/{NexusHttp.Segment(batchId)}/callbacks", NexusJson.Default.DataOfIReadOnlyListCallbackDelivery,
            cancellationToken).ConfigureAwait(false)).Data;

    /// <summary><c>GET /api/ai-jobs/{id}/events</c>: the job as <see cref="GetAsync"/> returns it, now and after every change,
    /// ending after its terminal state (completed, failed or cancelled).</summary>
    /// <remarks>One request for the whole watch (Server-Sent Events); the server looks for changes every 250 ms. A job that
    /// has already ended yields once. Cancel with the token (or <c>WithCancellation</c>), or stop enumerating, to close it.</remarks>
    /// <exception cref="NexusApiException">The API refused (404 <c>JOB_NOT_FOUND</c>, 403...), when enumeration starts.</exception>
    /// <exception cref="HttpIOException">The stream closed before the job ended, or sent nothing for
    /// <see cref="NexusJobsClientOptions.EventStreamIdleTimeout"/>; <see cref="WaitForCompletionAsync"/> recovers from that by polling.</exception>
    /// <exception cref="HttpRequestException">The answer was not an event stream (something in between answered instead).</exception>
    public IAsyncEnumerable<Job> WatchAsync(string jobId, CancellationToken cancellationToken = default) =>
        _http.WatchAsync($"api/ai-jobs/{NexusHttp.Segment(jobId)}/events", NexusJson.Default.Job, cancellationToken);

    /// <summary><c>GET /api/ai-jobs/batch/{batch_id}/events</c>: the batch as <see cref="GetBatchAsync"/> returns it, now and after every
    /// change of any of its jobs, ending once its overall status is completed, failed or cancelled.</summary>
    /// <remarks>As <see cref="WatchAsync"/>.</remarks>
    /// <exception cref="NexusApiException">The API refused (404 <c>JOB_NOT_FOUND</c>, 403...), when enumeration starts.</exception>
    /// <exception cref="HttpIOException">The stream closed before the batch ended, or stalled.</exception>
    /// <exception cref="HttpRequestException">The answer was not an event stream.</exception>
    public IAsyncEnumerable<Batch> WatchBatchAsync(string batchId, CancellationToken cancellationToken = default) =>
        _http.WatchAsync($"api/ai-jobs/batch/{NexusHttp.Segment(batchId)}/events", NexusJson.Default.Batch, cancellationToken);

    /// <summary>Waits until the job is completed, failed or cancelled, and returns it as <see cref="GetAsync"/> does then.</summary>
    /// <param name="timeout">How long to wait in all; null waits until <paramref name="cancellationToken"/> is cancelled.</param>
    /// <remarks>A failed or cancelled job is a result, not an exception: look at <see cref="Job.Status"/> and <see cref="Job.Error"/>.
    /// Follows the job's event stream (<see cref="WatchAsync"/>); if that cannot be had or breaks, reads the job instead, backing
    /// off from <see cref="NexusJobsClientOptions.PollInitialDelay"/> to <see cref="NexusJobsClientOptions.PollMaxDelay"/>
    /// (<see cref="NexusJobsClientOptions.UseEventStreams"/>).</remarks>
    /// <exception cref="NexusWaitTimeoutException">The timeout passed first (a <see cref="TimeoutException"/>); the job goes on.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    /// <exception cref="NexusApiException">A read failed (e.g. 404 for an unknown id); the client does not retry it.</exception>
    public Task<Job> WaitForCompletionAsync(string jobId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CompletionWaiter.WaitAsync(ct => GetAsync(jobId, ct), _http.Options.UseEventStreams ? ct => WatchAsync(jobId, ct) : null,
            j => j.Status.IsTerminal, j => j.Status.Value, $"job {jobId}", timeout, _http.Backoff, _http.Options.TimeProvider, cancellationToken);

    /// <summary>Waits until every job of the batch has ended (overall status completed, failed or cancelled) and returns the batch.</summary>
    /// <param name="timeout">How long to wait in all; null waits until <paramref name="cancellationToken"/> is cancelled.</param>
    /// <remarks>Follows the batch's event stream (<see cref="WatchBatchAsync"/>), polling instead when that cannot be had or breaks.</remarks>
    /// <exception cref="NexusWaitTimeoutException">The timeout passed first (a <see cref="TimeoutException"/>); the batch goes on.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public Task<Batch> WaitForBatchCompletionAsync(string batchId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CompletionWaiter.WaitAsync(ct => GetBatchAsync(batchId, ct), _http.Options.UseEventStreams ? ct => WatchBatchAsync(batchId, ct) : null,
            b => b.Status.IsTerminal, b => b.Status.Value, $"batch {batchId}", timeout, _http.Backoff, _http.Options.TimeProvider, cancellationToken);

    internal static string ListPath(JobListQuery query) => new QueryBuilder("api/ai-jobs")
        .Add("type", query.Type)
        .Add("status", query.Status?.Value)
        .Add("start_date", query.StartDate)
        .Add("end_date", query.EndDate)
        .Add("limit", query.Limit)
        .Add("cursor", query.Cursor)
        .ToString();
}
