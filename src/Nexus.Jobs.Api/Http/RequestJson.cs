using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Nexus.Jobs.Api.Errors;

namespace Nexus.Jobs.Api.Http;

/// <summary>Reads a JSON body once, keeping the bytes for idempotency hashing, with precise errors.</summary>
/// <remarks>
/// Bodies are parsed by hand rather than model-bound so that broken JSON (400 MALFORMED_REQUEST) is told apart
/// from well-formed JSON with wrong values (422 VALIDATION_FAILED), and every error names its field.
/// </remarks>
public static class RequestJson
{
    private const string BytesKey = "nexus.body.bytes";
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>The raw body (read once and cached).</summary>
    public static async Task<byte[]> BytesAsync(HttpContext http)
    {
        if (http.Items.TryGetValue(BytesKey, out var cached) && cached is byte[] bytes)
        {
            return bytes;
        }
        // Kestrel enforces its MaxRequestBodySize too; this check holds on any server and fails early on Content-Length.
        var limit = NexusJobsApp.MaxRequestBodyBytes;
        if (http.Request.ContentLength > limit)
        {
            throw new BadHttpRequestException($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new BadHttpRequestException($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            }
            buffer.Write(chunk, 0, read);
        }
        bytes = buffer.ToArray();
        http.Items[BytesKey] = bytes;
        return bytes;
    }

    /// <summary>The body as a JSON object, or the problem to answer with.</summary>
    public static async Task<(JsonElement Body, ObjectResult? Problem)> ObjectAsync(HttpContext http)
    {
        if (!IsJson(http.Request.ContentType))
        {
            return (default, Problems.Result(http, StatusCodes.Status415UnsupportedMediaType, ErrorCodes.MalformedRequest,
                "Unsupported media type", "Send the body as application/json."));
        }
        var bytes = await BytesAsync(http);
        if (bytes.Length == 0)
        {
            return (default, Malformed(http, "The request body is empty; a JSON object is required."));
        }
        try
        {
            using var document = JsonDocument.Parse(bytes, Options);
            var root = document.RootElement.Clone();
            if (!HasValidText(root))
            {
                return (default, Malformed(http, "The body holds a string or member name that is not valid Unicode (a lone surrogate or invalid UTF-8)."));
            }
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (default, Problems.Validation(http, ErrorCodes.ValidationFailed,
                    new Dictionary<string, string[]> { ["$"] = ["The body must be a JSON object."] }));
            }
            return (root, null);
        }
        catch (JsonException e)
        {
            return (default, Malformed(http, $"The body is not valid JSON: {e.Message}"));
        }
    }

    // The parser accepts lone surrogate escapes and invalid UTF-8 inside strings and only fails when a string is
    // read; reading every string once here turns that into a 400 instead of a failure halfway through validation.
    private static bool HasValidText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        if (!HasValidText(property.Value))
                        {
                            return false;
                        }
                    }
                    return true;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        if (!HasValidText(item))
                        {
                            return false;
                        }
                    }
                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static ObjectResult Malformed(HttpContext http, string detail) =>
        Problems.Result(http, StatusCodes.Status400BadRequest, ErrorCodes.MalformedRequest, "Malformed request", detail);

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType) || !Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return false;
        }
        var type = media.MediaType.Value ?? "";
        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>Reads the members of a JSON object with field-named errors; rejects duplicates and unknown members.</summary>
public sealed class JsonFields
{
    private readonly Dictionary<string, JsonElement> _members = new(StringComparer.Ordinal);

    public JsonFields(JsonElement obj, string path, IReadOnlyCollection<string> known, Dictionary<string, string[]> errors)
    {
        Path = path;
        Errors = errors;
        foreach (var property in obj.EnumerateObject())
        {
            var field = Field(property.Name);
            if (!known.Contains(property.Name))
            {
                errors[field] = [$"is not a known field; expected {string.Join(", ", known)}"];
            }
            else if (!_members.TryAdd(property.Name, property.Value))
            {
                errors[field] = ["appears more than once"];
            }
        }
    }

    public string Path { get; }

    public Dictionary<string, string[]> Errors { get; }

    public string Field(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    public bool TryGet(string name, out JsonElement value) => _members.TryGetValue(name, out value) && value.ValueKind != JsonValueKind.Undefined;

    /// <summary>A required string; null (and an error) when absent or not a string.</summary>
    public string? RequiredString(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            Errors[Field(name)] = ["is required"];
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Errors[Field(name)] = ["must be a string"];
            return null;
        }
        return value.GetString();
    }

    /// <summary>An optional string; null when absent or JSON null.</summary>
    public string? OptionalString(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Errors[Field(name)] = ["must be a string"];
            return null;
        }
        return value.GetString();
    }

    public bool OptionalBool(string name, bool fallback)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }
        Errors[Field(name)] = ["must be true or false"];
        return fallback;
    }
}
