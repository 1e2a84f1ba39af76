namespace Nexus.Jobs.Compounding;

/// <summary>One row of a labelled pattern set: the theme it was written for (or <c>noise</c>), the entity it is about, its text.</summary>
public sealed record LabelledInsight(string Theme, string Entity, string Text);

/// <summary>How one labelled theme fared: the pattern that recovered it (null when none did) and how many of its insights that pattern holds.</summary>
public sealed record ThemeRecovery(string Theme, int Size, string? Pattern, int Held);

/// <summary>The score of pattern detection on a labelled set.</summary>
/// <param name="Junk">Patterns that recover no theme (mostly noise, mixed, too small a share of their theme, or a second pattern of a theme).</param>
public sealed record PatternScore(IReadOnlyList<ThemeRecovery> Themes, IReadOnlyList<DetectedPattern> Junk)
{
    /// <summary>Themes some pattern recovered.</summary>
    public int Recovered => Themes.Count(t => t.Pattern is not null);
}

/// <summary>
/// Measures pattern detection on labelled sets (tab-separated <c>theme, entity, text</c>, a header line first; rows of the
/// theme <c>noise</c> belong to no theme): a pattern recovers a theme when more than half of its supporting insights are
/// that theme's and it holds at least half of the theme's insights. Pure; the tests and the benchmark share it.
/// </summary>
public static class PatternEvaluation
{
    /// <summary>The label of rows that belong to no theme.</summary>
    public const string Noise = "noise";

    /// <summary>The rows of a tab-separated set; blank lines are skipped and the first line is the header.</summary>
    /// <exception cref="FormatException">A row has fewer than three fields.</exception>
    public static IReadOnlyList<LabelledInsight> Parse(string tsv)
    {
        ArgumentNullException.ThrowIfNull(tsv);
        var rows = new List<LabelledInsight>();
        var lines = tsv.Split('\n');
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }
            var fields = line.Split('\t', 3);
            if (fields.Length < 3)
            {
                throw new FormatException($"Line {i + 1} has {fields.Length} fields; expected theme, entity and text.");
            }
            rows.Add(new LabelledInsight(fields[0].Trim(), fields[1].Trim(), fields[2].Trim()));
        }
        return rows;
    }

    /// <summary>
    /// The rows as active insights, reinforced one hour before <paramref name="now"/>, one product entity per row (its name the
    /// row's entity); the id of row i is the Guid whose last 12 digits are i + 1, so results can be traced back to rows.
    /// </summary>
    public static IReadOnlyList<InsightRecord> Insights(IReadOnlyList<LabelledInsight> rows, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return [.. rows.Select((row, i) => new InsightRecord(
            IdOf(i), row.Text, "observation", [new InsightEntity(row.Entity, row.Entity, "product")], 0.8, 0.8, 1,
            now - TimeSpan.FromDays(1), now - TimeSpan.FromHours(1), InsightStatus.Active, null))];
    }

    /// <summary>The id <see cref="Insights"/> gives row <paramref name="row"/>.</summary>
    public static Guid IdOf(int row) => new($"00000000-0000-0000-0000-{row + 1:D12}");

    /// <summary>
    /// Runs pattern detection on a labelled set as the pipeline would (texts without their entity names embedded by
    /// <paramref name="embed"/>, the default options unless given) and scores it.
    /// </summary>
    public static (IReadOnlyList<DetectedPattern> Patterns, PatternScore Score) Run(
        IReadOnlyList<LabelledInsight> rows, Func<IReadOnlyList<string>, IReadOnlyList<float[]>> embed, PatternOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(embed);
        var now = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var insights = Insights(rows, now);
        var patterns = PatternDetection.Detect(insights, embed([.. insights.Select(PatternDetection.ThemeText)]), now, options ?? new PatternOptions(), embed);
        return (patterns, Score(rows, patterns));
    }

    /// <summary>Which labelled themes the patterns recovered and which patterns are junk.</summary>
    public static PatternScore Score(IReadOnlyList<LabelledInsight> rows, IReadOnlyList<DetectedPattern> patterns)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(patterns);
        var labelOf = new Dictionary<Guid, string>();
        for (var i = 0; i < rows.Count; i++)
        {
            labelOf[IdOf(i)] = rows[i].Theme;
        }
        var sizes = rows.Where(r => r.Theme != Noise).GroupBy(r => r.Theme, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        var best = new Dictionary<string, (DetectedPattern Pattern, int Held)>(StringComparer.Ordinal);
        var recovering = new HashSet<DetectedPattern>(ReferenceEqualityComparer.Instance);
        foreach (var pattern in patterns)
        {
            var majority = pattern.SupportingInsightIds.Select(id => labelOf.GetValueOrDefault(id, Noise))
                .GroupBy(label => label, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (Label: g.Key, Count: g.Count())).FirstOrDefault();
            if (majority.Label is null || majority.Label == Noise || majority.Count * 2 <= pattern.Support
                || majority.Count * 2 < sizes[majority.Label])
            {
                continue;
            }
            if (!best.TryGetValue(majority.Label, out var current) || majority.Count > current.Held)
            {
                best[majority.Label] = (pattern, majority.Count);
            }
        }
        foreach (var (pattern, _) in best.Values)
        {
            recovering.Add(pattern);
        }

        var themes = sizes.OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => best.TryGetValue(s.Key, out var b) ? new ThemeRecovery(s.Key, s.Value, b.Pattern.Theme, b.Held) : new ThemeRecovery(s.Key, s.Value, null, 0))
            .ToList();
        return new PatternScore(themes, [.. patterns.Where(p => !recovering.Contains(p))]);
    }
}
