using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Api.Callbacks;
using Nexus.Jobs.Api.Auth;
using Nexus.Jobs.Api.Errors;
using Nexus.Jobs.Api.Events;
using Nexus.Jobs.Api.Http;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Api.AiJobs;

/// <summary>The AI Jobs API (seed 002): dispatch, status, list, cancel and batches.</summary>
[ApiController]
[Route("api/ai-jobs")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, Problems.ContentType)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, Problems.ContentType)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, Problems.ContentType)]
public sealed class AiJobsController(
    JobDispatcher dispatcher, JobStatusReader reader, JobCanceller canceller, CallbackSecrets secrets, CallbackDeliveryReader deliveries,
    Representations representations, IOptions<CallbackOptions> callbackOptions) : ControllerBase
{
    /// <summary>Dispatch a job</summary>
    /// <remarks>
    /// Queues one job in its priority queue (high before normal before low) and answers 202 at once.
    /// With <c>callback_url</c> (absolute http or https, at most 2048 characters, no user:password@; the workspace needs a
    /// callback secret first, see <c>POST /v1/callbacks/secret</c>) the job's terminal state is POSTed there, signed:
    /// event <c>ai_job.completed</c>, <c>ai_job.failed</c> or <c>ai_job.cancelled</c>, <c>data</c> as this job's GET.
    /// Scope <c>ai-jobs:write</c>. Honours <c>Idempotency-Key</c>.
    /// Errors: 400 MALFORMED_REQUEST, 413 PAYLOAD_TOO_LARGE, 415 MALFORMED_REQUEST, 422 INVALID_JOB_TYPE /
    /// VALIDATION_FAILED / IDEMPOTENCY_CONFLICT, 409 IDEMPOTENCY_IN_FLIGHT, 429 QUEUE_FULL (with Retry-After).
    /// </remarks>
    [HttpPost]
    [Authorize(Policy = Policies.AiJobsWrite)]
    [Idempotent]
    [Consumes(typeof(DispatchJobRequest), "application/json")]
    [ProducesResponseType<Envelope<AcceptedJobDto>>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, Problems.ContentType)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status429TooManyRequests, Problems.ContentType)]
    [EndpointName("dispatchJob")]
    public async Task<IActionResult> Dispatch()
    {
        // The body is parsed by hand (RequestJson) for precise errors; [Consumes] documents its shape.
        var (body, problem) = await RequestJson.ObjectAsync(HttpContext);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new AiJobRequests.Errors();
        var (job, callbackUrl) = AiJobRequests.ParseDispatch(body, errors, callbackOptions.Value.AllowPrivateNetworks);
        if (errors.Fields.Count > 0 || job is null)
        {
            return Problems.Validation(HttpContext, errors.UnknownType ? ErrorCodes.InvalidJobType : ErrorCodes.ValidationFailed, errors.Fields);
        }
        if (callbackUrl is not null && !await secrets.ExistsAsync(User.WorkspaceId(), HttpContext.RequestAborted))
        {
            return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, CallbackRequests.NoSecret());
        }
        var result = await dispatcher.DispatchAsync(User.WorkspaceId(), [job], DispatchMode.Single, HttpContext.RequestAborted, callbackUrl);
        if (result is DispatchResult.QueueFull full)
        {
            return QueueFull(full);
        }
        var accepted = ((DispatchResult.Accepted)result).Jobs[0];
        Response.Headers.Location = $"/api/ai-jobs/{accepted.Id}";
        return StatusCode(StatusCodes.Status202Accepted, new Envelope<AcceptedJobDto>(new AcceptedJobDto(
            accepted.Id, accepted.Type, JobStatus.Queued.Name(), accepted.Priority.Name(), JobDto.Parse(accepted.Params),
            accepted.CreatedAt, accepted.EstimatedCompletionAt, callbackUrl)));
    }

    /// <summary>Get a job's status</summary>
    /// <remarks>
    /// Status is queued (waiting, waiting for a retry, or waiting on an earlier batch job), running, completed (with
    /// <c>result</c>), failed (after all retries, with <c>error</c>) or cancelled (with <c>error.code</c> CANCELLED and the
    /// reason). Scope <c>ai-jobs:read</c> or any read scope. Another workspace's id answers 404 JOB_NOT_FOUND.
    /// </remarks>
    [HttpGet("{id}")]
    [Authorize(Policy = Policies.AiJobsRead)]
    [ProducesResponseType<Envelope<JobDto>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, Problems.ContentType)]
    [EndpointName("getJob")]
    public async Task<IActionResult> Get(string id)
    {
        var job = PublicIds.IsJobId(id) ? await reader.GetAsync(User.WorkspaceId(), id, HttpContext.RequestAborted) : null;
        return job is null ? JobNotFound(id) : Ok(new Envelope<JobDto>(JobDto.From(job)));
    }

    /// <summary>List jobs</summary>
    /// <remarks>
    /// Newest first. Filters: <c>type</c>, <c>status</c>, <c>start_date</c> and <c>end_date</c> (a date such as 2026-03-12,
    /// which covers that whole day, or an ISO 8601 date-time with offset; both bounds inclusive), <c>limit</c> 1..100
    /// (default 20), <c>cursor</c> from the previous page's <c>next_cursor</c> (null on the last page).
    /// Errors: 422 VALIDATION_FAILED / INVALID_JOB_TYPE.
    /// </remarks>
    [HttpGet]
    [Authorize(Policy = Policies.AiJobsRead)]
    [ProducesResponseType<JobPage>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("listJobs")]
    public async Task<IActionResult> List(
        [FromQuery, OneOf(ValueSet.JobType)] string? type, [FromQuery, OneOf(ValueSet.JobStatus)] string? status,
        [FromQuery(Name = "start_date"), Format("date")] string? startDate, [FromQuery(Name = "end_date"), Format("date")] string? endDate,
        [FromQuery, Integer(1, 100, Default = 20)] string? limit, [FromQuery] string? cursor)
    {
        _ = (type, status, startDate, endDate, limit, cursor); // documented here, parsed from the raw query for exact errors
        var errors = new AiJobRequests.Errors();
        var query = AiJobRequests.ParseList(Request.Query, errors);
        if (query is null)
        {
            return Problems.Validation(HttpContext, errors.UnknownType && errors.Fields.Count == 1 ? ErrorCodes.InvalidJobType : ErrorCodes.ValidationFailed, errors.Fields);
        }
        var (jobs, more) = await reader.ListAsync(User.WorkspaceId(), query, HttpContext.RequestAborted);
        var next = more ? QueryValues.EncodeCursor(jobs[^1].CreatedAt, jobs[^1].Id) : null;
        return Ok(new JobPage(jobs.Select(JobDto.From).ToList(), next));
    }

    /// <summary>Cancel a queued job</summary>
    /// <remarks>
    /// 204 for a queued job (and again for one already cancelled). A queued job of a sequential batch takes the
    /// later jobs of the batch with it. 409 JOB_NOT_CANCELLABLE for running, completed or failed jobs.
    /// Scope <c>ai-jobs:write</c>.
    /// </remarks>
    [HttpDelete("{id}")]
    [Authorize(Policy = Policies.AiJobsWrite)]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, Problems.ContentType)]
    [EndpointName("cancelJob")]
    public async Task<IActionResult> Cancel(string id)
    {
        if (!PublicIds.IsJobId(id))
        {
            return JobNotFound(id);
        }
        var (outcome, status) = await canceller.CancelAsync(User.WorkspaceId(), id, HttpContext.RequestAborted);
        return outcome switch
        {
            CancelOutcome.Cancelled => NoContent(),
            CancelOutcome.NotFound => JobNotFound(id),
            _ => Problems.Result(HttpContext, StatusCodes.Status409Conflict, ErrorCodes.JobNotCancellable, "Job not cancellable",
                $"Job {id} is {status?.Name() ?? "no longer queued"}; only queued jobs can be cancelled."),
        };
    }

    /// <summary>Dispatch a batch</summary>
    /// <remarks>
    /// 1 to 20 jobs, all validated before any is queued. <c>sequential: true</c> runs them in order: job n+1 starts only
    /// after job n completed, and if job n fails or is cancelled every later job ends cancelled with a reason naming it.
    /// <c>callback_url</c> (as for dispatch) applies to every job of the batch, and the batch itself calls back once when
    /// all its jobs have ended (event <c>ai_job_batch.completed</c>, <c>data</c> as the batch's GET with its overall status).
    /// Scope <c>ai-jobs:write</c>. Honours <c>Idempotency-Key</c>. Errors as for dispatch, plus 422 BATCH_TOO_LARGE.
    /// </remarks>
    [HttpPost("batch")]
    [Authorize(Policy = Policies.AiJobsWrite)]
    [Idempotent]
    [Consumes(typeof(DispatchBatchRequest), "application/json")]
    [ProducesResponseType<Envelope<AcceptedBatchDto>>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, Problems.ContentType)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status429TooManyRequests, Problems.ContentType)]
    [EndpointName("dispatchBatch")]
    public async Task<IActionResult> DispatchBatch()
    {
        var (body, problem) = await RequestJson.ObjectAsync(HttpContext);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new AiJobRequests.Errors();
        var (jobs, sequential, callbackUrl) = AiJobRequests.ParseBatch(body, errors, callbackOptions.Value.AllowPrivateNetworks, out var tooLarge);
        if (tooLarge)
        {
            return Problems.Result(HttpContext, StatusCodes.Status422UnprocessableEntity, ErrorCodes.BatchTooLarge, "Batch too large",
                $"A batch holds at most {AiJobRequests.MaxBatch} jobs.", errors.Fields);
        }
        if (errors.Fields.Count > 0)
        {
            return Problems.Validation(HttpContext, errors.UnknownType ? ErrorCodes.InvalidJobType : ErrorCodes.ValidationFailed, errors.Fields);
        }
        if (callbackUrl is not null && !await secrets.ExistsAsync(User.WorkspaceId(), HttpContext.RequestAborted))
        {
            return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, CallbackRequests.NoSecret());
        }
        var result = await dispatcher.DispatchAsync(User.WorkspaceId(), jobs, sequential ? DispatchMode.Sequential : DispatchMode.Parallel, HttpContext.RequestAborted, callbackUrl);
        if (result is DispatchResult.QueueFull full)
        {
            return QueueFull(full);
        }
        var accepted = (DispatchResult.Accepted)result;
        Response.Headers.Location = $"/api/ai-jobs/batch/{accepted.BatchId}";
        return StatusCode(StatusCodes.Status202Accepted, new Envelope<AcceptedBatchDto>(new AcceptedBatchDto(
            accepted.BatchId!, sequential, accepted.Jobs.Select(j => new BatchJobDto(j.Id, j.Type, JobStatus.Queued.Name())).ToList(), callbackUrl)));
    }

    /// <summary>Get a batch</summary>
    /// <remarks>
    /// The batch's jobs in order with their full status, counts per status, and an overall status: queued (nothing
    /// started), running, completed (all completed), failed (all ended, one or more failed) or cancelled (all ended,
    /// none failed, one or more cancelled). An unknown batch answers 404 JOB_NOT_FOUND. Scope <c>ai-jobs:read</c>.
    /// </remarks>
    [HttpGet("batch/{batchId}")]
    [Authorize(Policy = Policies.AiJobsRead)]
    [ProducesResponseType<Envelope<BatchDto>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, Problems.ContentType)]
    [EndpointName("getBatch")]
    public async Task<IActionResult> GetBatch(string batchId)
    {
        var batch = PublicIds.IsBatchId(batchId) ? await reader.GetBatchAsync(User.WorkspaceId(), batchId, HttpContext.RequestAborted) : null;
        return batch is null ? BatchNotFound(batchId) : Ok(new Envelope<BatchDto>(BatchDto.From(batch)));
    }

    /// <summary>List a job's callback deliveries</summary>
    /// <remarks>
    /// Every callback of the job (one per terminal event; none without a <c>callback_url</c>), with each attempt: when,
    /// the receiver's HTTP status (null when none came), the error, and how long it took. <c>status</c> is pending (an
    /// attempt is due or a retry is scheduled for <c>next_attempt_at</c>), delivered (a 2xx answer) or failed (410 Gone, or
    /// the last retry failed). Scope <c>ai-jobs:read</c> or any read scope. Another workspace's id answers 404 JOB_NOT_FOUND.
    /// Also served at <c>GET /api/ai-jobs/{id}/callbacks</c>.
    /// </remarks>
    [HttpGet("{id}/callbacks/deliveries")]
    [Authorize(Policy = Policies.AiJobsRead)]
    [ProducesResponseType<Envelope<IReadOnlyList<CallbackDeliveryDto>>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, Problems.ContentType)]
    [EndpointName("listJobCallbacks")]
    public async Task<IActionResult> JobCallbacks(string id)
    {
        var workspace = User.WorkspaceId();
        if (!PublicIds.IsJobId(id) || await reader.GetAsync(workspace, id, HttpContext.RequestAborted) is null)
        {
            return JobNotFound(id);
        }
        return Ok(await DeliveriesAsync(workspace, id));
    }

    /// <summary>List a batch's callback deliveries</summary>
    /// <remarks>
    /// The batch's own callback (<c>ai_job_batch.completed</c>, sent once all its jobs ended) with its attempts; each job's
    /// callbacks are at <c>GET /api/ai-jobs/{id}/callbacks/deliveries</c>. Scope <c>ai-jobs:read</c>. Another workspace's batch answers
    /// 404 JOB_NOT_FOUND.
    /// </remarks>
    [HttpGet("batch/{batchId}/callbacks")]
    [Authorize(Policy = Policies.AiJobsRead)]
    [ProducesResponseType<Envelope<IReadOnlyList<CallbackDeliveryDto>>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, Problems.ContentType)]
    [EndpointName("listBatchCallbacks")]
    public async Task<IActionResult> BatchCallbacks(string batchId)
    {
        var workspace = User.WorkspaceId();
        if (!PublicIds.IsBatchId(batchId) || await reader.GetBatchAsync(workspace, batchId, HttpContext.RequestAborted) is null)
        {
            return BatchNotFound(batchId);
        }
        return Ok(await DeliveriesAsync(workspace, batchId));
    }

    /// <summary>Stream a job's status changes</summary>
    /// <remarks>
    /// Server-Sent Events (<c>text/event-stream</c>): first the job as its GET shows it, then one <c>event: status</c> per
    /// change, each with an <c>id</c> and <c>data</c> = the GET's <c>data</c> on one line; a comment line (<c>: heartbeat</c>)
    /// after 15 s without an event; once the job is completed, failed or cancelled, <c>event: end</c> (data
    /// <c>{"status": ...}</c>) and the stream closes. Scope <c>ai-jobs:read</c> or any read scope. Another workspace's id
    /// answers 404 JOB_NOT_FOUND. Try <c>curl -N</c>. Also served at <c>GET /api/ai-jobs/{id}/events</c>.
    /// </remarks>
    [HttpGet("{id}/events/stream")]
    [Authorize(Policy = Policies.AiJobsRead)]
    [ProducesResponseType<string>(StatusCodes.Status200OK, EventStreamResult.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, Problems.ContentType)]
    [EndpointName("streamJobEvents")]
    public async Task<IActionResult> JobEvents(string id)
    {
        var job = PublicIds.IsJobId(id) ? await reader.GetAsync(User.WorkspaceId(), id, HttpContext.RequestAborted) : null;
        return job is null ? JobNotFound(id) : new EventStreamResult(WatchKind.Job, id, representations.Job(job));
    }

    /// <summary>Stream a batch's status changes</summary>
    /// <remarks>
    /// Server-Sent Events as for a job: the batch as its GET shows it (its jobs, counts and overall status), then one
    /// <c>event: status</c> per change of any of that, a heartbeat comment after 15 s of silence, and <c>event: end</c>
    /// once the overall status is completed, failed or cancelled. Scope <c>ai-jobs:read</c>. Another workspace's batch
    /// answers 404 JOB_NOT_FOUND.
    /// </remarks>
    [HttpGet("batch/{batchId}/events")]
    [Authorize(Policy = Policies.AiJobsRead)]
    [ProducesResponseType<string>(StatusCodes.Status200OK, EventStreamResult.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, Problems.ContentType)]
    [EndpointName("streamBatchEvents")]
    public async Task<IActionResult> BatchEvents(string batchId)
    {
        var batch = PublicIds.IsBatchId(batchId) ? await reader.GetBatchAsync(User.WorkspaceId(), batchId, HttpContext.RequestAborted) : null;
        return batch is null ? BatchNotFound(batchId) : new EventStreamResult(WatchKind.Batch, batchId, representations.Batch(batch));
    }

    // The first paths of a job's deliveries and stream, kept for the clients that use them. The document names the paths
    // above instead: /api/ai-jobs/{id}/events and /api/ai-jobs/batch/{batchId} both match /api/ai-jobs/batch/events, an
    // ambiguity linters rightly flag, even though a job id (job_<ULID>) is never "batch".
    [HttpGet("{id}/callbacks")]
    [Authorize(Policy = Policies.AiJobsRead)]
    [ApiExplorerSettings(IgnoreApi = true)]
    public Task<IActionResult> JobCallbacksAtFirstPath(string id) => JobCallbacks(id);

    [HttpGet("{id}/events")]
    [Authorize(Policy = Policies.AiJobsRead)]
    [ApiExplorerSettings(IgnoreApi = true)]
    public Task<IActionResult> JobEventsAtFirstPath(string id) => JobEvents(id);

    private async Task<Envelope<IReadOnlyList<CallbackDeliveryDto>>> DeliveriesAsync(long workspace, string subjectId) =>
        new((await deliveries.ForSubjectAsync(workspace, subjectId, HttpContext.RequestAborted)).Select(CallbackDeliveryDto.From).ToList());

    private ObjectResult BatchNotFound(string batchId) => Problems.NotFound(HttpContext, $"No batch {Shorten(batchId)} in this workspace.");

    private ObjectResult JobNotFound(string id) => Problems.NotFound(HttpContext, $"No job {Shorten(id)} in this workspace.");

    private ObjectResult QueueFull(DispatchResult.QueueFull full)
    {
        Response.Headers.RetryAfter = full.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Result(HttpContext, StatusCodes.Status429TooManyRequests, ErrorCodes.QueueFull, "Queue full",
            $"This workspace has {(full.Queued > full.Cap ? $"more than {full.Cap}" : full.Queued)} jobs waiting (the limit is {full.Cap}); retry after {full.RetryAfterSeconds} s.");
    }

    private static string Shorten(string s) => s.Length <= 64 ? s : s[..64] + "…";
}

