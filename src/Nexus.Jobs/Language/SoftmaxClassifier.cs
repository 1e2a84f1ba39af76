using System.Numerics.Tensors;

namespace Nexus.Jobs.Language;

/// <summary>How <see cref="SoftmaxClassifier.Train"/> fits its weights.</summary>
/// <param name="L2">Weight of the squared-norm penalty on the weights (not the biases); larger is smoother and less sure.</param>
/// <param name="MaxIterations">Full-batch steps at most.</param>
/// <param name="Tolerance">Training stops once no component of the gradient exceeds this.</param>
public sealed record SoftmaxOptions(double L2 = 1e-3, int MaxIterations = 3000, double Tolerance = 1e-4);

/// <summary>
/// Multinomial logistic regression over fixed-length vectors (sentence embeddings): one weight vector and bias per
/// label, probabilities by softmax. Trained by deterministic full-batch accelerated gradient descent on the mean
/// cross-entropy plus an L2 penalty, so the same examples always give the same weights. Pure.
/// </summary>
public sealed class SoftmaxClassifier
{
    private readonly double[][] weights;
    private readonly double[] biases;

    private SoftmaxClassifier(IReadOnlyList<string> labels, double[][] weights, double[] biases, int iterations)
    {
        Labels = labels;
        this.weights = weights;
        this.biases = biases;
        Iterations = iterations;
    }

    /// <summary>The labels, in the order of <see cref="Probabilities(ReadOnlySpan{float})"/>: sorted ordinally.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Width of the vectors the classifier reads.</summary>
    public int Dimensions => weights[0].Length;

    /// <summary>Steps training took (fewer than the maximum when it converged).</summary>
    public int Iterations { get; }

    /// <summary>Fits one weight vector and bias per distinct label of <paramref name="labels"/>.</summary>
    /// <param name="vectors">The examples, all of one width.</param>
    /// <param name="labels">The label of each example; at least two distinct ones.</param>
    public static SoftmaxClassifier Train(IReadOnlyList<float[]> vectors, IReadOnlyList<string> labels, SoftmaxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(labels);
        if (vectors.Count == 0)
        {
            throw new ArgumentException("A classifier needs examples.", nameof(vectors));
        }
        var dimensions = vectors[0].Length;
        if (vectors.Any(v => v.Length != dimensions))
        {
            throw new ArgumentException("The vectors differ in width.", nameof(vectors));
        }
        return Fit(new DenseRows([.. vectors.Select(v => Array.ConvertAll(v, f => (double)f))]), dimensions, labels, options);
    }

    /// <summary>
    /// Fits the same model to sparse examples (bags of words): example i has the value <paramref name="values"/>[i][j] in
    /// column <paramref name="columns"/>[i][j] and zero elsewhere. Training costs in proportion to the non-zero values, not
    /// to the width.
    /// </summary>
    public static SoftmaxClassifier TrainSparse(
        IReadOnlyList<int[]> columns, IReadOnlyList<float[]> values, int dimensions, IReadOnlyList<string> labels, SoftmaxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegative(dimensions);
        if (columns.Count != values.Count || columns.Where((c, i) => c.Length != values[i].Length).Any())
        {
            throw new ArgumentException("Every column needs its value.", nameof(values));
        }
        if (columns.Any(c => c.Any(d => d < 0 || d >= dimensions)))
        {
            throw new ArgumentException($"A column is outside 0..{dimensions - 1}.", nameof(columns));
        }
        return Fit(new SparseRows(columns, [.. values.Select(v => Array.ConvertAll(v, f => (double)f))]), dimensions, labels, options);
    }

