using System.Globalization;
using System.Text;

namespace Nexus.Jobs.Language;

/// <summary>How one label fared: of the items that have it, and of the items given it.</summary>
/// <param name="Support">Items whose true label this is.</param>
/// <param name="Predicted">Items the classifier gave this label.</param>
/// <param name="Correct">Items both true and given.</param>
public sealed record LabelScore(string Label, int Support, int Predicted, int Correct)
{
    /// <summary>Of the items given this label, the share that have it (1 when none were given).</summary>
    public double Precision => Predicted == 0 ? 1 : (double)Correct / Predicted;

    /// <summary>Of the items that have this label, the share given it (1 when none have it).</summary>
    public double Recall => Support == 0 ? 1 : (double)Correct / Support;
}

/// <summary>A classifier's results on a labelled set.</summary>
/// <param name="Labels">Every label seen, true or predicted, sorted ordinally: the rows and columns of <paramref name="Confusion"/>.</param>
/// <param name="Confusion">Confusion[true][predicted]: item counts.</param>
/// <param name="CalibrationError">How far the stated confidences were from the accuracy (see <see cref="Evaluation.CalibrationError"/>), when they were given.</param>
public sealed record EvaluationReport(int Count, double Accuracy, IReadOnlyList<LabelScore> PerLabel, IReadOnlyList<string> Labels, int[][] Confusion, double? CalibrationError = null)
{
    /// <summary>Accuracy, each label's precision and recall, and the confusion matrix as plain text.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"accuracy {Accuracy:F3} on {Count} items");
        text.Append(CalibrationError is { } error ? string.Create(CultureInfo.InvariantCulture, $", calibration error {error:F3}\n") : "\n");
        var width = Math.Max(9, Labels.Max(l => l.Length));
        foreach (var score in PerLabel)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{score.Label.PadRight(width)}  precision {score.Precision:F3}  recall {score.Recall:F3}  ({score.Correct} of {score.Support} found, {score.Predicted} given)\n");
        }
        text.Append("true \\ given".PadRight(width)).Append(string.Concat(Labels.Select(l => " " + Abbreviate(l).PadLeft(6)))).Append('\n');
        for (var t = 0; t < Labels.Count; t++)
        {
            text.Append(Labels[t].PadRight(width)).Append(string.Concat(Confusion[t].Select(c => " " + c.ToString(CultureInfo.InvariantCulture).PadLeft(6)))).Append('\n');
        }
        return text.ToString();
    }

    private static string Abbreviate(string label) => label.Length <= 6 ? label : label[..6];
}

/// <summary>Scores a classifier's answers against a labelled set: accuracy, per-label precision and recall, confusion. Pure.</summary>
public static class Evaluation
{
    /// <summary>Compares <paramref name="predicted"/> with <paramref name="expected"/>, item by item, and the stated confidences with the outcomes.</summary>
    public static EvaluationReport Score(IReadOnlyList<string> expected, IReadOnlyList<string> predicted, IReadOnlyList<double> confidences)
    {
        ArgumentNullException.ThrowIfNull(confidences);
        var report = Score(expected, predicted);
        var correct = expected.Zip(predicted, (e, p) => string.Equals(e, p, StringComparison.Ordinal)).ToArray();
        return report with { CalibrationError = CalibrationError(confidences, correct) };
    }

    /// <summary>Compares <paramref name="predicted"/> with <paramref name="expected"/>, item by item.</summary>
    public static EvaluationReport Score(IReadOnlyList<string> expected, IReadOnlyList<string> predicted)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(predicted);
        if (expected.Count != predicted.Count)
        {
            throw new ArgumentException($"{expected.Count} expected labels but {predicted.Count} predicted.", nameof(predicted));
        }
        if (expected.Count == 0)
        {
            throw new ArgumentException("An evaluation needs at least one item.", nameof(expected));
        }
        var labels = expected.Concat(predicted).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var confusion = labels.Select(_ => new int[labels.Length]).ToArray();
        var correct = 0;
        for (var i = 0; i < expected.Count; i++)
        {
            confusion[index[expected[i]]][index[predicted[i]]]++;
            if (string.Equals(expected[i], predicted[i], StringComparison.Ordinal))
            {
                correct++;
            }
        }
        var perLabel = labels.Select((label, l) => new LabelScore(label,
            Support: confusion[l].Sum(), Predicted: confusion.Sum(row => row[l]), Correct: confusion[l][l])).ToArray();
        return new EvaluationReport(expected.Count, (double)correct / expected.Count, perLabel, labels, confusion);
    }

    /// <summary>
    /// Expected calibration error: items grouped by stated confidence into <paramref name="bins"/> equal-width bins, the
    /// gap between each bin's mean confidence and its accuracy, weighted by the bin's share of items. 0 is honest.
    /// </summary>
    public static double CalibrationError(IReadOnlyList<double> confidences, IReadOnlyList<bool> correct, int bins = 10)
    {
        ArgumentNullException.ThrowIfNull(confidences);
        ArgumentNullException.ThrowIfNull(correct);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (confidences.Count != correct.Count)
        {
            throw new ArgumentException($"{confidences.Count} confidences but {correct.Count} outcomes.", nameof(correct));
        }
        if (confidences.Count == 0)
        {
            return 0;
        }
        var count = new int[bins];
        var confidenceSum = new double[bins];
        var correctSum = new int[bins];
        for (var i = 0; i < confidences.Count; i++)
        {
            var bin = Math.Clamp((int)(confidences[i] * bins), 0, bins - 1);
            count[bin]++;
            confidenceSum[bin] += confidences[i];
            correctSum[bin] += correct[i] ? 1 : 0;
        }
        var error = 0.0;
        for (var b = 0; b < bins; b++)
        {
            if (count[b] > 0)
            {
                error += Math.Abs(confidenceSum[b] / count[b] - (double)correctSum[b] / count[b]) * count[b] / confidences.Count;
            }
        }
        return error;
    }
}
