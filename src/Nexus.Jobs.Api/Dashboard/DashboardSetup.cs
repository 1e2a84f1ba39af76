using Nexus.Jobs.HangfireSeam;

namespace Nexus.Jobs.Api.Dashboard;

/// <summary>Serves the dashboard: Hangfire's pages plus the operator pages at <c>/hangfire</c>, behind <see cref="DashboardAccess"/>.</summary>
public static class DashboardSetup
{
    public static WebApplication UseNexusDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var access = app.Services.GetRequiredService<DashboardAccess>();
        OperatorPages.AddToDashboard();
        app.UseNexusHangfireDashboard("/hangfire", access, DashboardAccess.IsReadOnly, title: "Nexus Jobs", appPath: "/scalar");
        return app;
    }
}
