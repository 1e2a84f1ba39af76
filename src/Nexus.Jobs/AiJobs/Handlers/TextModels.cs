using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>
/// The handlers' text classifiers, each trained once per process, on first use, from the labelled examples shipped in
/// <c>Language/Training/</c> embedded by the same model as the texts they will classify.
/// </summary>
/// <remarks>
/// Training from the examples rather than loading fitted weights keeps the model readable (a reviewer reads sentences,
/// not numbers) and always in step with the embedding model: a new model or a new example needs no regeneration step.
/// It costs embedding the ~2,000 examples once per worker process (6-12 s on two busy cores); fitting takes about a
/// second.
/// </remarks>
public sealed class TextModels(IEmbeddingGenerator<string, Embedding<float>> generator, ILogger<TextModels> logger)
{
    private readonly Once<SentimentModel> sentiment = new();
    private readonly Once<ReturnReasonModel> returnReasons = new();

    /// <summary>The review sentiment model, trained on the first call.</summary>
    public Task<SentimentModel> SentimentAsync(CancellationToken cancellationToken) =>
        sentiment.GetAsync(async () =>
        {
            var (examples, vectors) = await EmbedTrainingSetAsync(SentimentModel.TrainingSet, cancellationToken);
            return SentimentModel.Train(examples, vectors);
        }, cancellationToken);

    /// <summary>The return reason model, trained on the first call.</summary>
    public Task<ReturnReasonModel> ReturnReasonsAsync(CancellationToken cancellationToken) =>
        returnReasons.GetAsync(async () =>
        {
            var (examples, vectors) = await EmbedTrainingSetAsync(ReturnReasonModel.TrainingSet, cancellationToken);
            return ReturnReasonModel.Train(examples, vectors);
        }, cancellationToken);

    /// <summary>
    /// The unit vectors of <paramref name="texts"/> straight from the model, stored nowhere: for training and for
    /// evaluating on labelled sets (the handlers go through <see cref="EmbeddingStore"/>).
    /// </summary>
    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var embeddings = await generator.GenerateAsync(texts, cancellationToken: cancellationToken);
        return [.. embeddings.Select(e =>
        {
            var vector = e.Vector.ToArray();
            Vectors.Normalize(vector);
            return vector;
        })];
    }

    private async Task<(IReadOnlyList<LabelledText>, float[][])> EmbedTrainingSetAsync(string set, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var examples = LabelledText.ReadTrainingSet(set);
        var vectors = await EmbedAsync([.. examples.Select(e => e.Text)], cancellationToken);
        logger.LogInformation("Embedded the {Count} examples of {Set} for training in {Elapsed} ms",
            examples.Count, set, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return (examples, vectors);
    }

    // Built once; a build that fails or is cancelled is not kept, so the next caller tries again.
    private sealed class Once<T> where T : class
    {
        private readonly SemaphoreSlim gate = new(1, 1);
        private T? value;

        public async Task<T> GetAsync(Func<Task<T>> build, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref value) is { } built)
            {
                return built;
            }
            await gate.WaitAsync(cancellationToken);
            try
            {
                var result = value;
                if (result is null)
                {
                    result = await build();
                    Volatile.Write(ref value, result);
                }
                return result;
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
