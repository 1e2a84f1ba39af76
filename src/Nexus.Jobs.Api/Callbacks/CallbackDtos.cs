using Nexus.Jobs.Callbacks;

namespace Nexus.Jobs.Api.Callbacks;

/// <summary>A workspace's callback signing secret, shown only in the answer that creates or rotates it.</summary>
public sealed record CallbackSecretDto(string Secret, DateTime CreatedAt);

/// <summary>Body of <c>POST /v1/callbacks/secret</c>: none, or an empty object.</summary>
public sealed record RotateSecretRequest;

/// <summary>One attempt at delivering a callback.</summary>
/// <param name="ResponseStatus">The receiver's HTTP status, or null when none came (timeout, refused connection).</param>
/// <param name="Error">Why the attempt did not deliver (null when it did).</param>
public sealed record CallbackAttemptDto(int Attempt, DateTime AttemptedAt, int? ResponseStatus, string? Error, int DurationMs);

/// <summary>A callback delivery: one terminal event of the subject, and every attempt to POST it.</summary>
/// <param name="Status">pending (an attempt is due, or a retry is scheduled for <c>next_attempt_at</c>), delivered or failed.</param>
/// <param name="NextAttemptAt">When the next attempt is due; null once delivered or failed.</param>
public sealed record CallbackDeliveryDto(
    Guid DeliveryId, [property: OneOf(ValueSet.CallbackEvent)] string Event, string Url, [property: OneOf(ValueSet.DeliveryStatus)] string Status,
    IReadOnlyList<CallbackAttemptDto> Attempts, DateTime? NextAttemptAt)
{
    public static CallbackDeliveryDto From(CallbackDeliveryView v) => new(v.DeliveryId, v.Event, v.Url, v.Status,
        v.Attempts.Select(a => new CallbackAttemptDto(a.Attempt, a.AttemptedAt, a.ResponseStatus, a.Error, a.DurationMs)).ToList(),
        v.Status == "pending" ? v.NextAttemptAt : null);
}
