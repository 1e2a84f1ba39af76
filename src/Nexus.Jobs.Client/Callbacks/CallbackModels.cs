using System.Text.Json.Serialization;

namespace Nexus.Jobs.Client;

/// <summary>The workspace's callback signing secret (<c>POST /v1/callbacks/secret</c>): shown only in this answer, so store it.</summary>
/// <param name="Secret">The key of <c>X-Nexus-Signature-256</c> (<see cref="CallbackSignature"/>), e.g. <c>whsec_...</c>.</param>
/// <param name="CreatedAt">When it was created; every attempt from then on is signed with it.</param>
public sealed record CallbackSecret(string Secret, DateTimeOffset CreatedAt);

/// <summary>One attempt at delivering a callback.</summary>
/// <param name="Attempt">1 for the first attempt, 2 for the first retry, and so on.</param>
/// <param name="ResponseStatus">The receiver's HTTP status; null when none came (timeout, refused connection).</param>
/// <param name="Error">Why the attempt did not deliver; null when it did.</param>
/// <param name="DurationMs">How long the attempt took.</param>
public sealed record CallbackAttempt(int Attempt, DateTimeOffset AttemptedAt, int? ResponseStatus, string? Error, int DurationMs);

/// <summary>A callback delivery: one terminal event of a job, batch or run, and every attempt to POST it, oldest first.</summary>
/// <param name="DeliveryId">The body's <c>delivery_id</c> and the <c>X-Nexus-Delivery</c> header: the same on every retry.</param>
/// <param name="Event">One of <see cref="CallbackEvents"/>, e.g. <c>ai_job.completed</c>.</param>
/// <param name="Url">The <c>callback_url</c> it goes to.</param>
/// <param name="NextAttemptAt">When the next attempt is due (to Hangfire's one-second precision); null once delivered or failed.</param>
public sealed record CallbackDelivery(
    Guid DeliveryId, string Event, string Url, DeliveryStatus Status, IReadOnlyList<CallbackAttempt> Attempts, DateTimeOffset? NextAttemptAt);

/// <summary>A delivery's status: pending, delivered or failed; unknown values are kept as sent.</summary>
[JsonConverter(typeof(WireValueConverter<DeliveryStatus>))]
public readonly record struct DeliveryStatus(string Value) : IWireValue<DeliveryStatus>
{
    /// <summary>An attempt is due, or a retry is scheduled for <see cref="CallbackDelivery.NextAttemptAt"/>.</summary>
    public static DeliveryStatus Pending { get; } = new("pending");

    /// <summary>The receiver answered 2xx.</summary>
    public static DeliveryStatus Delivered { get; } = new("delivered");

    /// <summary>The receiver answered 410 Gone, or the last retry failed.</summary>
    public static DeliveryStatus Failed { get; } = new("failed");

    /// <summary>Whether the status is final: delivered or failed.</summary>
    public bool IsTerminal => this == Delivered || this == Failed;

    /// <inheritdoc/>
    public static DeliveryStatus FromWire(string value) => new(value);

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}

/// <summary>The events a callback reports (its <c>event</c> and the <c>X-Nexus-Event</c> header); the API may add more.</summary>
public static class CallbackEvents
{
    public const string JobCompleted = "ai_job.completed";
    public const string JobFailed = "ai_job.failed";
    public const string JobCancelled = "ai_job.cancelled";

    /// <summary>Every job of the batch has ended; the batch's <c>status</c> says how (completed, failed or cancelled).</summary>
    public const string BatchCompleted = "ai_job_batch.completed";
    public const string RunCompleted = "compounding_run.completed";
    public const string RunFailed = "compounding_run.failed";
}

/// <summary>The headers of a callback request.</summary>
public static class CallbackHeaders
{
    /// <summary>The event, as in the body's <c>event</c>.</summary>
    public const string Event = "X-Nexus-Event";

    /// <summary>The delivery id, as in the body's <c>delivery_id</c>: the same on every retry, so dedupe on it.</summary>
    public const string Delivery = "X-Nexus-Delivery";

    /// <summary>When the attempt was sent, in Unix seconds (not signed).</summary>
    public const string Timestamp = "X-Nexus-Timestamp";

    /// <summary><c>sha256=</c> and the hex HMAC-SHA256 of the raw body (<see cref="CallbackSignature"/>).</summary>
    public const string Signature = "X-Nexus-Signature-256";
}

/// <summary>Body of <c>POST /v1/callbacks/secret</c>: an empty object.</summary>
internal sealed record RotateSecretBody;
