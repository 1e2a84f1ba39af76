using System.Runtime.CompilerServices;

namespace Nexus.Jobs.Client;

/// <summary>Compounding: trigger a pipeline, read, list and watch runs, their callback deliveries, wait for one, and read what the pipelines produced.</summary>
public sealed class CompoundingApi
{
    private readonly NexusHttp _http;

    internal CompoundingApi(NexusHttp http) => _http = http;

    /// <summary><c>POST /v1/compounding/trigger</c>: run a pipeline now (scope <c>record.write</c>).</summary>
    /// <exception cref="NexusApiException">422 <c>INVALID_JOB_TYPE</c> / <c>VALIDATION_FAILED</c>, and the other contract errors.</exception>
    public Task<TriggerAccepted> TriggerAsync(TriggerRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _http.PostAsync("v1/compounding/trigger", request, NexusJson.Default.TriggerRequest, NexusJson.Default.TriggerAccepted,
            idempotencyKey, cancellationToken);
    }

    /// <summary><c>GET /v1/compounding/jobs/{job_run_id}</c>: a run's status and counts (scope <c>record.read</c>).</summary>
    /// <exception cref="NexusApiException">404 <c>JOB_NOT_FOUND</c>.</exception>
    public Task<CompoundingRun> GetRunAsync(Guid runId, CancellationToken cancellationToken = default) =>
        _http.GetAsync($"v1/compounding/jobs/{runId:D}", NexusJson.Default.CompoundingRun, cancellationToken);

    /// <summary><c>GET /v1/compounding/jobs</c>: one page of the workspace's runs (on demand and scheduled), newest first.</summary>
    public Task<RunPage> ListRunsAsync(RunListQuery? query = null, CancellationToken cancellationToken = default) =>
        _http.GetAsync(RunsPath(query ?? new RunListQuery()), NexusJson.Default.RunPage, cancellationToken);

    /// <summary>Every run matching <paramref name="query"/>, newest first, reading page after page as the caller goes.</summary>
    public async IAsyncEnumerable<CompoundingRun> EnumerateRunsAsync(RunListQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var next = query ?? new RunListQuery();
        while (true)
        {
            var page = await ListRunsAsync(next, cancellationToken).ConfigureAwait(false);
            foreach (var run in page.Data)
            {
                yield return run;
            }
            if (page.NextCursor is null)
            {
                yield break;
            }
            next = next with { Cursor = page.NextCursor };
        }
    }

    /// <summary><c>GET /v1/compounding/jobs/{job_run_id}/callbacks</c>: the run's callback deliveries (none without a
    /// <c>callback_url</c>), each with every attempt (scope <c>record.read</c>).</summary>
    /// <exception cref="NexusApiException">404 <c>JOB_NOT_FOUND</c>.</exception>
    public async Task<IReadOnlyList<CallbackDelivery>> ListRunCallbacksAsync(Guid runId, CancellationToken cancellationToken = default) =>
        (await _http.GetAsync($"v1/compounding/jobs/{runId:D}/callbacks", NexusJson.Default.DataOfIReadOnlyListCallbackDelivery,
            cancellationToken).ConfigureAwait(false)).Data;

    /// <summary><c>GET /v1/compounding/jobs/{job_run_id}/events</c>: the run as <see cref="GetRunAsync"/> returns it, now and after
    /// every change, ending after it completed or failed.</summary>
    /// <remarks>As <see cref="AiJobsApi.WatchAsync"/>.</remarks>
    /// <exception cref="NexusApiException">The API refused (404 <c>JOB_NOT_FOUND</c>, 403...), when enumeration starts.</exception>
    /// <exception cref="HttpIOException">The stream closed before the run ended, or stalled.</exception>
    /// <exception cref="HttpRequestException">The answer was not an event stream.</exception>
    public IAsyncEnumerable<CompoundingRun> WatchRunAsync(Guid runId, CancellationToken cancellationToken = default) =>
        _http.WatchAsync($"v1/compounding/jobs/{runId:D}/events", NexusJson.Default.CompoundingRun, cancellationToken);

    /// <summary>Waits until the run is completed or failed and returns it as <see cref="GetRunAsync"/> does then.</summary>
    /// <param name="timeout">How long to wait in all; null waits until <paramref name="cancellationToken"/> is cancelled.</param>
    /// <remarks>A failed run is a result, not an exception: look at <see cref="CompoundingRun.Status"/> and <see cref="CompoundingRun.ErrorDetails"/>.
    /// Follows the run's event stream (<see cref="WatchRunAsync"/>), polling instead when that cannot be had or breaks.</remarks>
    /// <exception cref="NexusWaitTimeoutException">The timeout passed first (a <see cref="TimeoutException"/>); the run goes on.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public Task<CompoundingRun> WaitForCompletionAsync(Guid runId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CompletionWaiter.WaitAsync(ct => GetRunAsync(runId, ct), _http.Options.UseEventStreams ? ct => WatchRunAsync(runId, ct) : null,
            r => r.Status.IsTerminal, r => r.Status.Value, $"compounding run {runId:D}", timeout, _http.Backoff, _http.Options.TimeProvider, cancellationToken);

    /// <summary><c>GET /v1/patterns</c>: recurring themes, strongest first.</summary>
    /// <param name="status">active or inactive; null for both.</param>
    /// <param name="limit">1..500 (server default 100).</param>
    public async Task<IReadOnlyList<Pattern>> ListPatternsAsync(string? status = null, int? limit = null, CancellationToken cancellationToken = default) =>
        (await _http.GetAsync(new QueryBuilder("v1/patterns").Add("status", status).Add("limit", limit).ToString(),
            NexusJson.Default.DataOfIReadOnlyListPattern, cancellationToken).ConfigureAwait(false)).Data;

    /// <summary><c>GET /v1/playbooks</c>: if/then rules, most confident first.</summary>
    /// <param name="status">active or retired; null for both.</param>
    /// <param name="limit">1..500 (server default 100).</param>
    public async Task<IReadOnlyList<PlaybookRule>> ListPlaybooksAsync(string? status = null, int? limit = null, CancellationToken cancellationToken = default) =>
        (await _http.GetAsync(new QueryBuilder("v1/playbooks").Add("status", status).Add("limit", limit).ToString(),
            NexusJson.Default.DataOfIReadOnlyListPlaybookRule, cancellationToken).ConfigureAwait(false)).Data;

    /// <summary><c>GET /v1/compounding/metrics</c>: metrics snapshots, newest first.</summary>
    /// <param name="limit">1..500 (server default 20).</param>
    public async Task<IReadOnlyList<MetricsSnapshot>> ListMetricsAsync(int? limit = null, CancellationToken cancellationToken = default) =>
        (await _http.GetAsync(new QueryBuilder("v1/compounding/metrics").Add("limit", limit).ToString(),
            NexusJson.Default.DataOfIReadOnlyListMetricsSnapshot, cancellationToken).ConfigureAwait(false)).Data;

    internal static string RunsPath(RunListQuery query) => new QueryBuilder("v1/compounding/jobs")
        .Add("job_type", query.JobType)
        .Add("status", query.Status?.Value)
        .Add("limit", query.Limit)
        .Add("cursor", query.Cursor)
        .ToString();
}
