using System.Text.RegularExpressions;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>
/// Review sentiment learned from labelled reviews: a softmax classifier over sentence embeddings, joined by a vote of
/// the nearest training reviews, reads the whole review and each of its clauses, and the clauses' verdicts (later ones
/// weighing more) are blended with the whole one; a bag-of-words classifier trained on the same reviews then adds what
/// the exact wording says (see <see cref="NgramWeight"/>). Pure: the vectors come from outside.
/// </summary>
public sealed partial class SentimentModel
{
    /// <summary>The shipped training set (<c>Language/Training/sentiment.tsv</c>).</summary>
    public const string TrainingSet = "sentiment.tsv";

    /// <summary>A review the classifier thinks well of.</summary>
    public const string Positive = "positive";

    /// <summary>A review that is neither, or both in equal measure.</summary>
    public const string Neutral = "neutral";

    /// <summary>A review the classifier thinks ill of.</summary>
    public const string Negative = "negative";

    /// <summary>
    /// The penalty: on a 5-fold split of the shipped set (whole reviews only) 1e-3, 3e-4 and 1e-4 were right on 0.814,
    /// 0.818 and 0.817 of the reviews; smaller penalties fit the training reviews ever closer and new ones no better.
    /// </summary>
    public static readonly SoftmaxOptions Training = new(L2: 3e-4);

    /// <summary>
    /// The blended probabilities are raised to 1 / this: averaging the parts' verdicts makes them less sure than the
    /// model is right. With every part in place (the word classifier included), 0.5 brought the expected calibration
    /// error on a 5-fold split of the training set from 0.202 to 0.051, on the two development sets from 0.252 and 0.167
    /// to 0.098 and 0.061, and on the harder reviews from 0.160 to 0.038 (0.6 and 0.7 were between); no label changes.
    /// </summary>
    public const double Temperature = 0.5;

    /// <summary>
    /// Share of the verdict that comes from the bag-of-words classifier (<see cref="NgramClassifier"/>) rather than the
    /// embeddings. Mean pooling blurs the words that turn a review ("not", "too", "only", "returned"); a classifier over
    /// the words themselves keeps them. Alone it is weaker (0.86 on the development reviews against 0.88), blended it
    /// lifted every measure: at 0.4 the development reviews from 0.883 to 0.942, a second development set from 0.740 to
    /// 0.790, the harder reviews from 0.750 to 0.771 and a 5-fold split of the training set from 0.822 to 0.862; 0.3 and
    /// 0.5 did a little less, marking negated words a little more than not marking them.
    /// </summary>
    public const double NgramWeight = 0.4;

    /// <summary>
    /// Share of the verdict that comes from the clauses rather than the whole review. Measured before the neighbour vote
    /// was added: on the development reviews, the whole review alone was right on 0.833, blended half and half with its clauses on 0.858; on a 5-fold split of the
    /// training set 0.818 and 0.832. Blending in only the clause after the last "but" or "however" reached 0.842 and
    /// 0.825, the last clause alone 0.858 and 0.829. (Also classifying each negated clause with its negation removed,
    /// the verdict flipped, as VADER flips a negated word, made no measurable difference: 0.858 and 0.832 at a fifth
    /// of the weight, 0.867 and 0.830 at three tenths, worse above; it is not done.)
    /// </summary>
    public const double ClauseWeight = 0.5;

    /// <summary>Training reviews that vote on each piece.</summary>
    public const int Neighbours = 20;

    /// <summary>How fast a neighbour's vote fades with its distance (see <see cref="NearestExamples"/>).</summary>
    public const double NeighbourSharpness = 0.05;

    /// <summary>
    /// Share of each piece's verdict that comes from its nearest training reviews rather than the classifier. With the
    /// vote at 0.3 (20 neighbours, sharpness 0.05) the development reviews went from 0.858 to 0.883 and the harder
    /// development set (longer, implicit reviews) from 0.725 to 0.750; 10 or 40 neighbours and sharpness 0.1 did about
    /// as well, a weight of 0.4 no better. (On a 5-fold split of the training set it lost a point, 0.832 to 0.822: the
    /// set holds the same topics written positive, negative and neutral, so a held-out review's nearest neighbour is
    /// often its own twin with the opposite label, which new reviews do not have.)
    /// </summary>
    public const double NeighbourWeight = 0.3;

