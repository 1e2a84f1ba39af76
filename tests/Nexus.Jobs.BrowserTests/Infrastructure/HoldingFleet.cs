using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nexus.Jobs.BrowserTests.Infrastructure;

/// <summary>
/// A remote worker fleet (the protocol in docs/api.md) on a loopback port that accepts each job and never answers while the
/// test runs: the worker that sent it stays busy, so with one worker the jobs dispatched after it wait in their queues.
/// </summary>
public sealed class HoldingFleet : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();

    private HoldingFleet(WebApplication app) => _app = app;

    /// <summary>Where the service should POST jobs.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Job ids the fleet is holding.</summary>
    public ConcurrentQueue<string> Holding { get; } = new();

    public static async Task<HoldingFleet> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fleet = new HoldingFleet(app);
        app.MapPost("/hold", async (HttpContext http) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(http.Request.Body))!;
            fleet.Holding.Enqueue(body["job_id"]!.GetValue<string>());
            using var either = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, fleet._stopping.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, either.Token);
            }
            catch (OperationCanceledException)
            {
                // the service went away, or the test is over
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fleet.Url = $"{address}/hold";
        return fleet;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
