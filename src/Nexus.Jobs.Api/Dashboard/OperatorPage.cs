using System.Globalization;
using System.Net;
using System.Text.Json;
using Hangfire.Dashboard;
using Hangfire.Dashboard.Pages;

namespace Nexus.Jobs.Api.Dashboard;

/// <summary>
/// A page of ours inside the Hangfire dashboard: its layout, navigation and authorisation, with the operator pages'
/// sidebar. Pages only read; anything but GET gets 405, so a read-only operator has nothing to press.
/// </summary>
public abstract class OperatorPage : RazorPage
{
    /// <summary>The page's title, in the browser tab and as its header.</summary>
    protected abstract string Title { get; }

    /// <summary>Writes the page's content; <paramref name="services"/> are the request's.</summary>
    protected abstract void Render(IServiceProvider services);

    public sealed override void Execute()
    {
        var http = Context.GetHttpContext();
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Response.Headers.Allow = "GET, HEAD";
            return;
        }
        Layout = new LayoutPage(Title);
        WriteLiteral("<div class=\"row\"><div class=\"col-md-3\">");
        Write(Html.SidebarMenu(OperatorPages.Sidebar));
        WriteLiteral("</div><div class=\"col-md-9\"><h1 class=\"page-header\">");
        Text(Title);
        WriteLiteral("</h1>");
        Render(http.RequestServices);
        WriteLiteral("</div></div>");
    }

    /// <summary>Writes text, HTML-encoded: every string that came from a client or the database goes through here.</summary>
    protected void Text(string? text) => WriteLiteral(WebUtility.HtmlEncode(text ?? ""));

    /// <summary>Writes HTML we wrote ourselves.</summary>
    protected void Raw(string html) => WriteLiteral(html);

    /// <summary>Writes a link to a dashboard path, its text encoded.</summary>
    protected void Link(string path, string text, string? title = null)
    {
        WriteLiteral("<a href=\"");
        Text(Url.To(path));
        if (title is not null)
        {
            WriteLiteral("\" title=\"");
            Text(title);
        }
        WriteLiteral("\">");
        Text(text);
        WriteLiteral("</a>");
    }

    /// <summary>Writes a link to Hangfire's page of a job.</summary>
    protected void HangfireJobLink(long hangfireJobId) =>
        Link($"/jobs/details/{hangfireJobId.ToString(CultureInfo.InvariantCulture)}", "#" + hangfireJobId.ToString(CultureInfo.InvariantCulture), "Hangfire's page of this job");

    /// <summary>A table cell with a number, right-aligned as Hangfire's tables have them.</summary>
    protected void NumberCell(long value, string? css = null)
    {
        WriteLiteral(css is null ? "<td class=\"text-right\">" : $"<td class=\"text-right {css}\">");
        Text(value.ToString("N0", CultureInfo.InvariantCulture));
        WriteLiteral("</td>");
    }

    /// <summary>A time as Hangfire shows times: relative, with the exact time on hover.</summary>
    protected void Time(DateTime? value)
    {
        if (value is { } v)
        {
            Write(Html.RelativeTime(DateTime.SpecifyKind(v, DateTimeKind.Utc)));
        }
        else
        {
            WriteLiteral("<span class=\"text-muted\">&ndash;</span>");
        }
    }

    /// <summary>A status as a label coloured like Hangfire's state labels.</summary>
    protected void StatusLabel(string status)
    {
        var css = status switch
        {
            "completed" => "label-success",
            "failed" => "label-danger",
            "running" => "label-warning",
            "cancelled" => "label-default",
            _ => "label-info",
        };
        WriteLiteral($"<span class=\"label {css}\">");
        Text(status);
        WriteLiteral("</span>");
    }

    /// <summary>A chart drawn by the dashboard's bundled Chart.js (nexus-dashboard.js reads the spec beside the canvas).</summary>
    protected void Chart(string id, ChartSpec spec, int height = 120)
    {
        // The default encoder escapes <, > and &, so no string in the spec can close the script element.
        WriteLiteral($"<canvas id=\"{id}-canvas\" data-nexus-chart=\"{id}\" height=\"{height.ToString(CultureInfo.InvariantCulture)}\"></canvas>");
        WriteLiteral($"<script type=\"application/json\" id=\"{id}\">");
        WriteLiteral(JsonSerializer.Serialize(spec));
        WriteLiteral("</script>");
    }

    /// <summary>A query-string value as a workspace id, or null.</summary>
    protected long? WorkspaceQuery() =>
        long.TryParse(Query("workspace"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>Invariant number text.</summary>
    protected static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
