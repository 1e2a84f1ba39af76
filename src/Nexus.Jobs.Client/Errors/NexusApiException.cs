using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Nexus.Jobs.Client;

/// <summary>The API answered with an error: an RFC 9457 problem with the contract's machine <see cref="Code"/>.</summary>
/// <remarks>
/// The client never retries by itself. <see cref="RetryAfter"/> carries the server's <c>Retry-After</c> (on 429
/// <c>QUEUE_FULL</c> / <c>RATE_LIMITED</c> and 503 <c>SERVICE_UNAVAILABLE</c>) and <see cref="IsTransient"/> says whether the
/// same request may succeed later, so the caller decides: wait and call again, give up, or put a resilience handler
/// (Polly, Microsoft.Extensions.Http.Resilience) on the <see cref="HttpClient"/>. Retrying a POST is safe only with an
/// <c>Idempotency-Key</c> (<see cref="NexusJobsClient.NewIdempotencyKey"/>).
/// </remarks>
public sealed class NexusApiException : Exception
{
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    /// <summary>An error as the API described it.</summary>
    public NexusApiException(HttpStatusCode status, string code, string? title, string? detail,
        IReadOnlyDictionary<string, string[]>? errors = null, TimeSpan? retryAfter = null, string? traceId = null)
        : base(Describe(status, code, title, detail))
    {
        Status = status;
        Code = code;
        Title = title;
        Detail = detail;
        Errors = errors ?? NoErrors;
        RetryAfter = retryAfter;
        TraceId = traceId;
    }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The machine code (<see cref="NexusErrorCodes"/>); <c>HTTP_&lt;status&gt;</c> when the body carried none
    /// (an answer from something in front of the API, such as a proxy).</summary>
    public string Code { get; }

    /// <summary>The problem's short title.</summary>
    public string? Title { get; }

    /// <summary>What went wrong, for people.</summary>
    public string? Detail { get; }

    /// <summary>Validation errors: field (e.g. <c>params.skus</c>, <c>jobs[1].type</c>) to messages; empty when none.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>How long the server asked to wait before trying again, when it said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The server's trace id of the request, for its logs.</summary>
    public string? TraceId { get; }

    /// <summary>Whether the same request may succeed later unchanged: 429, 503, or 409 <c>IDEMPOTENCY_IN_FLIGHT</c>.</summary>
    public bool IsTransient => Status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable
        || Code == NexusErrorCodes.IdempotencyInFlight;

    /// <summary>Reads an error response: a problem+json body if there is one, the status alone otherwise. Pure.</summary>
    public static NexusApiException FromResponse(HttpStatusCode status, string? body, RetryConditionHeaderValue? retryAfter, DateTimeOffset now)
    {
        string? code = null, title = null, detail = null, traceId = null;
        Dictionary<string, string[]>? errors = null;
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    code = Text(root, "code");
                    title = Text(root, "title");
                    detail = Text(root, "detail");
                    traceId = Text(root, "trace_id") ?? Text(root, "traceId");
                    if (root.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Object)
                    {
                        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
                        foreach (var field in list.EnumerateObject())
                        {
                            errors[field.Name] = Messages(field.Value);
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON (an HTML page from a proxy, say): the status alone describes it.
                detail = body.Length <= 500 ? body : body[..500];
            }
        }
        return new NexusApiException(status, code ?? $"HTTP_{(int)status}", title, detail, errors, RetryAfterFrom(retryAfter, now), traceId);
    }

    /// <summary>The wait a <c>Retry-After</c> header asks for (seconds or a date), never negative; null without one.</summary>
    public static TimeSpan? RetryAfterFrom(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string[] Messages(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => value.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : m.GetRawText()).ToArray(),
        JsonValueKind.String => [value.GetString()!],
        _ => [value.GetRawText()],
    };

    private static string Describe(HttpStatusCode status, string code, string? title, string? detail) =>
        $"{(int)status} {code}: {detail ?? title ?? status.ToString()}";
}

/// <summary>The machine codes of the API's errors (the contract's list).</summary>
public static class NexusErrorCodes
{
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string InsufficientScope = "INSUFFICIENT_SCOPE";
    public const string TenantMismatch = "TENANT_MISMATCH";
    public const string JobNotFound = "JOB_NOT_FOUND";
    public const string JobNotCancellable = "JOB_NOT_CANCELLABLE";
    public const string IdempotencyInFlight = "IDEMPOTENCY_IN_FLIGHT";
    public const string IdempotencyConflict = "IDEMPOTENCY_CONFLICT";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string InvalidJobType = "INVALID_JOB_TYPE";
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string BatchTooLarge = "BATCH_TOO_LARGE";
    public const string MalformedRequest = "MALFORMED_REQUEST";
    public const string QueueFull = "QUEUE_FULL";
    public const string RateLimited = "RATE_LIMITED";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
}
