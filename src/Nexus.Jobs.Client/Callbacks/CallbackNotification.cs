using System.Text.Json;

namespace Nexus.Jobs.Client;

/// <summary>The body of a callback, as a receiver reads it (after <see cref="CallbackSignature.IsValid"/>).</summary>
/// <param name="DeliveryId">The same on every retry of one delivery: handle each id once.</param>
/// <param name="Event">One of <see cref="CallbackEvents"/>; it says which of <see cref="AsJob"/>, <see cref="AsBatch"/>, <see cref="AsRun"/> fits.</param>
/// <param name="OccurredAt">When the subject reached the state reported.</param>
/// <param name="Data">Exactly what the subject's GET answers (a job's or batch's <c>data</c>, or the run).</param>
public sealed record CallbackNotification(Guid DeliveryId, string Event, DateTimeOffset OccurredAt, JsonElement Data)
{
    /// <summary>Reads a callback's raw body.</summary>
    /// <exception cref="JsonException">The body is not a callback.</exception>
    public static CallbackNotification Parse(ReadOnlySpan<byte> rawBody) =>
        JsonSerializer.Deserialize(rawBody, NexusJson.Default.CallbackNotification)
        ?? throw new JsonException("A callback body is a JSON object, not null.");

    /// <summary>The job of an <c>ai_job.*</c> event, as <see cref="AiJobsApi.GetAsync"/> returns it.</summary>
    /// <exception cref="JsonException">The data is not a job.</exception>
    public Job AsJob() => As(NexusJson.Default.Job);

    /// <summary>The batch of an <c>ai_job_batch.*</c> event, as <see cref="AiJobsApi.GetBatchAsync"/> returns it.</summary>
    /// <exception cref="JsonException">The data is not a batch.</exception>
    public Batch AsBatch() => As(NexusJson.Default.Batch);

    /// <summary>The run of a <c>compounding_run.*</c> event, as <see cref="CompoundingApi.GetRunAsync"/> returns it.</summary>
    /// <exception cref="JsonException">The data is not a run.</exception>
    public CompoundingRun AsRun() => As(NexusJson.Default.CompoundingRun);

    private T As<T>(System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        (Data.ValueKind == JsonValueKind.Object ? Data.Deserialize(type) : default)
        ?? throw new JsonException($"The callback's data is {Data.ValueKind}, not a {typeof(T).Name}.");
}
