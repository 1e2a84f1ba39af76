namespace Nexus.Jobs.Platform;

/// <summary>Public identifiers: a prefix and a 26-character ULID, so ids sort by creation time.</summary>
public static class PublicIds
{
    public const string JobPrefix = "job_";
    public const string BatchPrefix = "batch_";
    public const string KeyPrefix = "key_";

    public static string NewJobId() => JobPrefix + Ulid.NewUlid();

    public static string NewBatchId() => BatchPrefix + Ulid.NewUlid();

    public static string NewKeyId() => KeyPrefix + Ulid.NewUlid();

    public static bool IsJobId(string? value) => HasUlid(value, JobPrefix);

    public static bool IsBatchId(string? value) => HasUlid(value, BatchPrefix);

    public static bool IsKeyId(string? value) => HasUlid(value, KeyPrefix);

    private static bool HasUlid(string? value, string prefix) =>
        value is not null
        && value.Length == prefix.Length + 26
        && value.StartsWith(prefix, StringComparison.Ordinal)
        && Ulid.TryParse(value.AsSpan(prefix.Length), out _)
        // Ulid.TryParse accepts lower case; our ids are canonical upper-case Crockford base32.
        && value.AsSpan(prefix.Length).IndexOfAnyInRange('a', 'z') < 0;
}
