using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>Serves Hangfire's dashboard over this host's storage; the pages and the access rules are the API's.</summary>
public static class HangfireDashboard
{
    /// <summary>Maps the dashboard at <paramref name="path"/>, with <paramref name="access"/> deciding who sees it and <paramref name="isReadOnly"/> who may only look.</summary>
    public static IApplicationBuilder UseNexusHangfireDashboard(this IApplicationBuilder app, string path, IDashboardAsyncAuthorizationFilter access,
        Func<DashboardContext, bool> isReadOnly, string title, string appPath)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseHangfireDashboard(path, new DashboardOptions
        {
            AsyncAuthorization = [access],
            IsReadOnlyFunc = isReadOnly,
            DashboardTitle = title,
            AppPath = appPath,
            DisplayStorageConnectionString = false,
        }, app.ApplicationServices.GetRequiredService<JobStorage>());
    }
}
