using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Jobs.Storage;
using Nexus.Jobs.Testing;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>
/// The operator commands, run as a real separate process (<c>dotnet Nexus.Jobs.Api.dll ...</c>) so that exit codes and
/// the split between stdout and stderr are what an operator sees. Each run points at a database of its own with a
/// <c>--ConnectionStrings:Jobs=</c> override and runs in an empty temporary folder, so it never touches a real
/// embedded cluster.
/// </summary>
public sealed partial class CliTests
{
    private const int Workspace = 7;
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    // Bad-argument runs share one migrated database; none of them may create anything in it.
    private static readonly Lazy<Task<string>> BadArgumentsDatabase = new(async () =>
    {
        var connectionString = await TestDatabase.CreateIsolatedAsync();
        await Migrator.MigrateAsync(connectionString, NullLogger.Instance);
        return connectionString;
    });

    [Fact]
    public void TheServiceAssembly_HasItsRuntimeConfigAlongside_SoItCanRunAsAProcess()
    {
        var dll = typeof(Program).Assembly.Location;

        File.Exists(dll).ShouldBeTrue(dll);
        File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")).ShouldBeTrue($"next to {dll}");
        File.Exists(Path.ChangeExtension(dll, ".deps.json")).ShouldBeTrue($"next to {dll}");
    }

    [Fact]
    public async Task KeysCreate_PrintsThePlaintextKeyAloneOnTheLastLine()
    {
        var db = await TestDatabase.CreateIsolatedAsync();

        var run = await RunCliAsync(db, "keys", "create", "--workspace", "7", "--scopes", "ai-jobs:read,ai-jobs:write");

        run.ExitCode.ShouldBe(0, run.ToString());
        var lines = run.StdoutLines;
        lines.Count.ShouldBeGreaterThanOrEqualTo(2, run.ToString());
        var key = lines[^1];
        KeyFormat().IsMatch(key).ShouldBeTrue($"last line '{key}' is the key alone\n{run}");
        var keyId = "key_" + key.Substring(4, 26);
        lines[0].ShouldContain(keyId, customMessage: "the first line names the key id");
        lines[0].ShouldContain("workspace 7");
        lines[0].ShouldContain("ai-jobs:read,ai-jobs:write");
        lines.Count(l => l.Contains(key[31..], StringComparison.Ordinal)).ShouldBe(1, "the secret is printed once, on the last line");
        (await QueryAsync<long>(db, "select count(*) from nexus.api_keys where id = @Id and workspace_id = 7", new { Id = keyId })).ShouldBe(1);
    }

