using Nexus.Jobs.AiJobs;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Compounding;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Api;

/// <summary>The closed sets of strings the API takes and answers, named once for the OpenAPI document.</summary>
public enum ValueSet
{
    JobType,
    JobStatus,
    Priority,
    CompoundingJobType,
    RunStatus,
    RunTrigger,
    PatternStatus,
    PlaybookStatus,
    CatalogKind,
    InsightStatus,
    DeliveryStatus,
    CallbackEvent,
    Marketplace,
}

/// <summary>
/// Documents a string property or parameter as one of a closed set. The actions read these as raw text, to answer a bad
/// value with the contract's exact 422, so without this the document would offer clients a free string.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property)]
public sealed class OneOfAttribute(ValueSet set) : Attribute
{
    public ValueSet Set { get; } = set;

    /// <summary>The value the API uses when the member is absent (documented as the schema's default, so clients start from it).</summary>
    public string? Default { get; init; }

    /// <summary>The values, from the same lists the API validates against.</summary>
    public static IReadOnlyList<string> Values(ValueSet set) => set switch
    {
        ValueSet.JobType => JobTypes.All.Select(t => t.Name).ToList(),
        ValueSet.JobStatus => Enum.GetValues<JobStatus>().Select(s => s.Name()).ToList(),
        ValueSet.Priority => [Priority.Low.Name(), Priority.Normal.Name(), Priority.High.Name()],
        ValueSet.CompoundingJobType => CompoundingJobTypes.All,
        ValueSet.RunStatus => ["accepted", "running", "completed", "failed"],
        ValueSet.RunTrigger => ["api", "schedule"],
        ValueSet.PatternStatus => ["active", "inactive"],
        ValueSet.PlaybookStatus => ["active", "retired"],
        ValueSet.CatalogKind => ["products", "daily-sales", "competitor-offers", "reviews", "returns"],
        ValueSet.InsightStatus => [InsightStatus.Active, InsightStatus.Merged, InsightStatus.Stale],
        ValueSet.DeliveryStatus => ["pending", "delivered", "failed"],
        ValueSet.Marketplace => JobTypes.Marketplaces.Order(StringComparer.Ordinal).ToList(),
        ValueSet.CallbackEvent =>
        [
            CallbackEvents.JobCompleted, CallbackEvents.JobFailed, CallbackEvents.JobCancelled, CallbackEvents.BatchCompleted,
            CallbackEvents.RunCompleted, CallbackEvents.RunFailed,
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, null),
    };
}

/// <summary>Documents a query parameter read as raw text (for the contract's exact 422) as the integer it must be.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class IntegerAttribute(int minimum, int maximum) : Attribute
{
    public int Minimum { get; } = minimum;

    public int Maximum { get; } = maximum;

    /// <summary>What the API uses when the parameter is absent (none when negative).</summary>
    public int Default { get; init; } = -1;
}

/// <summary>
/// Documents a path or query parameter read as raw text with its string format: <c>date</c> or <c>date-time</c> (the API
/// takes both forms for each: a date covers the whole day, a date-time needs its offset; the format is the one a client
/// should send) or <c>uuid</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class FormatAttribute(string format) : Attribute
{
    public string Format { get; } = format is "date" or "date-time" or "uuid" ? format : throw new ArgumentOutOfRangeException(nameof(format), format, "date, date-time or uuid");
}
