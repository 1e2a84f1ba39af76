using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Api.Callbacks;
using Nexus.Jobs.Api.AiJobs;
using Nexus.Jobs.Api.Auth;
using Nexus.Jobs.Api.Errors;
using Nexus.Jobs.Api.Events;
using Nexus.Jobs.Api.Http;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Compounding;

namespace Nexus.Jobs.Api.Compounding;

/// <summary>Compounding intelligence (seed 000): trigger a pipeline, read a run, list runs, read what the pipelines produced.</summary>
[ApiController]
[Route("v1")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, Problems.ContentType)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, Problems.ContentType)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, Problems.ContentType)]
public sealed class CompoundingController(
    CompoundingDispatcher dispatcher, CompoundingReader reader, CompoundingOutputs outputs, CallbackSecrets secrets,
    CallbackDeliveryReader deliveries, Representations representations, IOptions<CallbackOptions> callbackOptions) : ControllerBase
{
    private static readonly string[] TriggerFields = ["job_type", "dry_run", CallbackRequests.Field];

    /// <summary>Trigger compounding job</summary>
    /// <remarks>
    /// Runs a pipeline for your workspace now instead of waiting for the next scheduled cycle: 202 at once with a
    /// <c>job_run_id</c>; poll <c>GET /v1/compounding/jobs/{job_run_id}</c> until it is completed or failed.
    /// <c>dry_run: true</c> computes and reports the same counts and persists nothing but the run's own record.
    /// Two runs of one pipeline on one workspace never execute at the same time (the second waits).
    /// With <c>callback_url</c> (absolute http or https, at most 2048 characters, no user:password@; the workspace needs a
    /// callback secret first, see <c>POST /v1/callbacks/secret</c>) the run's end is POSTed there, signed: event
    /// <c>compounding_run.completed</c> or <c>compounding_run.failed</c>, <c>data</c> as the run's GET.
    /// Scope <c>record.write</c>. Honours <c>Idempotency-Key</c>. Errors: 422 INVALID_JOB_TYPE / VALIDATION_FAILED, 400/415 MALFORMED_REQUEST.
    /// </remarks>
    [HttpPost("compounding/trigger")]
    [Authorize(Policy = Policies.RecordWrite)]
    [Idempotent]
    [Consumes(typeof(TriggerRequest), "application/json")]
    [ProducesResponseType<TriggerAccepted>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, Problems.ContentType)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("triggerCompounding")]
    public async Task<IActionResult> Trigger()
    {
        var (body, problem) = await RequestJson.ObjectAsync(HttpContext);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var fields = new JsonFields(body, "", TriggerFields, errors);
        var jobType = fields.RequiredString("job_type");
        var dryRun = fields.OptionalBool("dry_run", false);
        var callbackUrl = CallbackRequests.OptionalUrl(fields, callbackOptions.Value.AllowPrivateNetworks);
        var unknownType = false;
        if (jobType is not null && !CompoundingJobTypes.IsKnown(jobType))
        {
            errors["job_type"] = [$"'{(jobType.Length > 64 ? jobType[..64] : jobType)}' is not a job type; known: {string.Join(", ", CompoundingJobTypes.All)}"];
            unknownType = true;
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(HttpContext, unknownType && errors.Count == 1 ? ErrorCodes.InvalidJobType : ErrorCodes.ValidationFailed, errors);
        }
        var workspace = User.WorkspaceId();
        if (callbackUrl is not null && !await secrets.ExistsAsync(workspace, HttpContext.RequestAborted))
        {
            return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, CallbackRequests.NoSecret());
        }
        var (runId, _) = await dispatcher.DispatchAsync(workspace, jobType!, dryRun, "api", HttpContext.RequestAborted, callbackUrl);
        Response.Headers.Location = $"/v1/compounding/jobs/{runId}";
        return StatusCode(StatusCodes.Status202Accepted, new TriggerAccepted(runId, jobType!, workspace, dryRun, "accepted", true, callbackUrl));
    }

    /// <summary>Get compounding job status</summary>
    /// <remarks>
    /// Status accepted, running, completed or failed, with the run's counts. <c>started_at</c> is when the run entered
    /// the system; <c>completed_at</c> and <c>duration_ms</c> are null until it finishes; <c>error_details</c>
    /// (<c>{code, message, exception_type, attempt}</c>) explains a failure. Scope <c>record.read</c>. Unknown or another
    /// workspace's ids: 404 JOB_NOT_FOUND.
    /// </remarks>
    [HttpGet("compounding/jobs/{jobRunId}")]
    [Authorize(Policy = Policies.RecordRead)]
    [ProducesResponseType<RunDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, Problems.ContentType)]
    [EndpointName("getCompoundingRun")]
    public async Task<IActionResult> Get([Format("uuid")] string jobRunId)
    {
        var run = await FindAsync(jobRunId);
        return run is null ? RunNotFound(jobRunId) : Ok(RunDto.From(run));
    }

    /// <summary>List a compounding run's callback deliveries</summary>
    /// <remarks>
    /// The run's callback (one per terminal event; none without a <c>callback_url</c>) with each attempt: when, the
    /// receiver's HTTP status (null when none came), the error, and how long it took. <c>status</c> is pending (an attempt
    /// is due or a retry is scheduled for <c>next_attempt_at</c>), delivered or failed. Scope <c>record.read</c>. Unknown or
    /// another workspace's ids: 404 JOB_NOT_FOUND.
    /// </remarks>
    [HttpGet("compounding/jobs/{jobRunId}/callbacks")]
    [Authorize(Policy = Policies.RecordRead)]
    [ProducesResponseType<Envelope<IReadOnlyList<CallbackDeliveryDto>>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, Problems.ContentType)]
    [EndpointName("listRunCallbacks")]
    public async Task<IActionResult> RunCallbacks([Format("uuid")] string jobRunId)
    {
        var run = await FindAsync(jobRunId);
        if (run is null)
        {
            return RunNotFound(jobRunId);
        }
        var found = await deliveries.ForSubjectAsync(run.WorkspaceId, run.Id.ToString("D"), HttpContext.RequestAborted);
        return Ok(new Envelope<IReadOnlyList<CallbackDeliveryDto>>(found.Select(CallbackDeliveryDto.From).ToList()));
    }

    /// <summary>Stream a compounding run's status changes</summary>
    /// <remarks>
    /// Server-Sent Events (<c>text/event-stream</c>): first the run as its GET shows it, then one <c>event: status</c> per
    /// change (with an <c>id</c>, <c>data</c> = the GET's body on one line), a heartbeat comment after 15 s of silence, and
    /// <c>event: end</c> once it is completed or failed, after which the stream closes. Scope <c>record.read</c>. Unknown or
    /// another workspace's ids: 404 JOB_NOT_FOUND.
    /// </remarks>
    [HttpGet("compounding/jobs/{jobRunId}/events")]
    [Authorize(Policy = Policies.RecordRead)]
    [ProducesResponseType<string>(StatusCodes.Status200OK, EventStreamResult.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, Problems.ContentType)]
    [EndpointName("streamRunEvents")]
    public async Task<IActionResult> RunEvents([Format("uuid")] string jobRunId)
    {
        var run = await FindAsync(jobRunId);
        return run is null ? RunNotFound(jobRunId) : new EventStreamResult(WatchKind.Run, run.Id.ToString("D"), representations.Run(run));
    }

    private async Task<RunView?> FindAsync(string jobRunId) =>
        Guid.TryParseExact(jobRunId, "D", out var id) ? await reader.GetAsync(User.WorkspaceId(), id, HttpContext.RequestAborted) : null;

    private ObjectResult RunNotFound(string jobRunId) =>
        Problems.NotFound(HttpContext, $"No compounding run {(jobRunId.Length > 64 ? jobRunId[..64] : jobRunId)} in this workspace.");

    /// <summary>List compounding jobs</summary>
    /// <remarks>
    /// The workspace's runs, newest first, on demand (<c>"trigger": "api"</c>) and from the schedule (<c>"schedule"</c>).
    /// Filters <c>job_type</c>, <c>status</c> (accepted, running, completed, failed), <c>limit</c> 1..100 (default 20),
    /// <c>cursor</c> from <c>next_cursor</c>. Scope <c>record.read</c>.
    /// </remarks>
    [HttpGet("compounding/jobs")]
    [Authorize(Policy = Policies.RecordRead)]
    [ProducesResponseType<RunPage>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("listCompoundingRuns")]
    public async Task<IActionResult> List(
        [FromQuery(Name = "job_type"), OneOf(ValueSet.CompoundingJobType)] string? jobType, [FromQuery, OneOf(ValueSet.RunStatus)] string? status,
        [FromQuery, Integer(1, 100, Default = 20)] string? limit, [FromQuery] string? cursor)
    {
        _ = (jobType, status, limit, cursor); // documented here; read from the raw query for exact errors
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var type = QueryValues.Single(Request.Query, "job_type", errors);
        if (type is not null && !CompoundingJobTypes.IsKnown(type))
        {
            errors["job_type"] = [$"must be one of {string.Join(", ", CompoundingJobTypes.All)}"];
        }
        var state = QueryValues.Single(Request.Query, "status", errors);
        if (state is not null && state is not ("accepted" or "running" or "completed" or "failed"))
        {
            errors["status"] = ["must be one of accepted, running, completed, failed"];
        }
        var take = QueryValues.Limit(Request.Query, 20, 100, errors);
        var after = QueryValues.GuidCursor(Request.Query, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, errors);
        }
        var (runs, more) = await reader.ListAsync(User.WorkspaceId(), new RunQuery(type, state, take, after), HttpContext.RequestAborted);
        return Ok(new RunPage(runs.Select(RunDto.From).ToList(), more ? QueryValues.EncodeCursor(runs[^1].CreatedAt, runs[^1].Id.ToString("D")) : null));
    }

    /// <summary>List patterns</summary>
    /// <remarks>Recurring themes found by pattern_detection, strongest first. <c>status</c> active (default: all) or inactive; <c>limit</c> 1..500 (default 100). Scope <c>record.read</c>.</remarks>
    [HttpGet("patterns")]
    [Authorize(Policy = Policies.RecordRead)]
    [ProducesResponseType<ListOf<PatternView>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("listPatterns")]
    public async Task<IActionResult> Patterns([FromQuery, OneOf(ValueSet.PatternStatus)] string? status, [FromQuery, Integer(1, 500, Default = 100)] string? limit)
    {
        _ = (status, limit);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var state = QueryValues.Single(Request.Query, "status", errors);
        if (state is not null && state is not ("active" or "inactive"))
        {
            errors["status"] = ["must be active or inactive"];
        }
        var take = QueryValues.Limit(Request.Query, 100, 500, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, errors);
        }
        return Ok(new ListOf<PatternView>(await outputs.PatternsAsync(User.WorkspaceId(), state, take, HttpContext.RequestAborted)));
    }

    /// <summary>List playbook rules</summary>
    /// <remarks>If/then rules from playbook_synthesis, most confident first. <c>status</c> active or retired; <c>limit</c> 1..500 (default 100). Scope <c>record.read</c>.</remarks>
    [HttpGet("playbooks")]
    [Authorize(Policy = Policies.RecordRead)]
    [ProducesResponseType<ListOf<PlaybookView>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("listPlaybooks")]
    public async Task<IActionResult> Playbooks([FromQuery, OneOf(ValueSet.PlaybookStatus)] string? status, [FromQuery, Integer(1, 500, Default = 100)] string? limit)
    {
        _ = (status, limit);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var state = QueryValues.Single(Request.Query, "status", errors);
        if (state is not null && state is not ("active" or "retired"))
        {
            errors["status"] = ["must be active or retired"];
        }
        var take = QueryValues.Limit(Request.Query, 100, 500, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, errors);
        }
        return Ok(new ListOf<PlaybookView>(await outputs.PlaybooksAsync(User.WorkspaceId(), state, take, HttpContext.RequestAborted)));
    }

    /// <summary>Compounding metrics history</summary>
    /// <remarks>Snapshots taken by the metrics pipeline, newest first: insights by status, mean confidence, patterns, rules, the last run of each pipeline. <c>limit</c> 1..500 (default 20). Scope <c>record.read</c>.</remarks>
    [HttpGet("compounding/metrics")]
    [Authorize(Policy = Policies.RecordRead)]
    [ProducesResponseType<ListOf<MetricsDto>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("listCompoundingMetrics")]
    public async Task<IActionResult> Metrics([FromQuery, Integer(1, 500, Default = 20)] string? limit)
    {
        _ = limit;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var take = QueryValues.Limit(Request.Query, 20, 500, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, errors);
        }
        var snapshots = await outputs.MetricsAsync(User.WorkspaceId(), take, HttpContext.RequestAborted);
        return Ok(new ListOf<MetricsDto>(snapshots.Select(m => new MetricsDto(m.RunId, m.TakenAt, JobDto.Parse(m.Metrics))).ToList()));
    }
}
