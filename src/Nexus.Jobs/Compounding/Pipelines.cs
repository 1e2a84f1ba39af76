using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Language;
using Npgsql;

namespace Nexus.Jobs.Compounding;

/// <summary>What a pipeline run is given: the workspace, the run, and the run's own "now" (so a re-run computes the same).</summary>
public sealed record PipelineContext(long WorkspaceId, Guid RunId, DateTime Now, NpgsqlConnection Connection, NpgsqlTransaction Transaction, CancellationToken CancellationToken);

/// <summary>The counts every run reports.</summary>
public sealed record PipelineCounts(int InsightsScanned, int InsightsAffected, int CandidatesCreated, int Errors = 0);

/// <summary>One compounding pipeline: a pure algorithm plus its data access, run inside the run's transaction.</summary>
/// <remarks>Dry runs execute exactly the same code; the runner rolls the transaction back instead of committing.</remarks>
public interface IPipeline
{
    string JobType { get; }

    Task<PipelineCounts> RunAsync(PipelineContext context);
}

/// <summary>Loads insights for the pipelines.</summary>
internal static class InsightRows
{
    private const string ActiveSql = """
        select id as Id, content as Content, type as Type, entities::text as Entities, confidence as Confidence,
               base_confidence as BaseConfidence, reinforcement_count as ReinforcementCount, created_at as CreatedAt,
               last_reinforced_at as LastReinforcedAt, status as Status, merged_into as MergedInto
        from nexus.insights where workspace_id = @WorkspaceId and status = 'active'
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<List<InsightRecord>> ActiveAsync(PipelineContext context)
    {
        var rows = await context.Connection.QueryAsync<Row>(new CommandDefinition(ActiveSql,
            new { context.WorkspaceId }, context.Transaction, cancellationToken: context.CancellationToken));
        return rows.Select(r => new InsightRecord(r.Id, r.Content, r.Type,
            JsonSerializer.Deserialize<List<InsightEntity>>(r.Entities, Json) ?? [],
            r.Confidence, r.BaseConfidence, r.ReinforcementCount, r.CreatedAt, r.LastReinforcedAt, r.Status, r.MergedInto)).ToList();
    }

    private sealed record Row(Guid Id, string Content, string Type, string Entities, double Confidence, double BaseConfidence,
        int ReinforcementCount, DateTime CreatedAt, DateTime LastReinforcedAt, string Status, Guid? MergedInto);
}

/// <summary>Merges insights that state the same fact into one canonical insight.</summary>
/// <remarks>
/// What is embedded is the content exactly as stored: the model was trained on natural sentences (case, word order and
/// function words carry meaning it reads, such as "not" or "instead of"), and the same text gets the same stored vector
/// whichever pipeline asks, so a vector is computed once per text, at the first run that needs it.
/// </remarks>
public sealed class ConsolidationPipeline(IOptionsMonitor<CompoundingOptions> options, EmbeddingStore embeddings) : IPipeline
{
    public string JobType => CompoundingJobTypes.Consolidation;

    // Set-based: one statement per kind of change whatever the number of groups (a statement per group scanned the
    // workspace's insights once per group: quadratic, 7.5 s for 20,000 insights in the benchmarks).
    private const string CanonicalSql = """
        update nexus.insights i
        set reinforcement_count = c.reinforcement_count, confidence = c.confidence, base_confidence = c.confidence,
            last_reinforced_at = c.last_reinforced_at, entities = c.entities::jsonb
        from unnest(@Ids, @ReinforcementCounts, @Confidences, @LastReinforcedAts, @Entities)
             as c(id, reinforcement_count, confidence, last_reinforced_at, entities)
        where i.id = c.id
        """;

    private const string MergeSql = """
        update nexus.insights i set status = 'merged', merged_into = m.canonical_id
        from unnest(@Ids, @CanonicalIds) as m(id, canonical_id)
        where i.id = m.id
        """;

    // Earlier merges into an absorbed insight follow it to the new canonical, so merged_into never chains.
    private const string FollowSql = """
        update nexus.insights i set merged_into = m.canonical_id
        from unnest(@Ids, @CanonicalIds) as m(id, canonical_id)
        where i.workspace_id = @WorkspaceId and i.status = 'merged' and i.merged_into = m.id
        """;

    public async Task<PipelineCounts> RunAsync(PipelineContext context)
    {
        var insights = await InsightRows.ActiveAsync(context);
        var vectors = await embeddings.GetOrCreateAsync([.. insights.Select(i => i.Content)], context.CancellationToken);
        var groups = Consolidation.Find(insights, vectors, new ConsolidationOptions(options.CurrentValue.SimilarityThreshold));
        if (groups.Count > 0)
        {
            await Execute(CanonicalSql, new
            {
                Ids = groups.Select(g => g.CanonicalId).ToArray(),
                ReinforcementCounts = groups.Select(g => g.ReinforcementCount).ToArray(),
                Confidences = groups.Select(g => g.Confidence).ToArray(),
                LastReinforcedAts = groups.Select(g => g.LastReinforcedAt).ToArray(),
                Entities = groups.Select(g => JsonSerializer.Serialize(g.Entities.Select(e => new { id = e.Id, name = e.Name, type = e.Type }))).ToArray(),
            });
            var merges = new
            {
                context.WorkspaceId,
                Ids = groups.SelectMany(g => g.MergedIds).ToArray(),
                CanonicalIds = groups.SelectMany(g => g.MergedIds.Select(_ => g.CanonicalId)).ToArray(),
            };
            await Execute(FollowSql, merges);
            await Execute(MergeSql, merges);
        }
        var affected = groups.Sum(g => g.MergedIds.Count + 1);
        return new PipelineCounts(insights.Count, affected, groups.Count);

        Task Execute(string sql, object parameters) =>
            context.Connection.ExecuteAsync(new CommandDefinition(sql, parameters, context.Transaction, cancellationToken: context.CancellationToken));
    }
}

/// <summary>Finds recurring themes (clusters of insights that mean the same thing) and keeps one pattern row per theme.</summary>
public sealed class PatternDetectionPipeline(IOptionsMonitor<CompoundingOptions> options, EmbeddingStore embeddings) : IPipeline
{
    public string JobType => CompoundingJobTypes.PatternDetection;

    // The active patterns of the last run: a theme that continues one keeps its name, and so its row and playbook rule.
    private const string KnownSql = """
        select theme as Theme, supporting_insight_ids as SupportingInsightIds
        from nexus.patterns where workspace_id = @WorkspaceId and status = 'active'
        order by theme
        """;

    private const string UpsertSql = """
        insert into nexus.patterns as p (id, workspace_id, theme, support, distinct_entities, entity_type, example_insight_ids,
                                         supporting_insight_ids, representative_insight_id, first_seen, last_seen, status, created_at, updated_at)
        values (@Id, @WorkspaceId, @Theme, @Support, @DistinctEntities, @EntityType, @Examples, @Supporting, @Representative,
                @FirstSeen, @LastSeen, 'active', @Now, @Now)
        on conflict (workspace_id, theme) do update
        set support = excluded.support, distinct_entities = excluded.distinct_entities, entity_type = excluded.entity_type,
            example_insight_ids = excluded.example_insight_ids, supporting_insight_ids = excluded.supporting_insight_ids,
            representative_insight_id = excluded.representative_insight_id,
            first_seen = least(p.first_seen, excluded.first_seen),
            last_seen = excluded.last_seen, status = 'active', updated_at = excluded.updated_at
        returning (xmax = 0) as inserted
        """;

    // Themes no longer found are kept for history but marked inactive (playbook synthesis retires their rules).
    private const string DeactivateSql = """
        update nexus.patterns set status = 'inactive', updated_at = @Now
        where workspace_id = @WorkspaceId and status = 'active' and not (theme = any(@Themes))
        """;

    public async Task<PipelineCounts> RunAsync(PipelineContext context)
    {
        var settings = options.CurrentValue;
        var patternOptions = new PatternOptions(settings.PatternMinSupport, settings.PatternMinDistinctEntities,
            TimeSpan.FromDays(settings.PatternWindowDays), SimilarityThreshold: (float)settings.PatternSimilarityThreshold);
        var insights = await InsightRows.ActiveAsync(context);
        // Only the insights in the window are embedded (stored vectors are read back, new texts embedded once).
        var selected = PatternDetection.Select(insights, context.Now, patternOptions);
        var vectors = await embeddings.GetOrCreateAsync([.. selected.Select(PatternDetection.ThemeText)], context.CancellationToken);
        var known = (await context.Connection.QueryAsync<KnownRow>(new CommandDefinition(KnownSql,
            new { context.WorkspaceId }, context.Transaction, cancellationToken: context.CancellationToken)))
            .Select(k => new KnownPattern(k.Theme, k.SupportingInsightIds)).ToList();
        var draft = PatternDetection.Draft(selected, vectors, context.Now, patternOptions);
        var termVectors = await embeddings.GetOrCreateAsync(draft.Terms, context.CancellationToken);
        var patterns = PatternDetection.Detect(draft, termVectors, known);
        var created = 0;
        foreach (var pattern in patterns)
        {
            var inserted = await context.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(UpsertSql, new
            {
                // Deterministic per workspace and theme, so a run executed twice writes the same rows.
                Id = DeterministicId(context.WorkspaceId, pattern.Theme), context.WorkspaceId, pattern.Theme, pattern.Support,
                pattern.DistinctEntities, pattern.EntityType, Examples = pattern.ExampleInsightIds.ToArray(),
                Supporting = pattern.SupportingInsightIds.ToArray(), Representative = pattern.RepresentativeInsightId,
                pattern.FirstSeen, pattern.LastSeen, context.Now,
            }, context.Transaction, cancellationToken: context.CancellationToken));
            created += inserted ? 1 : 0;
        }
        await context.Connection.ExecuteAsync(new CommandDefinition(DeactivateSql,
            new { context.WorkspaceId, context.Now, Themes = patterns.Select(p => p.Theme).ToArray() }, context.Transaction, cancellationToken: context.CancellationToken));
        var affected = patterns.SelectMany(p => p.SupportingInsightIds).Distinct().Count();
        return new PipelineCounts(insights.Count, affected, patterns.Count);
    }

    private sealed class KnownRow
    {
        public string Theme { get; init; } = "";
        public Guid[] SupportingInsightIds { get; init; } = [];
    }

    internal static Guid DeterministicId(long workspaceId, string key)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{workspaceId}\u001f{key}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}

/// <summary>Turns strong patterns into if/then playbook rules; retires rules whose pattern vanished.</summary>
public sealed class PlaybookSynthesisPipeline(IOptionsMonitor<CompoundingOptions> options) : IPipeline
{
    public string JobType => CompoundingJobTypes.PlaybookSynthesis;

    private const string PatternsSql = """
        select p.id as PatternId, p.theme as Theme, p.support as Support, p.distinct_entities as DistinctEntities,
               p.entity_type as EntityType, p.supporting_insight_ids as Supporting, r.content as Representative
        from nexus.patterns p
        left join nexus.insights r on r.id = p.representative_insight_id and r.workspace_id = p.workspace_id
        where p.workspace_id = @WorkspaceId and p.status = 'active'
        """;

    // The supporting text: the insights pattern detection found the theme in (the most recently reinforced 500).
    private const string ContentsSql = """
        select content from nexus.insights
        where workspace_id = @WorkspaceId and id = any(@Supporting)
        order by last_reinforced_at desc, id
        limit 500
        """;

    private const string UpsertSql = """
        insert into nexus.playbook_rules as r (id, workspace_id, pattern_id, condition, action, confidence, support, agreement, status, created_at, updated_at)
        values (@Id, @WorkspaceId, @PatternId, @Condition, @Action, @Confidence, @Support, @Agreement, 'active', @Now, @Now)
        on conflict (pattern_id) do update
        set condition = excluded.condition, action = excluded.action, confidence = excluded.confidence,
            support = excluded.support, agreement = excluded.agreement, status = 'active', updated_at = excluded.updated_at
        returning (xmax = 0) as inserted
        """;

    private const string RetireSql = """
        update nexus.playbook_rules set status = 'retired', updated_at = @Now
        where workspace_id = @WorkspaceId and status = 'active' and not (pattern_id = any(@Kept))
        """;

    public async Task<PipelineCounts> RunAsync(PipelineContext context)
    {
        var rows = (await context.Connection.QueryAsync<PatternRow>(new CommandDefinition(PatternsSql,
            new { context.WorkspaceId }, context.Transaction, cancellationToken: context.CancellationToken))).AsList();
        var inputs = new List<PatternInput>(rows.Count);
        var scanned = 0;
        foreach (var row in rows)
        {
            var contents = (await context.Connection.QueryAsync<string>(new CommandDefinition(ContentsSql,
                new { context.WorkspaceId, row.Supporting }, context.Transaction,
                cancellationToken: context.CancellationToken))).AsList();
            scanned += contents.Count;
            inputs.Add(new PatternInput(row.PatternId, row.Theme, row.Support, row.DistinctEntities, row.EntityType, contents, row.Representative));
        }
        var rules = PlaybookSynthesis.Synthesize(inputs, new SynthesisOptions(options.CurrentValue.PlaybookMinSupport));
        var created = 0;
        foreach (var rule in rules)
        {
            var inserted = await context.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(UpsertSql, new
            {
                Id = PatternDetectionPipeline.DeterministicId(context.WorkspaceId, $"rule:{rule.PatternId}"), context.WorkspaceId,
                rule.PatternId, rule.Condition, rule.Action, rule.Confidence, rule.Support, rule.Agreement, context.Now,
            }, context.Transaction, cancellationToken: context.CancellationToken));
            created += inserted ? 1 : 0;
        }
        var retired = await context.Connection.ExecuteAsync(new CommandDefinition(RetireSql,
            new { context.WorkspaceId, context.Now, Kept = rules.Select(r => r.PatternId).ToArray() }, context.Transaction, cancellationToken: context.CancellationToken));
        return new PipelineCounts(scanned, rules.Count + retired, rules.Count);
    }

    private sealed class PatternRow
    {
        public Guid PatternId { get; init; }
        public string Theme { get; init; } = "";
        public int Support { get; init; }
        public int DistinctEntities { get; init; }
        public string? EntityType { get; init; }
        public Guid[] Supporting { get; init; } = [];
        public string? Representative { get; init; }
    }
}

/// <summary>Lets confidence decay on insights nobody reinforced; below the floor they become stale.</summary>
public sealed class DecaySweepPipeline(IOptionsMonitor<CompoundingOptions> options) : IPipeline
{
    public string JobType => CompoundingJobTypes.DecaySweep;

    private const string UpdateSql = """
        update nexus.insights set confidence = @Confidence, status = case when @Stale then 'stale' else status end
        where id = @Id
        """;

    public async Task<PipelineCounts> RunAsync(PipelineContext context)
    {
        var settings = options.CurrentValue;
        var insights = await InsightRows.ActiveAsync(context);
        var changes = Decay.Sweep(insights, context.Now, new DecayOptions(
            TimeSpan.FromDays(settings.DecayGraceDays), TimeSpan.FromDays(settings.DecayHalfLifeDays), settings.DecayStaleBelow));
        await context.Connection.ExecuteAsync(new CommandDefinition(UpdateSql,
            changes.Select(c => new { c.Id, c.Confidence, Stale = c.BecomesStale }), context.Transaction, cancellationToken: context.CancellationToken));
        return new PipelineCounts(insights.Count, changes.Count, changes.Count(c => c.BecomesStale));
    }
}

/// <summary>Snapshots the workspace: insights by status, mean confidence, patterns, rules, each pipeline's last run.</summary>
public sealed class MetricsPipeline : IPipeline
{
    public string JobType => CompoundingJobTypes.Metrics;

    private const string SnapshotSql = """
        select coalesce(jsonb_object_agg(status, n), '{}'::jsonb)::text from (
            select status, count(*) as n from nexus.insights where workspace_id = @WorkspaceId group by status) s;