    [Fact]
    public async Task KeysCreate_KeyAuthenticatesAgainstTheService_UntilKeysRevokeRevokesIt()
    {
        var db = await TestDatabase.CreateIsolatedAsync();
        var created = await RunCliAsync(db, "keys", "create", "--workspace", "7", "--scopes", "ai-jobs:read,ai-jobs:write");
        created.ExitCode.ShouldBe(0, created.ToString());
        var key = created.StdoutLines[^1];
        KeyFormat().IsMatch(key).ShouldBeTrue(created.ToString());
        var keyId = "key_" + key.Substring(4, 26);
        var secret = key[31..];

        await using var app = new NexusApp(db, new() { ["Nexus:Roles"] = "api" });
        using var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using (var ok = await http.GetAsync("/api/ai-jobs"))
        {
            ok.StatusCode.ShouldBe(HttpStatusCode.OK, await ok.Content.ReadAsStringAsync());
        }
        // The key is workspace 7's: a job dispatched with it is listed there.
        using (var dispatch = await http.PostAsync("/api/ai-jobs",
                   new StringContent(ApiClient.Pricing("ok-cli"), Encoding.UTF8, "application/json")))
        {
            dispatch.StatusCode.ShouldBe(HttpStatusCode.Accepted, await dispatch.Content.ReadAsStringAsync());
        }
        (await QueryAsync<long>(db, "select workspace_id from nexus.ai_jobs limit 1")).ShouldBe(Workspace);

        var listed = await RunCliAsync(db, "keys", "list", "--workspace", "7");
        listed.ExitCode.ShouldBe(0, listed.ToString());
        listed.StdoutLines.Single(l => l.Contains(keyId, StringComparison.Ordinal)).ShouldContain("active");
        listed.Stdout.ShouldNotContain(secret, customMessage: "keys list never shows a secret");
        listed.Stderr.ShouldNotContain(secret);

        var revoked = await RunCliAsync(db, "keys", "revoke", keyId);
        revoked.ExitCode.ShouldBe(0, revoked.ToString());
        revoked.Stdout.ShouldContain($"Revoked {keyId}");

        var relisted = await RunCliAsync(db, "keys", "list", "--workspace", "7");
        relisted.ExitCode.ShouldBe(0, relisted.ToString());
        var row = relisted.StdoutLines.Single(l => l.Contains(keyId, StringComparison.Ordinal));
        row.ShouldContain("revoked");
        row.ShouldNotContain("active");
        relisted.Stdout.ShouldNotContain(secret);
        using (var refused = await http.GetAsync("/api/ai-jobs"))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, await refused.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task KeysCreate_NeverWritesThePlaintextKeyToStandardError_EvenWithTraceLogging()
    {
        var db = await TestDatabase.CreateIsolatedAsync();

        var run = await RunCliAsync(db, "keys", "create", "--workspace", "7", "--scopes", "ai-jobs:read",
            "--Logging:LogLevel:Default=Trace");

        run.ExitCode.ShouldBe(0, run.ToString());
        var key = run.StdoutLines[^1];
        KeyFormat().IsMatch(key).ShouldBeTrue(run.ToString());
        run.Stderr.ShouldNotContain(key);
        run.Stderr.ShouldNotContain(key[31..], customMessage: "not even the secret half");
        // Trace logging reaches stderr (the migration is logged there), so the check above looked at real output.
        run.Stderr.ShouldContain("Applied migration", customMessage: "logs go to stderr, never stdout");
        run.Stdout.ShouldNotContain("Applied migration");
    }

    [Fact]
    public async Task KeysList_ForAWorkspaceWithoutKeys_SaysSo()
    {
        var db = await BadArgumentsDatabase.Value;

        var run = await RunCliAsync(db, "keys", "list", "--workspace", "424242");

        run.ExitCode.ShouldBe(0, run.ToString());
        run.StdoutLines[^1].ShouldBe("(no keys for workspace 424242)");
    }

    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["keys", "create", "--scopes", "ai-jobs:read"], "--workspace N is required" },
        { ["keys", "list"], "--workspace N is required" },
        { ["keys", "create", "--workspace", "abc", "--scopes", "ai-jobs:read"], "--workspace must be a positive whole number, not 'abc'" },
        { ["keys", "create", "--workspace", "0", "--scopes", "ai-jobs:read"], "--workspace must be a positive whole number, not '0'" },
        { ["keys", "list", "--workspace", "-3"], "--workspace must be a positive whole number, not '-3'" },
        { ["keys", "create", "--workspace", "7"], "keys create needs --scopes" },
        { ["keys", "create", "--workspace", "7", "--scopes", "ai-jobs:read,ai-jobs:destroy"], "Unknown scope(s): ai-jobs:destroy." },
        { ["keys", "revoke", "not-an-id"], "'not-an-id' is not a key id" },
        { ["keys", "revoke", "key_01arz3ndektsv4rrffq69g5fav"], "is not a key id" },
        { ["keys", "frobnicate"], "Unknown command: keys frobnicate" },
        { ["keys"], "Unknown command: keys" },
        { ["callbacks", "rotate-secret"], "--workspace N is required" },
        { ["callbacks", "rotate-secret", "--workspace", "x"], "--workspace must be a positive whole number, not 'x'" },
        { ["callbacks", "frobnicate"], "Unknown command: callbacks frobnicate" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task BadArguments_ExitWith2_AndAClearMessageOnStderr(string[] args, string message)
    {
        var db = await BadArgumentsDatabase.Value;

        var run = await RunCliAsync(db, args);

        run.ExitCode.ShouldBe(2, run.ToString());
        run.Stderr.ShouldStartWith("error: ", customMessage: run.ToString());
        run.Stderr.Split('\n')[0].ShouldContain(message, Case.Sensitive, run.ToString());
        run.Stderr.ShouldContain("usage:", customMessage: "the usage follows the error");
        run.Stdout.ShouldBeEmpty(run.ToString());
        (await QueryAsync<long>(db, "select count(*) from nexus.api_keys")).ShouldBe(0, "a refused command creates nothing");
        (await QueryAsync<long>(db, "select count(*) from nexus.callback_secrets")).ShouldBe(0, "a refused command creates nothing");
    }

    [Fact]
    public async Task CallbacksRotateSecret_PrintsTheSecretAloneOnTheLastLine_WhichSignsTheWorkspacesCallbacks()
    {
        var db = await TestDatabase.CreateIsolatedAsync();

        var first = await RunCliAsync(db, "callbacks", "rotate-secret", "--workspace", "7");
        var second = await RunCliAsync(db, "callbacks", "rotate-secret", "--workspace", "7");

        first.ExitCode.ShouldBe(0, first.ToString());
        second.ExitCode.ShouldBe(0, second.ToString());
        var secret = second.StdoutLines[^1];
        secret.ShouldMatch("^whsec_[A-Za-z0-9_-]{43}$", second.ToString());
        first.StdoutLines[^1].ShouldNotBe(secret, "rotating replaces the secret");
        second.StdoutLines[0].ShouldContain("workspace 7");
        second.StdoutLines.Count(l => l.Contains(secret, StringComparison.Ordinal)).ShouldBe(1, "printed once, on the last line");
        second.Stderr.ShouldNotContain(secret[6..]);
        (await QueryAsync<string>(db, "select secret from nexus.callback_secrets where workspace_id = 7")).ShouldBe(secret);
    }

    [Fact]
    public async Task Migrate_ExitsZero_TwiceInARow_AndMigratesOnlyOnce()
    {
        var db = await TestDatabase.CreateIsolatedAsync();

        var first = await RunCliAsync(db, "migrate");
        first.ExitCode.ShouldBe(0, first.ToString());
        first.Stdout.ShouldContain($"schema version {Migrator.LatestVersion}");
        var appliedAt = await QueryAsync<DateTime>(db, "select applied_at from nexus.schema_migrations where version = 1");
        (await QueryAsync<bool>(db, "select to_regclass('hangfire.job') is not null")).ShouldBeTrue();

        var second = await RunCliAsync(db, "migrate");
        second.ExitCode.ShouldBe(0, second.ToString());
        second.Stdout.ShouldContain($"schema version {Migrator.LatestVersion}");
        (await QueryAsync<long>(db, "select count(*) from nexus.schema_migrations")).ShouldBe(Migrator.Scripts().Count);
        (await QueryAsync<DateTime>(db, "select applied_at from nexus.schema_migrations where version = 1")).ShouldBe(appliedAt);
    }

    [Fact]
    public async Task KeysRevoke_AWellFormedButUnknownId_ExitsWith1()
    {
        var db = await BadArgumentsDatabase.Value;
        const string unknown = "key_01ARZ3NDEKTSV4RRFFQ69G5FAV";

        var run = await RunCliAsync(db, "keys", "revoke", unknown);

        run.ExitCode.ShouldBe(1, run.ToString());
        run.Stderr.ShouldContain($"error: no key {unknown}");
        run.Stdout.ShouldNotContain("Revoked");
    }

    [Fact]
    public async Task Help_ExitsZero_AndPrintsTheUsageOnStdout()
    {
        var run = await RunCliAsync(null, "help");

        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("keys create --workspace N --scopes");
        run.Stdout.ShouldContain("ai-jobs:write");
        run.Stderr.ShouldBeEmpty(run.ToString());
    }

    [Fact]
    public async Task DashboardHashPassword_ReadsThePasswordFromStdin_AndPrintsAHashThatVerifies()
    {
        var run = await RunCliAsync(null, ["dashboard", "hash-password"], "correct horse battery staple\n");

        run.ExitCode.ShouldBe(0, run.ToString());
        var hash = run.StdoutLines.ShouldHaveSingleItem();
        new Microsoft.AspNetCore.Identity.PasswordHasher<string>().VerifyHashedPassword("", hash, "correct horse battery staple")
            .ShouldNotBe(Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed);
        new Microsoft.AspNetCore.Identity.PasswordHasher<string>().VerifyHashedPassword("", hash, "correct horse battery")
            .ShouldBe(Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed);
        run.Stdout.ShouldNotContain("correct horse", customMessage: "the password is never echoed");
        run.Stderr.ShouldNotContain("correct horse");
    }

    [Fact]
    public async Task DashboardHashPassword_WithNothingOnStdin_ExitsWith2()
    {
        var run = await RunCliAsync(null, ["dashboard", "hash-password"], "");

        run.ExitCode.ShouldBe(2, run.ToString());
        run.Stderr.ShouldContain("error: No password given on standard input.");
        run.Stdout.ShouldBeEmpty();
    }

    [Fact]
    public async Task AnOptionWithoutAValue_ExitsWith2_NotAnUnhandledException()
    {
        var run = await RunCliAsync(await BadArgumentsDatabase.Value, "keys", "list", "--workspace");

        run.ExitCode.ShouldBe(2, run.ToString());
        run.Stderr.ShouldStartWith("error: --workspace needs a value");
        run.Stderr.ShouldNotContain("Unhandled exception");
    }

    [Fact]
    public async Task BadArguments_AreReportedBeforeTheDatabaseIsOpened()
    {
        const string unreachable = "Host=127.0.0.1;Port=1;Username=nobody;Password=none;Database=none;Timeout=3";

        var run = await RunCliAsync(unreachable, "keys", "create", "--workspace", "abc", "--scopes", "ai-jobs:read");

        run.ExitCode.ShouldBe(2, run.ToString());
        run.Stderr.ShouldStartWith("error: --workspace must be a positive whole number, not 'abc'");
    }

    [GeneratedRegex("^nxj_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$")]
    private static partial Regex KeyFormat();

    private static async Task<T> QueryAsync<T>(string connectionString, string sql, object? args = null)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return (await Dapper.SqlMapper.ExecuteScalarAsync<T>(connection, sql, args))!;
    }

