using System.Text.RegularExpressions;

namespace Nexus.Jobs.Platform;

/// <summary>Public identifiers: a prefix and a 26-character ULID, so ids sort by creation time.</summary>
public static partial class PublicIds
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

    // Ulid.TryParse checks only the length (it takes 'U', '-', even NUL, and wraps a first character past '7'),
    // so the canonical form is checked here: upper-case Crockford base32 within 128 bits.
    private static bool HasUlid(string? value, string prefix) =>
        value is not null
        && value.Length == prefix.Length + 26
        && value.StartsWith(prefix, StringComparison.Ordinal)
        && CanonicalUlid().IsMatch(value.AsSpan(prefix.Length));

    [GeneratedRegex("^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    private static partial Regex CanonicalUlid();
}
