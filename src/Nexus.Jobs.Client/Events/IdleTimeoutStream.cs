namespace Nexus.Jobs.Client;

/// <summary>A read-only view of a stream whose every read fails with <see cref="HttpIOException"/> when nothing arrives
/// within the idle timeout; the caller's cancellation stays an <see cref="OperationCanceledException"/>.</summary>
/// <remarks>The event streams send a heartbeat comment after 15 s of silence, so a stream that stays silent far longer
/// is held back (a buffering proxy) or dead (a connection nobody closed). Disposing it leaves the inner stream to its owner.</remarks>
internal sealed class IdleTimeoutStream(Stream inner, TimeSpan idleTimeout, TimeProvider time) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (idleTimeout == Timeout.InfiniteTimeSpan)
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        using var idle = new CancellationTokenSource(idleTimeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        try
        {
            return await inner.ReadAsync(buffer, either.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
        {
            // The caller cancelled and the transport reported it its own way (an aborted connection).
            throw new OperationCanceledException("The event stream was cancelled.", e, cancellationToken);
        }
        catch (Exception e) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new HttpIOException(HttpRequestError.Unknown,
                $"Nothing arrived on the event stream for {idleTimeout.TotalSeconds:0.###} s, not even a heartbeat: something in between may be holding it back.", e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
