using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Callbacks;

namespace Nexus.Jobs.Api.Events;

/// <summary>
/// A <c>text/event-stream</c> of one subject's status: the current payload first, then one <c>status</c> event per change
/// (each with an <c>id</c>), a comment line after every <c>Nexus:Events:HeartbeatInterval</c> of silence, and
/// <c>event: end</c> once the status is final, after which the stream closes.
/// </summary>
/// <remarks>Unbuffered and flushed per event; ends when the client goes away (freeing the subscription) or the host stops.</remarks>
public sealed class EventStreamResult(WatchKind kind, string id, CallbackPayload current) : IActionResult
{
    public const string ContentType = "text/event-stream";

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext;
        var watcher = http.RequestServices.GetRequiredService<StatusWatcher>();
        var heartbeat = http.RequestServices.GetRequiredService<IOptions<EventStreamOptions>>().Value.HeartbeatInterval;
        var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var ct = ended.Token;

        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx and friends: do not hold events back

        // Subscribed before the first event is written: a change after the read that produced it is not missed.
        using var subscription = current.Terminal ? null : watcher.Watch(kind, id);
        var sequence = 0;
        try
        {
            await response.StartAsync(ct);
            await WriteEventAsync(response, ++sequence, "status", current.Json, ct);
            var last = current;
            while (!last.Terminal && subscription is not null)
            {
                using var silence = CancellationTokenSource.CreateLinkedTokenSource(ct);
                silence.CancelAfter(heartbeat);
                bool open;
                try
                {
                    open = await subscription.Reader.WaitToReadAsync(silence.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await WriteAsync(response, ": heartbeat\n\n", ct);
                    continue;
                }
                if (!open)
                {
                    return; // the watcher stopped: the host is shutting down
                }
                while (!last.Terminal && subscription.Reader.TryRead(out var payload))
                {
                    if (payload.Json != last.Json)
                    {
                        last = payload;
                        await WriteEventAsync(response, ++sequence, "status", payload.Json, ct);
                    }
                }
            }
            await WriteEventAsync(response, ++sequence, "end", EndData(last.Json), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away (or the host is stopping): the subscription is disposed on the way out.
        }
        catch (IOException)
        {
            // The connection broke mid-write: nobody is listening any more.
        }
    }

    /// <summary><c>{"status": ...}</c>: the final status (an event needs data, or EventSource clients never see it).</summary>
    private static string EndData(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(new Dictionary<string, string?> { ["status"] = document.RootElement.GetProperty("status").GetString() });
    }

    private static Task WriteEventAsync(HttpResponse response, int sequence, string name, string json, CancellationToken ct) =>
        WriteAsync(response, $"id: {sequence.ToString(CultureInfo.InvariantCulture)}\nevent: {name}\ndata: {json}\n\n", ct);

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
        await response.Body.FlushAsync(ct);
    }
}
