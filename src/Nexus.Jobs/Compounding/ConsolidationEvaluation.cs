namespace Nexus.Jobs.Compounding;

/// <summary>Two texts, labelled: whether they state the same fact, and what kind of pair they are (paraphrase, antonym...).</summary>
public sealed record LabelledPair(bool Same, string Kind, string TextA, string TextB);

/// <summary>How consolidation did on the pairs of one kind.</summary>
/// <param name="Merged">Pairs consolidation merged.</param>
/// <param name="Correct">Pairs merged when labelled same, or kept apart when labelled different.</param>
public sealed record KindResult(string Kind, int Pairs, int Merged, int Correct);

/// <summary>Pair precision and recall of consolidation on labelled pairs, overall and per kind.</summary>
/// <param name="Precision">Merged pairs labelled same / merged pairs (1 when nothing merged).</param>
/// <param name="Recall">Merged pairs labelled same / pairs labelled same.</param>
public sealed record PairEvaluation(double Precision, double Recall, int TruePositives, int FalsePositives, int FalseNegatives, IReadOnlyList<KindResult> Kinds);

/// <summary>Measures <see cref="Consolidation.Find"/> on labelled pairs, as the tests and the benchmark do. Pure.</summary>
public static class ConsolidationEvaluation
{
    /// <summary>Pairs from a tab-separated file with the header <c>label kind text_a text_b</c>; label is same or different.</summary>
    /// <exception cref="FormatException">A missing header, a row of another width, or a label other than same/different.</exception>
    public static IReadOnlyList<LabelledPair> ParseTsv(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var lines = content.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0 || lines[0] != "label\tkind\ttext_a\ttext_b")
        {
            throw new FormatException("The first line must be the header: label, kind, text_a, text_b, separated by tabs.");
        }
        var pairs = new List<LabelledPair>();
        for (var n = 1; n < lines.Count; n++)
        {
            var fields = lines[n].Split('\t');
            if (fields.Length != 4)
            {
                throw new FormatException($"Line {n + 1} has {fields.Length} fields, not 4.");
            }
            var same = fields[0] switch
            {
                "same" => true,
                "different" => false,
                _ => throw new FormatException($"Line {n + 1}: label '{fields[0]}' is neither same nor different."),
            };
            pairs.Add(new LabelledPair(same, fields[1], fields[2], fields[3]));
        }
        return pairs;
    }

    /// <summary>
    /// Runs consolidation once over all pairs, each pair as two insights about one entity of their own (so that pairs
    /// never meet), and counts which pairs it merged.
    /// </summary>
    /// <param name="embed">The unit vector of each text, in order (the model, or stored vectors).</param>
    public static PairEvaluation Evaluate(IReadOnlyList<LabelledPair> pairs, Func<IReadOnlyList<string>, IReadOnlyList<float[]>> embed, ConsolidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(embed);
        var insights = new List<InsightRecord>(pairs.Count * 2);
        var texts = new List<string>(pairs.Count * 2);
        var at = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var k = 0; k < pairs.Count; k++)
        {
            var entity = new InsightEntity($"pair-{k}", $"pair {k}", "evaluation");
            foreach (var (text, side) in new[] { (pairs[k].TextA, 0), (pairs[k].TextB, 1) })
            {
                insights.Add(new InsightRecord(IdOf(k, side), text, "observation", [entity], 0.5, 0.5, 1, at, at, InsightStatus.Active, null));
                texts.Add(text);
            }
        }
        var vectors = embed(texts);
        var groups = Consolidation.Find(insights, vectors, options);

        var merged = new bool[pairs.Count];
        foreach (var group in groups)
        {
            var members = group.MergedIds.Append(group.CanonicalId).Select(PairOf).Distinct().ToList();
            if (members.Count == 1)
            {
                merged[members[0]] = true;
            }
        }

        int truePositives = 0, falsePositives = 0, falseNegatives = 0;
        for (var k = 0; k < pairs.Count; k++)
        {
            truePositives += merged[k] && pairs[k].Same ? 1 : 0;
            falsePositives += merged[k] && !pairs[k].Same ? 1 : 0;
            falseNegatives += !merged[k] && pairs[k].Same ? 1 : 0;
        }
        var kinds = Enumerable.Range(0, pairs.Count)
            .GroupBy(k => pairs[k].Kind, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new KindResult(g.Key, g.Count(), g.Count(k => merged[k]), g.Count(k => merged[k] == pairs[k].Same)))
            .ToList();
        var predicted = truePositives + falsePositives;
        var positives = truePositives + falseNegatives;
        return new PairEvaluation(
            predicted == 0 ? 1 : (double)truePositives / predicted,
            positives == 0 ? 1 : (double)truePositives / positives,
            truePositives, falsePositives, falseNegatives, kinds);
    }

    private static Guid IdOf(int pair, int side) => new($"{pair:x8}-0000-0000-0000-{side:x12}");

    private static int PairOf(Guid id) => int.Parse(id.ToString()[..8], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
}
