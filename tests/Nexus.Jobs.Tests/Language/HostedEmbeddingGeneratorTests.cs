using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

/// <summary>The endpoint generator against a real HTTP server on loopback: the wire format, the order of vectors, the failures.</summary>
public sealed class HostedEmbeddingGeneratorTests
{
    // Each stub vector encodes its text ("text 17" -> [17, 7, 1]), so a vector in the wrong place shows.
    private static float[] Code(string text) =>
        [int.TryParse(string.Concat(text.SkipWhile(c => !char.IsAsciiDigit(c)).TakeWhile(char.IsAsciiDigit)), CultureInfo.InvariantCulture, out var n) ? n : -1, text.Length, 1f];

    private static string[] Texts(int count) => [.. Enumerable.Range(0, count).Select(i => $"text {i}")];

    private static HostedEmbeddingGenerator Generator(StubEmbeddingServer stub, Action<EmbeddingOptions>? configure = null)
    {
        var options = new EmbeddingOptions { Provider = EmbeddingProviders.OpenAi, BaseUrl = stub.BaseUrl, Model = "stub-model", TimeoutSeconds = 5 };
        configure?.Invoke(options);
        return new HostedEmbeddingGenerator(options);
    }

    private static Task<StubEmbeddingServer> Answering(Func<IEnumerable<int>, IEnumerable<int>>? order = null) =>
        StubEmbeddingServer.StartAsync((request, http) => StubEmbeddingServer.Vectors(http, [.. request.Inputs.Select(Code)], order));

    [Fact]
    public async Task Generate_PostsModelAndInputs_AsOneJsonBodyWithContentLength()
    {
        await using var stub = await Answering();
        using var generator = Generator(stub, o => o.ApiKey = "sk-test");

        await generator.GenerateAsync(["first text", "second, with \"quotes\" and ünïcödé"]);

        var request = stub.Requests.ShouldHaveSingleItem();
        request.Method.ShouldBe("POST");
        request.Path.ShouldBe("/v1/embeddings");
        request.ContentType.ShouldBe("application/json");
        request.ContentLength.ShouldNotBeNull();
        request.TransferEncoding.ShouldBeNull("the body is sent with a Content-Length, not chunked");
        request.Authorization.ShouldBe("Bearer sk-test");
        request.Body.GetProperty("model").GetString().ShouldBe("stub-model");
        request.Inputs.ShouldBe(["first text", "second, with \"quotes\" and ünïcödé"]);
        // Optional fields stay out: not every OpenAI-compatible server knows them.
        request.Body.EnumerateObject().Select(p => p.Name).ShouldBe(["model", "input"]);
    }

    [Fact]
    public async Task Generate_SendsNoAuthorization_WhenNoApiKeyIsConfigured()
    {
        await using var stub = await Answering();
        using var generator = Generator(stub);

        await generator.GenerateAsync(["text 1"]);

        stub.Requests.ShouldHaveSingleItem().Authorization.ShouldBeNull();
    }

    [Fact]
    public async Task Generate_AsksForDimensions_WhenConfigured()
    {
        await using var stub = await Answering();
        using var generator = Generator(stub, o => o.Dimensions = 3);

        await generator.GenerateAsync(["text 1"]);

        stub.Requests.ShouldHaveSingleItem().Body.GetProperty("dimensions").GetInt32().ShouldBe(3);
    }

    [Fact]
    public async Task Generate_ReturnsVectorsInInputOrder_WhenTheServerAnswersOutOfOrder()
    {
        await using var stub = await Answering(order: indexes => indexes.Reverse());
        using var generator = Generator(stub);
        var texts = Texts(5);

        var embeddings = await generator.GenerateAsync(texts);

        embeddings.Select(e => e.Vector.ToArray()).ShouldBe(texts.Select(Code));
        embeddings.ShouldAllBe(e => e.ModelId == "stub-model");
        embeddings.Usage.ShouldNotBeNull().InputTokenCount.ShouldBe(15);
    }

    [Fact]
    public async Task Generate_SendsBatchesOfBatchSize_InOrder()
    {
        await using var stub = await Answering(order: indexes => indexes.OrderBy(i => i % 3));
        using var generator = Generator(stub, o => o.BatchSize = 32);
        var texts = Texts(70);

        var embeddings = await generator.GenerateAsync(texts);

        stub.Requests.Select(r => r.Inputs.Length).ShouldBe([32, 32, 6]);
        stub.Requests.SelectMany(r => r.Inputs).ShouldBe(texts);
        embeddings.Select(e => e.Vector.ToArray()).ShouldBe(texts.Select(Code));
    }