        select avg(confidence) from nexus.insights where workspace_id = @WorkspaceId and status = 'active';

        select count(*) filter (where status = 'active')::int from nexus.patterns where workspace_id = @WorkspaceId;

        select count(*) filter (where status = 'active')::int from nexus.playbook_rules where workspace_id = @WorkspaceId;

        select distinct on (job_type) job_type as JobType, id as RunId, outcome as Outcome, completed_at as CompletedAt,
               duration_ms as DurationMs, insights_scanned as InsightsScanned, insights_affected as InsightsAffected,
               candidates_created as CandidatesCreated, errors as Errors
        from nexus.compounding_runs
        where workspace_id = @WorkspaceId and outcome is not null and dry_run = false
        order by job_type, completed_at desc;
        """;

    private const string InsertSql = """
        insert into nexus.metrics_snapshots (run_id, workspace_id, taken_at, metrics)
        values (@RunId, @WorkspaceId, @Now, @Metrics::jsonb)
        on conflict (run_id) do update set metrics = excluded.metrics, taken_at = excluded.taken_at
        """;

    public async Task<PipelineCounts> RunAsync(PipelineContext context)
    {
        using var reader = await context.Connection.QueryMultipleAsync(new CommandDefinition(SnapshotSql,
            new { context.WorkspaceId }, context.Transaction, cancellationToken: context.CancellationToken));
        var byStatus = JsonSerializer.Deserialize<Dictionary<string, long>>(await reader.ReadSingleAsync<string>()) ?? [];
        var meanConfidence = await reader.ReadSingleAsync<double?>();
        var patterns = await reader.ReadSingleAsync<int>();
        var rules = await reader.ReadSingleAsync<int>();
        var lastRuns = (await reader.ReadAsync<LastRun>()).AsList();

        var total = byStatus.Values.Sum();
        var metrics = new
        {
            insights = new
            {
                total,
                active = byStatus.GetValueOrDefault(InsightStatus.Active),
                merged = byStatus.GetValueOrDefault(InsightStatus.Merged),
                stale = byStatus.GetValueOrDefault(InsightStatus.Stale),
            },
            mean_confidence = meanConfidence is null ? (double?)null : Math.Round(meanConfidence.Value, 4),
            patterns,
            playbook_rules = rules,
            last_runs = lastRuns.ToDictionary(r => r.JobType, r => new
            {
                run_id = r.RunId, outcome = r.Outcome, completed_at = r.CompletedAt, duration_ms = r.DurationMs,
                insights_scanned = r.InsightsScanned, insights_affected = r.InsightsAffected,
                candidates_created = r.CandidatesCreated, errors = r.Errors,
            }),
        };
        await context.Connection.ExecuteAsync(new CommandDefinition(InsertSql,
            new { context.RunId, context.WorkspaceId, context.Now, Metrics = JsonSerializer.Serialize(metrics) }, context.Transaction,
            cancellationToken: context.CancellationToken));
        return new PipelineCounts((int)total, 0, 1);
    }

    private sealed class LastRun
    {
        public string JobType { get; init; } = "";
        public Guid RunId { get; init; }
        public string? Outcome { get; init; }
        public DateTime? CompletedAt { get; init; }
        public long? DurationMs { get; init; }
        public int? InsightsScanned { get; init; }
        public int? InsightsAffected { get; init; }
        public int? CandidatesCreated { get; init; }
        public int? Errors { get; init; }
    }
}
