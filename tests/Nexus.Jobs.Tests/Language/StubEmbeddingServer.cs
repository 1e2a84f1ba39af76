using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Nexus.Jobs.Testing;

namespace Nexus.Jobs.Tests.Language;

/// <summary>One request as the stub endpoint received it off the wire.</summary>
internal sealed record ReceivedRequest(string Method, string Path, string? ContentType, long? ContentLength, string? TransferEncoding,
    string? Authorization, JsonElement Body)
{
    public string[] Inputs => [.. Body.GetProperty("input").EnumerateArray().Select(e => e.GetString()!)];
}

/// <summary>
/// An OpenAI-compatible embeddings endpoint on a free loopback port (Kestrel), answering what the test scripts, and
/// keeping every request it received.
/// </summary>
internal sealed class StubEmbeddingServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private StubEmbeddingServer(WebApplication app) => this.app = app;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>The base URL to configure, e.g. <c>http://127.0.0.1:41234/v1</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Serves <c>/v1/embeddings</c> with <paramref name="answer"/>, which writes the response for the parsed request.</summary>
    public static async Task<StubEmbeddingServer> StartAsync(Func<ReceivedRequest, HttpContext, Task> answer)
    {
        var app = LoopbackServer.Create();
        var stub = new StubEmbeddingServer(app);
        app.MapPost("/v1/embeddings", async (HttpContext http) =>
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body);
            var request = new ReceivedRequest(http.Request.Method, http.Request.Path, http.Request.ContentType, http.Request.ContentLength,
                http.Request.Headers.TransferEncoding.FirstOrDefault(), http.Request.Headers.Authorization.FirstOrDefault(), body.RootElement.Clone());
            stub.Requests.Enqueue(request);
            await answer(request, http);
        });
        stub.BaseUrl = await LoopbackServer.StartAsync(app) + "/v1";
        return stub;
    }

    /// <summary>An answer as OpenAI gives it: one item per input with its index, in the order <paramref name="order"/> picks.</summary>
    public static Task Vectors(HttpContext http, IReadOnlyList<float[]> vectors, Func<IEnumerable<int>, IEnumerable<int>>? order = null, string model = "stub-model") =>
        http.Response.WriteAsJsonAsync(new
        {
            @object = "list",
            data = (order ?? (i => i))(Enumerable.Range(0, vectors.Count)).Select(i => new { @object = "embedding", index = i, embedding = vectors[i] }),
            model,
            usage = new { prompt_tokens = vectors.Count * 3, total_tokens = vectors.Count * 3 },
        });

    /// <summary>A status with OpenAI's error body.</summary>
    public static Task Error(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new { error = new { message, type = "invalid_request_error", code = (string?)null } });
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