    [Fact]
    public async Task Generate_SendsNothing_ForNoTexts()
    {
        await using var stub = await Answering();
        using var generator = Generator(stub);

        (await generator.GenerateAsync([])).ShouldBeEmpty();

        stub.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Generate_ReadsBase64Vectors_AsLittleEndianFloats()
    {
        await using var stub = await StubEmbeddingServer.StartAsync((request, http) => http.Response.WriteAsJsonAsync(new
        {
            data = request.Inputs.Select((t, i) => new { index = i, embedding = Convert.ToBase64String(MemoryMarshal.AsBytes(Code(t).AsSpan())) }),
        }));
        using var generator = Generator(stub);

        var embeddings = await generator.GenerateAsync(["text 4", "text 12"]);

        embeddings.Select(e => e.Vector.ToArray()).ShouldBe([Code("text 4"), Code("text 12")]);
        embeddings.ShouldAllBe(e => e.ModelId == "stub-model", "the configured model when the answer names none");
    }

    [Fact]
    public void Metadata_CarriesModelAndProviderUri_AndTheStoreKeysVectorsByBoth()
    {
        var options = new EmbeddingOptions { Provider = "openai", BaseUrl = "https://embeddings.example.com:8443/v1/", Model = "text-embedding-3-small" };
        using var generator = new HostedEmbeddingGenerator(options);
        using var shortened = new HostedEmbeddingGenerator(new EmbeddingOptions { Provider = "openai", BaseUrl = options.BaseUrl, Model = options.Model, Dimensions = 256 });

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>().ShouldNotBeNull();
        metadata.DefaultModelId.ShouldBe("text-embedding-3-small");
        metadata.ProviderUri.ShouldBe(new Uri("https://embeddings.example.com:8443/v1/"));
        metadata.ProviderName.ShouldBe(HostedEmbeddingGenerator.ProviderName);
        generator.Endpoint.ShouldBe(new Uri("https://embeddings.example.com:8443/v1/embeddings"));
        EmbeddingStore.ModelOf(generator).ShouldBe("text-embedding-3-small@https://embeddings.example.com:8443");
        EmbeddingStore.ModelOf(shortened).ShouldBe("text-embedding-3-small@https://embeddings.example.com:8443?dimensions=256");
        EmbeddingStore.ModelOf(new MiniLmEmbeddingGenerator()).ShouldBe(MiniLmEmbeddingGenerator.ModelId);
    }

    [Theory]
    [InlineData("https://host/v1", "https://host/v1/embeddings")]
    [InlineData("https://host/v1/embeddings", "https://host/v1/embeddings")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/embeddings")]
    [InlineData("https://host/openai/v1?api-version=2024-10-21", "https://host/openai/v1/embeddings?api-version=2024-10-21")]
    public void Endpoint_IsBaseUrlWithEmbeddings(string baseUrl, string expected)
    {
        using var generator = new HostedEmbeddingGenerator(new EmbeddingOptions { Provider = "openai", BaseUrl = baseUrl, Model = "m" });

        generator.Endpoint.ShouldBe(new Uri(expected));
    }

    // ---- failures: one exception type, saying what to check

    [Theory]
    [InlineData(401, "ApiKey", false)]
    [InlineData(403, "ApiKey", false)]
    [InlineData(404, "BaseUrl", false)]
    [InlineData(400, "Model", false)]
    [InlineData(422, "Model", false)]
    [InlineData(429, "rate limiting", true)]
    [InlineData(500, "failed (500", true)]
    [InlineData(503, "failed (503", true)]
    public async Task Generate_Throws_WithTheServersMessageAndWhatToCheck_WhenTheEndpointRefuses(int status, string advice, bool transient)
    {
        await using var stub = await StubEmbeddingServer.StartAsync((_, http) => StubEmbeddingServer.Error(http, status, "the server's own words"));
        using var generator = Generator(stub, o => o.ApiKey = "sk-secret-value");

        var error = await Should.ThrowAsync<EmbeddingEndpointException>(() => generator.GenerateAsync(["text 1"]));

        error.StatusCode.ShouldBe((HttpStatusCode)status);
        error.IsTransient.ShouldBe(transient);
        error.Message.ShouldContain(advice);
        error.Message.ShouldContain("the server's own words");
        error.Message.ShouldContain(stub.BaseUrl + "/embeddings");
        error.Message.ShouldNotContain("sk-secret-value");
        stub.Requests.Count.ShouldBe(1, "no retries of its own: Hangfire retries the job");
    }

    [Fact]
    public async Task Generate_SaysWhenToRetry_WhenRateLimited()
    {
        await using var stub = await StubEmbeddingServer.StartAsync((_, http) =>
        {
            http.Response.Headers.RetryAfter = "20";
            return StubEmbeddingServer.Error(http, 429, "slow down");
        });
        using var generator = Generator(stub);

        var error = await Should.ThrowAsync<EmbeddingEndpointException>(() => generator.GenerateAsync(["text 1"]));

        error.Message.ShouldContain("retry after 20 s");
    }

    [Fact]
    public async Task Generate_ThrowsATimeout_WhenTheEndpointDoesNotAnswerInTime()
    {
        await using var stub = await StubEmbeddingServer.StartAsync((_, http) => Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted));
        using var generator = Generator(stub, o => o.TimeoutSeconds = 1);

        var error = await Should.ThrowAsync<EmbeddingEndpointException>(() => generator.GenerateAsync(["text 1"]));

        error.Message.ShouldContain("did not answer within 1 s");
        error.Message.ShouldContain("TimeoutSeconds");
        error.IsTransient.ShouldBeTrue();
        error.StatusCode.ShouldBeNull();
    }

    [Fact]
    public async Task Generate_StaysCancelled_WhenTheCallerCancels()
    {
        var arrived = new TaskCompletionSource();
        await using var stub = await StubEmbeddingServer.StartAsync((_, http) =>
        {
            arrived.TrySetResult();
            return Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted);
        });
        using var generator = Generator(stub, o => o.TimeoutSeconds = 30);
        using var cancel = new CancellationTokenSource();

        var call = generator.GenerateAsync(["text 1"], cancellationToken: cancel.Token);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();

        var error = await Should.ThrowAsync<OperationCanceledException>(() => call);
        error.ShouldNotBeOfType<EmbeddingEndpointException>();
    }

