using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Nexus.Jobs.Client;

/// <summary>The one way a request leaves the client: absolute URI, headers, JSON in and out, errors as <see cref="NexusApiException"/>.</summary>
internal sealed class NexusHttp
{
    private const string JsonMediaType = "application/json";
    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly string? _tenant;

    public NexusHttp(HttpClient http, NexusJobsClientOptions options)
    {
        _http = http;
        Options = options;
        BaseAddress = NormaliseBase(options.BaseAddress ?? http.BaseAddress
            ?? throw new ArgumentException("Give the API's address: NexusJobsClientOptions.BaseAddress or HttpClient.BaseAddress.", nameof(options)));
        _authorization = string.IsNullOrEmpty(options.ApiKey) ? null : new AuthenticationHeaderValue("Bearer", options.ApiKey);
        _tenant = options.TenantId?.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public NexusJobsClientOptions Options { get; }

    /// <summary>The API's base address, ending in a slash so that relative paths keep its path prefix.</summary>
    public Uri BaseAddress { get; }

    public PollingBackoff Backoff => new(Options.PollInitialDelay, Options.PollMaxDelay);

    /// <summary>An absolute base address whose path ends in a slash (<c>http://host/nexus</c> becomes <c>http://host/nexus/</c>). Pure.</summary>
    public static Uri NormaliseBase(Uri address)
    {
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The API's address must be an absolute http or https URI, not '{address}'.", nameof(address));
        }
        var builder = new UriBuilder(address) { Query = "", Fragment = "" };
        if (!builder.Path.EndsWith('/'))
        {
            builder.Path += "/";
        }
        return builder.Uri;
    }

    /// <summary>A route segment, escaped (an id is data, never a path).</summary>
    public static string Segment(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return Uri.EscapeDataString(value);
    }

    public async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> response, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, path);
        return await SendAsync(request, response, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TResponse> PostAsync<TRequest, TResponse>(string path, TRequest body, JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, path);
        // Bytes rather than a streamed JsonContent: a Content-Length, and a body a retrying handler can send again.
        request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, requestType));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }
        return await SendAsync(request, responseType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the event stream at <paramref name="path"/> and reads its <c>status</c> payloads as they come, until <c>event: end</c>.</summary>
    /// <exception cref="NexusApiException">The API answered with an error (404 for an unknown id, 403, 429...).</exception>
    /// <exception cref="HttpRequestException">The answer was not <c>text/event-stream</c> (something in between answered instead).</exception>
    /// <exception cref="HttpIOException">The stream closed before <c>event: end</c>, or stayed silent for <see cref="NexusJobsClientOptions.EventStreamIdleTimeout"/>.</exception>
    public async IAsyncEnumerable<T> WatchAsync<T>(string path, JsonTypeInfo<T> payload, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await OpenEventStreamAsync(path, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            await foreach (var item in StatusEventStream.ReadAsync(body, payload, Options.EventStreamIdleTimeout, Options.TimeProvider, cancellationToken)
                .ConfigureAwait(false))
            {
                yield return item;
            }
        }
    }

    private async Task<HttpResponseMessage> OpenEventStreamAsync(string path, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, path, StatusEventStream.MediaType);
        request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (!string.Equals(mediaType, StatusEventStream.MediaType, StringComparison.OrdinalIgnoreCase))
            {
                throw new HttpRequestException(HttpRequestError.InvalidResponse,
                    $"GET {request.RequestUri?.AbsolutePath} answered {(int)response.StatusCode} {mediaType ?? "without a content type"}, not {StatusEventStream.MediaType}.",
                    statusCode: response.StatusCode);
            }
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Delete, path);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string accept = JsonMediaType)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseAddress, path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
        if (_authorization is not null)
        {
            request.Headers.Authorization = _authorization;
        }
        if (_tenant is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Tenant-ID", _tenant);
        }
        return request;
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> responseType, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var value = await response.Content.ReadFromJsonAsync(responseType, cancellationToken).ConfigureAwait(false);
        return value ?? throw new JsonException($"{request.Method} {request.RequestUri?.AbsolutePath} answered {(int)response.StatusCode} with a null body.");
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        throw NexusApiException.FromResponse(response.StatusCode, body, response.Headers.RetryAfter, Options.TimeProvider.GetUtcNow());
    }
}
