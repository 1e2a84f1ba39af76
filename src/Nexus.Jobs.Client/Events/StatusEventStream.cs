using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Nexus.Jobs.Client;

/// <summary>
/// Reads the API's status event streams (<c>.../events</c>): each <c>status</c> event's <c>data</c> is the subject as its GET
/// returns it, and <c>event: end</c> closes the stream once the subject has ended.
/// </summary>
/// <remarks>
/// The text/event-stream format itself (fields, multi-line <c>data</c>, comments such as the heartbeat, <c>id</c>,
/// <c>retry</c>, CR/LF/CRLF line ends, a UTF-8 BOM) is <see cref="SseParser"/>'s job. Events of other types are skipped, so
/// that a server may add some; an event without a type (<c>message</c>) is read as a status.
/// </remarks>
internal static class StatusEventStream
{
    public const string MediaType = "text/event-stream";

    private const string StatusEvent = "status";
    private const string EndEvent = "end";

    /// <summary>The payloads of <paramref name="body"/>'s status events, until its end event.</summary>
    /// <param name="idleTimeout">How long the stream may send nothing, not even a comment, before it is taken for stalled.</param>
    /// <exception cref="HttpIOException">The stream closed before its end event, or stalled.</exception>
    /// <exception cref="JsonException">A status event's data was not the expected representation.</exception>
    public static async IAsyncEnumerable<T> ReadAsync<T>(Stream body, JsonTypeInfo<T> payload, TimeSpan idleTimeout, TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watched = new IdleTimeoutStream(body, idleTimeout, time);
        await using (watched.ConfigureAwait(false))
        {
            var parser = SseParser.Create(watched, (type, data) => Parse(type, data, payload));
            await foreach (var item in parser.EnumerateAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (item.Data.Kind)
                {
                    case EventKind.End:
                        yield break;
                    case EventKind.Status:
                        yield return item.Data.Payload!;
                        break;
                }
            }
        }
        throw new HttpIOException(HttpRequestError.ResponseEnded, "The event stream closed before its end event.");
    }

    private static Event<T> Parse<T>(string type, ReadOnlySpan<byte> data, JsonTypeInfo<T> payload) => type switch
    {
        StatusEvent or SseParser.EventTypeDefault => new(EventKind.Status,
            JsonSerializer.Deserialize(data, payload) ?? throw new JsonException($"A {type} event's data is null, not a {typeof(T).Name}.")),
        EndEvent => new(EventKind.End, default),
        _ => new(EventKind.Other, default),
    };

    private enum EventKind
    {
        Other,
        Status,
        End,
    }

    private readonly record struct Event<T>(EventKind Kind, T? Payload);
}
