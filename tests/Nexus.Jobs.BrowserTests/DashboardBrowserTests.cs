using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Nexus.Jobs.Api.Dashboard;
using Nexus.Jobs.BrowserTests.Infrastructure;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Nexus.Jobs.BrowserTests;

/// <summary>
/// The service in Production on a real port with two operators (an admin and a read-only viewer), one worker, and jobs
/// in every state an operator looks for: one waiting in each priority queue (the only worker is held by a remote
/// fleet that never answers), and one that failed with an exception. Debian's Chromium looks at it through Playwright.
/// </summary>
public sealed class DashboardSite(IMessageSink diagnostics) : IAsyncLifetime
{
    public const string AdminPassword = "browser-admin-pw";
    public const string ViewerPassword = "browser-viewer-pw";
    public const long Workspace = 4242;

    private HoldingFleet? _fleet;

    public NexusService Service { get; private set; } = null!;

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>A job waiting in each queue, by priority (<c>high</c> waits in <c>1_high</c>, and so on).</summary>
    public Dictionary<string, string> Waiting { get; } = [];

    public string FailedJob { get; private set; } = "";

    public long FailedHangfireJob { get; private set; }

    /// <summary>A sequential batch whose first job failed, so its second was cancelled.</summary>
    public string FailedBatch { get; private set; } = "";

    public string[] FailedBatchJobs { get; private set; } = [];

    /// <summary>The queued-jobs cap: the three waiting jobs fill it, so the operator pages have something to say first.</summary>
    public const int Cap = 3;

