namespace Nexus.Jobs.Platform;

/// <summary>The public priority of a job.</summary>
public enum Priority
{
    High,
    Normal,
    Low,
}

/// <summary>Maps priorities to Hangfire queue names and back.</summary>
/// <remarks>
/// Hangfire.PostgreSql fetches with <c>ORDER BY fetchedat NULLS FIRST, queue, jobid</c>: among waiting
/// jobs the queue name decides, alphabetically. The names therefore start with a digit, so they sort
/// in priority order in every collation and before Hangfire's own <c>default</c> queue
/// (docs/decisions/0001-queue-names.md).
/// </remarks>
public static class Queues
{
    public const string High = "1_high";
    public const string Normal = "2_normal";
    public const string Low = "3_low";

    /// <summary>Hangfire's fallback queue, served last; nothing of ours is created in it.</summary>
    public const string Default = "default";

    /// <summary>Every queue a worker serves, in the order it must serve them.</summary>
    public static readonly string[] All = [High, Normal, Low, Default];

    public static string For(Priority priority) => priority switch
    {
        Priority.High => High,
        Priority.Normal => Normal,
        Priority.Low => Low,
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, null),
    };

    public static string Name(this Priority priority) => priority switch
    {
        Priority.High => "high",
        Priority.Normal => "normal",
        Priority.Low => "low",
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, null),
    };

    public static bool TryParse(string? value, out Priority priority)
    {
        switch (value)
        {
            case "high": priority = Priority.High; return true;
            case "normal": priority = Priority.Normal; return true;
            case "low": priority = Priority.Low; return true;
            default: priority = Priority.Normal; return false;
        }
    }
}
