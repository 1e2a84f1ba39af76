using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Jobs.Client;

/// <summary>The wire's JSON: snake_case members, nulls left out of requests; source-generated, so no reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DispatchJobRequest))]
[JsonSerializable(typeof(DispatchBatchRequest))]
[JsonSerializable(typeof(DataOf<AcceptedJob>))]
[JsonSerializable(typeof(DataOf<Job>))]
[JsonSerializable(typeof(JobPage))]
[JsonSerializable(typeof(DataOf<AcceptedBatch>))]
[JsonSerializable(typeof(DataOf<Batch>))]
[JsonSerializable(typeof(Job))]
[JsonSerializable(typeof(Batch))]
[JsonSerializable(typeof(RotateSecretBody))]
[JsonSerializable(typeof(DataOf<CallbackSecret>))]
[JsonSerializable(typeof(DataOf<IReadOnlyList<CallbackDelivery>>))]
[JsonSerializable(typeof(CallbackNotification))]
[JsonSerializable(typeof(TriggerRequest))]
[JsonSerializable(typeof(TriggerAccepted))]
[JsonSerializable(typeof(CompoundingRun))]
[JsonSerializable(typeof(RunPage))]
[JsonSerializable(typeof(DataOf<IReadOnlyList<Pattern>>))]
[JsonSerializable(typeof(DataOf<IReadOnlyList<PlaybookRule>>))]
[JsonSerializable(typeof(DataOf<IReadOnlyList<MetricsSnapshot>>))]
[JsonSerializable(typeof(IngestRequest))]
[JsonSerializable(typeof(IngestResult))]
[JsonSerializable(typeof(InsightPage))]
[JsonSerializable(typeof(ProductsBody))]
[JsonSerializable(typeof(DailySalesBody))]
[JsonSerializable(typeof(CompetitorOffersBody))]
[JsonSerializable(typeof(ReviewsBody))]
[JsonSerializable(typeof(ReturnsBody))]
[JsonSerializable(typeof(UpsertResult))]
[JsonSerializable(typeof(DataOf<IReadOnlyList<StoredProduct>>))]
[JsonSerializable(typeof(DataOf<IReadOnlyList<DailySale>>))]
[JsonSerializable(typeof(DataOf<IReadOnlyList<CompetitorOffer>>))]
[JsonSerializable(typeof(DataOf<IReadOnlyList<StoredReview>>))]
[JsonSerializable(typeof(DataOf<IReadOnlyList<StoredReturn>>))]
internal sealed partial class NexusJson : JsonSerializerContext;

/// <summary>The <c>data</c> wrapper of a response.</summary>
internal sealed record DataOf<T>(T Data);
