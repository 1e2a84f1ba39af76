using System.Globalization;
using System.Text.Json.Serialization;

namespace Nexus.Jobs.Api.Dashboard;

/// <summary>One series of a chart; series with the same <see cref="Stack"/> are stacked on one bar.</summary>
public sealed record ChartSeries(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("data")] IReadOnlyList<int> Data,
    [property: JsonPropertyName("stack")] string? Stack = null);

/// <summary>What nexus-dashboard.js hands to the dashboard's bundled Chart.js: a type, labels and series.</summary>
public sealed record ChartSpec(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("series")] IReadOnlyList<ChartSeries> Series,
    [property: JsonPropertyName("stacked")] bool Stacked);

/// <summary>Turns the pages' rows into chart specs. Pure.</summary>
public static class OperatorCharts
{
    /// <summary>Error codes drawn separately; the rest are drawn as one "other" series so the legend stays readable.</summary>
    public const int MaxCodes = 8;

    /// <summary>Failures per hour over the window (24 bars, oldest first), stacked by error code.</summary>
    public static ChartSpec FailuresByHour(IReadOnlyList<HourlyFailures> hourly, DateTime now)
    {
        var last = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        var hours = Enumerable.Range(0, 25).Select(i => last.AddHours(i - 24)).ToList();
        var codes = TopCodes(hourly.GroupBy(h => h.Code).Select(g => (g.Key, g.Sum(h => h.Failed))));
        var series = codes.Select(code => new ChartSeries(code, hours.Select(hour => hourly
                .Where(h => h.Hour == hour && Bucket(h.Code, codes) == code).Sum(h => h.Failed)).ToList(), "failures"))
            .ToList();
        return new ChartSpec("bar", hours.Select(h => h.ToString("dd MMM HH:00", CultureInfo.InvariantCulture)).ToList(), series, Stacked: true);
    }

    /// <summary>Per job type: failed jobs stacked by error code, and beside them the retries failed and recovered jobs took.</summary>
    public static ChartSpec FailuresByType(IReadOnlyList<FailureGroup> groups, IReadOnlyList<RecoveredGroup> recovered)
    {
        var types = groups.Select(g => g.Type).Concat(recovered.Select(r => r.Type)).Distinct(StringComparer.Ordinal)
            .OrderBy(t => t, StringComparer.Ordinal).ToList();
        var codes = TopCodes(groups.GroupBy(g => g.Code).Select(g => (g.Key, g.Sum(x => x.Failed))));
        var series = codes.Select(code => new ChartSeries($"failed: {code}", types.Select(t => groups
                .Where(g => g.Type == t && Bucket(g.Code, codes) == code).Sum(g => g.Failed)).ToList(), "failures"))
            .ToList();
        series.Add(new ChartSeries("retries (of failed jobs)", types.Select(t => groups.Where(g => g.Type == t).Sum(g => g.Retries)).ToList(), "retries"));
        series.Add(new ChartSeries("retries (of jobs that then completed)", types.Select(t => recovered.Where(r => r.Type == t).Sum(r => r.Retries)).ToList(), "retries"));
        return new ChartSpec("bar", types, series, Stacked: true);
    }

    /// <summary>The metrics snapshots over time: insights active, merged and stale; patterns; active playbook rules.</summary>
    public static ChartSpec Snapshots(IReadOnlyList<SnapshotPoint> points) => new("line",
        points.Select(p => p.TakenAt.ToString("dd MMM HH:mm", CultureInfo.InvariantCulture)).ToList(),
        [
            new("insights active", points.Select(p => p.Active).ToList()),
            new("insights merged", points.Select(p => p.Merged).ToList()),
            new("insights stale", points.Select(p => p.Stale).ToList()),
            new("patterns", points.Select(p => p.Patterns).ToList()),
            new("playbook rules", points.Select(p => p.Rules).ToList()),
        ],
        Stacked: false);

    private const string Other = "other";

    private static List<string> TopCodes(IEnumerable<(string Code, int Count)> totals)
    {
        var ordered = totals.OrderByDescending(t => t.Count).ThenBy(t => t.Code, StringComparer.Ordinal).Select(t => t.Code).ToList();
        return ordered.Count <= MaxCodes ? ordered : [.. ordered.Take(MaxCodes - 1), Other];
    }

    private static string Bucket(string code, List<string> codes) =>
        codes.Contains(code) ? code : Other;
}
