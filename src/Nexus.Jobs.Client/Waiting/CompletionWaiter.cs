namespace Nexus.Jobs.Client;

/// <summary>Waits until a resource reaches a terminal status, reading it again and again with a back-off.</summary>
/// <remarks>
/// What <c>WaitForCompletionAsync</c> promises is "the first terminal representation, as <c>GET</c> returns it", not
/// "polling": the platform's event streams (<c>.../events</c>, whose <c>status</c> events carry the same payload as
/// <c>GET</c>) can take the place of the reads here without changing any signature or result.
/// </remarks>
internal static class CompletionWaiter
{
    /// <exception cref="NexusWaitTimeoutException">The timeout passed first.</exception>
    /// <exception cref="OperationCanceledException">The caller's token was cancelled first.</exception>
    public static async Task<T> WaitAsync<T>(
        Func<CancellationToken, Task<T>> read, Func<T, bool> isTerminal, Func<T, string> statusOf, string what,
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
