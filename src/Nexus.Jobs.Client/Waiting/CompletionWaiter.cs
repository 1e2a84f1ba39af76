using System.Text.Json;

namespace Nexus.Jobs.Client;

/// <summary>Waits until a resource reaches a terminal status: following its event stream, and reading it again and again
/// with a back-off when there is no stream to follow.</summary>
/// <remarks>
/// What <c>WaitForCompletionAsync</c> promises is "the first terminal representation, as <c>GET</c> returns it", not a
/// transport: a <c>status</c> event carries the same payload as the <c>GET</c>. The stream is an optimisation (one request,
/// the outcome within the server's 250 ms watch interval instead of up to the polling cap), so anything wrong with it
/// (an error answer, another content type, a broken or stalled connection, a payload this client cannot read) hands the
/// rest of the wait to polling, whose <c>GET</c>s report errors as before. The timeout and the caller's token cover both.
/// </remarks>
internal static class CompletionWaiter
{
    /// <param name="watch">The subject's status events, or null to poll only.</param>
    /// <exception cref="NexusWaitTimeoutException">The timeout passed first.</exception>
    /// <exception cref="OperationCanceledException">The caller's token was cancelled first.</exception>
    public static async Task<T> WaitAsync<T>(
        Func<CancellationToken, Task<T>> read, Func<CancellationToken, IAsyncEnumerable<T>>? watch,
        Func<T, bool> isTerminal, Func<T, string> statusOf, string what,
        TimeSpan? timeout, PollingBackoff backoff, TimeProvider time, CancellationToken cancellationToken)
    {
        if (timeout is { } t && t != Timeout.InfiniteTimeSpan && t < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must not be negative.");
        }
        cancellationToken.ThrowIfCancellationRequested();
        using var deadline = timeout is { } limit && limit != Timeout.InfiniteTimeSpan ? new CancellationTokenSource(limit, time) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline?.Token ?? CancellationToken.None);
        string? lastStatus = null;
        try
        {
            if (watch is not null)
            {
                try
                {
                    await foreach (var current in watch(linked.Token).ConfigureAwait(false))
                    {
                        if (isTerminal(current))
                        {
                            return current;
                        }
                        lastStatus = statusOf(current);
                    }
                    // Ended without a terminal status (it should not): a read settles it.
                }
                catch (Exception e) when (IsStreamFailure(e))
                {
                    // Cancelled meanwhile: the timeout or the caller, whatever way the transport reported it. Otherwise
                    // polling takes over below.
                    linked.Token.ThrowIfCancellationRequested();
                }
            }
            foreach (var pause in backoff.Delays())
            {
                var current = await read(linked.Token).ConfigureAwait(false);
                if (isTerminal(current))
                {
                    return current;
                }
                lastStatus = statusOf(current);
                await Task.Delay(pause, time, linked.Token).ConfigureAwait(false);
            }
            throw new InvalidOperationException("The back-off schedule is endless.");
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            throw new NexusWaitTimeoutException(what, timeout!.Value, lastStatus);
        }
    }

    /// <summary>What a stream can fail with, that a <c>GET</c> may still answer: an error answer, another content type, a
    /// broken, closed or stalled connection, a client-side timeout, an unreadable payload.</summary>
    private static bool IsStreamFailure(Exception e) =>
        e is NexusApiException or HttpRequestException or IOException or JsonException or TimeoutException or OperationCanceledException;
}

/// <summary>A wait for completion ran out of time; the job, batch or run goes on regardless.</summary>
public sealed class NexusWaitTimeoutException : TimeoutException
{
    /// <summary>A timeout while waiting for <paramref name="what"/>, last seen with <paramref name="lastStatus"/>.</summary>
    public NexusWaitTimeoutException(string what, TimeSpan timeout, string? lastStatus)
        : base($"{what} did not finish within {timeout}; {(lastStatus is null ? "no status was read" : $"its last status was {lastStatus}")}.")
    {
        What = what;
        Timeout = timeout;
        LastStatus = lastStatus;
    }

    /// <summary>What was waited for, e.g. <c>job job_01...</c>.</summary>
    public string What { get; }

    /// <summary>The timeout that passed.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The last non-terminal status read, or null if no read finished in time.</summary>
    public string? LastStatus { get; }
}
