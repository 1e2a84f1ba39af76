using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>Price sources and an OpenAI-compatible assistant on a real loopback port, with failing and slow variants.</summary>
public sealed class FakeOutsideServices : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeOutsideServices(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public ConcurrentQueue<(string Path, JsonObject Body, string? Authorization)> Received { get; } = new();

    public static async Task<FakeOutsideServices> StartAsync()
    {
        var app = LoopbackServer.Create();
        var fake = new FakeOutsideServices(app);

        async Task<JsonObject> Record(HttpContext http)
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(http.Request.Body))!;
            fake.Received.Enqueue((http.Request.Path, body, http.Request.Headers.Authorization.ToString()));
            return body;
        }

        // A price source: two competitors per SKU asked for, the cheaper one under 10.
        app.MapPost("/prices", async http =>
        {
            var body = await Record(http);
            var offers = body["skus"]!.AsArray().SelectMany(s => new[]
            {
                new { sku = s!.GetValue<string>(), competitor = "RivalOne", price = 9.50m, observed_at = "2026-11-20T10:00:00Z", title = "RivalOne steel kettle fast boil quiet" },
                new { sku = s!.GetValue<string>(), competitor = "RivalTwo", price = 12.00m, observed_at = "2026-11-21T10:00:00Z", title = "RivalTwo steel kettle quiet cordless" },
            });
            await http.Response.WriteAsJsonAsync(new { offers });
        });
        app.MapPost("/prices-down", async http =>
        {
            await Record(http);
            http.Response.StatusCode = 502;
        });
        // An assistant that ranks our brand second in a numbered list and names the product.
        app.MapPost("/ai/chat/completions", async http =>
        {
            await Record(http);
            const string answer = "Here are good options:\n1. Zephyr Kettle 3000 - reliable\n2. Nexus steel kettle - quiet and fast\n3. Boilco Classic";
            await http.Response.WriteAsJsonAsync(new { choices = new[] { new { message = new { role = "assistant", content = answer } } } });
        });
        app.MapPost("/slow-prices", async http =>
        {
            await Record(http);
            await Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted);
        });
        app.MapPost("/denied-ai/chat/completions", async http =>
        {
            await Record(http);
            http.Response.StatusCode = 401;
        });
        app.MapPost("/busy-ai/chat/completions", async http =>
        {
            await Record(http);
            http.Response.StatusCode = 429;
            http.Response.Headers.RetryAfter = "0";
        });
        app.MapPost("/slow-ai/chat/completions", async http =>
        {
            await Record(http);
            await Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted);
        });
        fake.BaseUrl = await LoopbackServer.StartAsync(app);
        return fake;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
