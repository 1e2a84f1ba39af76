namespace Nexus.Jobs.Auth;

/// <summary>The scopes an API key can carry (CONTRACT: Authentication and tenancy).</summary>
public static class Scopes
{
    public const string RecordWrite = "record.write";
    public const string RecordRead = "record.read";
    public const string AiJobsWrite = "ai-jobs:write";
    public const string AiJobsRead = "ai-jobs:read";
    public const string InsightWrite = "insight.write";
    public const string InsightRead = "insight.read";
    public const string CatalogWrite = "catalog.write";
    public const string CatalogRead = "catalog.read";

    public static readonly IReadOnlyList<string> All =
        [RecordWrite, RecordRead, AiJobsWrite, AiJobsRead, InsightWrite, InsightRead, CatalogWrite, CatalogRead];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);

    /// <summary>Whether a key with <paramref name="held"/> may do what <paramref name="required"/> guards.</summary>
    /// <remarks>The seed: AI-job reads need <c>ai-jobs:read</c> "or any read scope".</remarks>
    public static bool Grants(IReadOnlyCollection<string> held, string required)
    {
        if (held.Contains(required, StringComparer.Ordinal))
        {
            return true;
        }
        return required == AiJobsRead && held.Any(s => s.EndsWith(".read", StringComparison.Ordinal) || s.EndsWith(":read", StringComparison.Ordinal));
    }
}
