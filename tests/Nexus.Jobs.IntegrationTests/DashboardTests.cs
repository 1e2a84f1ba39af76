using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Nexus.Jobs.Api.Dashboard;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>One API host on a database of its own, with an admin and a read-only operator for the dashboard.</summary>
public sealed class DashboardHost : IAsyncLifetime
{
    public const string AdminPassword = "s3cret-admin";
    public const string ViewerPassword = "s3cret-viewer";

    public NexusApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await NexusApp.IsolatedAsync(new()
        {
            ["Nexus:Roles"] = "api", // no workers: a dispatched job stays queued
            ["Dashboard:Operators:0:Name"] = "admin",
            ["Dashboard:Operators:0:PasswordHash"] = DashboardAccess.Hash(AdminPassword),
            ["Dashboard:Operators:1:Name"] = "viewer",
            ["Dashboard:Operators:1:PasswordHash"] = DashboardAccess.Hash(ViewerPassword),
            ["Dashboard:Operators:1:ReadOnly"] = "true",
        });
        _ = App.Server;
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// The Hangfire dashboard at <c>/hangfire</c>. TestServer requests carry no remote address, so they count as not
/// loopback and need an operator (HTTP Basic) even though the test host runs as Development.
/// </summary>
public sealed partial class DashboardTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private NexusApp App => host.App;

