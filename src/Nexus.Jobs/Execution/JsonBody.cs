using System.Net.Http.Headers;
using System.Text.Json;

namespace Nexus.Jobs.Execution;

/// <summary>Request bodies serialised to bytes before they are sent, so they go out with a <c>Content-Length</c>.</summary>
/// <remarks>
/// <c>JsonContent</c> (and so <c>PostAsJsonAsync</c>) streams its body with <c>Transfer-Encoding: chunked</c>, and receivers
/// that read only <c>Content-Length</c> (Python's http.server, WSGI servers such as gunicorn) then see an empty body.
/// </remarks>
public static class JsonBody
{
    /// <summary><paramref name="value"/> as UTF-8 JSON with the web defaults <c>PostAsJsonAsync</c> uses, typed <c>application/json; charset=utf-8</c>.</summary>
    public static ByteArrayContent Create<T>(T value)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.Web));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }
}