    public async Task InitializeAsync()
    {
        // apt-get (when Chromium is missing) and the service's start overlap: both take a while on a fresh machine.
        var chromium = DebianChromium.EnsureInstalledAsync(m => diagnostics.OnMessage(new DiagnosticMessage(m)));
        _fleet = await HoldingFleet.StartAsync();
        Service = await NexusService.StartAsync(new Dictionary<string, string>
        {
            ["Nexus:Workers:WorkerCount"] = "1",
            ["AiJobs:RemoteWorkers:pricing_recalculate:Url"] = _fleet.Url,
            ["AiJobs:RemoteWorkers:pricing_recalculate:TimeoutSeconds"] = "600",
            ["Dashboard:Operators:0:Name"] = "admin",
            ["Dashboard:Operators:0:PasswordHash"] = DashboardAccess.Hash(AdminPassword),
            ["Dashboard:Operators:1:Name"] = "viewer",
            ["Dashboard:Operators:1:PasswordHash"] = DashboardAccess.Hash(ViewerPassword),
            ["Dashboard:Operators:1:ReadOnly"] = "true",
            ["AiJobs:MaxQueuedPerWorkspace"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var api = await Service.ClientAsync(Workspace);

        // No assistant is configured, so the built-in llm_visibility_score handler fails at once (not retried).
        FailedJob = await api.DispatchAsync("llm_visibility_score", new { skus = new[] { "SKU-0001" } });
        await api.ShouldReachStatus(FailedJob, "failed", TimeSpan.FromSeconds(30));
        FailedHangfireJob = await Service.QueryAsync<long>("select hangfire_job_id from nexus.ai_jobs where id = @Id", new { Id = FailedJob });

        // A sequential batch whose first job fails at once (no assistant): the second is cancelled, naming the first.
        (FailedBatch, FailedBatchJobs) = await api.DispatchBatchAsync(true,
            ("llm_visibility_score", new { skus = new[] { "SKU-0002" } }), ("llm_visibility_score", new { skus = new[] { "SKU-0003" } }));
        await api.ShouldReachStatus(FailedBatchJobs[1], "cancelled", TimeSpan.FromSeconds(30));
        // Two metrics runs around an ingest: a history of two snapshots (2, then 3 active insights) for the chart.
        await api.IngestAsync("Shoppers ask for a larger size", "Delivery took too long");
        await api.RunPipelineAsync("metrics", "completed", TimeSpan.FromSeconds(60));
        await api.IngestAsync("The colour faded after washing");
        await api.RunPipelineAsync("metrics", "completed", TimeSpan.FromSeconds(60));

        // The fleet takes the first pricing job and holds it: the one worker is busy, and the next three wait.
        var held = await api.DispatchAsync("pricing_recalculate", Pricing("SKU-HELD"), "high");
        await api.ShouldReachStatus(held, "running", TimeSpan.FromSeconds(30));
        foreach (var priority in new[] { "high", "normal", "low" })
        {
            Waiting[priority] = await api.DispatchAsync("pricing_recalculate", Pricing($"SKU-{priority.ToUpperInvariant()}"), priority);
        }

        await chromium;
        (Playwright, Browser) = await DebianChromium.LaunchAsync();
    }

    /// <summary>A fresh browser context (its own cookies and credentials), signed in as <paramref name="name"/> when given.</summary>
    public async Task<IPage> PageAsync(string? name = null, string? password = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Service.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            // The dashboard asks for HTTP Basic: this is what the operator types into the browser's sign-in prompt.
            HttpCredentials = name is null ? null : new HttpCredentials { Username = name, Password = password! },
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        diagnostics.OnMessage(new DiagnosticMessage($"Dashboard screenshots: {Screenshots.Folder}"));
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        Playwright?.Dispose();
        if (Service is not null)
        {
            await Service.DisposeAsync();
        }
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }

    private static object Pricing(string sku) => new { skus = new[] { sku }, marketplace = "amazon_us", apply = false };
}

/// <summary>
/// The Hangfire dashboard in a real browser, as an operator uses it: sign in, find the priority queues, the compounding
/// pipelines' schedules and a failed job's exception. Each step leaves a full-page screenshot in artifacts/screenshots.
/// </summary>
public sealed class DashboardBrowserTests(DashboardSite site, ITestOutputHelper output) : IClassFixture<DashboardSite>
{
    private static readonly string[] Pipelines = ["consolidation", "pattern_detection", "playbook_synthesis", "decay_sweep", "metrics"];

    [Fact]
    public async Task WithoutCredentials_OrWithAWrongPassword_TheDashboardAnswers401_EvenFromLoopback()
    {
        var anonymous = await site.PageAsync();
        var challenge = anonymous.WaitForResponseAsync(r => r.Url.EndsWith("/hangfire", StringComparison.Ordinal));

        // Headless, nobody types into the browser's sign-in prompt: Chromium gives up on the page.
        var abandoned = await Should.ThrowAsync<PlaywrightException>(() => anonymous.GotoAsync("/hangfire"));

        abandoned.Message.ShouldContain("ERR_INVALID_AUTH_CREDENTIALS");
        var response = await challenge;
        response.Status.ShouldBe(401);
        (await response.HeaderValueAsync("www-authenticate")).ShouldNotBeNull().ShouldStartWith("Basic realm=");
        await Assertions.Expect(anonymous.Locator("body")).Not.ToContainTextAsync("Nexus Jobs");

        var wrong = await site.PageAsync("admin", DashboardSite.ViewerPassword);
        (await wrong.GotoAsync("/hangfire")).ShouldNotBeNull().Status.ShouldBe(401);
        var body = await wrong.ContentAsync();
        body.ShouldContain("UNAUTHENTICATED");
        body.ShouldNotContain("Nexus Jobs");
    }

    [Fact]
    public async Task Admin_SignsIn_AndSeesTheThreePriorityQueues_WithTheirWaitingJobsByName()
    {
        var page = await site.PageAsync("admin", DashboardSite.AdminPassword);

        var response = (await page.GotoAsync("/hangfire")).ShouldNotBeNull();
        response.Status.ShouldBe(200);
        await Assertions.Expect(page).ToHaveTitleAsync(new Regex("Nexus Jobs"));
        await Saved(page, "01-signed-in-dashboard");

        await page.GotoAsync("/hangfire/jobs/enqueued");
        foreach (var queue in new[] { "1_high", "2_normal", "3_low" })
        {
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = queue, Exact = true })).ToBeVisibleAsync();
        }
        foreach (var (_, id) in site.Waiting)
        {
            await Assertions.Expect(page.GetByText($"pricing_recalculate {id} (workspace {DashboardSite.Workspace})")).ToBeVisibleAsync();
        }
        await Saved(page, "02-queues");
    }

    [Fact]
    public async Task Admin_SeesTheCompoundingPipelines_AsRecurringJobs()
    {
        var page = await site.PageAsync("admin", DashboardSite.AdminPassword);

        await page.GotoAsync("/hangfire/recurring");

        foreach (var pipeline in Pipelines)
        {
            await Assertions.Expect(page.GetByText($"compounding:{pipeline}", new() { Exact = true })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByText($"Scheduled {pipeline} for every workspace")).ToBeVisibleAsync();
        }
        await Saved(page, "03-recurring-jobs");
    }