    [Fact]
    public async Task Generate_SaysTheEndpointIsUnreachable_WhenNothingListens()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        using var generator = new HostedEmbeddingGenerator(new EmbeddingOptions { Provider = "openai", BaseUrl = $"http://127.0.0.1:{port}/v1", Model = "m" });

        var error = await Should.ThrowAsync<EmbeddingEndpointException>(() => generator.GenerateAsync(["text 1"]));

        error.Message.ShouldContain("could not be reached");
        error.Message.ShouldContain("BaseUrl");
        error.IsTransient.ShouldBeTrue();
    }

    [Theory]
    [InlineData("""{"data":[{"index":0,"embedding":[1,2,3]}]}""", "answered 1 vectors for 2 texts")]
    [InlineData("""{"data":[{"index":0,"embedding":[1,2,3]},{"index":0,"embedding":[1,2,3]}]}""", "index 0 out of place")]
    [InlineData("""{"data":[{"index":0,"embedding":[1,2,3]},{"index":2,"embedding":[1,2,3]}]}""", "index 2 out of place")]
    [InlineData("""{"data":[{"index":0,"embedding":[1,2,3]},{"index":1,"embedding":[1,2]}]}""", "different (or zero) widths")]
    [InlineData("""{"data":[{"index":0,"embedding":[1,2,3]},{"index":1,"embedding":"not base64!"}]}""", "neither an array of numbers nor base64")]
    [InlineData("""{"data":[{"index":0,"embedding":[1,2,3]},{"index":1}]}""", "without an \"embedding\"")]
    [InlineData("""{"object":"list"}""", "without a \"data\" array")]
    [InlineData("""<html>a proxy's login page</html>""", "not JSON")]
    public async Task Generate_Throws_WhenTheAnswerIsNotUsable(string body, string problem)
    {
        await using var stub = await StubEmbeddingServer.StartAsync((_, http) =>
        {
            http.Response.ContentType = "application/json";
            return http.Response.WriteAsync(body);
        });
        using var generator = Generator(stub);

        var error = await Should.ThrowAsync<EmbeddingEndpointException>(() => generator.GenerateAsync(["text 1", "text 2"]));

        error.Message.ShouldContain(problem);
        error.IsTransient.ShouldBeFalse();
    }

    [Fact]
    public async Task Generate_Throws_WhenVectorsAreNotAsWideAsAskedFor()
    {
        await using var stub = await Answering();
        using var generator = Generator(stub, o => o.Dimensions = 256);

        var error = await Should.ThrowAsync<EmbeddingEndpointException>(() => generator.GenerateAsync(["text 1"]));

        error.Message.ShouldContain("3-dimensional vectors, not the 256 asked for");
    }

    [Fact]
    public async Task Generate_Throws_WhenBatchesAnswerDifferentWidths()
    {
        var calls = 0;
        await using var stub = await StubEmbeddingServer.StartAsync((request, http) =>
            StubEmbeddingServer.Vectors(http, [.. request.Inputs.Select(t => Interlocked.Increment(ref calls) == 1 ? Code(t) : [.. Code(t), 0f])]));
        using var generator = Generator(stub, o => o.BatchSize = 1);

        var error = await Should.ThrowAsync<EmbeddingEndpointException>(() => generator.GenerateAsync(["text 1", "text 2"]));

        error.Message.ShouldContain("vectors of 4 dimensions after vectors of 3");
    }
}
