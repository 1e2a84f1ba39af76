using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Nexus.Jobs.Testing;

/// <summary>
/// An HTTP/1.1 receiver on a raw loopback socket that reads a request body by its <c>Content-Length</c> only, as Python's
/// <c>http.server</c> and WSGI servers (gunicorn with Flask) do: a chunked body, having no Content-Length, reads as empty.
/// </summary>
/// <remarks>
/// Kestrel would decode a chunked body, so a fake built on it cannot show what such receivers see; this one answers each
/// request on its own connection (<c>Connection: close</c>) with what <c>answer</c> returns for the body as read.
/// </remarks>
public sealed class ContentLengthReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<ReceivedRequest, ReceiverReply> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly Task _accepting;

    private ContentLengthReceiver(Func<ReceivedRequest, ReceiverReply> answer)
    {
        _answer = answer;
        _listener.Start();
        BaseUrl = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptAsync();
    }

    /// <summary>The receiver's base URL (no trailing slash); any path is answered by the same function.</summary>
    public string BaseUrl { get; }

    /// <summary>Every request as this receiver read it, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    /// <summary>Starts listening on a free loopback port; <paramref name="answer"/> decides each reply from the request as read.</summary>
    public static ContentLengthReceiver Start(Func<ReceivedRequest, ReceiverReply> answer) => new(answer);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var stream = client.GetStream();
            var (head, rest) = await ReadHeadAsync(stream, timeout.Token);
            var lines = head.Split("\r\n");
            var requestLine = lines[0].Split(' ');
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
            // The whole point: Transfer-Encoding is ignored, Content-Length alone says how much body there is.
            var length = headers.TryGetValue("Content-Length", out var declared) ? int.Parse(declared, CultureInfo.InvariantCulture) : 0;
            var body = new byte[length];
            var read = Math.Min(rest.Length, length);
            rest.AsSpan(0, read).CopyTo(body);
            while (read < length)
            {
                var n = await stream.ReadAsync(body.AsMemory(read), timeout.Token);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            var request = new ReceivedRequest(requestLine[0], requestLine[1], headers, body[..read]);
            _received.Enqueue(request);
            var reply = _answer(request);
            var payload = Encoding.UTF8.GetBytes(reply.Body);
            var response = $"HTTP/1.1 {reply.Status} {(HttpStatusCode)reply.Status}\r\nContent-Type: {reply.ContentType}\r\n"
                + $"Content-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response), timeout.Token);
            await stream.WriteAsync(payload, timeout.Token);
            await stream.FlushAsync(timeout.Token);
            // Closing with unread bytes (a chunked body) would reset the connection under the client before it reads the
            // answer; half-close and drain instead, as a server that has answered does.
            client.Client.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            while (await stream.ReadAsync(sink, timeout.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the receiver is stopping: nothing to answer.
        }
    }

    /// <summary>The request line and headers as text, and whatever body bytes arrived with them.</summary>
    private static async Task<(string Head, byte[] Remainder)> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new List<byte>(1024);
        var chunk = new byte[4096];
        while (true)
        {
            var n = await stream.ReadAsync(chunk, ct);
            if (n == 0)
            {
                throw new IOException("The connection closed before the headers ended.");
            }
            buffer.AddRange(chunk.AsSpan(0, n));
            var all = buffer.ToArray();
            var end = all.AsSpan().IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return (Encoding.ASCII.GetString(all, 0, end), all[(end + 4)..]);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}

/// <summary>A request as <see cref="ContentLengthReceiver"/> read it: the body is what Content-Length announced, nothing more.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public bool Chunked => Headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase);
}

/// <summary>What <see cref="ContentLengthReceiver"/> answers.</summary>
public sealed record ReceiverReply(int Status, string Body, string ContentType = "application/json");
