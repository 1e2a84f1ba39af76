using System.Net;
using System.Text;

namespace Nexus.Jobs.Client.Tests;

/// <summary>Answers requests from a script and keeps what was sent, so the client's wire format is checked without a server.</summary>
internal sealed class StubHandler(Func<HttpRequestMessage, int, HttpResponseMessage> answer) : HttpMessageHandler
{
    public List<(HttpRequestMessage Request, string? Body)> Sent { get; } = [];

    public static HttpResponseMessage Json(HttpStatusCode status, string json, string mediaType = "application/json") =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, mediaType) };

    public NexusJobsClient Client(NexusJobsClientOptions? options = null) =>
        new(new HttpClient(this), options ?? new NexusJobsClientOptions { BaseAddress = new Uri("http://nexus.test/base"), ApiKey = "nxj_test" });

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Sent)
        {
            Sent.Add((request, body));
            return answer(request, Sent.Count - 1);
        }
    }
}