    private static Task<CliRun> RunCliAsync(string? connectionString, params string[] args) => RunCliAsync(connectionString, (IEnumerable<string>)args);

    /// <summary>Runs the service's entry point with <paramref name="args"/>, in an empty temporary working folder.</summary>
    private static async Task<CliRun> RunCliAsync(string? connectionString, IEnumerable<string> args, string? stdin = null)
    {
        var dll = typeof(Program).Assembly.Location;
        var workingDirectory = Path.Combine(Path.GetTempPath(), $"nexus-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(workingDirectory);
        var start = new ProcessStartInfo(ChildProcesses.DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        if (connectionString is not null)
        {
            start.ArgumentList.Add($"--ConnectionStrings:Jobs={connectionString}");
        }
        // What the test host runs under must not leak into the child's configuration.
        foreach (var name in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ConnectionStrings__Jobs", "Nexus__LocalDatabase__Folder" })
        {
            start.Environment.Remove(name);
        }
        start.Environment["NO_COLOR"] = "1";

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(ProcessTimeout);
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new ShouldAssertException(
                $"'{string.Join(' ', args)}' did not exit within {ProcessTimeout.TotalSeconds} s; killed.\n" +
                $"stdout:\n{await stdout}\nstderr:\n{await stderr}");
        }
        finally
        {
            try
            {
                Directory.Delete(workingDirectory, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return new CliRun(string.Join(' ', args), process.ExitCode, await stdout, await stderr, watch.Elapsed);
    }


    private sealed record CliRun(string Command, int ExitCode, string Stdout, string Stderr, TimeSpan Took)
    {
        public IReadOnlyList<string> StdoutLines =>
            Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();

        public override string ToString() =>
            $"'{Command}' exited {ExitCode} after {Took.TotalSeconds:0.0} s\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
    }
}
