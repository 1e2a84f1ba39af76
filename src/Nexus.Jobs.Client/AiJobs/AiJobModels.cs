using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nexus.Jobs.Client;

/// <summary>Body of <c>POST /api/ai-jobs</c>, and one job of a batch.</summary>
/// <param name="Type">One of <see cref="JobTypes"/>.</param>
/// <param name="Params">The type's parameters, e.g. <c>{"skus":["SKU-1"],"marketplace":"amazon_us"}</c>; omitted when null.</param>
/// <param name="Priority">Omitted when null: the server's default, normal.</param>
/// <param name="CallbackUrl">Where the job's terminal state is POSTed, signed (see <see cref="CallbackSignature"/>); omitted when null.
/// An absolute http(s) URL of at most 2048 characters; the workspace needs a callback secret first
/// (<see cref="CallbacksApi.RotateSecretAsync"/>). Not for a job of a batch: set <see cref="DispatchBatchRequest.CallbackUrl"/> there.</param>
public sealed record DispatchJobRequest(string Type, JsonObject? Params = null, JobPriority? Priority = null, string? CallbackUrl = null);

/// <summary>Body of <c>POST /api/ai-jobs/batch</c>.</summary>
/// <param name="Jobs">1 to 20 jobs, all validated before any is queued.</param>
/// <param name="Sequential">Run in order, each only after the previous completed; a failure cancels the rest.</param>
/// <param name="CallbackUrl">Where every job's terminal state is POSTed and, once all have ended, the batch's
/// (<c>ai_job_batch.completed</c>); omitted when null. The workspace needs a callback secret first.</param>
public sealed record DispatchBatchRequest(IReadOnlyList<DispatchJobRequest> Jobs, bool Sequential = false, string? CallbackUrl = null);

/// <summary>A job as dispatch accepted it (202).</summary>
/// <param name="CallbackUrl">The <c>callback_url</c> it was sent with; null without one.</param>
public sealed record AcceptedJob(
    string Id, string Type, JobStatus Status, JobPriority Priority, JsonElement Params,
    DateTimeOffset CreatedAt, DateTimeOffset EstimatedCompletionAt, string? CallbackUrl = null);

/// <summary>Why a job failed (or, with code <c>CANCELLED</c>, why it was cancelled).</summary>
public sealed record JobError(string Code, string Message, int RetryCount);

/// <summary>A job's full status (<c>GET /api/ai-jobs/{id}</c>).</summary>
/// <param name="Result">The handler's result when completed; null otherwise.</param>
/// <param name="CallbackUrl">Where its terminal state is POSTed (its own, or its batch's); null without one.</param>
/// <param name="Error">Why it failed or was cancelled; null otherwise.</param>
public sealed record Job(
    string Id,
    string Type,
    JobStatus Status,
    JobPriority Priority,
    JsonElement Params,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    double? DurationSeconds,
    DateTimeOffset EstimatedCompletionAt,
    string? BatchId,
    int? BatchPosition,
    int RetryCount,
    JsonElement? Result,
    JobError? Error,
    string? CallbackUrl = null);

/// <summary>A page of jobs, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record JobPage(IReadOnlyList<Job> Data, string? NextCursor);

/// <summary>Filters of <c>GET /api/ai-jobs</c>; every null member is left out of the query.</summary>
public sealed record JobListQuery
{
    /// <summary>Only jobs of this type.</summary>
    public string? Type { get; init; }

    /// <summary>Only jobs with this status.</summary>
    public JobStatus? Status { get; init; }

    /// <summary>Created at or after (a date covers its whole day).</summary>
    public DateBound? StartDate { get; init; }

    /// <summary>Created at or before (a date covers its whole day).</summary>
    public DateBound? EndDate { get; init; }

    /// <summary>Page size, 1..100 (server default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>The previous page's <c>next_cursor</c>.</summary>
    public string? Cursor { get; init; }
}

/// <summary>One job of a batch, as accepted.</summary>
public sealed record AcceptedBatchJob(string Id, string Type, JobStatus Status);

/// <summary>A batch as dispatch accepted it (202); its jobs in the order sent.</summary>
/// <param name="CallbackUrl">The <c>callback_url</c> it was sent with; null without one.</param>
public sealed record AcceptedBatch(string BatchId, bool Sequential, IReadOnlyList<AcceptedBatchJob> Jobs, string? CallbackUrl = null);

/// <summary>A batch with its jobs in order, counts per status and an overall status.</summary>
/// <param name="Status">queued (nothing started), running, completed (all completed), failed (all ended, one or more
/// failed) or cancelled (all ended, none failed, one or more cancelled).</param>
/// <param name="CallbackUrl">Where the batch's end (and each job's) is POSTed; null without one.</param>
public sealed record Batch(
    string BatchId, JobStatus Status, bool Sequential, DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, int> Counts, IReadOnlyList<Job> Jobs, string? CallbackUrl = null);