/// <summary>Body of <c>POST /api/ai-jobs</c> (for the OpenAPI document).</summary>
/// <param name="Type">pricing_recalculate, review_sentiment, return_classify, llm_visibility_score, competitor_scan or listing_optimize.</param>
/// <param name="Params">Per type: skus (1..1000 strings; required for pricing_recalculate, llm_visibility_score, competitor_scan, listing_optimize), marketplace (e.g. amazon_us), apply (boolean), since_days / window_days (1..3650), assistants (names).</param>
/// <param name="Priority">low, normal (default) or high.</param>
/// <param name="CallbackUrl">Optional absolute http(s) URL (at most 2048 characters, no user:password@) that gets a signed POST of the job's terminal state.</param>
public sealed record DispatchJobRequest(
    [property: OneOf(ValueSet.JobType)] string Type, System.Text.Json.JsonElement? Params = null, [property: OneOf(ValueSet.Priority, Default = "normal")] string? Priority = null,
    string? CallbackUrl = null);

/// <summary>One job of a batch (for the OpenAPI document).</summary>
/// <param name="Type">As for dispatch.</param>
/// <param name="Params">As for dispatch.</param>
/// <param name="Priority">low, normal (default) or high.</param>
public sealed record BatchJobRequest(
    [property: OneOf(ValueSet.JobType)] string Type, System.Text.Json.JsonElement? Params = null, [property: OneOf(ValueSet.Priority, Default = "normal")] string? Priority = null);

/// <summary>Body of <c>POST /api/ai-jobs/batch</c> (for the OpenAPI document).</summary>
/// <param name="Jobs">1 to 20 jobs.</param>
/// <param name="Sequential">Run in order, each after the previous completed (default false: in parallel).</param>
/// <param name="CallbackUrl">Optional URL for every job's terminal state and, once all ended, the batch's (event ai_job_batch.completed).</param>
public sealed record DispatchBatchRequest(IReadOnlyList<BatchJobRequest> Jobs, bool? Sequential = null, string? CallbackUrl = null);
