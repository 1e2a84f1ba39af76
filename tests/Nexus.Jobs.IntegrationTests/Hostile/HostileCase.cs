using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Nexus.Jobs.IntegrationTests.Hostile;

/// <summary>What a hostile request needs from the host it is sent to.</summary>
/// <param name="Workspace">The workspace of the client's key.</param>
/// <param name="Key">The client's API key (plaintext).</param>
public sealed record HostileContext(long Workspace, string Key);

/// <summary>
/// One malformed or hostile request and what the contract says it must get back.
/// </summary>
/// <param name="Name">Unique, readable: "METHOD path | what is wrong".</param>
/// <param name="Method">HTTP method (any token, e.g. PATCH or HOSTILE).</param>
/// <param name="Path">Path and query exactly as sent (already escaped).</param>
/// <param name="Status">The expected status. 2xx means "valid after all": the documented success is asserted.</param>
/// <param name="Code">The expected problem code (null for a 2xx expectation).</param>
/// <param name="Body">Builds the request content (null: no body). Called once per send, so 10 MB bodies are not kept.</param>
/// <param name="Tweak">Adds or replaces headers on the request (e.g. a second Authorization).</param>
/// <param name="Anonymous">Send without the client's Authorization header.</param>
/// <param name="AlsoAccept">Other statuses the contract allows for this case (e.g. 400 or 422 for a lone surrogate);
/// for each the code must still match the status per the contract table.</param>
/// <param name="MayBeRefusedBeforeTheApp">The server itself may refuse the request before the application sees it (a NUL in
/// the path: TestServer throws "The path contains null characters", as Kestrel's decoder does, where Kestrel answers a bare
/// 400 without a problem body). Such a refusal is accepted; if the request does reach the app, the usual rules apply.</param>
/// <param name="Category">The kind of hostile input (<see cref="HostileCorpus.Categories"/>), set when the corpus is built.</param>
public sealed record HostileCase(
    string Name,
    string Method,
    string Path,
    int Status,
    string? Code,
    Func<HttpContent?>? Body = null,
    Action<HttpRequestMessage, HostileContext>? Tweak = null,
    bool Anonymous = false,
    int[]? AlsoAccept = null,
    bool MayBeRefusedBeforeTheApp = false,
    string Category = "")
{
    public string Expected => Status is >= 200 and < 300
        ? $"{Status} (valid after all)" + (AlsoAccept is { Length: > 0 } ? $" or {string.Join("/", AlsoAccept)}" : "")
        : $"{Status} {Code}" + (AlsoAccept is { Length: > 0 } ? $" (or {string.Join("/", AlsoAccept)})" : "");

    public override string ToString() => Name;
}

/// <summary>A response as read, for assertions and reports.</summary>
/// <remarks>Status 0: the server refused the request before the application (see <see cref="HostileCase.MayBeRefusedBeforeTheApp"/>).</remarks>
public sealed record HostileResult(int Status, string? ContentType, string Body)
{
    public string Short => Body.Length <= 600 ? Body : Body[..600] + "…";
}

/// <summary>Sends a case and checks it against the contract's error rules.</summary>
public static class HostileRunner
{
    /// <summary>Contract codes and the statuses they go with (CONTRACT.md, Errors). 405 is MALFORMED_REQUEST by the product's mapping.</summary>
    public static readonly IReadOnlyDictionary<string, int[]> ContractCodes = new Dictionary<string, int[]>(StringComparer.Ordinal)
    {
        ["UNAUTHENTICATED"] = [401],
        ["TENANT_MISMATCH"] = [403],
        ["INSUFFICIENT_SCOPE"] = [403],
        ["JOB_NOT_FOUND"] = [404],
        ["JOB_NOT_CANCELLABLE"] = [409],
        ["IDEMPOTENCY_IN_FLIGHT"] = [409],
        ["PAYLOAD_TOO_LARGE"] = [413],
        ["INVALID_JOB_TYPE"] = [422],
        ["VALIDATION_FAILED"] = [422],
        ["BATCH_TOO_LARGE"] = [422],
        ["IDEMPOTENCY_CONFLICT"] = [422],
        ["MALFORMED_REQUEST"] = [400, 405, 415],
        ["QUEUE_FULL"] = [429],
        ["SERVICE_UNAVAILABLE"] = [503],
    };

