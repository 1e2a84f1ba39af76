using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>Configuration swaps the offline model for an OpenAI-compatible endpoint; vectors are then stored under the endpoint's model.</summary>
public sealed class HostedEmbeddingsTests
{
    [Fact]
    public async Task WithAnEndpointConfigured_TheServiceEmbedsThroughIt_AndStoresVectorsUnderItsModel()
    {
        var received = new ConcurrentQueue<string[]>();
        await using var endpoint = LoopbackServer.Create();
        endpoint.MapPost("/v1/embeddings", async (HttpContext http) =>
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body);
            var inputs = body.RootElement.GetProperty("input").EnumerateArray().Select(e => e.GetString()!).ToArray();
            received.Enqueue(inputs);
            await http.Response.WriteAsJsonAsync(new
            {
                data = inputs.Select((text, i) => new { index = i, embedding = new[] { text.Length, 1f, 0f } }),
                model = "tiny-embed",
            });
        });
        var baseUrl = await LoopbackServer.StartAsync(endpoint);
        await using var app = new NexusApp(await TestDatabase.SharedAsync(), new()
        {
            ["Language:Embeddings:Provider"] = "openai",
            ["Language:Embeddings:BaseUrl"] = baseUrl + "/v1",
            ["Language:Embeddings:Model"] = "tiny-embed",
        });
        var store = app.Service<EmbeddingStore>();
        var text = $"an insight {Guid.NewGuid():N}";

        var first = await store.GetOrCreateAsync([text], CancellationToken.None);
        var second = await store.GetOrCreateAsync([text], CancellationToken.None);

        app.Service<IEmbeddingGenerator<string, Embedding<float>>>().ShouldBeOfType<HostedEmbeddingGenerator>();
        received.ShouldHaveSingleItem().ShouldBe([text]);
        second.ShouldBe(first);
        store.Model.ShouldBe($"tiny-embed@{new Uri(baseUrl).GetLeftPart(UriPartial.Authority)}");
        (await app.QueryAsync<long>("select count(*) from nexus.embeddings where model = @Model and text_sha256 = @Hash",
            new { store.Model, Hash = EmbeddingStore.Hash(text) })).ShouldBe(1);
    }
}
