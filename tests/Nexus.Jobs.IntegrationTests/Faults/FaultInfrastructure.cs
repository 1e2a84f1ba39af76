using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Jobs.Auth;
using Nexus.Jobs.Storage;
using Npgsql;
using Nexus.Jobs.Testing;

namespace Nexus.Jobs.IntegrationTests.Faults;

/// <summary>The fault tests kill processes and stop PostgreSQL: they run alone, one at a time.</summary>
[CollectionDefinition("faults", DisableParallelization = true)]
public sealed class FaultsCollection : ICollectionFixture<FaultCluster>;

/// <summary>
/// A PostgreSQL cluster of the fault tests' own (never the shared test cluster: one test stops it), started with the
/// service's mechanism, plus the few things only these tests do to it: stop it, and start it again on the same port
/// so that the connection strings the child processes hold stay valid.
/// </summary>
public sealed class FaultCluster : IAsyncLifetime
{
    private const int MaxConnections = 300;
    private LocalPostgres? _cluster;
    private int _databases;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"nexus-faults-{Guid.NewGuid():N}");

    public int Port { get; private set; }

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        _cluster = await LocalPostgres.StartAsync(Folder, new LocalPostgresSettings(Durable: false, MaxConnections: MaxConnections), NullLogger.Instance);
        ConnectionString = _cluster.ConnectionString;
        Port = new NpgsqlConnectionStringBuilder(ConnectionString).Port;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        await LocalPostgres.StopAsync(Folder); // in case it was restarted by hand
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A migrated database of its own on this cluster.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"faults_{Interlocked.Increment(ref _databases)}";
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"create database {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
        await Migrator.MigrateAsync(connectionString, NullLogger.Instance);
        return connectionString;
    }

    /// <summary>Stops the server (fast shutdown: sessions are terminated), as an outage would.</summary>
    public async Task StopAsync()
    {
        var result = await PgCtlAsync("stop", "-D", PgData, "-m", "fast", "-w", "-t", "60");
        result.ExitCode.ShouldBe(0, $"pg_ctl stop: {result.Output}");
    }

    /// <summary>Starts the server again on the port it had, with the settings <see cref="LocalPostgres"/> uses.</summary>
    public async Task StartOnSamePortAsync()
    {
        var options = $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections={MaxConnections}" +
                      " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c min_wal_size=32MB -c max_wal_size=64MB";
        var result = await PgCtlAsync("start", "-D", PgData, "-l", Path.Combine(Folder, "postgres.log"), "-w", "-t", "60", "-o", options);
        result.ExitCode.ShouldBe(0, $"pg_ctl start: {result.Output}");
    }

    /// <summary>Whether the server answers (used to put the cluster back if a test died mid-outage).</summary>
    public async Task EnsureRunningAsync()
    {
        var status = await PgCtlAsync("status", "-D", PgData);
        if (status.ExitCode != 0)
        {
            await StartOnSamePortAsync();
        }
    }

    /// <summary>A client of a fresh workspace on <paramref name="baseUrl"/>, with a key holding every scope.</summary>
    public static async Task<ApiClient> ClientAsync(string connectionString, string baseUrl)
    {
        var workspace = NexusApp.NewWorkspace();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var (info, plaintext) = await new ApiKeys(dataSource).CreateAsync(workspace, Scopes.All);
        var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", plaintext);
        return new ApiClient(http, workspace, info.Id, plaintext, null!);
    }

    public static async Task<T> QueryAsync<T>(string connectionString, string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return (await Dapper.SqlMapper.ExecuteScalarAsync<T>(connection, sql, args))!;
    }

    /// <summary>How many of <paramref name="ids"/> have the outcome 'completed'.</summary>
    public static Task<long> CompletedAsync(string connectionString, IEnumerable<string> ids) =>
        QueryAsync<long>(connectionString, "select count(*) from nexus.ai_jobs where outcome = 'completed' and id = any(@Ids)", new { Ids = ids.ToArray() });

    /// <summary>The ids among <paramref name="ids"/> that are not completed, with their outcome and Hangfire state.</summary>
    public static async Task<string> NotCompletedAsync(string connectionString, IEnumerable<string> ids)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var rows = await Dapper.SqlMapper.QueryAsync<(string Id, string? Outcome, string? Error, long HangfireId, string? State, string? Reason, string? Queue, DateTime? FetchedAt)>(connection,
            """
            select a.id, a.outcome, a.error::text, a.hangfire_job_id, j.statename, s.reason, q.queue, q.fetchedat
            from nexus.ai_jobs a
            left join hangfire.job j on j.id = a.hangfire_job_id
            left join hangfire.state s on s.id = j.stateid
            left join hangfire.jobqueue q on q.jobid = a.hangfire_job_id
            where (a.outcome is distinct from 'completed') and a.id = any(@Ids) order by a.id limit 20
            """,
            new { Ids = ids.ToArray() });
        return string.Join('\n', rows.Select(r =>
            $"{r.Id} outcome={r.Outcome ?? "(none)"} error={r.Error ?? "-"} hangfire={r.HangfireId} state={r.State ?? "(none)"} " +
            $"reason={r.Reason ?? "-"} queue={r.Queue ?? "(not queued)"} fetchedat={r.FetchedAt?.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "-"}"));
    }

    private string PgData => Path.Combine(Folder, "pgdata");

    /// <summary>pg_ctl as LocalPostgres runs it: as the postgres user when we are root.</summary>
    private static async Task<(int ExitCode, string Output)> PgCtlAsync(params string[] args)
    {
        var pgCtl = Path.Combine(LocalPostgres.FindBinaries(), "pg_ctl");
        var asPostgres = Environment.IsPrivilegedProcess;
        var start = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : pgCtl,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", pgCtl })
            {
                start.ArgumentList.Add(a);
            }
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        // The server started by pg_ctl inherits the pipes: wait for pg_ctl, then take what is buffered.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(2))) is Task<string[]> both
            ? string.Concat(both.Result)
            : "";
        return (process.ExitCode, output.Trim());
    }
}

