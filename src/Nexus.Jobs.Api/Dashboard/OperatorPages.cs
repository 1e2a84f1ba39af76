using Hangfire.Dashboard;

namespace Nexus.Jobs.Api.Dashboard;

/// <summary>Adds the operator pages to the Hangfire dashboard: routes, one navigation item, their sidebar and their script.</summary>
/// <remarks>
/// Hangfire's routes and menus are static, shared by every dashboard in the process, so they are added once; the
/// pages take what they read from the request's services, so each host reads its own database.
/// </remarks>
public static class OperatorPages
{
    /// <summary>The operator pages, in the order of their sidebar.</summary>
    public static readonly IReadOnlyList<Func<RazorPage, MenuItem>> Sidebar =
    [
        Item("Workspaces", "/nexus/workspaces"),
        Item("Batches", "/nexus/batches"),
        Item("AI job failures", "/nexus/failures"),
        Item("Compounding", "/nexus/compounding"),
    ];

    private static readonly Lazy<bool> Added = new(() =>
    {
        DashboardRoutes.Routes.AddRazorPage("/nexus/workspaces", _ => new WorkspacesPage());
        DashboardRoutes.Routes.AddRazorPage("/nexus/batches", _ => new BatchesPage());
        DashboardRoutes.Routes.AddRazorPage("/nexus/batches/(?<Id>batch_[0-9A-Za-z]{1,64})", m => new BatchPage(m.Groups["Id"].Value));
        DashboardRoutes.Routes.AddRazorPage("/nexus/failures", _ => new FailuresPage());
        DashboardRoutes.Routes.AddRazorPage("/nexus/compounding", _ => new CompoundingPage());
        NavigationMenu.Items.Add(page => new MenuItem("Operations", page.Url.To("/nexus/workspaces"))
        {
            Active = page.RequestPath.StartsWith("/nexus/", StringComparison.OrdinalIgnoreCase),
        });
        DashboardRoutes.AddJavaScript(typeof(OperatorPages).Assembly, ScriptResource);
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The embedded script that draws the pages' charts with the dashboard's bundled Chart.js.</summary>
    public const string ScriptResource = "Nexus.Jobs.Api.Dashboard.nexus-dashboard.js";

    /// <summary>Registers the pages' read model.</summary>
    public static IServiceCollection AddOperatorPages(this IServiceCollection services) =>
        services.AddSingleton<OperatorReadModel>();

    /// <summary>Adds the pages to Hangfire's routes and navigation (once per process).</summary>
    public static void AddToDashboard() => _ = Added.Value;

    private static Func<RazorPage, MenuItem> Item(string text, string path) => page => new MenuItem(text, page.Url.To(path))
    {
        Active = page.RequestPath.Equals(path, StringComparison.OrdinalIgnoreCase)
            || page.RequestPath.StartsWith(path + "/", StringComparison.OrdinalIgnoreCase),
    };
}
