using System.Text.Json;
using System.Text.Json.Serialization;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Api.AiJobs;

/// <summary>Every response wraps its payload in <c>data</c>.</summary>
public sealed record Envelope<T>(T Data);

/// <summary>A page of jobs.</summary>
public sealed record JobPage(IReadOnlyList<JobDto> Data, string? NextCursor);

/// <summary>A job as dispatch accepted it.</summary>
/// <param name="CallbackUrl">Where the terminal state will be POSTed (null: no callback).</param>
public sealed record AcceptedJobDto(
    string Id, [property: OneOf(ValueSet.JobType)] string Type, [property: OneOf(ValueSet.JobStatus)] string Status,
    [property: OneOf(ValueSet.Priority)] string Priority, JsonElement Params, DateTime CreatedAt, DateTime EstimatedCompletionAt, string? CallbackUrl);

/// <summary>Why a job failed (or, with code CANCELLED, why it was cancelled).</summary>
public sealed record JobErrorDto(string Code, string Message, int RetryCount);

/// <summary>A job's full status.</summary>
public sealed record JobDto(
    string Id,
    [property: OneOf(ValueSet.JobType)] string Type,
    [property: OneOf(ValueSet.JobStatus)] string Status,
    [property: OneOf(ValueSet.Priority)] string Priority,
    JsonElement Params,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? CompletedAt,
    double? DurationSeconds,
    DateTime EstimatedCompletionAt,
    string? BatchId,
    int? BatchPosition,
    int RetryCount,
    string? CallbackUrl,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Result,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JobErrorDto? Error)
{
    public static JobDto From(JobView view)
    {
        var status = view.Status;
        var started = view.Started;
        var completed = status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled ? view.CompletedAt : null;
        double? duration = started is not null && completed is not null
            ? Math.Round((completed.Value - started.Value).TotalSeconds, 3)
            : null;
        var retryCount = status is JobStatus.Queued or JobStatus.Running
            ? int.TryParse(view.HangfireRetryCount, out var r) ? r : 0
            : view.RetryCount;
        JobErrorDto? error = null;
        if (status is JobStatus.Failed or JobStatus.Cancelled)
        {
            error = view.Error is null ? Fallback(status) : FromJson(view.Error, retryCount);
        }
        return new JobDto(view.Id, view.Type, status.Name(), view.Priority, Parse(view.Params), view.CreatedAt, started, completed,
            duration, view.EstimatedCompletionAt, view.BatchId, view.BatchPosition, retryCount, view.CallbackUrl,
            status == JobStatus.Completed && view.Result is not null ? Parse(view.Result) : null, error);
    }

    private static JobErrorDto FromJson(string json, int retryCount)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new JobErrorDto(
            root.TryGetProperty("code", out var c) ? c.GetString() ?? "" : "",
            root.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "",
            root.TryGetProperty("retry_count", out var n) && n.TryGetInt32(out var count) ? count : retryCount);
    }

    // A job Hangfire ended without our filter recording why (only if a process died in between).
    private static JobErrorDto Fallback(JobStatus status) => status == JobStatus.Cancelled
        ? new JobErrorDto("CANCELLED", "The job was cancelled.", 0)
        : new JobErrorDto("JOB_LOST", "The job ended without a recorded outcome.", 0);

    internal static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

/// <summary>One job of a batch, as accepted.</summary>
public sealed record BatchJobDto(string Id, [property: OneOf(ValueSet.JobType)] string Type, [property: OneOf(ValueSet.JobStatus)] string Status);

/// <summary>A batch as dispatch accepted it.</summary>
public sealed record AcceptedBatchDto(string BatchId, bool Sequential, IReadOnlyList<BatchJobDto> Jobs, string? CallbackUrl);

/// <summary>A batch with its jobs in order and an overall status.</summary>
public sealed record BatchDto(string BatchId, [property: OneOf(ValueSet.JobStatus)] string Status, bool Sequential, DateTime CreatedAt, IReadOnlyDictionary<string, int> Counts, IReadOnlyList<JobDto> Jobs, string? CallbackUrl)
{
    public static BatchDto From(BatchView view)
    {
        var jobs = view.Jobs.Select(JobDto.From).ToList();
        var counts = Enum.GetValues<JobStatus>().ToDictionary(s => s.Name(), s => jobs.Count(j => j.Status == s.Name()));
        return new BatchDto(view.Id, view.Status, view.Sequential, view.CreatedAt, counts, jobs, view.CallbackUrl);
    }
}
