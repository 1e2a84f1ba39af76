using System.Globalization;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Api.Dashboard;

/// <summary>Per workspace and pipeline the last compounding runs, and one workspace's metrics snapshot history as a chart.</summary>
public sealed class CompoundingPage : OperatorPage
{
    protected override string Title => "Compounding";

    protected override void Render(IServiceProvider services)
    {
        var workspace = WorkspaceQuery();
        var view = services.GetRequiredService<OperatorReadModel>().Compounding(Clock.UtcNowMicros(), workspace);

        Raw("<h3>Metrics history");
        if (view.Workspace is { } shown)
        {
            Text(string.Create(CultureInfo.InvariantCulture, $" of workspace {shown}"));
        }
        Raw("</h3>");
        if (view.Snapshots.Count == 0)
        {
            Raw("<div class=\"alert alert-info\">No metrics snapshot yet");
            Text(workspace is { } w ? string.Create(CultureInfo.InvariantCulture, $" for workspace {w}") : "");
            Raw(": the metrics pipeline writes one per run.</div>");
        }
        else
        {
            Chart("nexus-metrics-history", OperatorCharts.Snapshots(view.Snapshots), 90);
        }
        if (view.SnapshotWorkspaces.Count > 1)
        {
            Raw("<p>Workspaces with snapshots: ");
            foreach (var id in view.SnapshotWorkspaces)
            {
                var text = id.ToString(CultureInfo.InvariantCulture);
                if (id == view.Workspace)
                {
                    Raw("<strong>");
                    Text(text);
                    Raw("</strong> ");
                }
                else
                {
                    Link($"/nexus/compounding?workspace={text}", text);
                    Raw(" ");
                }
            }
            Raw("</p>");
        }

        Raw("<h3>Last runs per workspace and pipeline</h3><p class=\"text-muted\">");
        Text(string.Create(CultureInfo.InvariantCulture, $"The last {OperatorReadModel.RunsPerPipeline} runs of every pipeline that ran in the last 7 days"));
        Text(workspace is { } ws ? string.Create(CultureInfo.InvariantCulture, $", workspace {ws}.") : ".");
        if (workspace is not null)
        {
            Raw(" ");
            Link("/nexus/compounding", "All workspaces");
        }
        Raw("</p>");
        if (view.Runs.Count == 0)
        {
            Raw("<div class=\"alert alert-info\">No compounding run in the last 7 days.</div>");
            return;
        }
        Raw("<div class=\"table-responsive\"><table class=\"table\" id=\"nexus-runs\"><thead><tr>"
            + "<th>Workspace</th><th>Pipeline</th><th>Started</th><th>Trigger</th><th>Status</th>"
            + "<th class=\"text-right\">Scanned</th><th class=\"text-right\">Affected</th><th class=\"text-right\">Candidates</th>"
            + "<th class=\"text-right\">Errors</th><th class=\"text-right\">Duration</th><th>Error</th><th>Hangfire</th></tr></thead><tbody>");
        (long, string)? group = null;
        foreach (var r in view.Runs)
        {
            var first = group != (r.WorkspaceId, r.JobType);
            group = (r.WorkspaceId, r.JobType);
            Raw(r.Status == "failed" ? "<tr class=\"danger\">" : first ? "<tr style=\"border-top:2px solid #ddd\">" : "<tr>");
            Raw("<td>");
            if (first)
            {
                Link($"/nexus/compounding?workspace={r.WorkspaceId.ToString(CultureInfo.InvariantCulture)}", r.WorkspaceId.ToString(CultureInfo.InvariantCulture));
            }
            Raw("</td><td>");
            if (first)
            {
                Text(r.JobType);
            }
            Raw("</td><td>");
            Time(r.CreatedAt);
            Raw("</td><td>");
            Text(r.DryRun ? r.Trigger + " (dry run)" : r.Trigger);
            Raw("</td><td>");
            StatusLabel(r.Status);
            Raw("</td>");
            Optional(r.InsightsScanned);
            Optional(r.InsightsAffected);
            Optional(r.CandidatesCreated);
            Optional(r.Errors, r.Errors > 0 ? "text-danger" : null);
            Raw("<td class=\"text-right\">");
            Text(r.DurationMs is { } ms ? Html.ToHumanDuration(TimeSpan.FromMilliseconds(ms), false) : "");
            Raw("</td><td>");
            if (r.ErrorCode is not null)
            {
                Raw("<code>");
                Text(r.ErrorCode);
                Raw("</code> ");
            }
            Text(r.ErrorMessage);
            Raw("</td><td>");
            HangfireJobLink(r.HangfireJobId);
            Raw("</td></tr>");
        }
        Raw("</tbody></table></div>");
    }

    private void Optional(int? value, string? css = null)
    {
        if (value is { } v)
        {
            NumberCell(v, css);
        }
        else
        {
            Raw("<td></td>");
        }
    }
}
