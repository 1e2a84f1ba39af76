using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Nexus.Jobs.Client.Tests;

/// <summary>A response body that arrives as scripted: chunks, pauses, then an end, a broken connection, or silence.</summary>
internal sealed class ScriptedStream(params ScriptedStream.Step[] steps) : Nexus.Jobs.Testing.ReadOnlyStream
{
    private readonly Queue<Step> _steps = new(steps);
    private byte[] _pending = [];
    private int _offset;

    public abstract record Step;

    /// <summary>Bytes that arrive.</summary>
    public sealed record Chunk(string Text) : Step;

    /// <summary>Nothing for a while.</summary>
    public sealed record Pause(TimeSpan For) : Step;

    /// <summary>The connection breaks.</summary>
    public sealed record Break : Step;

    /// <summary>Nothing ever again (until the reader cancels).</summary>
    public sealed record Silence : Step;

    /// <summary>Whether a read was cancelled (the reader closed the stream rather than waiting on).</summary>
    public bool ReadCancelled { get; private set; }

    public static Chunk Text(string text) => new(text);

    public static Pause Wait(int milliseconds) => new(TimeSpan.FromMilliseconds(milliseconds));

    /// <summary>A 200 text/event-stream answer with this body.</summary>
    public static HttpResponseMessage Response(params Step[] steps) => Response(new ScriptedStream(steps));

    public static HttpResponseMessage Response(ScriptedStream body)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
        return response;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_offset == _pending.Length)
        {
            if (!_steps.TryDequeue(out var step))
            {
                return 0;
            }
            switch (step)
            {
                case Chunk chunk:
                    _pending = Encoding.UTF8.GetBytes(chunk.Text);
                    _offset = 0;
                    break;
                case Pause pause:
                    await Delay(pause.For, cancellationToken);
                    break;
                case Break:
                    throw new IOException("The connection broke.");
                case Silence:
                    _steps.Enqueue(step);
                    await Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                    break;
            }
        }
        var n = Math.Min(buffer.Length, _pending.Length - _offset);
        _pending.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    private async Task Delay(TimeSpan span, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(span, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            ReadCancelled = true;
            throw;
        }
    }
}
