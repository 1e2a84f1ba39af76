using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Nexus.Jobs.Language;

/// <summary>
/// Embeddings from an OpenAI-compatible endpoint: <c>POST {BaseUrl}/embeddings</c> with <c>{"model", "input": [...]}</c>,
/// vectors read from <c>data[].embedding</c> in <c>index</c> order.
/// </summary>
/// <remarks>
/// Written on HttpClient rather than the OpenAI SDK (Microsoft.Extensions.AI.OpenAI) because "OpenAI-compatible" servers
/// differ where the SDK is fixed: it always asks for base64 vectors (text-embeddings-inference, Infinity and KoboldCpp
/// answered floats or refused), it retries 429s itself (Hangfire owns retries here), and it throws without an API key
/// (self-hosted servers have none). This asks for nothing optional, reads floats or base64, never retries, sends a
/// Content-Length body (some servers refuse chunked requests) and turns every failure into one
/// <see cref="EmbeddingEndpointException"/> that says what to fix.
/// </remarks>
public sealed class HostedEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The provider name in the generator's metadata.</summary>
    public const string ProviderName = "openai-compatible";

    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly HttpClient http;
    private readonly Uri endpoint;
    private readonly string model;
    private readonly string? apiKey;
    private readonly int? dimensions;
    private readonly int batchSize;
    private readonly TimeSpan timeout;
    private readonly EmbeddingGeneratorMetadata metadata;

    /// <summary>A generator for the endpoint <paramref name="options"/> name (already validated).</summary>
    /// <param name="options">BaseUrl, Model, ApiKey, Dimensions, BatchSize and TimeoutSeconds are used.</param>
    /// <param name="handler">The HTTP handler (tests pass a stub); by default a pooled socket handler this generator owns.</param>
    public HostedEmbeddingGenerator(EmbeddingOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(options.BaseUrl?.Trim(), UriKind.Absolute, out var baseUrl) || string.IsNullOrWhiteSpace(options.Model))
        {
            throw new ArgumentException($"{EmbeddingOptions.Section}: an endpoint needs an absolute BaseUrl and a Model.", nameof(options));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TimeoutSeconds, 1);
        endpoint = EndpointOf(baseUrl);
        model = options.Model.Trim();
        apiKey = string.IsNullOrWhiteSpace(options.ApiKey) ? null : options.ApiKey.Trim();
        dimensions = options.Dimensions;
        batchSize = options.BatchSize;
        timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        // DNS changes are picked up when pooled connections are recycled (this client lives as long as the process).
        http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: handler is null)
        {
            Timeout = Timeout.InfiniteTimeSpan, // per request, below, so a timeout can be told from a cancellation
        };
        metadata = new EmbeddingGeneratorMetadata(ProviderName, baseUrl, model, dimensions);
    }

    /// <summary>Where the requests go: <c>{BaseUrl}/embeddings</c> (a BaseUrl that already ends in /embeddings is kept).</summary>
    public Uri Endpoint => endpoint;

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count);
        long? inputTokens = null, totalTokens = null;
        var width = 0;
        for (var start = 0; start < texts.Count; start += batchSize)
        {
            var batch = new string[Math.Min(batchSize, texts.Count - start)];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = texts[start + i] ?? throw new ArgumentException("A text to embed is null.", nameof(values));
            }
            var answer = await PostAsync(batch, cancellationToken);
            width = width == 0 ? answer.Vectors[0].Length : width;
            if (answer.Vectors[0].Length != width)
            {
                throw Failure($"answered vectors of {answer.Vectors[0].Length} dimensions after vectors of {width}.");
            }
            var created = DateTimeOffset.UtcNow;
            foreach (var vector in answer.Vectors)
            {
                result.Add(new Embedding<float>(vector) { ModelId = answer.Model, CreatedAt = created });
            }
            inputTokens = Add(inputTokens, answer.InputTokens);
            totalTokens = Add(totalTokens, answer.TotalTokens);
        }
        if (inputTokens is not null || totalTokens is not null)
        {
            result.Usage = new UsageDetails { InputTokenCount = inputTokens, TotalTokenCount = totalTokens };
        }
        return result;

        static long? Add(long? sum, long? value) => value is null ? sum : (sum ?? 0) + value;
    }

    private sealed record Answer(float[][] Vectors, string Model, long? InputTokens, long? TotalTokens);

    private async Task<Answer> PostAsync(string[] batch, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = Body(batch) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw await RefusalAsync(response, deadline.Token);
            }
            await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
            using var json = await JsonDocument.ParseAsync(stream, default, deadline.Token);
            return Parse(json.RootElement, batch.Length);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EmbeddingEndpointException(
                $"The embedding endpoint {Shown} did not answer within {timeout.TotalSeconds:0} s ({EmbeddingOptions.Section}:TimeoutSeconds).",
                statusCode: null, isTransient: true, e);
        }
        catch (HttpRequestException e)
        {
            throw new EmbeddingEndpointException(
                $"The embedding endpoint {Shown} could not be reached ({e.HttpRequestError}): {e.Message} Check {EmbeddingOptions.Section}:BaseUrl.",
                statusCode: null, isTransient: true, e);
        }
        catch (JsonException e)
        {
            throw Failure($"answered something that is not JSON: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new EmbeddingEndpointException($"The embedding endpoint {Shown} broke the connection while answering: {e.Message}",
                statusCode: null, isTransient: true, e);
        }
    }

    /// <summary>The request body, buffered so it goes with a Content-Length (no chunked transfer).</summary>
    private ByteArrayContent Body(string[] batch)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + batch.Sum(t => t.Length) * 2);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            writer.WriteStartArray("input");
            foreach (var text in batch)
            {
                writer.WriteStringValue(text);
            }
            writer.WriteEndArray();
            if (dimensions is { } width)
            {
                writer.WriteNumber("dimensions", width);
            }
            writer.WriteEndObject();
        }
        var content = new ByteArrayContent(buffer.WrittenMemory.ToArray());
        content.Headers.ContentType = JsonType;
        return content;
    }

    private Answer Parse(JsonElement root, int expected)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw Failure("answered without a \"data\" array; is BaseUrl an OpenAI-compatible API (it should end in /v1)?");
        }
        if (data.GetArrayLength() != expected)
        {
            throw Failure($"answered {data.GetArrayLength()} vectors for {expected} texts.");
        }
        var vectors = new float[expected][];
        var position = 0;
        foreach (var item in data.EnumerateArray())
        {
            // "index" says which input a vector belongs to; servers need not answer in input order.
            var index = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : position;
            if (index < 0 || index >= expected || vectors[index] is not null)
            {
                throw Failure($"answered index {index} out of place (expected each of 0..{expected - 1} once).");
            }
            vectors[index] = Vector(item);
            position++;
        }
        var width = vectors[0].Length;
        if (width == 0 || vectors.Any(v => v.Length != width))
        {
            throw Failure("answered vectors of different (or zero) widths in one response.");
        }
        if (dimensions is { } asked && width != asked)
        {
            throw Failure($"answered {width}-dimensional vectors, not the {asked} asked for ({EmbeddingOptions.Section}:Dimensions).");
        }
        var answeredModel = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() is { Length: > 0 } name ? name : model;
        long? inputTokens = null, totalTokens = null;
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            inputTokens = usage.TryGetProperty("prompt_tokens", out var p) && p.TryGetInt64(out var pt) ? pt : null;
            totalTokens = usage.TryGetProperty("total_tokens", out var t) && t.TryGetInt64(out var tt) ? tt : null;
        }
        return new Answer(vectors, answeredModel, inputTokens, totalTokens);
    }

    private float[] Vector(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("embedding", out var embedding))
        {
            throw Failure("answered a data item without an \"embedding\".");
        }
        if (embedding.ValueKind == JsonValueKind.Array)
        {
            var vector = new float[embedding.GetArrayLength()];
            var k = 0;
            foreach (var component in embedding.EnumerateArray())
            {
                vector[k++] = component.ValueKind == JsonValueKind.Number ? component.GetSingle() : throw Failure("answered an embedding with a non-number in it.");
            }
            return vector;
        }
        // encoding_format=base64 (the default of some servers): little-endian float32s.
        if (embedding.ValueKind == JsonValueKind.String && embedding.TryGetBytesFromBase64(out var bytes) && bytes.Length % sizeof(float) == 0)
        {
            var vector = new float[bytes.Length / sizeof(float)];
            for (var k = 0; k < vector.Length; k++)
            {
                vector[k] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(k * sizeof(float)));
            }
            return vector;
        }
        throw Failure("answered an embedding that is neither an array of numbers nor base64 float32s.");
    }

    private async Task<EmbeddingEndpointException> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var detail = Detail(await ReadSomeAsync(response, cancellationToken));
        var code = $"{(int)status} {response.ReasonPhrase ?? status.ToString()}";
        var (advice, transient) = status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ($"refused the credentials ({code}); check {EmbeddingOptions.Section}:ApiKey.", false),
            HttpStatusCode.NotFound => ($"answered {code} for {Shown}; check {EmbeddingOptions.Section}:BaseUrl (the API's base, e.g. https://api.openai.com/v1) and Model.", false),
            HttpStatusCode.TooManyRequests => ($"is rate limiting ({code}{RetryAfter(response)}).", true),
            HttpStatusCode.RequestTimeout => ($"timed the request out ({code}).", true),
            >= HttpStatusCode.InternalServerError => ($"failed ({code}).", true),
            _ => ($"rejected the request ({code}); check {EmbeddingOptions.Section}:Model and Dimensions.", false),
        };
        return new EmbeddingEndpointException($"The embedding endpoint {Shown} {advice}{(detail.Length > 0 ? " It said: " + detail : "")}", status, transient);
    }

    private static string RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta is { } delta ? $", retry after {delta.TotalSeconds:0} s" : "";

    // At most 4 KB of an error body: enough for any error message, bounded for a server that answers a whole page.
    private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[4096];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>OpenAI's <c>{"error":{"message"}}</c> (or a plain <c>"error"</c> string) when the body has one, else the body cut short.</summary>
    private static string Detail(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.String)
                {
                    return error.GetString() ?? "";
                }
                if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    return message.GetString() ?? "";
                }
            }
        }
        catch (JsonException)
        {
            // not JSON: the text itself is the detail
        }
        var text = string.Join(' ', body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length > 300 ? text[..300] + "..." : text;
    }

    private string Shown => endpoint.GetLeftPart(UriPartial.Path);

    private EmbeddingEndpointException Failure(string what, Exception? inner = null) =>
        new($"The embedding endpoint {Shown} {what}", statusCode: null, isTransient: false, inner);

    private static Uri EndpointOf(Uri baseUrl)
    {
        var builder = new UriBuilder(baseUrl);
        var path = builder.Path.TrimEnd('/');
        builder.Path = path.EndsWith("/embeddings", StringComparison.OrdinalIgnoreCase) ? path : path + "/embeddings";
        return builder.Uri;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc />
    public void Dispose() => http.Dispose();
}

/// <summary>An embedding endpoint failed or answered something unusable; the message says what to check.</summary>
public sealed class EmbeddingEndpointException : Exception
{
    public EmbeddingEndpointException(string message, HttpStatusCode? statusCode, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        IsTransient = isTransient;
    }

    /// <summary>The HTTP status the endpoint answered, when it answered one.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Whether trying again later may succeed (a timeout, an unreachable host, 408, 429, 5xx).</summary>
    public bool IsTransient { get; }
}
