using System.Globalization;

namespace Nexus.Jobs.Api.Dashboard;

/// <summary>How bad an alert is: danger needs someone now, warning needs a look.</summary>
public enum AlertLevel
{
    Danger,
    Warning,
}

/// <summary>One thing wrong, said where it is: the page to open is <see cref="Path"/> (relative to the dashboard).</summary>
public sealed record OperatorAlert(AlertLevel Level, string Text, string Path);

/// <summary>The operator pages' judgements, without I/O: what counts as wrong, batch status, sorting.</summary>
public static class OperatorRules
{
    /// <summary>A batch with unfinished jobs and no job ended for this long is called stalled.</summary>
    /// <remarks>Our job types take seconds to a few minutes; a quarter of an hour without one ending is not a slow job.</remarks>
    public static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(15);

    /// <summary>A workspace at this share of its queued-jobs cap is about to get 429 QUEUE_FULL.</summary>
    public const double NearCap = 0.9;

    /// <summary>A job waiting this long means its queue is not being served.</summary>
    public static readonly TimeSpan LongWait = TimeSpan.FromMinutes(30);

    /// <summary>An error code is rising when its last hour has at least this many failures...</summary>
    public const int RisingFloor = 3;

    /// <summary>...and more than this many times its hourly average over the 23 hours before.</summary>
    public const double RisingFactor = 2.0;

    /// <summary>
    /// queued: nothing started; running: some not ended; completed: all completed; failed: all ended and one failed;
    /// cancelled: all ended, none failed. The same rules as <c>BatchView.Status</c>, over counts.
    /// </summary>
    public static string BatchStatus(int queued, int running, int completed, int failed, int cancelled)
    {
        var total = queued + running + completed + failed + cancelled;
        if (queued == total)
        {
            return "queued";
        }
        if (queued + running > 0)
        {
            return "running";
        }
        if (completed == total)
        {
            return "completed";
        }
        return failed > 0 ? "failed" : "cancelled";
    }

    /// <summary>The share of the cap a workspace's queued jobs take (1 = at the cap).</summary>
    public static double Fill(WorkspaceLoad load, int cap) => cap <= 0 ? 0 : (double)load.Queued / cap;

    /// <summary>Whether an error code's last hour stands out from the rest of the day.</summary>
    public static bool IsRising(CodeTrend trend)
    {
        var before = trend.Day - trend.LastHour;
        return trend.LastHour >= RisingFloor && trend.LastHour > RisingFactor * before / 23.0;
    }

    /// <summary>What is wrong, the worst first: full workspaces, stalled batches, rising codes, failed pipelines, long waits.</summary>
    public static IReadOnlyList<OperatorAlert> Alerts(WorkspacesView view)
    {
        var alerts = new List<OperatorAlert>();
        foreach (var w in view.Workspaces.Where(w => Fill(w, view.Cap) >= NearCap).OrderByDescending(w => w.Queued))
        {
            var full = w.Queued >= view.Cap;
            alerts.Add(new OperatorAlert(full ? AlertLevel.Danger : AlertLevel.Warning,
                string.Create(CultureInfo.InvariantCulture,
                    $"Workspace {w.WorkspaceId} has {w.Queued:N0} of {view.Cap:N0} jobs queued ({Percent(Fill(w, view.Cap))} of its cap){(full ? ": new jobs get 429 QUEUE_FULL" : "")}."),
                $"/nexus/batches?workspace={w.WorkspaceId}"));
        }
        foreach (var b in view.Stalled)
        {
            alerts.Add(new OperatorAlert(AlertLevel.Danger,
                string.Create(CultureInfo.InvariantCulture,
                    $"Batch {b.Id} (workspace {b.WorkspaceId}) is stalled: {b.Unfinished} job(s) unfinished, none ended for {Minutes(view.Now - b.LastProgressAt)}."),
                $"/nexus/batches/{b.Id}"));
        }
        foreach (var c in view.Codes.Where(IsRising).OrderByDescending(c => c.LastHour))
        {
            alerts.Add(new OperatorAlert(AlertLevel.Danger,
                string.Create(CultureInfo.InvariantCulture,
                    $"{c.Code} is rising: {c.LastHour} failure(s) in the last hour, {c.Day - c.LastHour} in the 23 hours before."),
                "/nexus/failures"));
        }
        foreach (var r in view.FailedRuns)
        {
            alerts.Add(new OperatorAlert(AlertLevel.Warning,
                string.Create(CultureInfo.InvariantCulture,
                    $"The last {r.JobType} run of workspace {r.WorkspaceId} failed ({r.ErrorCode ?? "no code"})."),
                $"/nexus/compounding?workspace={r.WorkspaceId}"));
        }
        foreach (var w in view.Workspaces.Where(w => w.OldestQueuedAt is { } t && view.Now - t >= LongWait).OrderBy(w => w.OldestQueuedAt))
        {
            alerts.Add(new OperatorAlert(AlertLevel.Warning,
                string.Create(CultureInfo.InvariantCulture,
                    $"Workspace {w.WorkspaceId}'s oldest queued job has waited {Minutes(view.Now - w.OldestQueuedAt!.Value)} ({w.Running} running)."),
                "/jobs/enqueued"));
        }
        return alerts;
    }

    /// <summary>Columns the Workspaces table sorts by; the first is the default (busiest first).</summary>
    public static readonly string[] WorkspaceSorts = ["busiest", "workspace", "high", "normal", "low", "queued", "running", "failed", "completed", "cap"];

    /// <summary>Sorts workspaces by a column of <see cref="WorkspaceSorts"/>; ties go to the busiest, then the lowest id.</summary>
    /// <remarks>Busiest means the most unfinished jobs (queued and running), then the most that ended in the window.</remarks>
    public static IReadOnlyList<WorkspaceLoad> Sort(IEnumerable<WorkspaceLoad> workspaces, string? sort, bool ascending, int cap)
    {
        Func<WorkspaceLoad, double> key = sort switch
        {
            "workspace" => w => w.WorkspaceId,
            "high" => w => w.QueuedHigh,
            "normal" => w => w.QueuedNormal,
            "low" => w => w.QueuedLow,
            "queued" => w => w.Queued,
            "running" => w => w.Running,
            "failed" => w => w.Failed,
            "completed" => w => w.Completed,
            "cap" => w => Fill(w, cap),
            _ => w => w.Queued + w.Running,
        };
        var ordered = ascending ? workspaces.OrderBy(key) : workspaces.OrderByDescending(key);
        return ordered
            .ThenByDescending(w => w.Queued + w.Running)
            .ThenByDescending(w => w.Failed + w.Completed + w.Cancelled)
            .ThenBy(w => w.WorkspaceId)
            .ToList();
    }

    /// <summary>A share as a whole percentage, "87%" (the invariant culture's P0 would write "87 %").</summary>
    public static string Percent(double share) => string.Create(CultureInfo.InvariantCulture, $"{Math.Round(share * 100):0}%");

    private static string Minutes(TimeSpan span) =>
        span.TotalMinutes < 120
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#} h");
}