    // Where a review turns: sentence ends, and the words that introduce a contrast or concession.
    [GeneratedRegex(@"(?<=[.!?;])\s+|\s*\b(?:but|however|although|though|yet)\b\s*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClauseBreak();

    private readonly SoftmaxClassifier classifier;
    private readonly NearestExamples examples;
    private readonly NgramClassifier words;
    private readonly int positive;
    private readonly int negative;

    private SentimentModel(SoftmaxClassifier classifier, NearestExamples examples, NgramClassifier words)
    {
        this.classifier = classifier;
        this.examples = examples;
        this.words = words;
        if (!words.Labels.SequenceEqual(classifier.Labels))
        {
            throw new ArgumentException("The word and embedding classifiers must share their labels.", nameof(words));
        }
        positive = IndexOf(classifier.Labels, Positive);
        negative = IndexOf(classifier.Labels, Negative);
        IndexOf(classifier.Labels, Neutral);
    }

    /// <summary>Fits the model to labelled reviews (positive, neutral, negative) and their vectors, in order.</summary>
    public static SentimentModel Train(IReadOnlyList<LabelledText> examples, IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var labels = examples.Select(e => e.Label).ToArray();
        var classifier = SoftmaxClassifier.Train(vectors, labels, Training);
        var words = NgramClassifier.Train([.. examples.Select(e => e.Text)], labels, Training);
        return new SentimentModel(classifier, new NearestExamples(vectors, labels, classifier.Labels), words);
    }

    /// <summary>
    /// The parts of a review that are embedded: the review itself first, then its clauses when it has more than one
    /// (split at sentence ends and at "but", "however", "although", "though", "yet"; fragments under 3 characters dropped).
    /// </summary>
    public static IReadOnlyList<string> Pieces(string review)
    {
        ArgumentNullException.ThrowIfNull(review);
        var clauses = ClauseBreak().Split(review)
            .Select(c => c.Trim().Trim(',', '.', ';', ':', '!', '?', '-').Trim())
            .Where(c => c.Length >= 3)
            .ToList();
        return clauses.Count > 1 ? [review, .. clauses] : [review];
    }

    /// <summary>
    /// Scores <paramref name="review"/> from its words and the vectors of its <see cref="Pieces"/>, in the same order. The
    /// label is the most probable class, its probability the confidence, and the score P(positive) - P(negative), in
    /// -1..1 (after sharpening by <see cref="Temperature"/>).
    /// </summary>
    public SentimentScore Score(string review, IReadOnlyList<float[]> pieceVectors)
    {
        ArgumentNullException.ThrowIfNull(review);
        ArgumentNullException.ThrowIfNull(pieceVectors);
        if (pieceVectors.Count == 0)
        {
            throw new ArgumentException("A review has at least its own vector.", nameof(pieceVectors));
        }
        var p = PieceProbabilities(pieceVectors[0]);
        var clauses = pieceVectors.Count - 1;
        if (clauses > 0)
        {
            // A review's conclusion tends to come last ("good at first, but it broke"): clause j of n weighs j, so the
            // last one counts most without silencing the rest.
            var totalWeight = clauses * (clauses + 1) / 2.0;
            var blended = new double[p.Length];
            for (var j = 1; j <= clauses; j++)
            {
                var q = PieceProbabilities(pieceVectors[j]);
                for (var c = 0; c < p.Length; c++)
                {
                    blended[c] += q[c] * j / totalWeight;
                }
            }
            for (var c = 0; c < p.Length; c++)
            {
                p[c] = (1 - ClauseWeight) * p[c] + ClauseWeight * blended[c];
            }
        }
        var w = words.Probabilities(review);
        for (var c = 0; c < p.Length; c++)
        {
            p[c] = (1 - NgramWeight) * p[c] + NgramWeight * w[c];
        }
        Sharpen(p, Temperature);
        var best = 0;
        for (var c = 1; c < p.Length; c++)
        {
            if (p[c] > p[best])
            {
                best = c;
            }
        }
        return new SentimentScore(p[positive] - p[negative], classifier.Labels[best], p[best]);
    }

    // The classifier's probabilities for one piece, blended with the vote of its nearest training reviews.
    private double[] PieceProbabilities(float[] vector)
    {
        var p = classifier.Probabilities(vector);
        var vote = examples.Vote(vector, Neighbours, NeighbourSharpness);
        for (var c = 0; c < p.Length; c++)
        {
            p[c] = (1 - NeighbourWeight) * p[c] + NeighbourWeight * vote[c];
        }
        return p;
    }

    /// <summary>
    /// Scores every review: embeds all their <see cref="Pieces"/> in one call to <paramref name="embed"/> (which returns
    /// one vector per text, in order), then <see cref="Score"/>s each.
    /// </summary>
    public async Task<IReadOnlyList<SentimentScore>> ScoreAsync(IReadOnlyList<string> reviews, Func<IReadOnlyList<string>, Task<float[][]>> embed)
    {
        ArgumentNullException.ThrowIfNull(reviews);
        ArgumentNullException.ThrowIfNull(embed);
        var pieces = reviews.Select(Pieces).ToList();
        var vectors = await embed([.. pieces.SelectMany(p => p)]);
        var scores = new SentimentScore[reviews.Count];
        var start = 0;
        for (var i = 0; i < reviews.Count; i++)
        {
            scores[i] = Score(reviews[i], vectors[start..(start + pieces[i].Count)]);
            start += pieces[i].Count;
        }
        return scores;
    }

    /// <summary>Scores a labelled set (positive, neutral, negative) and compares the labels and confidences with the truth.</summary>
    public async Task<EvaluationReport> EvaluateAsync(IReadOnlyList<LabelledText> set, Func<IReadOnlyList<string>, Task<float[][]>> embed)
    {
        ArgumentNullException.ThrowIfNull(set);
        var scores = await ScoreAsync([.. set.Select(e => e.Text)], embed);
        return Evaluation.Score([.. set.Select(e => e.Label)], [.. scores.Select(s => s.Label)], [.. scores.Select(s => s.Confidence)]);
    }

    /// <summary>Raises each probability to 1 / <paramref name="temperature"/> and renormalises, in place; the order is kept.</summary>
    public static void Sharpen(double[] p, double temperature)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        var sum = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            p[c] = Math.Pow(p[c], 1 / temperature);
            sum += p[c];
        }
        for (var c = 0; c < p.Length; c++)
        {
            p[c] /= sum;
        }
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }
        throw new ArgumentException($"The sentiment examples have no \"{label}\" reviews.");
    }
}
