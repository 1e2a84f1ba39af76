using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Jobs.Benchmarks;

/// <summary>One measured figure, with the baseline measured in the same run and the target it answers to.</summary>
public sealed record Row(string Section, string Name, double Value, string Unit)
{
    public string? BaselineName { get; init; }

    public double? Baseline { get; init; }

    /// <summary>Value / baseline (or baseline / value where lower is better), so more is better either way.</summary>
    public double? Ratio { get; init; }

    public string? Target { get; init; }

    public bool? Met { get; init; }

    public string? Note { get; init; }
}

/// <summary>A panel of the chart: bars of one unit, the first the baseline.</summary>
public sealed record Panel(string Title, string Unit, IReadOnlyList<(string Label, double Value)> Bars, double? TargetLine = null, string? TargetLabel = null);

public sealed class Report
{
    private readonly List<Row> _rows = [];
    private readonly List<Panel> _panels = [];

    public IReadOnlyList<Row> Rows => _rows;

    public void Add(Row row)
    {
        _rows.Add(row);
        Console.WriteLine($"  {row.Section} | {row.Name}: {Format(row.Value)} {row.Unit}"
            + (row.Baseline is { } b ? $" (baseline {row.BaselineName}: {Format(b)}, ratio {row.Ratio:0.00}x)" : "")
            + (row.Target is null ? "" : $" target {row.Target}: {(row.Met == true ? "met" : "MISSED")}"));
    }

    public void Add(Panel panel) => _panels.Add(panel);

    /// <summary>Statements per job by statement, per burn-down variant (pg_stat_statements).</summary>
    public Dictionary<string, IReadOnlyList<(double PerJob, string Statement)>> Profiles { get; } = [];

    public string ProfilesMarkdown()
    {
        var text = new StringBuilder("Statements per job during the burn-down (pg_stat_statements; BEGIN/COMMIT/DISCARD and the benchmark's own probes left out; foreign-key checks PostgreSQL runs inside an INSERT counted as statements)\n");
        foreach (var (name, rows) in Profiles)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n## {name}: {rows.Sum(r => r.PerJob):0.0} per job\n\n| per job | statement |\n|---|---|\n");
            foreach (var (perJob, statement) in rows)
            {
                text.Append(CultureInfo.InvariantCulture, $"| {perJob:0.00} | `{statement.Replace("|", "\\|", StringComparison.Ordinal)}` |\n");
            }
        }
        return text.ToString();
    }

    public static string Format(double v) => double.IsNaN(v) ? "n/a"
        : Math.Abs(v) >= 1000 ? v.ToString("#,0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 100 ? v.ToString("0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 10 ? v.ToString("0.0", CultureInfo.InvariantCulture)
        : v.ToString("0.00", CultureInfo.InvariantCulture);

    public string Table()
    {
        var header = new[] { "Section", "Measure", "Value", "Baseline (same run)", "Ratio", "Target", "Met", "Note" };
        var lines = _rows.Select(r => new[]
        {
            r.Section, r.Name, $"{Format(r.Value)} {r.Unit}",
            r.Baseline is { } b ? $"{r.BaselineName}: {Format(b)} {r.Unit}" : "",
            r.Ratio is { } x ? $"{x:0.00}x" : "",
            r.Target ?? "",
            r.Met switch { true => "yes", false => "NO", null => "" },
            r.Note ?? "",
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, lines.Count == 0 ? 0 : lines.Max(l => l[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(string[] cells) => text.Append("| ").Append(string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i])))).AppendLine(" |");
        Line(header);
        text.Append('|').Append(string.Join('|', widths.Select(w => new string('-', w + 2)))).AppendLine("|");
        lines.ForEach(Line);
        return text.ToString();
    }

    public string Json(object machine) => JsonSerializer.Serialize(new { machine, rows = _rows }, new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    });

    /// <summary>Small multiples: one bar panel per comparison, baseline first, the target as a dashed line.</summary>
    public string Svg(string title)
    {
        const int panelWidth = 330, panelHeight = 210, columns = 3, margin = 20;
        var rows = (_panels.Count + columns - 1) / columns;
        var width = columns * panelWidth + margin * 2;
        var height = rows * panelHeight + 60;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">""").AppendLine();
        svg.Append(CultureInfo.InvariantCulture, $"""<rect width="{width}" height="{height}" fill="white"/><text x="{margin}" y="28" font-size="16" font-weight="bold">{Esc(title)}</text>""").AppendLine();
        string[] colours = ["#9aa5b1", "#c9a227", "#2f6fdf", "#2a9d5c"];
        for (var p = 0; p < _panels.Count; p++)
        {
            var panel = _panels[p];
            var x0 = margin + p % columns * panelWidth;
            var y0 = 50 + p / columns * panelHeight;
            var plotTop = y0 + 24;
            var plotHeight = panelHeight - 80;
            var max = Math.Max(panel.Bars.Select(b => double.IsNaN(b.Value) ? 0 : b.Value).DefaultIfEmpty(0).Max(), panel.TargetLine ?? 0) * 1.15;
            max = max <= 0 ? 1 : max;
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x0}" y="{y0 + 12}" font-weight="bold">{Esc(panel.Title)}</text>""").AppendLine();
            var barWidth = (panelWidth - 60) / Math.Max(1, panel.Bars.Count);
            for (var i = 0; i < panel.Bars.Count; i++)
            {
                var (label, value) = panel.Bars[i];
                var h = double.IsNaN(value) ? 0 : value / max * plotHeight;
                var bx = x0 + 20 + i * barWidth;
                var by = plotTop + plotHeight - h;
                svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{bx + 4}" y="{by:0.0}" width="{barWidth - 8}" height="{h:0.0}" fill="{colours[i % colours.Length]}"/>""");
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{bx + barWidth / 2}" y="{by - 3:0.0}" text-anchor="middle">{Esc(Format(value))}</text>""");
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{bx + barWidth / 2}" y="{plotTop + plotHeight + 14}" text-anchor="middle">{Esc(label)}</text>""").AppendLine();
            }
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{x0 + 20}" y1="{plotTop + plotHeight}" x2="{x0 + panelWidth - 40}" y2="{plotTop + plotHeight}" stroke="#333"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x0}" y="{plotTop + plotHeight + 30}" fill="#555">{Esc(panel.Unit)}</text>""").AppendLine();
            if (panel.TargetLine is { } t)
            {
                var ty = plotTop + plotHeight - t / max * plotHeight;
                svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{x0 + 20}" y1="{ty:0.0}" x2="{x0 + panelWidth - 40}" y2="{ty:0.0}" stroke="#d62828" stroke-dasharray="4 3"/>""");
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x0 + panelWidth - 38}" y="{ty + 4:0.0}" fill="#d62828">{Esc(panel.TargetLabel ?? "target")}</text>""").AppendLine();
            }
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
