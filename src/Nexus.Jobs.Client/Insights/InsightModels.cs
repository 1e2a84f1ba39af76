namespace Nexus.Jobs.Client;

/// <summary>What an insight is about.</summary>
public sealed record InsightEntity(string Id, string Name, string Type);

/// <summary>An insight to ingest.</summary>
/// <param name="Content">1..10,000 characters.</param>
/// <param name="Type">1..64 characters, e.g. feedback.</param>
/// <param name="Entities">Up to 100; omitted when null.</param>
/// <param name="Confidence">0..1; omitted when null (the server's default, 0.5).</param>
public sealed record NewInsight(string Content, string Type, IReadOnlyList<InsightEntity>? Entities = null, double? Confidence = null);

/// <summary>A stored insight.</summary>
/// <param name="Status">active, merged or stale.</param>
/// <param name="MergedInto">The canonical insight a merged one was folded into.</param>
public sealed record Insight(
    Guid Id, long WorkspaceId, string Content, string Type, IReadOnlyList<InsightEntity> Entities, double Confidence,
    int ReinforcementCount, DateTimeOffset CreatedAt, DateTimeOffset LastReinforcedAt, string Status, Guid? MergedInto);

/// <summary>A page of insights, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record InsightPage(IReadOnlyList<Insight> Data, string? NextCursor);

/// <summary>One ingested insight: <c>created</c>, or an existing one <c>reinforced</c>.</summary>
public sealed record IngestedInsight(Guid Id, string Result);

/// <summary>What an ingest did, one entry per insight sent, in order.</summary>
public sealed record IngestResult(IReadOnlyList<IngestedInsight> Data, int Created, int Reinforced);

/// <summary>Filters of <c>GET /v1/insights</c>; every null member is left out of the query.</summary>
public sealed record InsightQuery
{
    /// <summary>Only insights created in this last span (whole minutes, hours or days; at most 365 days); not with <see cref="From"/>.</summary>
    public TimeSpan? Last { get; init; }

    /// <summary>Created at or after.</summary>
    public DateBound? From { get; init; }

    /// <summary>Created at or before (a date covers its whole day).</summary>
    public DateBound? To { get; init; }

    /// <summary>Page size, 1..1000 (server default 100).</summary>
    public int? Limit { get; init; }

    /// <summary>The previous page's <c>next_cursor</c>.</summary>
    public string? Cursor { get; init; }
}

/// <summary>Body of <c>POST /v1/insights</c>.</summary>
internal sealed record IngestRequest(IReadOnlyList<NewInsight> Insights);
