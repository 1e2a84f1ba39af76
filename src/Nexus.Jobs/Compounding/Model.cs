namespace Nexus.Jobs.Compounding;

/// <summary>An entity an insight is about.</summary>
public sealed record InsightEntity(string Id, string Name, string Type);

/// <summary>An insight as the pipelines see it.</summary>
/// <param name="BaseConfidence">Confidence at the last reinforcement; decay is computed from it, so a sweep run twice gives the same answer.</param>
/// <param name="Status">active, merged or stale.</param>
public sealed record InsightRecord(
    Guid Id,
    string Content,
    string Type,
    IReadOnlyList<InsightEntity> Entities,
    double Confidence,
    double BaseConfidence,
    int ReinforcementCount,
    DateTime CreatedAt,
    DateTime LastReinforcedAt,
    string Status,
    Guid? MergedInto);

/// <summary>Insight statuses.</summary>
public static class InsightStatus
{
    public const string Active = "active";
    public const string Merged = "merged";
    public const string Stale = "stale";
}

/// <summary>Settings of near-duplicate detection.</summary>
/// <param name="SimilarityThreshold">Cosine similarity of two insights' embeddings from which texts in other words state one fact (texts one or two words apart need more, the same words less; the fact guard must pass too).</param>
/// <param name="Search">How candidate pairs are searched inside large entity buckets; null for the defaults.</param>
public sealed record ConsolidationOptions(double SimilarityThreshold = Consolidation.DefaultThreshold, Language.NeighbourSearchOptions? Search = null);

/// <summary>A group of insights that state the same fact, and the canonical insight they become.</summary>
/// <param name="CanonicalId">The member that stays active and absorbs the others.</param>
/// <param name="MergedIds">The other members; they become <c>merged</c> with <c>merged_into</c> = <paramref name="CanonicalId"/>.</param>
/// <param name="ReinforcementCount">Sum over all members.</param>
/// <param name="Confidence">1 - product(1 - c) over all members.</param>
/// <param name="LastReinforcedAt">Latest over all members.</param>
/// <param name="Entities">Union over all members (by entity id, first occurrence wins).</param>
public sealed record MergeGroup(
    Guid CanonicalId,
    IReadOnlyList<Guid> MergedIds,
    int ReinforcementCount,
    double Confidence,
    DateTime LastReinforcedAt,
    IReadOnlyList<InsightEntity> Entities);

/// <summary>Settings of pattern detection.</summary>
/// <param name="MinSupport">Insights a theme must recur in.</param>
/// <param name="MinDistinctEntities">Distinct entities those insights must be about.</param>
/// <param name="Window">Only insights reinforced within this window before <c>now</c> count.</param>
/// <param name="MaxExamples">Example insight ids kept per pattern.</param>
/// <param name="SimilarityThreshold">Mean cosine (of the insights' smoothed embeddings) at which groups of insights still form one theme.</param>
/// <param name="ClusterSample">Insights clustered at most; the others join the theme they are as alike to as its members are (see <see cref="PatternDetection.Draft"/>).</param>
public sealed record PatternOptions(
    int MinSupport = 5, int MinDistinctEntities = 3, TimeSpan? Window = null, int MaxExamples = 5, float SimilarityThreshold = PatternOptions.DefaultSimilarityThreshold,
    int ClusterSample = PatternOptions.DefaultClusterSample)
{
    /// <summary>Tuned on development scenarios of paraphrased themes (tests/Nexus.Jobs.Tests/Development, PatternQualityTests) on the smoothed vectors.</summary>
    public const float DefaultSimilarityThreshold = 0.4f;

    /// <summary>
    /// Average linkage keeps every pair of insights at the threshold, and insights of one domain are mostly that alike:
    /// 10,000 of them took 1.16 GB. 3,000 keep a run within about 100 MB; a theme of one insight in 1,500 still has two in the sample on average.
    /// </summary>
    public const int DefaultClusterSample = 3000;


    public TimeSpan EffectiveWindow => Window ?? TimeSpan.FromDays(30);
}

/// <summary>A recurring theme: insights that mean the same thing.</summary>
/// <param name="Theme">Its one to three most distinctive terms, e.g. <c>late delivery, courier</c>; unique within a run.</param>
/// <param name="EntityType">The most common entity type among the supporting insights' entities (null when they have none).</param>
/// <param name="RepresentativeInsightId">The supporting insight nearest the theme's centroid: the one that says it best.</param>
public sealed record DetectedPattern(
    string Theme,
    int Support,
    int DistinctEntities,
    string? EntityType,
    IReadOnlyList<Guid> ExampleInsightIds,
    IReadOnlyList<Guid> SupportingInsightIds,
    DateTime FirstSeen,
    DateTime LastSeen,
    Guid RepresentativeInsightId);

/// <summary>A pattern an earlier run found: a theme that continues it keeps its name.</summary>
public sealed record KnownPattern(string Theme, IReadOnlyList<Guid> SupportingInsightIds);

/// <summary>A stored pattern, as playbook synthesis reads it, with the text of its supporting insights.</summary>
/// <param name="RepresentativeContent">The text of the insight that says the theme best (null when the pattern has none recorded).</param>
public sealed record PatternInput(
    Guid PatternId, string Theme, int Support, int DistinctEntities, string? EntityType, IReadOnlyList<string> SupportingContents,
    string? RepresentativeContent = null);

/// <summary>Settings of playbook synthesis.</summary>
/// <param name="MinSupport">Patterns with less support produce no rule.</param>
public sealed record SynthesisOptions(int MinSupport = 8);

/// <summary>An if/then rule derived from a pattern.</summary>
/// <param name="Condition">e.g. <c>When a product insight is about "late delivery"</c>.</param>
/// <param name="Action">The recommended action, taken from what the supporting insights say.</param>
/// <param name="Confidence">0..1, from support and agreement.</param>
/// <param name="Agreement">Share (0..1) of supporting insights that back the chosen action.</param>
public sealed record PlaybookRule(Guid PatternId, string Condition, string Action, double Confidence, int Support, double Agreement);

/// <summary>Settings of the decay sweep.</summary>
/// <param name="GracePeriod">No decay this long after the last reinforcement.</param>
/// <param name="HalfLife">After the grace period, confidence halves every half-life.</param>
/// <param name="StaleBelow">Below this confidence an insight becomes <c>stale</c>.</param>
public sealed record DecayOptions(TimeSpan? GracePeriod = null, TimeSpan? HalfLife = null, double StaleBelow = 0.2)
{
    public TimeSpan EffectiveGracePeriod => GracePeriod ?? TimeSpan.FromDays(7);

    public TimeSpan EffectiveHalfLife => HalfLife ?? TimeSpan.FromDays(14);
}

/// <summary>What the sweep changes on one insight.</summary>
public sealed record DecayChange(Guid Id, double Confidence, bool BecomesStale);
