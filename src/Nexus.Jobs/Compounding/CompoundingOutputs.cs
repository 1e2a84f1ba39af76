using Dapper;
using Npgsql;

namespace Nexus.Jobs.Compounding;

/// <summary>A stored pattern.</summary>
/// <remarks>A class, not a positional record: Npgsql reports uuid[] as System.Array, which Dapper's constructor matching refuses.</remarks>
public sealed class PatternView
{
    public Guid Id { get; init; }
    public string Theme { get; init; } = "";
    public int Support { get; init; }
    public int DistinctEntities { get; init; }
    public string? EntityType { get; init; }
    public Guid[] ExampleInsightIds { get; init; } = [];
    /// <summary>The supporting insight nearest the theme's centre, the one that says it best (null for patterns found before it was kept).</summary>
    public Guid? RepresentativeInsightId { get; init; }
    public DateTime FirstSeen { get; init; }
    public DateTime LastSeen { get; init; }
    public string Status { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

/// <summary>A stored playbook rule.</summary>
public sealed record PlaybookView(Guid Id, Guid PatternId, string Condition, string Action, double Confidence, int Support, double Agreement,
    string Status, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>A metrics snapshot.</summary>
public sealed record MetricsView(Guid RunId, DateTime TakenAt, string Metrics);

/// <summary>Reads what the pipelines produced, newest first, with offset-free paging by (time, id).</summary>
public sealed class CompoundingOutputs(NpgsqlDataSource dataSource)
{
    private const string PatternsSql = """
        select id as Id, theme as Theme, support as Support, distinct_entities as DistinctEntities, entity_type as EntityType,
               example_insight_ids as ExampleInsightIds, representative_insight_id as RepresentativeInsightId, first_seen as FirstSeen, last_seen as LastSeen, status as Status,
               created_at as CreatedAt, updated_at as UpdatedAt
        from nexus.patterns where workspace_id = @WorkspaceId and (@Status::text is null or status = @Status)
        order by support desc, theme limit @Limit
        """;

    private const string PlaybooksSql = """
        select id as Id, pattern_id as PatternId, condition as Condition, action as Action, confidence as Confidence,
               support as Support, agreement as Agreement, status as Status, created_at as CreatedAt, updated_at as UpdatedAt
        from nexus.playbook_rules where workspace_id = @WorkspaceId and (@Status::text is null or status = @Status)
        order by confidence desc, id limit @Limit
        """;

    private const string MetricsSql = """
        select run_id as RunId, taken_at as TakenAt, metrics::text as Metrics
        from nexus.metrics_snapshots where workspace_id = @WorkspaceId
        order by taken_at desc, run_id desc limit @Limit
        """;

    public async Task<IReadOnlyList<PatternView>> PatternsAsync(long workspaceId, string? status, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<PatternView>(new CommandDefinition(PatternsSql, new { WorkspaceId = workspaceId, Status = status, Limit = limit }, cancellationToken: ct))).AsList();
    }

    public async Task<IReadOnlyList<PlaybookView>> PlaybooksAsync(long workspaceId, string? status, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<PlaybookView>(new CommandDefinition(PlaybooksSql, new { WorkspaceId = workspaceId, Status = status, Limit = limit }, cancellationToken: ct))).AsList();
    }

    public async Task<IReadOnlyList<MetricsView>> MetricsAsync(long workspaceId, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<MetricsView>(new CommandDefinition(MetricsSql, new { WorkspaceId = workspaceId, Limit = limit }, cancellationToken: ct))).AsList();
    }
}
