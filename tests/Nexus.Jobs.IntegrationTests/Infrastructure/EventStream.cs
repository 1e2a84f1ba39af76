using System.Text;
using System.Text.Json;

namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>One server-sent event (or a comment line, such as a heartbeat).</summary>
public sealed record ServerSentEvent(string? Id, string? Event, string? Data, string? Comment)
{
    public JsonElement Json => JsonDocument.Parse(Data!).RootElement;

    public string Status => Json.GetProperty("status").GetString()!;
}

/// <summary>A <c>text/event-stream</c> response read as it arrives.</summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private EventStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public HttpResponseMessage Response => _response;

    /// <summary>Opens <paramref name="path"/> and returns once the headers arrived (asserting 200 text/event-stream).</summary>
    public static async Task<EventStream> OpenAsync(ApiClient api, string path)
    {
        var response = await api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new ShouldAssertException($"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        return new EventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8));
    }

    /// <summary>The next event or comment; null when the server closed the stream. Fails if nothing comes within <paramref name="within"/>.</summary>
    public async Task<ServerSentEvent?> NextAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
        string? id = null, name = null, comment = null;
        var data = new StringBuilder();
        var any = false;
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new ShouldAssertException($"no event within {within ?? TimeSpan.FromSeconds(30)}");
            }
            if (line is null)
            {
                return any ? new ServerSentEvent(id, name, data.Length > 0 ? data.ToString() : null, comment) : null;
            }
            if (line.Length == 0)
            {
                if (any)
                {
                    return new ServerSentEvent(id, name, data.Length > 0 ? data.ToString() : null, comment);
                }
                continue;
            }
            any = true;
            if (line.StartsWith(':'))
            {
                comment = line[1..].Trim();
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(data.Length > 0 ? "\n" : "").Append(line[6..]);
            }
        }
    }

    /// <summary>Every event until the server closes the stream (comments left out).</summary>
    public async Task<List<ServerSentEvent>> ReadToEndAsync(TimeSpan? within = null)
    {
        var events = new List<ServerSentEvent>();
        while (await NextAsync(within) is { } e)
        {
            if (e.Comment is null)
            {
                events.Add(e);
            }
        }
        return events;
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
