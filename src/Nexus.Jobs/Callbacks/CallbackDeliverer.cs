using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Execution;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.Callbacks;

/// <summary>A subject's public representation: exactly what its GET answers (the job, batch or run), and whether it has ended.</summary>
public sealed record CallbackPayload(string Json, bool Terminal);

/// <summary>Renders the <c>data</c> of a callback. Implemented by the API, which owns the representations.</summary>
public interface ICallbackPayloads
{
    /// <summary>The subject as its GET shows it, or null when there is no such subject in the workspace.</summary>
    Task<CallbackPayload?> RenderAsync(string subjectKind, long workspaceId, string subjectId, CancellationToken ct);
}

/// <summary>A delivery attempt the receiver did not accept; the callback retry filter schedules the next attempt.</summary>
public sealed class CallbackDeliveryException(string message) : Exception(message);

/// <summary>
/// One attempt of a callback delivery (its Hangfire entry point is <c>HangfireSeam.CallbackSender</c>), retried with back-off
/// by the callback retry filter (<c>Nexus:Callbacks</c>). 2xx is delivered; 410 Gone stops at once; anything else (other statuses,
/// timeouts, refused connections) is retried, and after the last retry the delivery is failed.
/// </summary>
/// <remarks>
/// The body is built at the first attempt and kept, so every attempt sends the same bytes: the same <c>delivery_id</c>,
/// <c>occurred_at</c> and <c>data</c>. Each attempt is signed with the workspace's current secret.
/// </remarks>
public sealed class CallbackDeliverer(
    NpgsqlDataSource dataSource, IHttpClientFactory httpClients, ICallbackPayloads payloads, CallbackSecrets secrets,
    IOptionsMonitor<CallbackOptions> options, ILogger<CallbackDeliverer> logger)
{
    public const string HttpClientName = "nexus-callbacks";

    /// <summary>Most of a non-2xx answer's body that is read, for the attempt's error text.</summary>
    private const int ErrorBodyBytes = 1024;

    /// <summary>How long the first attempt waits for the subject's public status to show the terminal state (see <see cref="FreezeBodyAsync"/>).</summary>
    private static readonly TimeSpan SettleWait = TimeSpan.FromSeconds(5);

    private const string LoadSql = """
        select subject_kind as SubjectKind, url as Url, status as Status, occurred_at as OccurredAt, body as Body
        from nexus.callback_deliveries where id = @Id
        """;

    private const string FreezeSql = "update nexus.callback_deliveries set body = coalesce(body, @Body) where id = @Id returning body";

    private const string RecordSql = """
        with attempt as (
            insert into nexus.callback_attempts (delivery_id, attempted_at, response_status, error, duration_ms)
            values (@Id, @AttemptedAt, @ResponseStatus, @Error, @DurationMs)
        )
        update nexus.callback_deliveries set status = @Status, next_attempt_at = @NextAttemptAt
        where id = @Id and status <> 'delivered'
        """;

    /// <summary>One attempt; <paramref name="retryCount"/> attempts were made before it.</summary>
    public async Task AttemptAsync(Guid deliveryId, string @event, string subjectId, long workspaceId, int retryCount, CancellationToken cancellationToken)
    {
        Delivery? delivery;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            delivery = await connection.QuerySingleOrDefaultAsync<Delivery>(new CommandDefinition(LoadSql, new { Id = deliveryId }, cancellationToken: cancellationToken));
        }
        if (delivery is null)
        {
            throw new PermanentJobFailureException("CALLBACK_LOST", $"No delivery {deliveryId}");
        }
        if (delivery.Status == "delivered")
        {
            return; // executed again after it succeeded (at-least-once)
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["DeliveryId"] = deliveryId, ["WorkspaceId"] = workspaceId, ["SubjectId"] = subjectId });

        var body = delivery.Body ?? await FreezeBodyAsync(deliveryId, delivery, @event, workspaceId, subjectId, cancellationToken);
        var secret = await secrets.GetAsync(workspaceId, cancellationToken);
        var settings = options.CurrentValue;
        var attemptedAt = Clock.UtcNowMicros();
        var answer = secret is null
            ? new Answer(null, "This workspace has no callback secret to sign with (POST /v1/callbacks/secret creates one).", 0)
            : await PostAsync(delivery.Url, body, secret, deliveryId, @event, settings.TimeoutSeconds, cancellationToken);

        var delivered = answer.Status is >= 200 and < 300;
        var refused = answer.Status == 410 || secret is null; // no retry can help
        var retries = !delivered && !refused && retryCount < settings.Attempts;
        var status = delivered ? "delivered" : retries ? "pending" : "failed";
        var delays = settings.RetryDelays();
        // When Hangfire's retry filter will run the next attempt (it schedules to the second).
        DateTime? next = retries ? Clock.UtcNowMicros().AddSeconds(delays[Math.Min(retryCount, delays.Length - 1)]) : null;
        await using (var connection = await dataSource.OpenConnectionAsync(CancellationToken.None))
        {
            // Not cancellable: the attempt happened and must be on record.
            await connection.ExecuteAsync(RecordSql, new
            {
                Id = deliveryId, AttemptedAt = attemptedAt, ResponseStatus = answer.Status, answer.Error, answer.DurationMs,
                Status = status, NextAttemptAt = next,
            });
        }
        NexusTelemetry.CallbackAttempts.Add(1, new KeyValuePair<string, object?>("event", @event), new KeyValuePair<string, object?>("result", status));
        var host = new Uri(delivery.Url).Authority;
        if (delivered)
        {
            logger.LogInformation("Delivered {Event} for {SubjectId} to {Host}: HTTP {Status} in {DurationMs} ms", @event, subjectId, host, answer.Status, answer.DurationMs);
            return;
        }
        logger.LogWarning("Callback {Event} for {SubjectId} to {Host} not delivered (attempt {Attempt}, {Outcome}): {Error}",
            @event, subjectId, host, retryCount + 1, status, answer.Error);
        if (refused)
        {
            throw new PermanentJobFailureException("CALLBACK_REFUSED", $"{host}: {answer.Error}; not retried");
        }
        throw new CallbackDeliveryException($"{host}: {answer.Error}");
    }

    /// <summary>Builds the body once and keeps it on the delivery, so retries send the same bytes.</summary>
    /// <remarks>
    /// A failed outcome is written by a state filter just before Hangfire commits the Failed state, and until that commit the
    /// public status still reads running; so the first attempt gives the subject's status a few seconds to show the terminal
    /// state it is reporting.
    /// </remarks>
    private async Task<string> FreezeBodyAsync(Guid deliveryId, Delivery delivery, string @event, long workspaceId, string subjectId, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + SettleWait;
        var payload = await payloads.RenderAsync(delivery.SubjectKind, workspaceId, subjectId, ct);
        while (payload is { Terminal: false } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
            payload = await payloads.RenderAsync(delivery.SubjectKind, workspaceId, subjectId, ct);
        }
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("delivery_id", deliveryId);
            writer.WriteString("event", @event);
            writer.WriteString("occurred_at", DateTime.SpecifyKind(delivery.OccurredAt, DateTimeKind.Utc));
            writer.WritePropertyName("data");
            if (payload is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteRawValue(payload.Json, skipInputValidation: true);
            }
            writer.WriteEndObject();
        }
        var body = Encoding.UTF8.GetString(buffer.ToArray());
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<string>(new CommandDefinition(FreezeSql, new { Id = deliveryId, Body = body }, cancellationToken: ct)) ?? body;
    }

    private async Task<Answer> PostAsync(string url, string body, string secret, Guid deliveryId, string @event, int timeoutSeconds, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(CallbackHeaders.Event, @event);
        request.Headers.Add(CallbackHeaders.Delivery, deliveryId.ToString("D"));
        request.Headers.Add(CallbackHeaders.Timestamp, DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(CallbackHeaders.Signature, CallbackSecrets.Sign(secret, bytes));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return new Answer(status, null, Elapsed(clock)); // the body is ignored
            }
            var text = await ReadStartAsync(response, timeout.Token);
            var redirect = status is >= 300 and < 400 ? " (redirects are not followed)" : "";
            return new Answer(status, $"HTTP {status}{redirect}" + (text.Length > 0 ? $": {text}" : ""), Elapsed(clock));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Answer(null, $"No answer within {timeoutSeconds} s", Elapsed(clock));
        }
        catch (HttpRequestException e)
        {
            return new Answer(null, e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message, Elapsed(clock));
        }
    }

    /// <summary>The start of an error answer's body, as one line of printable text.</summary>
    private static async Task<string> ReadStartAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[ErrorBodyBytes];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0)
            {
                read += n;
            }
            var text = new string(Encoding.UTF8.GetString(buffer, 0, read).Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
            return text.Length <= 200 ? text : text[..200] + "…";
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return "";
        }
    }

    private static int Elapsed(Stopwatch clock) => (int)Math.Min(int.MaxValue, clock.ElapsedMilliseconds);

    private sealed record Delivery(string SubjectKind, string Url, string Status, DateTime OccurredAt, string? Body);

    private sealed record Answer(int? Status, string? Error, int DurationMs);
}

/// <summary>The headers of a callback request.</summary>
public static class CallbackHeaders
{
    public const string Event = "X-Nexus-Event";
    public const string Delivery = "X-Nexus-Delivery";
    public const string Timestamp = "X-Nexus-Timestamp";
    public const string Signature = "X-Nexus-Signature-256";
}
