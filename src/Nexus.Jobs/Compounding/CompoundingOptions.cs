using System.ComponentModel.DataAnnotations;
using Cronos;
using Microsoft.Extensions.Options;

namespace Nexus.Jobs.Compounding;

/// <summary>The five pipelines, by their contract names.</summary>
public static class CompoundingJobTypes
{
    public const string Consolidation = "consolidation";
    public const string PatternDetection = "pattern_detection";
    public const string PlaybookSynthesis = "playbook_synthesis";
    public const string DecaySweep = "decay_sweep";
    public const string Metrics = "metrics";

    public static readonly IReadOnlyList<string> All = [Consolidation, PatternDetection, PlaybookSynthesis, DecaySweep, Metrics];

    public static bool IsKnown(string? name) => name is not null && All.Contains(name, StringComparer.Ordinal);
}

/// <summary><c>Compounding</c> section: schedules and pipeline settings.</summary>
public sealed class CompoundingOptions
{
    public const string Section = "Compounding";

    /// <summary>Cron expression per pipeline (five fields, or six with seconds); missing ones take the defaults.</summary>
    public Dictionary<string, string> Schedules { get; set; } = new(StringComparer.Ordinal);

    /// <summary>IANA or Windows time zone id the schedules are read in.</summary>
    [Required]
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Cosine similarity of two insights' embeddings from which consolidation merges them (when the fact guard agrees).</summary>
    [Range(0.1, 1.0)]
    public double SimilarityThreshold { get; set; } = Consolidation.DefaultThreshold;

    [Range(2, 100_000)]
    public int PatternMinSupport { get; set; } = 5;

    [Range(1, 100_000)]
    public int PatternMinDistinctEntities { get; set; } = 3;

    [Range(1, 3650)]
    public int PatternWindowDays { get; set; } = 30;

    /// <summary>
    /// Mean cosine similarity (of the insights' all-MiniLM-L6-v2 embeddings, each smoothed towards its nearest neighbours) at
    /// which groups of insights still form one theme. Lower finds looser themes and merges near ones; below 0.15 nearly
    /// every pair of insights about one kind of product counts as related, which costs memory and finds nothing useful.
    /// </summary>
    [Range(0.15, 0.95)]
    public double PatternSimilarityThreshold { get; set; } = PatternOptions.DefaultSimilarityThreshold;

    [Range(1, 100_000)]
    public int PlaybookMinSupport { get; set; } = 8;

    [Range(0, 3650)]
    public double DecayGraceDays { get; set; } = 7;

    [Range(0.01, 3650)]
    public double DecayHalfLifeDays { get; set; } = 14;

    [Range(0.0, 0.99)]
    public double DecayStaleBelow { get; set; } = 0.2;

    /// <summary>Defaults: consolidation hourly, patterns every 6 hours, playbooks daily after the midnight patterns run, decay daily, metrics hourly.</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultSchedules = new Dictionary<string, string>
    {
        [CompoundingJobTypes.Consolidation] = "0 * * * *",
        [CompoundingJobTypes.PatternDetection] = "10 */6 * * *",
        [CompoundingJobTypes.PlaybookSynthesis] = "40 0 * * *",
        [CompoundingJobTypes.DecaySweep] = "20 3 * * *",
        [CompoundingJobTypes.Metrics] = "50 * * * *",
    };

    public string ScheduleFor(string jobType) => Schedules.TryGetValue(jobType, out var cron) ? cron : DefaultSchedules[jobType];

    public TimeZoneInfo ResolveTimeZone() => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

/// <summary>Schedules must be cron expressions Hangfire can run, for known pipelines, in a time zone this machine knows.</summary>
public sealed class CompoundingOptionsValidator : IValidateOptions<CompoundingOptions>
{
    public ValidateOptionsResult Validate(string? name, CompoundingOptions options)
    {
        var failures = new List<string>();
        foreach (var (pipeline, cron) in options.Schedules)
        {
            if (!CompoundingJobTypes.IsKnown(pipeline))
            {
                failures.Add($"Compounding:Schedules:{pipeline} is not a pipeline (known: {string.Join(", ", CompoundingJobTypes.All)}).");
                continue;
            }
            try
            {
                var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
                CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            }
            catch (CronFormatException e)
            {
                failures.Add($"Compounding:Schedules:{pipeline} '{cron}' is not a cron expression: {e.Message}");
            }
        }
        try
        {
            options.ResolveTimeZone();
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            failures.Add($"Compounding:TimeZone '{options.TimeZone}' is not a time zone this machine knows.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