    private static SoftmaxClassifier Fit(Rows x, int dimensions, IReadOnlyList<string> labels, SoftmaxOptions? options)
    {
        options ??= new SoftmaxOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.L2);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxIterations, 1);
        if (x.Count != labels.Count)
        {
            throw new ArgumentException($"{x.Count} examples but {labels.Count} labels.", nameof(labels));
        }
        var names = labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (names.Length < 2)
        {
            throw new ArgumentException("A classifier needs examples of at least two labels.", nameof(labels));
        }
        var index = names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var y = labels.Select(l => index[l]).ToArray();
        var k = names.Length;

        // The Hessian of the softmax loss is at most half the largest squared norm of an input (bias included) times the
        // identity, plus the penalty: its reciprocal is a step that never overshoots.
        var maxNorm = Enumerable.Range(0, x.Count).Max(x.SquaredNorm) + 1;
        var step = 1 / (0.5 * maxNorm + options.L2);

        // Nesterov's method: the gradient is taken at a look-ahead point (lookW, lookB) past the last iterate in the
        // direction it was moving. The momentum restarts whenever that direction goes uphill (O'Donoghue and Candes,
        // 2015), which keeps the method fast on a well-conditioned problem instead of oscillating around the optimum.
        var w = NewMatrix(k, dimensions);
        var b = new double[k];
        var lookW = NewMatrix(k, dimensions);
        var lookB = new double[k];
        var gradW = NewMatrix(k, dimensions);
        var gradB = new double[k];
        var moveW = NewMatrix(k, dimensions);
        var moveB = new double[k];
        var probabilities = new double[k];
        var iterations = 0;
        var sinceRestart = 0;
        while (iterations < options.MaxIterations)
        {
            iterations++;
            sinceRestart++;
            Gradient(x, y, lookW, lookB, options.L2, gradW, gradB, probabilities);
            var uphill = 0.0;
            for (var c = 0; c < k; c++)
            {
                for (var d = 0; d < dimensions; d++)
                {
                    var next = lookW[c][d] - step * gradW[c][d];
                    moveW[c][d] = next - w[c][d];
                    w[c][d] = next;
                    uphill += gradW[c][d] * moveW[c][d];
                }
                var nextB = lookB[c] - step * gradB[c];
                moveB[c] = nextB - b[c];
                b[c] = nextB;
                uphill += gradB[c] * moveB[c];
            }
            var largest = Math.Max(gradB.Max(Math.Abs), gradW.Max(row => Math.Abs(TensorPrimitives.MaxMagnitude(row))));
            if (largest <= options.Tolerance)
            {
                break;
            }
            if (uphill > 0)
            {
                sinceRestart = 0;
            }
            var momentum = sinceRestart / (sinceRestart + 3.0);
            for (var c = 0; c < k; c++)
            {
                TensorPrimitives.MultiplyAdd(moveW[c], momentum, w[c], lookW[c]);
                lookB[c] = b[c] + momentum * moveB[c];
            }
        }
        return new SoftmaxClassifier(names, w, b, iterations);
    }

    /// <summary>The probability of each of <see cref="Labels"/> for <paramref name="vector"/>; they sum to 1.</summary>
    public double[] Probabilities(ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimensions)
        {
            throw new ArgumentException($"The classifier reads vectors of {Dimensions} components, not {vector.Length}.", nameof(vector));
        }
        var x = new double[vector.Length];
        for (var d = 0; d < x.Length; d++)
        {
            x[d] = vector[d];
        }
        var result = new double[Labels.Count];
        Softmax(x, weights, biases, result);
        return result;
    }

    /// <summary>The probability of each of <see cref="Labels"/> for a sparse example (see <see cref="TrainSparse"/>).</summary>
    public double[] Probabilities(ReadOnlySpan<int> columns, ReadOnlySpan<float> values)
    {
        if (columns.Length != values.Length)
        {
            throw new ArgumentException("Every column needs its value.", nameof(values));
        }
        var result = new double[Labels.Count];
        for (var c = 0; c < result.Length; c++)
        {
            var logit = biases[c];
            for (var j = 0; j < columns.Length; j++)
            {
                logit += weights[c][columns[j]] * values[j];
            }
            result[c] = logit;
        }
        Normalize(result);
        return result;
    }

    /// <summary>The most probable label and its probability (ties go to the label sorted first).</summary>
    public (string Label, double Probability) Predict(ReadOnlySpan<float> vector)
    {
        var p = Probabilities(vector);
        var best = 0;
        for (var c = 1; c < p.Length; c++)
        {
            if (p[c] > p[best])
            {
                best = c;
            }
        }
        return (Labels[best], p[best]);
    }

    private static void Gradient(Rows x, int[] y, double[][] w, double[] b, double l2, double[][] gradW, double[] gradB, double[] probabilities)
    {
        var k = w.Length;
        foreach (var row in gradW)
        {
            Array.Clear(row);
        }
        Array.Clear(gradB);
        for (var i = 0; i < x.Count; i++)
        {
            for (var c = 0; c < k; c++)
            {
                probabilities[c] = x.Dot(i, w[c]) + b[c];
            }
            Normalize(probabilities);
            probabilities[y[i]] -= 1;
            for (var c = 0; c < k; c++)
            {
                // d(cross-entropy)/d(logit c) = p(c) - [c is the label]
                x.AddScaled(i, probabilities[c], gradW[c]);
                gradB[c] += probabilities[c];
            }
        }
        var scale = 1.0 / x.Count;
        for (var c = 0; c < k; c++)
        {
            TensorPrimitives.Multiply(gradW[c], scale, gradW[c]);
            TensorPrimitives.MultiplyAdd(w[c], l2, gradW[c], gradW[c]);
            gradB[c] *= scale;
        }
    }

    private static void Softmax(double[] x, double[][] w, double[] b, double[] result)
    {
        for (var c = 0; c < w.Length; c++)
        {
            result[c] = TensorPrimitives.Dot(w[c], x) + b[c];
        }
        Normalize(result);
    }

    // Logits to probabilities, in place.
    private static void Normalize(double[] result)
    {
        // Shifted by the largest logit, so exp never overflows.
        var max = TensorPrimitives.Max(result);
        var sum = 0.0;
        for (var c = 0; c < result.Length; c++)
        {
            result[c] = Math.Exp(result[c] - max);
            sum += result[c];
        }
        for (var c = 0; c < result.Length; c++)
        {
            result[c] /= sum;
        }
    }

    private static double[][] NewMatrix(int rows, int columns)
    {
        var matrix = new double[rows][];
        for (var r = 0; r < rows; r++)
        {
            matrix[r] = new double[columns];
        }
        return matrix;
    }

    // The examples, dense or sparse: what training needs of them.
    private abstract class Rows
    {
        public abstract int Count { get; }

        public abstract double SquaredNorm(int i);

        public abstract double Dot(int i, double[] w);

        public abstract void AddScaled(int i, double scale, double[] target);
    }

    private sealed class DenseRows(double[][] x) : Rows
    {
        public override int Count => x.Length;

        public override double SquaredNorm(int i) => TensorPrimitives.Dot(x[i], x[i]);

        public override double Dot(int i, double[] w) => TensorPrimitives.Dot(w, x[i]);

        public override void AddScaled(int i, double scale, double[] target) => TensorPrimitives.MultiplyAdd(x[i], scale, target, target);
    }

    private sealed class SparseRows(IReadOnlyList<int[]> columns, double[][] values) : Rows
    {
        public override int Count => columns.Count;

        public override double SquaredNorm(int i) => TensorPrimitives.Dot(values[i], values[i]);

        public override double Dot(int i, double[] w)
        {
            var sum = 0.0;
            var row = columns[i];
            for (var j = 0; j < row.Length; j++)
            {
                sum += w[row[j]] * values[i][j];
            }
            return sum;
        }

        public override void AddScaled(int i, double scale, double[] target)
        {
            var row = columns[i];
            for (var j = 0; j < row.Length; j++)
            {
                target[row[j]] += scale * values[i][j];
            }
        }
    }
}