/// <summary>
/// A remote worker fleet on a real loopback port whose <c>POST /work?ms=N</c> sleeps N ms then answers a result.
/// It records when each job arrived, when it was answered, and which requests the caller abandoned (its process
/// died or cancelled the job) before the answer.
/// </summary>
public sealed class DelayFleet : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DelayFleet(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Every arrival: job id, attempt, time.</summary>
    public ConcurrentQueue<(string JobId, int Attempt, DateTime At)> Arrived { get; } = new();

    /// <summary>Every answered request: job id, time.</summary>
    public ConcurrentQueue<(string JobId, DateTime At)> Answered { get; } = new();

    /// <summary>Requests whose caller went away before the answer.</summary>
    public ConcurrentQueue<(string JobId, DateTime At)> Abandoned { get; } = new();

    private int _inFlight;

    public int InFlight => Volatile.Read(ref _inFlight);

    public string Url(int milliseconds) => $"{BaseUrl}/work?ms={milliseconds}";

    public static async Task<DelayFleet> StartAsync()
    {
        var app = LoopbackServer.Create();
        var fleet = new DelayFleet(app);
        app.MapPost("/work", async (HttpContext http) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(http.Request.Body))!;
            var jobId = body["job_id"]!.GetValue<string>();
            var attempt = body["attempt"]?.GetValue<int>() ?? 0;
            var ms = int.Parse(http.Request.Query["ms"].FirstOrDefault() ?? "0", CultureInfo.InvariantCulture);
            fleet.Arrived.Enqueue((jobId, attempt, DateTime.UtcNow));
            Interlocked.Increment(ref fleet._inFlight);
            try
            {
                await Task.Delay(ms, http.RequestAborted);
                await http.Response.WriteAsJsonAsync(new { result = new { processed_count = 1, job_id = jobId } }, http.RequestAborted);
                fleet.Answered.Enqueue((jobId, DateTime.UtcNow));
            }
            catch (OperationCanceledException)
            {
                fleet.Abandoned.Enqueue((jobId, DateTime.UtcNow));
            }
            finally
            {
                Interlocked.Decrement(ref fleet._inFlight);
            }
        });
        fleet.BaseUrl = await LoopbackServer.StartAsync(app);
        return fleet;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>
/// The service as a real child process (<c>dotnet Nexus.Jobs.Api.dll --Section:Key=value ...</c>) on a free loopback
/// port, with its output kept for failure messages. Disposing kills it (and its children) if it still runs.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly string _workingDirectory;

    private ServiceProcess(Process process, string workingDirectory, int port, string name)
    {
        _process = process;
        _workingDirectory = workingDirectory;
        Port = port;
        Name = name;
    }

    public int Port { get; }

    public string Name { get; }

    public int Pid => _process.Id;

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process wrote (stdout and stderr interleaved).</summary>
    public string Output => string.Join('\n', _output.Where(l => !l.Contains("answered 503", StringComparison.Ordinal)).TakeLast(80).Select(l => l.Length > 1500 ? l[..1500] : l));

    /// <summary>Starts the service and waits until it answers HTTP and, for a worker role, its Hangfire server has registered.</summary>
    public static async Task<ServiceProcess> StartAsync(string name, string connectionString, IReadOnlyDictionary<string, string> settings)
    {
        var port = ChildProcesses.FreeLoopbackPort();
        var workingDirectory = Path.Combine(Path.GetTempPath(), $"nexus-fault-proc-{Guid.NewGuid():N}");
        Directory.CreateDirectory(workingDirectory);
        var start = ChildProcesses.Service(workingDirectory, port, connectionString, settings);

        var process = new Process { StartInfo = start };
        var service = new ServiceProcess(process, workingDirectory, port, name);
        process.OutputDataReceived += (_, e) => service.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => service.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await service.WaitUntilReadyAsync(connectionString, settings.TryGetValue("Nexus:Roles", out var roles) ? roles : "api,worker");
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
        return service;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        while (_output.Count > 400 && _output.TryDequeue(out _))
        {
        }
    }

    private async Task WaitUntilReadyAsync(string connectionString, string roles)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            if (_process.HasExited)
            {
                throw new ShouldAssertException($"{Name} exited with {_process.ExitCode} before it was ready:\n{Output}");
            }
            try
            {
                using var response = await http.GetAsync($"{BaseUrl}/api/ai-jobs");
                break; // any answer: Kestrel listens
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new ShouldAssertException($"{Name} did not answer HTTP within 60 s:\n{Output}");
            }
            await Task.Delay(100);
        }
        if (roles.Contains("worker", StringComparison.OrdinalIgnoreCase))
        {
            await Eventually.Until(
                () => FaultCluster.QueryAsync<long>(connectionString, "select count(*) from hangfire.server where id like @Pattern", new { Pattern = $"%:{Pid}:%" }),
                n => n > 0, TimeSpan.FromSeconds(30), $"{Name}'s Hangfire server to register");
        }
    }

    /// <summary>SIGTERM, as an orchestrator stopping the process would.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        kill.ExitCode.ShouldBe(0, "kill -TERM");
    }

    /// <summary>kill -9 of the process and its children.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    public async Task<bool> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already gone
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_workingDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
