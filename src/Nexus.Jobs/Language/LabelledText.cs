namespace Nexus.Jobs.Language;

/// <summary>A text and the label a person gave it: one line of a training or evaluation set.</summary>
public sealed record LabelledText(string Label, string Text)
{
    /// <summary>
    /// The examples of a tab-separated set: a header line, then <c>label&lt;TAB&gt;text</c> per line. Blank lines are
    /// skipped; the text is everything after the first tab.
    /// </summary>
    /// <exception cref="FormatException">A line has no tab, or an empty label or text.</exception>
    public static IReadOnlyList<LabelledText> ReadTsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var examples = new List<LabelledText>();
        if (reader.ReadLine() is null)
        {
            return examples;
        }
        var number = 1;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var label = tab < 0 ? "" : line[..tab].Trim();
            var text = tab < 0 ? "" : line[(tab + 1)..].Trim();
            if (label.Length == 0 || text.Length == 0)
            {
                throw new FormatException($"Line {number} is not label<TAB>text: \"{line}\".");
            }
            examples.Add(new LabelledText(label, text));
        }
        return examples;
    }

    /// <summary>The examples of a set that ships inside this assembly, under <c>Language/Training/</c>.</summary>
    public static IReadOnlyList<LabelledText> ReadTrainingSet(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var name = $"language/training/{fileName}";
        using var stream = typeof(LabelledText).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The training set {name} is not embedded in {typeof(LabelledText).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return ReadTsv(reader);
    }
}
