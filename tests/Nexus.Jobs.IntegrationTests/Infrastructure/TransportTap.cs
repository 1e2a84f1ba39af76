namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>
/// A handler between the client library and the test server that records each request's path and can break the event
/// streams (<c>.../events</c>) the way the network in between might: a proxy answering 503, a refused connection, or a
/// connection that drops after the first event.
/// </summary>
public sealed class TransportTap(TransportTap.Fault fault = TransportTap.Fault.None) : DelegatingHandler
{
    public enum Fault
    {
        None,
        Unavailable,
        Refused,
        DropsAfterTheFirstEvent,
    }

    private readonly List<string> _paths = [];

    /// <summary>The paths requested, in order.</summary>
    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_paths)
            {
                return [.. _paths];
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_paths)
        {
            _paths.Add(request.RequestUri!.AbsolutePath);
        }
        if (fault == Fault.None || !request.RequestUri!.AbsolutePath.EndsWith("/events", StringComparison.Ordinal))
        {
            return await base.SendAsync(request, cancellationToken);
        }
        switch (fault)
        {
            case Fault.Unavailable:
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("<html>502 Bad Gateway</html>") };
            case Fault.Refused:
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (scripted)");
        }
        var response = await base.SendAsync(request, cancellationToken);
        var body = new DropAfterFirstRead(await response.Content.ReadAsStreamAsync(cancellationToken));
        var content = new StreamContent(body);
        foreach (var header in response.Content.Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        response.Content = content;
        return response;
    }

    /// <summary>Hands over what the first read gets (the first event: the server flushes per event), then breaks.</summary>
    private sealed class DropAfterFirstRead(Stream inner) : Nexus.Jobs.Testing.ReadOnlyStream
    {
        private bool _read;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read)
            {
                throw new IOException("The connection dropped (scripted).");
            }
            _read = true;
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
