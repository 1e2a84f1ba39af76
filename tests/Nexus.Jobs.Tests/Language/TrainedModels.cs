using Nexus.Jobs.AiJobs.Handlers;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

/// <summary>The handlers' text models trained on the shipped examples with the real model, once per test assembly.</summary>
internal static class TrainedModels
{
    private static readonly Lazy<SentimentModel> SentimentModel = new(() =>
    {
        var set = LabelledText.ReadTrainingSet(AiJobs.Handlers.SentimentModel.TrainingSet);
        return AiJobs.Handlers.SentimentModel.Train(set, SharedModel.Embed([.. set.Select(e => e.Text)]));
    });

    private static readonly Lazy<ReturnReasonModel> ReturnReasonModel = new(() =>
    {
        var set = LabelledText.ReadTrainingSet(AiJobs.Handlers.ReturnReasonModel.TrainingSet);
        return AiJobs.Handlers.ReturnReasonModel.Train(set, SharedModel.Embed([.. set.Select(e => e.Text)]));
    });

    public static SentimentModel Sentiment => SentimentModel.Value;

    public static ReturnReasonModel Returns => ReturnReasonModel.Value;

    /// <summary>The real model's vectors, in the shape the models' batch methods take.</summary>
    public static Task<float[][]> Embed(IReadOnlyList<string> texts) => Task.FromResult(SharedModel.Embed(texts));

    /// <summary>A labelled set copied beside the tests, e.g. ("Evaluation", "sentiment.tsv").</summary>
    public static IReadOnlyList<LabelledText> ReadSet(string folder, string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, folder, file);
        File.Exists(path).ShouldBeTrue($"{path} is missing: the labelled set must be copied beside the tests.");
        using var reader = new StreamReader(path);
        return LabelledText.ReadTsv(reader);
    }
}
