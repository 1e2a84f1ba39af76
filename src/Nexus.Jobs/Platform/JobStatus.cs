namespace Nexus.Jobs.Platform;

/// <summary>The public status of a job, as the contract names it.</summary>
public enum JobStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>Wire names of <see cref="JobStatus"/>.</summary>
public static class JobStatusNames
{
    public static string Name(this JobStatus status) => status switch
    {
        JobStatus.Queued => "queued",
        JobStatus.Running => "running",
        JobStatus.Completed => "completed",
        JobStatus.Failed => "failed",
        JobStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParse(string? value, out JobStatus status)
    {
        foreach (var s in Enum.GetValues<JobStatus>())
        {
            if (s.Name() == value)
            {
                status = s;
                return true;
            }
        }
        status = default;
        return false;
    }
}
