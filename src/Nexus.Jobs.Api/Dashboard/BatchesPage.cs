using System.Globalization;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Api.Dashboard;

/// <summary>Recent batches with their overall status and counts, newest first; stalled ones marked.</summary>
public sealed class BatchesPage : OperatorPage
{
    protected override string Title => "Batches";

    protected override void Render(IServiceProvider services)
    {
        var workspace = WorkspaceQuery();
        var batches = services.GetRequiredService<OperatorReadModel>().Batches(workspace);
        var now = Clock.UtcNowMicros();

        Raw("<p class=\"text-muted\">");
        if (workspace is { } w)
        {
            Text(string.Create(CultureInfo.InvariantCulture, $"The latest {OperatorReadModel.PageRows} batches of workspace {w}. "));
            Link("/nexus/batches", "All workspaces");
        }
        else
        {
            Text(string.Create(CultureInfo.InvariantCulture, $"The latest {OperatorReadModel.PageRows} batches of every workspace."));
        }
        Raw("</p>");
        if (batches.Count == 0)
        {
            Raw("<div class=\"alert alert-info\">No batches.</div>");
            return;
        }
        Raw("<div class=\"table-responsive\"><table class=\"table table-striped\" id=\"nexus-batches\"><thead><tr>"
            + "<th>Batch</th><th>Workspace</th><th>Kind</th><th>Status</th>"
            + "<th class=\"text-right\">Jobs</th><th class=\"text-right\">Queued</th><th class=\"text-right\">Running</th>"
            + "<th class=\"text-right\">Completed</th><th class=\"text-right\">Failed</th><th class=\"text-right\">Cancelled</th>"
            + "<th>Created</th><th>Last job ended</th></tr></thead><tbody>");
        foreach (var b in batches)
        {
            var stalled = b.Queued + b.Running > 0 && now - (b.LastEndedAt ?? b.CreatedAt) >= OperatorRules.StalledAfter;
            Raw(stalled ? "<tr class=\"danger\">" : "<tr>");
            Raw("<td>");
            Link($"/nexus/batches/{b.Id}", b.Id);
            Raw("</td><td>");
            Link($"/nexus/batches?workspace={b.WorkspaceId.ToString(CultureInfo.InvariantCulture)}", b.WorkspaceId.ToString(CultureInfo.InvariantCulture));
            Raw("</td><td>");
            Text(b.Sequential ? "sequential" : "parallel");
            Raw("</td><td>");
            StatusLabel(b.Status);
            if (stalled)
            {
                Raw(" <span class=\"label label-danger\">stalled</span>");
            }
            Raw("</td>");
            NumberCell(b.JobCount);
            NumberCell(b.Queued);
            NumberCell(b.Running);
            NumberCell(b.Completed);
            NumberCell(b.Failed, b.Failed > 0 ? "text-danger" : null);
            NumberCell(b.Cancelled);
            Raw("<td>");
            Time(b.CreatedAt);
            Raw("</td><td>");
            Time(b.LastEndedAt);
            Raw("</td></tr>");
        }
        Raw("</tbody></table></div>");
    }
}

/// <summary>One batch: its jobs in order with status, error code and why a later job was cancelled; links to Hangfire's job pages.</summary>
public sealed class BatchPage(string id) : OperatorPage
{
    protected override string Title => "Batch " + id;

    protected override void Render(IServiceProvider services)
    {
        if (services.GetRequiredService<OperatorReadModel>().Batch(id) is not { } found)
        {
            Raw("<div class=\"alert alert-warning\">No batch ");
            Text(id);
            Raw(" exists. ");
            Link("/nexus/batches", "Recent batches");
            Raw("</div>");
            return;
        }
        var (batch, jobs) = found;
        Raw("<dl class=\"dl-horizontal\"><dt>Status</dt><dd id=\"nexus-batch-status\">");
        StatusLabel(batch.Status);
        Raw("</dd><dt>Workspace</dt><dd>");
        Link($"/nexus/batches?workspace={batch.WorkspaceId.ToString(CultureInfo.InvariantCulture)}", batch.WorkspaceId.ToString(CultureInfo.InvariantCulture));
        Raw("</dd><dt>Kind</dt><dd>");
        Text(batch.Sequential ? "sequential: each job waits for the one before to complete" : "parallel");
        Raw("</dd><dt>Jobs</dt><dd>");
        Text(string.Create(CultureInfo.InvariantCulture,
            $"{batch.JobCount}: {batch.Queued} queued, {batch.Running} running, {batch.Completed} completed, {batch.Failed} failed, {batch.Cancelled} cancelled"));
        Raw("</dd><dt>Created</dt><dd>");
        Time(batch.CreatedAt);
        Raw("</dd></dl>");

        Raw("<div class=\"table-responsive\"><table class=\"table\" id=\"nexus-batch-jobs\"><thead><tr>"
            + "<th class=\"text-right\">#</th><th>Job</th><th>Type</th><th>Priority</th><th>Status</th><th>Error code</th>"
            + "<th>Error or reason</th><th class=\"text-right\">Retries</th><th>Started</th><th>Ended</th><th>Hangfire</th></tr></thead><tbody>");
        foreach (var j in jobs)
        {
            Raw(j.Status switch { "failed" => "<tr class=\"danger\">", "cancelled" => "<tr class=\"active\">", _ => "<tr>" });
            NumberCell(j.Position + 1);
            Raw("<td><code>");
            Text(j.Id);
            Raw("</code></td><td>");
            Text(j.Type);
            Raw("</td><td>");
            Text(j.Priority);
            Raw("</td><td>");
            StatusLabel(j.Status);
            Raw("</td><td>");
            if (j.ErrorCode is not null)
            {
                Raw("<code>");
                Text(j.ErrorCode);
                Raw("</code>");
            }
            Raw("</td><td>");
            Text(j.ErrorMessage);
            Raw("</td>");
            NumberCell(j.RetryCount);
            Raw("<td>");
            Time(j.StartedAt);
            Raw("</td><td>");
            Time(j.CompletedAt);
            Raw("</td><td>");
            HangfireJobLink(j.HangfireJobId);
            Raw("</td></tr>");
        }
        Raw("</tbody></table></div>");
    }
}
