using System.Buffers.Binary;
using System.Data;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.AI;
using Npgsql;

namespace Nexus.Jobs.Language;

/// <summary>
/// Embeddings as data: the vector of each text is computed once per model, stored in <c>nexus.embeddings</c>, and read
/// back on every later request. Texts are keyed by the sha256 of their UTF-8 bytes, so a text that changes gets a new
/// vector and an unchanged one never is embedded again.
/// </summary>
/// <remarks>
/// Stored vectors are written on their own connection and committed at once: a dry run or a failed pipeline that
/// rolls its own transaction back keeps the vectors it paid for.
/// </remarks>
public sealed class EmbeddingStore(NpgsqlDataSource dataSource, IEmbeddingGenerator<string, Embedding<float>> generator)
{
    // Texts embedded per model call and stored per statement: small enough that a cancelled run loses little.
    private const int ChunkSize = 256;

    private const int HashLength = 32;

    private const string ReadSql = """
        select text_sha256, vector from nexus.embeddings
        where model = @Model and text_sha256 = any(@Hashes)
        """;

    private const string WriteSql = """
        insert into nexus.embeddings (model, text_sha256, dimensions, vector)
        select @Model, h, @Dimensions, v from unnest(@Hashes, @Vectors) as t(h, v)
        on conflict (model, text_sha256) do nothing
        """;

    /// <summary>The model every stored vector of this store belongs to.</summary>
    public string Model { get; } = ModelOf(generator);

    /// <summary>The vector of each text, in order: stored ones read, missing ones embedded and stored first.</summary>
    /// <remarks>A text repeated in <paramref name="texts"/> is looked up and embedded once; its positions share one array.</remarks>
    public async Task<float[][]> GetOrCreateAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        // Each distinct text once: its hash, the first position it has, and where every position finds its vector.
        var slotOf = new Dictionary<byte[], int>(texts.Count, HashComparer.Instance);
        var hashes = new List<byte[]>();
        var firstPosition = new List<int>();
        var slots = new int[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(texts[i], nameof(texts));
            var hash = Hash(texts[i]);
            if (!slotOf.TryGetValue(hash, out var slot))
            {
                slot = hashes.Count;
                slotOf.Add(hash, slot);
                hashes.Add(hash);
                firstPosition.Add(i);
            }
            slots[i] = slot;
        }

        var vectors = new float[hashes.Count][];
        if (hashes.Count > 0)
        {
            await ReadStoredAsync(hashes, slotOf, vectors, cancellationToken);
        }

        var missing = Enumerable.Range(0, vectors.Length).Where(slot => vectors[slot] is null).ToList();
        for (var start = 0; start < missing.Count; start += ChunkSize)
        {
            var chunk = missing.GetRange(start, Math.Min(ChunkSize, missing.Count - start));
            var embeddings = await generator.GenerateAsync(chunk.Select(slot => texts[firstPosition[slot]]), cancellationToken: cancellationToken);
            if (embeddings.Count != chunk.Count)
            {
                throw new InvalidOperationException($"The embedding model {Model} returned {embeddings.Count} vectors for {chunk.Count} texts.");
            }
            var stored = new byte[chunk.Count][];
            for (var k = 0; k < chunk.Count; k++)
            {
                var vector = embeddings[k].Vector.ToArray();
                Vectors.Normalize(vector);
                vectors[chunk[k]] = vector;
                stored[k] = Vectors.ToBytes(vector);
            }
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(WriteSql, new
            {
                Model, Dimensions = embeddings[0].Vector.Length, Hashes = chunk.Select(slot => hashes[slot]).ToArray(), Vectors = stored,
            }, cancellationToken: cancellationToken));
        }

        var result = new float[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            result[i] = vectors[slots[i]];
        }
        return result;
    }

    /// <summary>Fills <paramref name="vectors"/> with the stored vector of each hash that has one.</summary>
    /// <remarks>
    /// A bare data reader instead of Dapper: a large workspace reads 100,000 vectors (150 MB) on every run, and mapping
    /// each row to a record of two new arrays cost more CPU than the query itself. Streamed, with each row's bytes
    /// copied into one reused buffer, so only the float arrays are kept.
    /// </remarks>
    private async Task ReadStoredAsync(List<byte[]> hashes, Dictionary<byte[], int> slotOf, float[][] vectors, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(ReadSql, connection);
        command.Parameters.AddWithValue("Model", Model);
        command.Parameters.AddWithValue("Hashes", hashes.ToArray());
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        var hash = new byte[HashLength];
        var buffer = new byte[MiniLmEmbeddingGenerator.Dimensions * sizeof(float)];
        while (await reader.ReadAsync(cancellationToken))
        {
            reader.GetBytes(0, 0, hash, 0, HashLength);
            var length = (int)reader.GetBytes(1, 0, null, 0, 0);
            if (length > buffer.Length)
            {
                buffer = new byte[length];
            }
            reader.GetBytes(1, 0, buffer, 0, length);
            vectors[slotOf[hash]] = Vectors.FromBytes(buffer.AsSpan(0, length));
        }
    }

    /// <summary>The key of a text: sha256 of its UTF-8 bytes.</summary>
    public static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// The key stored vectors of <paramref name="generator"/> go under: its model id; for an endpoint also the endpoint's
    /// scheme, host and port (the same name on two servers may be two models) and the width asked for (text-embedding-3
    /// shortened to 256 is another vector space than at full width). An offline model's width is fixed by the model.
    /// </summary>
    /// <example><c>sentence-transformers/all-MiniLM-L6-v2</c>, <c>text-embedding-3-small@https://api.openai.com?dimensions=256</c>.</example>
    public static string ModelOf(IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        if (metadata?.DefaultModelId is not { Length: > 0 } id)
        {
            throw new InvalidOperationException("The embedding generator names no model; stored vectors must say which model made them.");
        }
        if (metadata.ProviderUri is not { } uri)
        {
            return id;
        }
        var key = $"{id}@{uri.GetLeftPart(UriPartial.Authority)}";
        return metadata.DefaultModelDimensions is { } width ? $"{key}?dimensions={width}" : key;
    }

    /// <summary>sha256 keys by value; their first bytes are already uniformly spread, so they are the hash code.</summary>
    private sealed class HashComparer : IEqualityComparer<byte[]>
    {
        public static readonly HashComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => BinaryPrimitives.ReadInt32LittleEndian(obj);
    }
}
