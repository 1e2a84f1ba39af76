using System.Globalization;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Api.Dashboard;

/// <summary>The operator's first screen: what is wrong and where, then every workspace's load against its cap, busiest first.</summary>
public sealed class WorkspacesPage : OperatorPage
{
    protected override string Title => "Workspaces";

    protected override void Render(IServiceProvider services)
    {
        var cap = services.GetRequiredService<IOptionsMonitor<AiJobsOptions>>().CurrentValue.MaxQueuedPerWorkspace;
        var view = services.GetRequiredService<OperatorReadModel>().Workspaces(Clock.UtcNowMicros(), cap);
        RenderAlerts(OperatorRules.Alerts(view));

        var sort = OperatorRules.WorkspaceSorts.Contains(Query("sort")) ? Query("sort") : OperatorRules.WorkspaceSorts[0];
        var ascending = Query("dir") == "asc";
        var rows = OperatorRules.Sort(view.Workspaces, sort, ascending, cap);

        Raw("<p class=\"text-muted\">Unfinished jobs now, and jobs that ended in the last 24 hours, per workspace. ");
        Text(string.Create(CultureInfo.InvariantCulture, $"The queued-jobs cap (AiJobs:MaxQueuedPerWorkspace) is {cap:N0}: a workspace with that many jobs queued gets 429 QUEUE_FULL."));
        Raw("</p>");
        if (rows.Count == 0)
        {
            Raw("<div class=\"alert alert-info\">No workspace has unfinished jobs or jobs that ended in the last 24 hours.</div>");
            return;
        }
        Raw("<div class=\"table-responsive\"><table class=\"table table-striped\" id=\"nexus-workspaces\"><thead><tr>");
        Header("workspace", "Workspace", sort, ascending);
        Header("high", "Queued high", sort, ascending);
        Header("normal", "Queued normal", sort, ascending);
        Header("low", "Queued low", sort, ascending);
        Header("running", "Running", sort, ascending);
        Header("failed", "Failed 24 h", sort, ascending);
        Header("completed", "Completed 24 h", sort, ascending);
        Header("cap", "Of the cap", sort, ascending);
        Raw("<th>Oldest queued</th></tr></thead><tbody>");
        foreach (var w in rows.Take(OperatorReadModel.PageRows))
        {
            var fill = OperatorRules.Fill(w, cap);
            Raw(fill >= 1 ? "<tr class=\"danger\">" : fill >= OperatorRules.NearCap ? "<tr class=\"warning\">" : "<tr>");
            Raw("<td>");
            Link($"/nexus/batches?workspace={w.WorkspaceId.ToString(CultureInfo.InvariantCulture)}", w.WorkspaceId.ToString(CultureInfo.InvariantCulture), "This workspace's batches");
            Raw("</td>");
            NumberCell(w.QueuedHigh);
            NumberCell(w.QueuedNormal);
            NumberCell(w.QueuedLow);
            NumberCell(w.Running);
            NumberCell(w.Failed, w.Failed > 0 ? "text-danger" : null);
            NumberCell(w.Completed);
            Raw("<td style=\"min-width:11em\"><div class=\"progress\" style=\"margin-bottom:0\" title=\"");
            Text(string.Create(CultureInfo.InvariantCulture, $"{w.Queued:N0} of {cap:N0} queued"));
            Raw($"\"><div class=\"progress-bar {(fill >= 1 ? "progress-bar-danger" : fill >= OperatorRules.NearCap ? "progress-bar-warning" : "progress-bar-success")}\" style=\"min-width:3em;width:");
            Raw(Math.Min(100, fill * 100).ToString("0.#", CultureInfo.InvariantCulture));
            Raw("%\">");
            Text(string.Create(CultureInfo.InvariantCulture, $"{w.Queued:N0} ({OperatorRules.Percent(fill)})"));
            Raw("</div></div></td><td>");
            Time(w.OldestQueuedAt);
            Raw("</td></tr>");
        }
        Raw("</tbody></table></div>");
        if (rows.Count > OperatorReadModel.PageRows)
        {
            Raw("<p class=\"text-muted\">");
            Text(string.Create(CultureInfo.InvariantCulture, $"{rows.Count - OperatorReadModel.PageRows:N0} more workspaces not shown (sort to bring them up)."));
            Raw("</p>");
        }
    }

    private void RenderAlerts(IReadOnlyList<OperatorAlert> alerts)
    {
        Raw("<div id=\"nexus-alerts\">");
        if (alerts.Count == 0)
        {
            Raw("<div class=\"alert alert-success\"><strong>Nothing needs you.</strong> No workspace near its cap, no stalled batch, no rising error code, no failed compounding run, no long wait.</div>");
        }
        foreach (var alert in alerts)
        {
            Raw(alert.Level == AlertLevel.Danger ? "<div class=\"alert alert-danger\">" : "<div class=\"alert alert-warning\">");
            Raw(alert.Level == AlertLevel.Danger ? "<span class=\"glyphicon glyphicon-exclamation-sign\"></span> " : "<span class=\"glyphicon glyphicon-warning-sign\"></span> ");
            Text(alert.Text);
            Raw(" ");
            Link(alert.Path, "Open", "Where this is");
            Raw("</div>");
        }
        Raw("</div>");
    }

    private void Header(string column, string text, string sort, bool ascending)
    {
        // The first click on a column sorts it largest first (what an operator looks for); the next click reverses.
        var nextAscending = column == sort ? !ascending : column == "workspace";
        Raw("<th class=\"text-right\">");
        Link($"/nexus/workspaces?sort={column}&dir={(nextAscending ? "asc" : "desc")}", text + (column == sort ? ascending ? " ▲" : " ▼" : ""), "Sort by " + text);
        Raw("</th>");
    }
}
