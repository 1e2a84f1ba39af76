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

/// <summary>A remote worker fleet on a real loopback port: <c>/ok</c>, <c>/error</c>, <c>/slow</c>, <c>/reject</c>, <c>/garbage</c>.</summary>
public sealed class FakeWorkerFleet : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeWorkerFleet(WebApplication app) => _app = app;

    /// <summary>Every request body received, with the path it came to.</summary>
    public ConcurrentQueue<(string Path, JsonObject Body)> Received { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public static async Task<FakeWorkerFleet> StartAsync()
    {
        var app = LoopbackServer.Create();
        var fleet = new FakeWorkerFleet(app);

        async Task<JsonObject> Record(HttpContext http)
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(http.Request.Body))!;
            fleet.Received.Enqueue((http.Request.Path, body));
            return body;
        }

        app.MapPost("/ok", async http =>
        {
            var body = await Record(http);
            await http.Response.WriteAsJsonAsync(new { result = new { processed_count = 1, echo_job_id = body["job_id"]!.GetValue<string>() } });
        });
        app.MapPost("/error", async http =>
        {
            await Record(http);
            http.Response.StatusCode = 503;
            await http.Response.WriteAsync("fleet overloaded");
        });
        app.MapPost("/reject", async http =>
        {
            await Record(http);
            http.Response.StatusCode = 400;
            await http.Response.WriteAsync("unknown marketplace");
        });
        app.MapPost("/garbage", async http =>
        {
            await Record(http);
            await http.Response.WriteAsync("<html>not json</html>");
        });
        app.MapPost("/slow", async http =>
        {
            await Record(http);
            await Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted);
            await http.Response.WriteAsJsonAsync(new { result = new { late = true } });
        });
        fleet.BaseUrl = await LoopbackServer.StartAsync(app);
        return fleet;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
