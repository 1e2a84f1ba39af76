using System.Text.Json;
using Nexus.Jobs.Compounding;

namespace Nexus.Jobs.Api.Compounding;

/// <summary>Body of <c>POST /v1/compounding/trigger</c>.</summary>
/// <param name="JobType">consolidation, pattern_detection, playbook_synthesis, decay_sweep or metrics.</param>
/// <param name="DryRun">Compute and report the same counts, persisting nothing but the run's own record.</param>
/// <param name="CallbackUrl">Optional absolute http(s) URL (at most 2048 characters, no user:password@) that gets a signed POST when the run completes or fails.</param>
public sealed record TriggerRequest([property: OneOf(ValueSet.CompoundingJobType)] string JobType, bool? DryRun = null, string? CallbackUrl = null);

/// <summary>The seed's 202 answer to a trigger.</summary>
public sealed record TriggerAccepted(
    Guid JobRunId, [property: OneOf(ValueSet.CompoundingJobType)] string JobType, long WorkspaceId, bool DryRun,
    [property: OneOf(ValueSet.RunStatus)] string Status, bool Success, string? CallbackUrl);

/// <summary>A compounding run's status (the public Nex field list, plus where it came from).</summary>
public sealed record RunDto(
    Guid JobRunId, [property: OneOf(ValueSet.CompoundingJobType)] string JobType, long WorkspaceId, [property: OneOf(ValueSet.RunStatus)] string Status,
    bool DryRun, [property: OneOf(ValueSet.RunTrigger)] string Trigger,
    int? InsightsScanned, int? InsightsAffected, int? CandidatesCreated, int? Errors,
    DateTime StartedAt, DateTime? CompletedAt, long? DurationMs, JsonElement? ErrorDetails, string? CallbackUrl)
{
    public static RunDto From(RunView v)
    {
        var status = v.Status;
        var finished = status is "completed" or "failed";
        return new RunDto(v.Id, v.JobType, v.WorkspaceId, status, v.DryRun, v.Trigger,
            v.InsightsScanned, v.InsightsAffected, v.CandidatesCreated, v.Errors, v.CreatedAt,
            finished ? v.CompletedAt : null, finished ? v.DurationMs : null,
            status == "failed" && v.ErrorDetails is not null ? JsonDocument.Parse(v.ErrorDetails).RootElement.Clone()
                : status == "failed" ? JsonDocument.Parse("""{"code":"RUN_LOST","message":"The run ended without a recorded outcome.","exception_type":null,"attempt":0}""").RootElement.Clone()
                : null,
            v.CallbackUrl);
    }
}

/// <summary>A page of runs.</summary>
public sealed record RunPage(IReadOnlyList<RunDto> Data, string? NextCursor);

/// <summary>An insight entity.</summary>
public sealed record EntityDto(string Id, string Name, string Type);

/// <summary>An insight.</summary>
public sealed record InsightDto(Guid Id, long WorkspaceId, string Content, string Type, JsonElement Entities, double Confidence,
    int ReinforcementCount, DateTime CreatedAt, DateTime LastReinforcedAt, [property: OneOf(ValueSet.InsightStatus)] string Status, Guid? MergedInto)
{
    public static InsightDto From(InsightView v) => new(v.Id, v.WorkspaceId, v.Content, v.Type, JsonDocument.Parse(v.Entities).RootElement.Clone(),
        Math.Round(v.Confidence, 6), v.ReinforcementCount, v.CreatedAt, v.LastReinforcedAt, v.Status, v.MergedInto);
}

/// <summary>A page of insights.</summary>
public sealed record InsightPage(IReadOnlyList<InsightDto> Data, string? NextCursor);

/// <summary>One ingested insight: created, or an existing one reinforced.</summary>
public sealed record IngestedDto(Guid Id, string Result);

/// <summary>What an ingest did.</summary>
public sealed record IngestResult(IReadOnlyList<IngestedDto> Data, int Created, int Reinforced);

/// <summary>Body of <c>POST /v1/insights</c>.</summary>
/// <param name="Insights">1 to 1,000 insights: content (text), type, entities [{id, name, type}], confidence 0..1 (default 0.5).</param>
public sealed record IngestRequest(IReadOnlyList<IngestItem> Insights);

/// <summary>One insight to ingest.</summary>
public sealed record IngestItem(string Content, string Type, IReadOnlyList<EntityDto>? Entities = null, double? Confidence = null);

/// <summary>A list of pipeline outputs.</summary>
public sealed record ListOf<T>(IReadOnlyList<T> Data);

/// <summary>A metrics snapshot.</summary>
public sealed record MetricsDto(Guid RunId, DateTime TakenAt, JsonElement Metrics);
