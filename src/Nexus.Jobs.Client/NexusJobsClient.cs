namespace Nexus.Jobs.Client;

/// <summary>The typed client of the Nexus Jobs API, one feature per property.</summary>
/// <remarks>
/// <para>Every call maps to one HTTP request (the <c>Enumerate*</c> methods to one per page, the <c>Watch*</c> methods to one
/// event stream, <c>WaitForCompletionAsync</c> to one event stream or, when that fails, one request per status read) and
/// throws <see cref="NexusApiException"/> for an error answer. The client never retries a request: a 429 or 503 carries
/// <see cref="NexusApiException.RetryAfter"/>, and the caller (or a resilience handler on the <see cref="HttpClient"/>)
/// decides what to do with it.</para>
/// <para>Thread-safe; keep one per API key, like the <see cref="HttpClient"/> under it.</para>
/// </remarks>
public sealed class NexusJobsClient : IDisposable
{
    private readonly HttpClient? _owned;

    /// <summary>A client over <paramref name="http"/>, which the caller owns (from IHttpClientFactory, or a test server).</summary>
    /// <param name="options">The API key, tenant and base address when the <see cref="HttpClient"/> does not carry them.</param>
    public NexusJobsClient(HttpClient http, NexusJobsClientOptions? options = null)
        : this(http, options ?? new NexusJobsClientOptions(), owned: false)
    {
    }

    private NexusJobsClient(HttpClient http, NexusJobsClientOptions options, bool owned)
    {
        ArgumentNullException.ThrowIfNull(http);
        _owned = owned ? http : null;
        var transport = new NexusHttp(http, options);
        BaseAddress = transport.BaseAddress;
        AiJobs = new AiJobsApi(transport);
        Compounding = new CompoundingApi(transport);
        Insights = new InsightsApi(transport);
        Catalog = new CatalogApi(transport);
        Callbacks = new CallbacksApi(transport);
    }

    /// <summary>AI jobs: dispatch, status, list, cancel, batches, callback deliveries, event streams, wait.</summary>
    public AiJobsApi AiJobs { get; }

    /// <summary>Compounding: trigger, runs, callback deliveries, event streams, wait, patterns, playbooks, metrics.</summary>
    public CompoundingApi Compounding { get; }

    /// <summary>Insights: ingest and list.</summary>
    public InsightsApi Insights { get; }

    /// <summary>Commerce data: upserts and reads.</summary>
    public CatalogApi Catalog { get; }

    /// <summary>Callbacks: the workspace's signing secret (deliveries are listed per job, batch and run).</summary>
    public CallbacksApi Callbacks { get; }

    /// <summary>The API's base address requests are sent to.</summary>
    public Uri BaseAddress { get; }

    /// <summary>A client with an <see cref="HttpClient"/> of its own (disposed with it) for <paramref name="baseAddress"/> and <paramref name="apiKey"/>.</summary>
    /// <param name="tenantId">Sent as <c>X-Tenant-ID</c> when given: the workspace the key must belong to.</param>
    public static NexusJobsClient Create(Uri baseAddress, string apiKey, long? tenantId = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        var options = new NexusJobsClientOptions { BaseAddress = baseAddress, ApiKey = apiKey, TenantId = tenantId };
        // A long-lived client of its own: recycle pooled connections so that DNS changes are seen (what IHttpClientFactory does).
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
        return new NexusJobsClient(http, options, owned: true);
    }

    /// <summary>A fresh key for <c>Idempotency-Key</c> (32 hex characters). Keep it with the request: sending the same
    /// request again with the same key (after a timeout, a 503) returns the first answer instead of doing it twice.</summary>
    public static string NewIdempotencyKey() => Guid.NewGuid().ToString("N");

    /// <inheritdoc/>
    public void Dispose() => _owned?.Dispose();
}
