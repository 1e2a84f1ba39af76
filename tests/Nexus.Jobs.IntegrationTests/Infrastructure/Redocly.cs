using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>Redocly CLI, pinned by tests/openapi/package-lock.json and installed there with <c>npm ci</c> on first use.</summary>
public static class Redocly
{
    private static readonly Lazy<Task<string>> Installed = new(InstallAsync);

    /// <summary>The folder holding package.json, package-lock.json, redocly.yaml and (once installed) node_modules.</summary>
    public static string Folder { get; } = Path.Combine(Repository.Root, "tests", "openapi");

    /// <summary>One finding of <c>redocly lint</c>.</summary>
    public sealed record Problem(string Rule, string Severity, string Message, string Where)
    {
        public override string ToString() => $"{Severity} {Rule} at {Where}: {Message}";
    }

    /// <summary>Runs <c>redocly lint</c> with tests/openapi/redocly.yaml on the document; every error and warning it reports.</summary>
    public static async Task<IReadOnlyList<Problem>> LintAsync(string documentJson)
    {
        var cli = await Installed.Value;
        var file = Path.Combine(Path.GetTempPath(), $"nexus-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, documentJson);
        try
        {
            var (exit, stdout, stderr) = await RunAsync("node", Folder, cli, "lint", file, "--config", Path.Combine(Folder, "redocly.yaml"), "--format=json");
            // Exit 1 with a report means findings; anything else without a report is the tool failing, which must not pass.
            var start = stdout.IndexOf('{', StringComparison.Ordinal);
            if (start < 0)
            {
                throw new InvalidOperationException($"redocly lint exited {exit} without a report.\nstdout: {stdout}\nstderr: {stderr}");
            }
            using var report = JsonDocument.Parse(stdout[start..]);
            var problems = report.RootElement.GetProperty("problems").EnumerateArray().Select(p => new Problem(
                p.GetProperty("ruleId").GetString()!,
                p.GetProperty("severity").GetString()!,
                p.GetProperty("message").GetString()!,
                string.Join(", ", p.GetProperty("location").EnumerateArray().Select(l => l.TryGetProperty("pointer", out var pointer) ? pointer.GetString() : "?")))).ToList();
            var totals = report.RootElement.GetProperty("totals");
            (totals.GetProperty("errors").GetInt32() + totals.GetProperty("warnings").GetInt32()).ShouldBe(problems.Count(p => p.Severity is "error" or "warn"));
            (exit == 0).ShouldBe(problems.All(p => p.Severity != "error"), $"redocly exit {exit}; stderr: {stderr}");
            return problems.Where(p => p.Severity is "error" or "warn").ToList();
        }
        finally
        {
            File.Delete(file);
        }
    }

    // npm ci only when node_modules does not hold the locked version, so runs after the first need no registry.
    private static async Task<string> InstallAsync()
    {
        await RequireAsync("node");
        var cli = Path.Combine(Folder, "node_modules", "@redocly", "cli", "bin", "cli.js");
        if (!await InstalledMatchesLockAsync())
        {
            await RequireAsync("npm");
            var (exit, stdout, stderr) = await RunAsync("npm", Folder, "ci", "--no-audit", "--no-fund", "--prefer-offline");
            if (exit != 0 || !await InstalledMatchesLockAsync())
            {
                throw new InvalidOperationException($"npm ci in {Folder} failed (exit {exit}); the OpenAPI lint cannot run.\n{stdout}\n{stderr}");
            }
        }
        return cli;
    }

    private static async Task<bool> InstalledMatchesLockAsync()
    {
        var installed = Path.Combine(Folder, "node_modules", "@redocly", "cli", "package.json");
        if (!File.Exists(installed))
        {
            return false;
        }
        using var lockFile = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Folder, "package-lock.json")));
        using var package = JsonDocument.Parse(await File.ReadAllTextAsync(installed));
        var locked = lockFile.RootElement.GetProperty("packages").GetProperty("node_modules/@redocly/cli").GetProperty("version").GetString();
        return package.RootElement.GetProperty("version").GetString() == locked;
    }

    // A machine without Node.js fails this check with the fix in the message, never skips it.
    private static async Task RequireAsync(string tool)
    {
        try
        {
            var (exit, _, stderr) = await RunAsync(tool, Folder, "--version");
            if (exit != 0)
            {
                throw new InvalidOperationException($"'{tool} --version' exited {exit}: {stderr}");
            }
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"'{tool}' is not on PATH: the OpenAPI lint (Redocly CLI) needs Node.js 20.19+ and npm (Debian: apt-get install nodejs npm).", e);
        }
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string fileName, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // No telemetry and no update check: the lint talks to nothing but the file it is given.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within 5 minutes.");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>Where the repository's files are, found from the test assembly's folder.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nexus.Jobs.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Nexus.Jobs.sln above {AppContext.BaseDirectory}");
    }
}
