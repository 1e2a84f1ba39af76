using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Api.AiJobs;
using Nexus.Jobs.Api.Compounding;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Compounding;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Api.Callbacks;

/// <summary>
/// The public representations as JSON, written with the controllers' serializer settings: a callback's <c>data</c> and an
/// event stream's <c>data</c> are byte for byte what the matching GET answers (<c>data</c> of a job or batch, the run itself).
/// </summary>
public sealed class Representations(IOptions<JsonOptions> json, JobStatusReader jobs, CompoundingReader runs) : ICallbackPayloads
{
    private JsonSerializerOptions Options => json.Value.JsonSerializerOptions;

    public CallbackPayload Job(JobView view)
    {
        var dto = JobDto.From(view);
        return new CallbackPayload(JsonSerializer.Serialize(dto, Options), IsTerminal(dto.Status));
    }

    public CallbackPayload Batch(BatchView view)
    {
        var dto = BatchDto.From(view);
        return new CallbackPayload(JsonSerializer.Serialize(dto, Options), IsTerminal(dto.Status));
    }

    public CallbackPayload Run(RunView view)
    {
        var dto = RunDto.From(view);
        return new CallbackPayload(JsonSerializer.Serialize(dto, Options), dto.Status is "completed" or "failed");
    }

    public async Task<CallbackPayload?> RenderAsync(string subjectKind, long workspaceId, string subjectId, CancellationToken ct) => subjectKind switch
    {
        CallbackEvents.Job => await jobs.GetAsync(workspaceId, subjectId, ct) is { } job ? Job(job) : null,
        CallbackEvents.Batch => await jobs.GetBatchAsync(workspaceId, subjectId, ct) is { } batch ? Batch(batch) : null,
        CallbackEvents.Run => Guid.TryParse(subjectId, out var id) && await runs.GetAsync(workspaceId, id, ct) is { } run ? Run(run) : null,
        _ => throw new ArgumentOutOfRangeException(nameof(subjectKind), subjectKind, "not a callback subject"),
    };

    /// <summary>Whether a job's or batch's public status is final.</summary>
    private static bool IsTerminal(string status) => status is "completed" or "failed" or "cancelled";
}
