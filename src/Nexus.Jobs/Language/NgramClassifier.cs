namespace Nexus.Jobs.Language;

/// <summary>
/// A bag-of-words classifier learned from labelled texts: the words and word pairs each text contains (those within a
/// few words after a negation marked as negated, so "not worth" is its own feature), weighted by presence, classified by
/// a <see cref="SoftmaxClassifier"/>. It sees the exact wording a mean-pooled sentence embedding blurs (negation, "too",
/// "only", "returned"); its vocabulary is whatever the training texts use at least twice, nothing hand-picked. Pure.
/// </summary>
public sealed class NgramClassifier
{
    /// <summary>Words after a negation that are read as negated, unless a clause ends first.</summary>
    public const int NegationScope = 3;

    /// <summary>Prefix of a feature read inside a negation's scope.</summary>
    public const string NegatedPrefix = "NOT_";

    /// <summary>A word or word pair must occur in this many training texts to become a feature.</summary>
    public const int MinimumTexts = 2;

    // Words that end a negation's scope ("not cheap, but sturdy"), as the clause punctuation also does.
    private static readonly HashSet<string> Turns = new(["but", "however", "although", "though", "yet"], StringComparer.Ordinal);

    // Negations beyond the normaliser's own ("not", "never", "without", ...): the ones sentiment is written with.
    private static readonly HashSet<string> MoreNegations = new(
        ["cannot", "hardly", "barely", "dont", "doesnt", "didnt", "isnt", "wasnt", "cant", "wont", "wouldnt", "couldnt", "arent", "werent", "havent", "hasnt"],
        StringComparer.Ordinal);

    private readonly Dictionary<string, int> vocabulary;
    private readonly SoftmaxClassifier classifier;

    private NgramClassifier(Dictionary<string, int> vocabulary, SoftmaxClassifier classifier)
    {
        this.vocabulary = vocabulary;
        this.classifier = classifier;
    }

    /// <summary>The labels, in the order of <see cref="Probabilities"/>: sorted ordinally.</summary>
    public IReadOnlyList<string> Labels => classifier.Labels;

    /// <summary>How many words and word pairs the classifier reads.</summary>
    public int VocabularySize => vocabulary.Count;

    /// <summary>Builds the vocabulary from <paramref name="texts"/> and fits the classifier to their labels.</summary>
    public static NgramClassifier Train(IReadOnlyList<string> texts, IReadOnlyList<string> labels, SoftmaxOptions options)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(labels);
        if (texts.Count != labels.Count)
        {
            throw new ArgumentException("Every text needs a label.", nameof(labels));
        }
        var features = texts.Select(Features).ToList();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var set in features)
        {
            foreach (var feature in set)
            {
                counts[feature] = counts.GetValueOrDefault(feature) + 1;
            }
        }
        // Ordinal order: the same texts always give the same columns, so training is deterministic.
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (feature, _) in counts.Where(c => c.Value >= MinimumTexts).OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            vocabulary[feature] = vocabulary.Count;
        }
        var rows = features.Select(f => Row(vocabulary, f)).ToList();
        var classifier = SoftmaxClassifier.TrainSparse([.. rows.Select(r => r.Columns)], [.. rows.Select(r => r.Values)], vocabulary.Count, labels, options);
        return new NgramClassifier(vocabulary, classifier);
    }

    /// <summary>The probability of each of <see cref="Labels"/> for <paramref name="text"/>.</summary>
    public double[] Probabilities(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (columns, values) = Row(vocabulary, Features(text));
        return classifier.Probabilities(columns, values);
    }

    /// <summary>
    /// The distinct features of <paramref name="text"/>: each word of <see cref="TextNormalizer.Words"/> and each pair of
    /// neighbouring words between clause punctuation, a word within <see cref="NegationScope"/> words after a negation carrying
    /// <see cref="NegatedPrefix"/> (the negation itself does not).
    /// </summary>
    public static IReadOnlySet<string> Features(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var features = new HashSet<string>(StringComparer.Ordinal);
        string? previous = null;
        var scope = 0;
        foreach (var word in TextNormalizer.Words(text))
        {
            if (word.Length == 1 && !char.IsLetterOrDigit(word[0]))
            {
                scope = 0;
                previous = null;
                continue;
            }
            string feature;
            if (Turns.Contains(word))
            {
                feature = word;
                scope = 0;
            }
            else if (IsNegation(word))
            {
                feature = word;
                scope = NegationScope;
            }
            else
            {
                feature = scope > 0 ? NegatedPrefix + word : word;
                scope = Math.Max(0, scope - 1);
            }
            features.Add(feature);
            if (previous is not null)
            {
                features.Add(previous + " " + feature);
            }
            previous = feature;
        }
        return features;
    }

    private static bool IsNegation(string word) =>
        TextNormalizer.IsNegation(word) || MoreNegations.Contains(word) || word.EndsWith("n't", StringComparison.Ordinal);

    // Presence, scaled so every text's vector has unit length whatever its length; columns in ascending order.
    private static (int[] Columns, float[] Values) Row(Dictionary<string, int> vocabulary, IReadOnlySet<string> features)
    {
        var columns = new List<int>(features.Count);
        foreach (var feature in features)
        {
            if (vocabulary.TryGetValue(feature, out var column))
            {
                columns.Add(column);
            }
        }
        columns.Sort();
        var value = columns.Count > 0 ? (float)(1 / Math.Sqrt(columns.Count)) : 0f;
        return ([.. columns], Enumerable.Repeat(value, columns.Count).ToArray());
    }
}
