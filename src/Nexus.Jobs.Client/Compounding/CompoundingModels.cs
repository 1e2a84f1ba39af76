using System.Text.Json;

namespace Nexus.Jobs.Client;

/// <summary>Body of <c>POST /v1/compounding/trigger</c>.</summary>
/// <param name="JobType">One of <see cref="CompoundingJobTypes"/>.</param>
/// <param name="DryRun">Compute and report the same counts, persisting nothing but the run's own record.</param>
/// <param name="CallbackUrl">Where the run's end (completed or failed) is POSTed, signed; omitted when null. The workspace
/// needs a callback secret first (<see cref="CallbacksApi.RotateSecretAsync"/>).</param>
public sealed record TriggerRequest(string JobType, bool DryRun = false, string? CallbackUrl = null);

/// <summary>The 202 answer to a trigger.</summary>
/// <param name="CallbackUrl">The <c>callback_url</c> it was sent with; null without one.</param>
public sealed record TriggerAccepted(Guid JobRunId, string JobType, long WorkspaceId, bool DryRun, RunStatus Status, bool Success, string? CallbackUrl = null);

/// <summary>A compounding run (<c>GET /v1/compounding/jobs/{job_run_id}</c>).</summary>
/// <param name="Trigger"><c>api</c> or <c>schedule</c>.</param>
/// <param name="StartedAt">When the run entered the system.</param>
/// <param name="CompletedAt">Null until it finishes.</param>
/// <param name="ErrorDetails"><c>{code, message, exception_type, attempt}</c> when failed; null otherwise.</param>
/// <param name="CallbackUrl">Where the run's end is POSTed; null without one.</param>
public sealed record CompoundingRun(
    Guid JobRunId, string JobType, long WorkspaceId, RunStatus Status, bool DryRun, string Trigger,
    int? InsightsScanned, int? InsightsAffected, int? CandidatesCreated, int? Errors,
    DateTimeOffset StartedAt, DateTimeOffset? CompletedAt, long? DurationMs, JsonElement? ErrorDetails, string? CallbackUrl = null);

/// <summary>A page of runs, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record RunPage(IReadOnlyList<CompoundingRun> Data, string? NextCursor);

/// <summary>Filters of <c>GET /v1/compounding/jobs</c>; every null member is left out of the query.</summary>
public sealed record RunListQuery
{
    /// <summary>Only runs of this pipeline (<see cref="CompoundingJobTypes"/>).</summary>
    public string? JobType { get; init; }

    /// <summary>Only runs with this status.</summary>
    public RunStatus? Status { get; init; }

    /// <summary>Page size, 1..100 (server default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>The previous page's <c>next_cursor</c>.</summary>
    public string? Cursor { get; init; }
}

/// <summary>A recurring theme found by pattern_detection: insights that mean the same thing, named by their most distinctive terms.</summary>
public sealed record Pattern(
    Guid Id, string Theme, int Support, int DistinctEntities, string? EntityType, IReadOnlyList<Guid> ExampleInsightIds,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, string Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>The supporting insight that says the theme best (nearest its centre); null for patterns found before servers kept it.</summary>
    public Guid? RepresentativeInsightId { get; init; }
}

/// <summary>An if/then rule from playbook_synthesis.</summary>
public sealed record PlaybookRule(
    Guid Id, Guid PatternId, string Condition, string Action, double Confidence, int Support, double Agreement,
    string Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A snapshot taken by the metrics pipeline; <see cref="Metrics"/> holds insights by status, mean confidence,
/// patterns, rules and the last run of each pipeline.</summary>
public sealed record MetricsSnapshot(Guid RunId, DateTimeOffset TakenAt, JsonElement Metrics);