    [Fact]
    public async Task Anonymous_Gets401_WithABasicChallenge_OnEveryDashboardRoute()
    {
        foreach (var path in new[] { "/hangfire", "/hangfire/jobs/enqueued", "/hangfire/recurring", "/hangfire/servers" })
        {
            using var http = App.CreateClient();
            using var response = await http.GetAsync(path);

            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
            var challenge = response.Headers.WwwAuthenticate.ShouldHaveSingleItem();
            challenge.Scheme.ShouldBe("Basic", path);
            challenge.Parameter.ShouldNotBeNull().ShouldContain("realm=");
            (await response.Content.ReadAsStringAsync()).ShouldNotContain("Nexus Jobs</a>", customMessage: "no dashboard markup");
        }
        using var anonymous = App.CreateClient();
        using var stats = await anonymous.PostAsync("/hangfire/stats", new FormUrlEncodedContent([new("metrics[]", "enqueued:count")]));
        stats.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("admin:wrong-password")]
    [InlineData("admin:s3cret-viewer")] // another operator's password
    [InlineData("viewer:s3cret-admin")]
    [InlineData("admin:")]
    [InlineData("Admin:s3cret-admin")] // names are case-sensitive
    [InlineData("nobody:s3cret-admin")] // unknown operator
    [InlineData(":s3cret-admin")]
    [InlineData("admin")] // no colon
    public async Task WrongCredentials_Get401_WithABasicChallenge(string credentials)
    {
        using var http = App.CreateClient();
        http.DefaultRequestHeaders.Authorization = Basic(credentials);

        using var response = await http.GetAsync("/hangfire");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, credentials);
        response.Headers.WwwAuthenticate.ShouldHaveSingleItem().Scheme.ShouldBe("Basic");
    }

    [Theory]
    [InlineData("Basic !!!not-base64!!!")]
    [InlineData("Basic")]
    [InlineData("Bearer nxj_not_a_dashboard_credential")]
    public async Task MalformedAuthorizationHeaders_Get401(string header)
    {
        using var http = App.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        request.Headers.TryAddWithoutValidation("Authorization", header).ShouldBeTrue();

        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, header);
    }

    [Fact]
    public async Task Admin_Gets200_AndTheNexusJobsDashboard_WithoutTheStorageConnectionString()
    {
        using var http = Operator("admin", DashboardHost.AdminPassword);

        using var response = await http.GetAsync("/hangfire");

        var html = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        html.ShouldContain("Nexus Jobs");
        html.ShouldContain("href=\"/scalar\"", customMessage: "the dashboard links back to the API reference");
        var password = new NpgsqlConnectionStringBuilder(App.ConnectionString).Password.ShouldNotBeNull();
        html.ShouldNotContain(password, customMessage: "the storage connection string (and its password) is never shown");
        html.ShouldNotContain(new NpgsqlConnectionStringBuilder(App.ConnectionString).Database!);
    }

    [Fact]
    public async Task Viewer_Gets200_OnTheDashboardPages()
    {
        using var http = Operator("viewer", DashboardHost.ViewerPassword);

        foreach (var path in new[] { "/hangfire", "/hangfire/jobs/enqueued", "/hangfire/recurring" })
        {
            using var response = await http.GetAsync(path);
            var html = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{path}: {html}");
            html.ShouldContain("Nexus Jobs");
        }
    }

    [Fact]
    public async Task OnLoopbackInDevelopment_TheDashboardIsOpen_ButNotFromAnotherAddress()
    {
        App.Service<IHostEnvironment>().IsDevelopment().ShouldBeTrue("WebApplicationFactory runs the host as Development");

        var loopback = await App.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = "/hangfire";
            c.Connection.RemoteIpAddress = IPAddress.Loopback;
        });
        var remote = await App.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = "/hangfire";
            c.Connection.RemoteIpAddress = IPAddress.Parse("10.20.30.40");
        });

        loopback.Response.StatusCode.ShouldBe(StatusCodes.Status200OK);
        remote.Response.StatusCode.ShouldBe(StatusCodes.Status401Unauthorized);
    }

    [Fact]
    public async Task ReadOnlyViewer_CannotDeleteOrRequeueAJob_ButAnAdminCanDeleteIt_AndThePublicStatusBecomesCancelled()
    {
        var api = await App.ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("ok-dashboard"));
        (await api.JobAsync(id)).GetProperty("status").GetString().ShouldBe("queued");
        var hangfireId = await App.QueryAsync<long>("select hangfire_job_id from nexus.ai_jobs where id = @Id", new { Id = id });
        hangfireId.ShouldBeGreaterThan(0);
        var jobs = new Dictionary<string, string> { ["jobs[]"] = hangfireId.ToString(System.Globalization.CultureInfo.InvariantCulture) };

        using var viewer = Operator("viewer", DashboardHost.ViewerPassword);
        foreach (var command in new[] { "/hangfire/jobs/enqueued/delete", "/hangfire/jobs/enqueued/requeue" })
        {
            using var refused = await CommandAsync(viewer, command, jobs);
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"{command}: Hangfire answers 401 to commands from a read-only operator");
        }
        using (var refused = await CommandAsync(viewer, $"/hangfire/jobs/actions/delete/{hangfireId}", []))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        (await App.QueryAsync<string>("select statename from hangfire.job where id = @Id", new { Id = hangfireId })).ShouldBe("Enqueued");
        (await api.JobAsync(id)).GetProperty("status").GetString().ShouldBe("queued", "the viewer's commands changed nothing");

        using var admin = Operator("admin", DashboardHost.AdminPassword);
        using (var accepted = await CommandAsync(admin, "/hangfire/jobs/enqueued/delete", jobs))
        {
            accepted.StatusCode.ShouldBe(HttpStatusCode.NoContent, await accepted.Content.ReadAsStringAsync());
        }

        var job = await api.ShouldReachStatus(id, "cancelled", TimeSpan.FromSeconds(10));
        job.GetProperty("error").GetProperty("code").GetString().ShouldBe("CANCELLED");
        job.GetProperty("error").GetProperty("message").GetString()!.ShouldStartWith("Deleted by an operator");
        (await App.QueryAsync<string>("select outcome from nexus.ai_jobs where id = @Id", new { Id = id })).ShouldBe("cancelled");
    }

    [Fact]
    public async Task AdminCommand_WithoutAnAntiforgeryToken_IsRefused()
    {
        App.Services.GetService<IAntiforgery>().ShouldNotBeNull("Hangfire validates dashboard requests only when IAntiforgery is registered");
        var api = await App.ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("ok-dashboard-csrf"));
        var hangfireId = await App.QueryAsync<long>("select hangfire_job_id from nexus.ai_jobs where id = @Id", new { Id = id });
        using var admin = Operator("admin", DashboardHost.AdminPassword);

        using var response = await admin.PostAsync("/hangfire/jobs/enqueued/delete",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["jobs[]"] = hangfireId.ToString(System.Globalization.CultureInfo.InvariantCulture) }));

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.JobAsync(id)).GetProperty("status").GetString().ShouldBe("queued");
    }

    private HttpClient Operator(string name, string password)
    {
        var http = App.CreateClient(); // keeps cookies, as a browser would (antiforgery's cookie)
        http.DefaultRequestHeaders.Authorization = Basic($"{name}:{password}");
        return http;
    }

    private static AuthenticationHeaderValue Basic(string credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));

    /// <summary>A dashboard command as Hangfire's script sends it: the CSRF header and token from a page's meta tags, when it has them.</summary>
    private static async Task<HttpResponseMessage> CommandAsync(HttpClient http, string path, Dictionary<string, string> form)
    {
        using var page = await http.GetAsync("/hangfire/jobs/enqueued");
        var html = await page.Content.ReadAsStringAsync();
        page.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        var header = CsrfHeader().Match(html);
        var token = CsrfToken().Match(html);
        if (header.Success && token.Success)
        {
            request.Headers.Add(System.Net.WebUtility.HtmlDecode(header.Groups[1].Value), System.Net.WebUtility.HtmlDecode(token.Groups[1].Value));
        }
        return await http.SendAsync(request);
    }

    [GeneratedRegex("<meta name=\"csrf-header\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfHeader();

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();
}
