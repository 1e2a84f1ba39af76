namespace Nexus.Jobs.Client;

/// <summary>Where the API is, who calls it, and how <c>WaitForCompletionAsync</c> follows a status.</summary>
public sealed class NexusJobsClientOptions
{
    /// <summary>The API's base address, e.g. <c>http://127.0.0.1:5080/</c>; when null, the <see cref="HttpClient"/>'s own.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The API key, sent as <c>Authorization: Bearer</c>; when null, whatever the <see cref="HttpClient"/> sends.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Sent as <c>X-Tenant-ID</c> when set; the API then refuses (403 <c>TENANT_MISMATCH</c>) a key of another workspace.</summary>
    public long? TenantId { get; set; }

    /// <summary>First pause between status reads while waiting for completion (default 100 ms); it doubles up to <see cref="PollMaxDelay"/>.</summary>
    public TimeSpan PollInitialDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest pause between status reads while waiting for completion (default 2 s).</summary>
    public TimeSpan PollMaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether <c>WaitForCompletionAsync</c> follows the subject's event stream (<c>.../events</c>) first (default true).</summary>
    /// <remarks>When the stream cannot be opened, is not <c>text/event-stream</c>, breaks, or stays silent for
    /// <see cref="EventStreamIdleTimeout"/>, the wait goes on by polling (<see cref="PollInitialDelay"/>,
    /// <see cref="PollMaxDelay"/>) with the same timeout. Set false to poll only, e.g. behind a proxy known to hold
    /// streamed responses back.</remarks>
    public bool UseEventStreams { get; set; } = true;

    /// <summary>How long an event stream may send nothing at all, not even its heartbeat comment (every 15 s by default
    /// on the server), before it is taken for stalled (default 45 s; <see cref="Timeout.InfiniteTimeSpan"/> never).</summary>
    /// <remarks>A stalled stream makes <c>WaitForCompletionAsync</c> fall back to polling, and the <c>Watch*Async</c>
    /// methods throw <see cref="HttpIOException"/>.</remarks>
    public TimeSpan EventStreamIdleTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>The clock for waits and timeouts (a fake one in tests).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