    [Fact]
    public async Task Admin_OpensTheFailedJob_AndReadsItsException()
    {
        var page = await site.PageAsync("admin", DashboardSite.AdminPassword);
        var name = $"llm_visibility_score {site.FailedJob} (workspace {DashboardSite.Workspace})";

        await page.GotoAsync("/hangfire/jobs/failed");
        var link = page.GetByRole(AriaRole.Link, new() { Name = name });
        await Assertions.Expect(link).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Requeue jobs" })).ToBeVisibleAsync();
        await Saved(page, "04-failed-jobs");
        await link.ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/hangfire/jobs/details/{site.FailedHangfireJob}$"));
        await Assertions.Expect(page.GetByText("PermanentJobFailureException").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("No assistant is configured (AiJobs:Handlers:Assistants)").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Requeue" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete" })).ToBeVisibleAsync();
        await Saved(page, "05-failed-job-exception");
    }

    [Fact]
    public async Task ReadOnlyViewer_SeesTheFailedJob_ButNoRequeueOrDeleteButtons()
    {
        var page = await site.PageAsync("viewer", DashboardSite.ViewerPassword);

        await page.GotoAsync($"/hangfire/jobs/details/{site.FailedHangfireJob}");

        await Assertions.Expect(page.GetByText("No assistant is configured (AiJobs:Handlers:Assistants)").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Requeue" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete" })).ToHaveCountAsync(0);
        await Saved(page, "06-viewer-failed-job-read-only");

        await page.GotoAsync("/hangfire/jobs/failed");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = $"llm_visibility_score {site.FailedJob}" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Requeue jobs" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete selected" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ReadOnlyViewer_OpensTheOperatorPages_FromTheNavigation_AndReadsWhatIsWrongFirst()
    {
        var page = await site.PageAsync("viewer", DashboardSite.ViewerPassword);
        await page.GotoAsync("/hangfire");

        await page.GetByRole(AriaRole.Link, new() { Name = "Operations", Exact = true }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/hangfire/nexus/workspaces$"));
        await Assertions.Expect(page.Locator("#nexus-alerts .alert-danger").First)
            .ToContainTextAsync($"Workspace {DashboardSite.Workspace} has 3 of 3 jobs queued (100% of its cap): new jobs get 429 QUEUE_FULL.");
        var row = page.Locator("#nexus-workspaces tbody tr", new() { HasText = DashboardSite.Workspace.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await Assertions.Expect(row.Locator("td")).ToHaveTextAsync(new Regex[]
        {
            new($"^{DashboardSite.Workspace}$"), new("^1$"), new("^1$"), new("^1$"), new("^1$"), new("^2$"), new("^0$"), new(@"^3 \(100%\)$"), new(".*"),
        });
        await Assertions.Expect(page.Locator("form, button.js-jobs-list-command, [data-url]")).ToHaveCountAsync(0);
        await Saved(page, "07-operator-workspaces");

        await page.GetByRole(AriaRole.Link, new() { Name = "Batches", Exact = true }).ClickAsync();
        var batch = page.Locator("#nexus-batches tbody tr", new() { HasText = site.FailedBatch });
        await Assertions.Expect(batch).ToContainTextAsync("failed");
        await Saved(page, "08-operator-batches");
        await batch.GetByRole(AriaRole.Link, new() { Name = site.FailedBatch }).ClickAsync();

        await Assertions.Expect(page.Locator("#nexus-batch-jobs tbody tr")).ToHaveCountAsync(2);
        var cancelled = page.Locator("#nexus-batch-jobs tbody tr").Nth(1);
        await Assertions.Expect(cancelled).ToContainTextAsync("cancelled");
        await Assertions.Expect(cancelled).ToContainTextAsync($"Cancelled because {site.FailedBatchJobs[0]} (job 1 of {site.FailedBatch}) failed");
        await Saved(page, "09-operator-batch");
        var failedRow = page.Locator("#nexus-batch-jobs tbody tr").First;
        await Assertions.Expect(failedRow).ToContainTextAsync("PROVIDER_NOT_CONFIGURED");
        await failedRow.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^#\\d+$") }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/hangfire/jobs/details/\\d+$"));
        await Assertions.Expect(page.GetByText("No assistant is configured (AiJobs:Handlers:Assistants)").First).ToBeVisibleAsync();

        await page.GotoAsync("/hangfire/nexus/failures");
        await Assertions.Expect(page.Locator("canvas[data-nexus-chart-drawn=true]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#nexus-failure-groups")).ToContainTextAsync("llm_visibility_score");
        await Saved(page, "10-operator-failures");

        await page.GetByRole(AriaRole.Link, new() { Name = "Compounding", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("canvas[data-nexus-chart-drawn=true]")).ToHaveCountAsync(1);
        // Playwright's text assertions skip script elements; the spec the chart was drawn from is read as the browser holds it.
        (await page.Locator("#nexus-metrics-history").TextContentAsync()).ShouldNotBeNull().ShouldContain("\"insights active\",\"data\":[2,3]");
        // The two runs of one (workspace, pipeline) group: the pipeline is named on the group's first row.
        await Assertions.Expect(page.Locator("#nexus-runs tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#nexus-runs tbody tr").First).ToContainTextAsync("metrics");
        await Assertions.Expect(page.Locator("#nexus-runs tbody tr").Nth(1)).ToContainTextAsync("completed");
        await Saved(page, "11-operator-compounding");
    }

    private async Task Saved(IPage page, string name) =>
        output.WriteLine($"screenshot: {await Screenshots.SaveAsync(page, name)}");
}
