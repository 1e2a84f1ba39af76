using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>One callback as the receiver got it: raw body bytes and headers.</summary>
public sealed record ReceivedCallback(string Path, byte[] Body, IReadOnlyDictionary<string, string> Headers, DateTime ReceivedAt)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string Event => Headers["X-Nexus-Event"];

    public string DeliveryId => Headers["X-Nexus-Delivery"];

    /// <summary>Whether <c>X-Nexus-Signature-256</c> is the HMAC-SHA256 of the raw body under <paramref name="secret"/>, as the README tells receivers to check.</summary>
    public bool IsSignedWith(string secret)
    {
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Body));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(Headers["X-Nexus-Signature-256"]));
    }
}

/// <summary>
/// A callback receiver on a real loopback port. The first path segment says how it answers: <c>/ok</c> 200, <c>/gone</c> 410,
/// <c>/error</c> 500 always, <c>/flaky</c> 500 to the first attempt of each delivery and 200 after, <c>/slow</c> never in time.
/// </summary>
public sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedCallback> _received = new();

    private CallbackReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<ReceivedCallback> Received => _received.ToList();

    /// <summary>A URL of this receiver answering as <paramref name="mode"/>, unique to the caller (tests share receivers' ports, never paths).</summary>
    public string Url(string mode = "ok") => $"{BaseUrl}/{mode}/{Guid.NewGuid():N}?token=t0ps3cret";

    public static async Task<CallbackReceiver> StartAsync()
    {
        var app = LoopbackServer.Create();
        var receiver = new CallbackReceiver(app);
        var seen = new ConcurrentDictionary<string, int>();
        app.MapPost("/{mode}/{token}", async (HttpContext http, string mode) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            receiver._received.Enqueue(new ReceivedCallback(http.Request.Path, buffer.ToArray(), headers, DateTime.UtcNow));
            var attempt = seen.AddOrUpdate(headers.GetValueOrDefault("X-Nexus-Delivery", ""), 1, (_, n) => n + 1);
            switch (mode)
            {
                case "ok":
                    await http.Response.WriteAsync("thanks");
                    break;
                case "gone":
                    http.Response.StatusCode = 410;
                    break;
                case "flaky" when attempt == 1:
                case "error":
                    http.Response.StatusCode = 500;
                    await http.Response.WriteAsync("receiver broke\nline two");
                    break;
                case "flaky":
                    http.Response.StatusCode = 204;
                    break;
                case "slow":
                    await Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted);
                    break;
            }
        });
        receiver.BaseUrl = await LoopbackServer.StartAsync(app);
        return receiver;
    }

    /// <summary>The callbacks sent to <paramref name="url"/> (its path), once there are at least <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<ReceivedCallback>> ShouldReceive(string url, int count = 1, TimeSpan? within = null)
    {
        var path = new Uri(url).AbsolutePath;
        return await Eventually.Until(() => Task.FromResult((IReadOnlyList<ReceivedCallback>)_received.Where(r => r.Path == path).ToList()),
            r => r.Count >= count, within ?? TimeSpan.FromSeconds(30), $"{count} callback(s) at {path}");
    }

    public IReadOnlyList<ReceivedCallback> At(string url) => _received.Where(r => r.Path == new Uri(url).AbsolutePath).ToList();

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
