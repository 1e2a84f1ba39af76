using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;
using Nexus.Jobs.Language;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>Vectors as data in <c>nexus.embeddings</c>: computed once per text and model, read back ever after.</summary>
public sealed class EmbeddingStoreTests
{
    private static async Task<NpgsqlDataSource> DataSourceAsync() => (await NexusApp.SharedAsync()).Service<NpgsqlDataSource>();

    [Fact]
    public async Task GetOrCreate_EmbedsEachTextOnce_AndTheSecondCallEmbedsNothing()
    {
        var generator = new CountingGenerator();
        var store = new EmbeddingStore(await DataSourceAsync(), generator);
        string[] texts = ["The kettle arrived late", "Battery drains overnight", "Lid does not close"];

        var first = await store.GetOrCreateAsync(texts, CancellationToken.None);
        var second = await store.GetOrCreateAsync(texts, CancellationToken.None);

        generator.Embedded.ShouldBe(texts, ignoreOrder: true);
        generator.Calls.ShouldBe(1);
        second.ShouldBe(first);
        first.ShouldBe(texts.Select(CountingGenerator.UnitVectorOf));
    }

    [Fact]
    public async Task GetOrCreate_ReadsVectorsStoredByAnotherStoreOfTheSameModel()
    {
        var dataSource = await DataSourceAsync();
        var model = CountingGenerator.NewModel();
        var writer = new CountingGenerator(model);
        var reader = new CountingGenerator(model);
        await new EmbeddingStore(dataSource, writer).GetOrCreateAsync(["stored by another process"], CancellationToken.None);

        var vectors = await new EmbeddingStore(dataSource, reader).GetOrCreateAsync(["stored by another process"], CancellationToken.None);

        reader.Embedded.ShouldBeEmpty("the vector came from the table, not the model");
        vectors[0].ShouldBe(CountingGenerator.UnitVectorOf("stored by another process"));
    }

    [Fact]
    public async Task GetOrCreate_EmbedsAChangedTextAgain()
    {
        var generator = new CountingGenerator();
        var store = new EmbeddingStore(await DataSourceAsync(), generator);
        var before = await store.GetOrCreateAsync(["Ships in two days"], CancellationToken.None);

        var after = await store.GetOrCreateAsync(["Ships in two days."], CancellationToken.None);

        generator.Embedded.ShouldBe(["Ships in two days", "Ships in two days."]);
        after[0].ShouldNotBe(before[0]);
    }

    [Fact]
    public async Task GetOrCreate_EmbedsDuplicatesWithinOneCallOnce_AndAnswersEveryPosition()
    {
        var generator = new CountingGenerator();
        var store = new EmbeddingStore(await DataSourceAsync(), generator);

        var vectors = await store.GetOrCreateAsync(["same", "other", "same", "same", "other"], CancellationToken.None);

        generator.Embedded.ShouldBe(["same", "other"], ignoreOrder: true);
        vectors.Length.ShouldBe(5);
        vectors[0].ShouldBe(vectors[2]);
        vectors[0].ShouldBe(vectors[3]);
        vectors[1].ShouldBe(vectors[4]);
        vectors[0].ShouldNotBe(vectors[1]);
    }

    [Fact]
    public async Task GetOrCreate_KeepsTheOrderOfTheTexts_WhenStoredAndNewTextsAreMixed()
    {
        var generator = new CountingGenerator();
        var store = new EmbeddingStore(await DataSourceAsync(), generator);
        var stored = Enumerable.Range(0, 300).Select(i => $"stored text {i}").ToArray();
        await store.GetOrCreateAsync(stored, CancellationToken.None);
        // New texts interleaved with stored ones, more than one write chunk of them, in an order unlike either call's.
        var mixed = stored.Select((t, i) => i % 2 == 0 ? t : $"new text {i}").Concat(Enumerable.Range(0, 400).Select(i => $"late text {i}")).Reverse().ToArray();

        var vectors = await store.GetOrCreateAsync(mixed, CancellationToken.None);

        vectors.ShouldBe(mixed.Select(CountingGenerator.UnitVectorOf));
        generator.Embedded.Count.ShouldBe(300 + 150 + 400);
    }

    [Fact]
    public async Task GetOrCreate_DoesNotReuseTheVectorsOfAnotherModel()
    {
        var dataSource = await DataSourceAsync();
        var first = new CountingGenerator();
        var second = new CountingGenerator();
        await new EmbeddingStore(dataSource, first).GetOrCreateAsync(["one text, two models"], CancellationToken.None);

        await new EmbeddingStore(dataSource, second).GetOrCreateAsync(["one text, two models"], CancellationToken.None);

        second.Embedded.ShouldBe(["one text, two models"]);
        var rows = await (await NexusApp.SharedAsync()).QueryAsync<long>(
            "select count(*) from nexus.embeddings where text_sha256 = @Hash and model = any(@Models)",
            new { Hash = EmbeddingStore.Hash("one text, two models"), Models = new[] { first.Model, second.Model } });
        rows.ShouldBe(2);
    }

    [Fact]
    public async Task GetOrCreate_StoresUnitVectors_WithTheirWidth_UnderTheGeneratorsModel()
    {
        var generator = new CountingGenerator(scale: 7f);
        var store = new EmbeddingStore(await DataSourceAsync(), generator);

        var vectors = await store.GetOrCreateAsync(["not unit length as generated"], CancellationToken.None);

        Vectors.Cosine(vectors[0], vectors[0]).ShouldBe(1f, 1e-5f);
        store.Model.ShouldBe(generator.Model);
        var app = await NexusApp.SharedAsync();
        (await app.QueryAsync<int>("select dimensions from nexus.embeddings where model = @Model", new { generator.Model })).ShouldBe(CountingGenerator.Width);
    }

    [Fact]
    public async Task GetOrCreate_Throws_WhenTheModelAnswersTooFewVectors()
    {
        var generator = new CountingGenerator(dropLast: true);
        var store = new EmbeddingStore(await DataSourceAsync(), generator);

        var error = await Should.ThrowAsync<InvalidOperationException>(() => store.GetOrCreateAsync(["a", "b"], CancellationToken.None));

        error.Message.ShouldContain("returned 1 vectors for 2 texts");
    }
}

/// <summary>
/// A stand-in model that records every text it is asked to embed; its vector of a text is a fixed function of the text
/// (sha256 bytes as components), so a vector read back can be checked against the text it should belong to.
/// </summary>
internal sealed class CountingGenerator(string? model = null, float scale = 1f, bool dropLast = false) : IEmbeddingGenerator<string, Embedding<float>>
{
    public const int Width = 16;
    private readonly ConcurrentQueue<string> embedded = new();
    private int calls;

    public string Model { get; } = model ?? NewModel();

    public static string NewModel() => $"counting-{Guid.NewGuid():N}";

    public IReadOnlyList<string> Embedded => [.. embedded];

    public int Calls => Volatile.Read(ref calls);

    public static float[] VectorOf(string text, float scale = 1f) =>
        [.. SHA256.HashData(Encoding.UTF8.GetBytes(text)).Take(Width).Select(b => (b - 127.5f) * scale)];

    public static float[] UnitVectorOf(string text)
    {
        var vector = VectorOf(text);
        Vectors.Normalize(vector);
        return vector;
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref calls);
        var texts = values.ToList();
        foreach (var text in texts)
        {
            embedded.Enqueue(text);
        }
        var answered = dropLast ? texts.SkipLast(1) : texts;
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(answered.Select(t => new Embedding<float>(VectorOf(t, scale)))));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("counting", null, Model, Width) : null;

    public void Dispose()
    {
    }
}
