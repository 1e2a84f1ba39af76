using System.Globalization;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Api.Dashboard;

/// <summary>AI job failures and retries of the last 24 hours by job type and error code, as charts, with the latest examples.</summary>
public sealed class FailuresPage : OperatorPage
{
    protected override string Title => "AI job failures";

    protected override void Render(IServiceProvider services)
    {
        var view = services.GetRequiredService<OperatorReadModel>().Failures(Clock.UtcNowMicros());
        var failed = view.Groups.Sum(g => g.Failed);
        var retries = view.Groups.Sum(g => g.Retries) + view.Recovered.Sum(r => r.Retries);

        Raw("<p class=\"text-muted\" id=\"nexus-failures-summary\">");
        Text(string.Create(CultureInfo.InvariantCulture,
            $"Last 24 hours: {failed:N0} job(s) failed after {view.Groups.Sum(g => g.Retries):N0} retries; {view.Recovered.Sum(r => r.Jobs):N0} job(s) completed after {view.Recovered.Sum(r => r.Retries):N0} retries ({retries:N0} retries in all)."));
        Raw(" Retries are counted on jobs that ended in the window; a job's retries are known when it ends.</p>");
        if (failed == 0 && retries == 0)
        {
            Raw("<div class=\"alert alert-success\">No AI job failed or retried in the last 24 hours.</div>");
            return;
        }

        Raw("<h3>Failures per hour (UTC), by error code</h3>");
        Chart("nexus-failures-by-hour", OperatorCharts.FailuresByHour(view.Hourly, view.Now), 90);
        Raw("<h3>By job type: failures by error code, and retries</h3>");
        Chart("nexus-failures-by-type", OperatorCharts.FailuresByType(view.Groups, view.Recovered), 90);

        Raw("<h3>By job type and error code</h3><div class=\"table-responsive\"><table class=\"table table-striped\" id=\"nexus-failure-groups\"><thead><tr>"
            + "<th>Job type</th><th>Error code</th><th class=\"text-right\">Failed jobs</th><th class=\"text-right\">Their retries</th></tr></thead><tbody>");
        foreach (var g in view.Groups)
        {
            Raw("<tr><td>");
            Text(g.Type);
            Raw("</td><td><code>");
            Text(g.Code);
            Raw("</code></td>");
            NumberCell(g.Failed, "text-danger");
            NumberCell(g.Retries);
            Raw("</tr>");
        }
        foreach (var r in view.Recovered)
        {
            Raw("<tr><td>");
            Text(r.Type);
            Raw("</td><td class=\"text-muted\">completed after retrying</td>");
            NumberCell(0);
            NumberCell(r.Retries);
            Raw("</tr>");
        }
        Raw("</tbody></table></div>");

        Raw("<h3>Latest failures</h3><div class=\"table-responsive\"><table class=\"table\" id=\"nexus-failure-examples\"><thead><tr>"
            + "<th>Failed</th><th>Job</th><th>Workspace</th><th>Type</th><th>Error code</th><th>Message</th>"
            + "<th class=\"text-right\">Retries</th><th>Hangfire</th></tr></thead><tbody>");
        foreach (var e in view.Latest)
        {
            Raw("<tr><td>");
            Time(e.CompletedAt);
            Raw("</td><td><code>");
            Text(e.Id);
            Raw("</code></td><td>");
            Link($"/nexus/batches?workspace={e.WorkspaceId.ToString(CultureInfo.InvariantCulture)}", e.WorkspaceId.ToString(CultureInfo.InvariantCulture));
            Raw("</td><td>");
            Text(e.Type);
            Raw("</td><td><code>");
            Text(e.Code);
            Raw("</code></td><td>");
            Text(e.Message);
            Raw("</td>");
            NumberCell(e.RetryCount);
            Raw("<td>");
            HangfireJobLink(e.HangfireJobId);
            Raw("</td></tr>");
        }
        Raw("</tbody></table></div>");
    }
}
