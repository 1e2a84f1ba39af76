using System.Diagnostics;
using Microsoft.Playwright;

namespace Nexus.Jobs.BrowserTests.Infrastructure;

/// <summary>
/// Debian's Chromium at <c>/usr/bin/chromium</c>, driven by Playwright. The tests install it with apt-get when it is
/// missing; Playwright never downloads a browser of its own (the network is closed, and the distribution's build is
/// the one we want to test with).
/// </summary>
public static class DebianChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private const string InstallCommand = "apt-get update && apt-get install -y --no-install-recommends chromium";
    private static readonly string LockPath = Path.Combine(Path.GetTempPath(), "nexus-jobs-chromium-install.lock");
    private static readonly TimeSpan InstallDeadline = TimeSpan.FromMinutes(15);
    private static readonly SemaphoreSlim InThisProcess = new(1, 1);

    /// <summary>
    /// Chromium's flags for a closed network and a root user: no sandbox (Chromium refuses to start as root with it),
    /// and none of the background connections, updates and first-run work that would only fail or wait here.
    /// No <c>--user-data-dir</c>: Playwright refuses it in a launch and gives every launch a fresh, empty profile of its own.
    /// </summary>
    private static readonly string[] Flags =
    [
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--disable-gpu",
    ];

    /// <summary>Installs Debian's chromium package if <see cref="ExecutablePath"/> is missing, or fails saying what to install.</summary>
    public static async Task EnsureInstalledAsync(Action<string> log)
    {
        if (File.Exists(ExecutablePath))
        {
            return;
        }
        await InThisProcess.WaitAsync();
        try
        {
            // Other test processes (another branch's run, a second dotnet test) may be installing it right now.
            using var installLock = await AcquireLockAsync(DateTime.UtcNow + InstallDeadline);
            if (File.Exists(ExecutablePath))
            {
                return;
            }
            if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/apt-get"))
            {
                throw Missing("this machine has no apt-get to install it with");
            }
            if (!Environment.IsPrivilegedProcess)
            {
                throw Missing("the tests do not run as root, so they cannot install it");
            }
            log($"{ExecutablePath} is missing: installing Debian's chromium package with apt-get (once per machine)");
            var stopwatch = Stopwatch.StartNew();
            var install = await AptGetAsync("install", "-y", "--no-install-recommends", "chromium");
            if (install.ExitCode != 0)
            {
                // No package lists yet (a fresh machine), or stale ones: update and try once more.
                var update = await AptGetAsync("update");
                if (update.ExitCode != 0)
                {
                    throw Missing($"'apt-get update' failed ({update.ExitCode}):\n{Tail(update.Output)}");
                }
                install = await AptGetAsync("install", "-y", "--no-install-recommends", "chromium");
            }
            if (install.ExitCode != 0 || !File.Exists(ExecutablePath))
            {
                throw Missing($"'apt-get install chromium' failed ({install.ExitCode}):\n{Tail(install.Output)}");
            }
            log($"Installed Debian's chromium in {stopwatch.Elapsed.TotalSeconds:0} s");
        }
        finally
        {
            InThisProcess.Release();
        }
    }

    /// <summary>Starts Playwright's driver (never a browser download) and launches Chromium headless.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Flags,
                Timeout = 60_000,
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    private static InvalidOperationException Missing(string why) => new(
        $"The browser tests need Debian's Chromium at {ExecutablePath}. It is not installed, and {why}. " +
        $"Install it (as root) with: {InstallCommand}");

    /// <summary>An exclusive lock on a file in the temp folder, shared by every process on the machine.</summary>
    private static async Task<FileStream> AcquireLockAsync(DateTime deadline)
    {
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive flock on Unix: a second opener gets an IOException until we close.
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw Missing($"another process has been installing it for {InstallDeadline.TotalMinutes} minutes (it holds {LockPath})");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> AptGetAsync(params string[] args)
    {
        var start = new ProcessStartInfo("apt-get")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-q");
        // Wait for dpkg's own lock if something else on the machine is installing packages, rather than failing.
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add("DPkg::Lock::Timeout=600");
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(InstallDeadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"apt-get {string.Join(' ', args)} did not finish within {InstallDeadline.TotalMinutes} minutes");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(25));
}