    public static async Task<HostileResult> SendAsync(HostileCase c, HttpClient authenticated, HttpClient anonymous, HostileContext context)
    {
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
        request.Content = c.Body?.Invoke();
        c.Tweak?.Invoke(request, context);
        HttpResponseMessage response;
        try
        {
            response = await (c.Anonymous ? anonymous : authenticated).SendAsync(request);
        }
        catch (InvalidOperationException e) when (c.MayBeRefusedBeforeTheApp)
        {
            return new HostileResult(0, null, $"refused before the application: {e.Message}");
        }
        using var _ = response;
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return new HostileResult((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, Encoding.UTF8.GetString(bytes));
    }

    /// <summary>Every way <paramref name="r"/> breaks the contract for <paramref name="c"/>; empty when it holds.</summary>
    public static List<string> Violations(HostileCase c, HostileResult r)
    {
        var problems = new List<string>();
        if (r.Status == 0 && c.MayBeRefusedBeforeTheApp)
        {
            return problems;
        }
        if (r.Status >= 500)
        {
            problems.Add($"a {r.Status} is a defect (only 503 SERVICE_UNAVAILABLE is allowed, and the database is up)");
        }
        var allowed = new HashSet<int>(c.AlsoAccept ?? []) { c.Status };
        if (!allowed.Contains(r.Status))
        {
            problems.Add($"expected {c.Expected}, got {r.Status}");
        }
        if (r.Status is >= 200 and < 300)
        {
            if (c.Status is < 200 or >= 300)
            {
                return problems; // already reported: a hostile request was accepted
            }
            if (r.ContentType != "application/json")
            {
                problems.Add($"a success must be application/json, got {r.ContentType ?? "no content type"}");
            }
            else if (!TryParse(r.Body, out var ok) || ok.ValueKind != JsonValueKind.Object || !ok.TryGetProperty("data", out var data)
                || data.ValueKind != JsonValueKind.Array || data.GetArrayLength() != 0)
            {
                problems.Add("a read on an empty workspace must answer {\"data\":[]...}");
            }
            return problems;
        }

        if (r.ContentType != "application/problem+json")
        {
            problems.Add($"the body must be application/problem+json, got {r.ContentType ?? "no content type"}");
            return problems;
        }
        if (!TryParse(r.Body, out var problem) || problem.ValueKind != JsonValueKind.Object)
        {
            problems.Add("the problem body is not a JSON object");
            return problems;
        }
        if (!problem.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Number || status.GetInt32() != r.Status)
        {
            problems.Add("the problem's status member must equal the HTTP status");
        }
        if (!problem.TryGetProperty("title", out var title) || title.ValueKind != JsonValueKind.String || title.GetString()!.Length == 0)
        {
            problems.Add("the problem has no title");
        }
        if (!problem.TryGetProperty("detail", out var detail) || detail.ValueKind != JsonValueKind.String || detail.GetString()!.Length == 0)
        {
            problems.Add("the problem has no detail");
        }
        if (!problem.TryGetProperty("code", out var codeElement) || codeElement.ValueKind != JsonValueKind.String)
        {
            problems.Add("the problem has no code");
            return problems;
        }
        var code = codeElement.GetString()!;
        if (!ContractCodes.TryGetValue(code, out var statuses))
        {
            problems.Add($"code {code} is not a contract code");
        }
        else if (!statuses.Contains(r.Status))
        {
            problems.Add($"code {code} does not go with status {r.Status}");
        }
        if (r.Status == c.Status && c.Code is not null && code != c.Code)
        {
            problems.Add($"expected code {c.Code}, got {code}");
        }
        return problems;
    }

    public static string Describe(HostileCase c, HostileResult r, IEnumerable<string> violations) =>
        $"{c.Name}\n    request: {c.Method} {Clip(c.Path, 200)}\n    expected: {c.Expected}\n    actual: {r.Status} {r.ContentType ?? "(no content type)"} {r.Short}\n    violations: {string.Join("; ", violations)}";

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max] + $"…({s.Length} chars)";

    private static bool TryParse(string text, out JsonElement element)
    {
        try
        {
            element = JsonDocument.Parse(text).RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            element = default;
            return false;
        }
    }
}

/// <summary>Request bodies as bytes, with exactly the headers a case asks for.</summary>
public static class Bodies
{
    public const string Json = "application/json";

    /// <summary>Bytes with <paramref name="contentType"/> sent verbatim (null: no Content-Type at all).</summary>
    public static HttpContent Bytes(byte[] bytes, string? contentType = Json)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        return content;
    }

    public static HttpContent Text(string text, string? contentType = Json) => Bytes(Encoding.UTF8.GetBytes(text), contentType);

    /// <summary>A body whose length is not announced (no Content-Length), as a chunked upload would be.</summary>
    public static HttpContent Unannounced(byte[] bytes, string contentType = Json)
    {
        var content = new UnknownLengthContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    /// <summary>Replaces the first occurrence of <paramref name="placeholder"/> in the UTF-8 of <paramref name="json"/> by raw bytes.</summary>
    public static byte[] Splice(string json, string placeholder, byte[] raw)
    {
        var at = json.IndexOf(placeholder, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new ArgumentException($"'{placeholder}' is not in {json}");
        }
        return [.. Encoding.UTF8.GetBytes(json[..at]), .. raw, .. Encoding.UTF8.GetBytes(json[(at + placeholder.Length)..])];
    }

    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var i = 0; i < bytes.Length; i += 64 * 1024)
            {
                await stream.WriteAsync(bytes.AsMemory(i, Math.Min(64 * 1024, bytes.Length - i)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
