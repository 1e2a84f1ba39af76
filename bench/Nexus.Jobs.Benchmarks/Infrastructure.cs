using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Jobs.Storage;
using Nexus.Jobs.Testing;
using Npgsql;

namespace Nexus.Jobs.Benchmarks;

/// <summary>The benchmark's own PostgreSQL cluster (the service's embedded mechanism, durable like the service's default).</summary>
public sealed class BenchCluster : IAsyncDisposable
{
    private readonly LocalPostgres _postgres;

    private BenchCluster(LocalPostgres postgres) => _postgres = postgres;

    public string AdminConnectionString => _postgres.ConnectionString;

    public static async Task<BenchCluster> StartAsync(string folder)
    {
        // pg_stat_statements counts statements per job; it is loaded only in this cluster.
        var settings = new LocalPostgresSettings(Durable: true, MaxConnections: 300,
            ServerOptions: "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all");
        var postgres = await LocalPostgres.StartAsync(folder, settings, NullLogger.Instance);
        return new BenchCluster(postgres);
    }

    /// <summary>A fresh database of its own per scenario, so scenarios never see each other's rows.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"drop database if exists {name} with (force)", admin);
            await drop.ExecuteNonQueryAsync();
            await using var create = new NpgsqlCommand($"create database {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, MaxPoolSize = 200 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var extension = new NpgsqlCommand("create extension if not exists pg_stat_statements", connection);
        await extension.ExecuteNonQueryAsync();
        return builder.ConnectionString;
    }

    public ValueTask DisposeAsync() => _postgres.DisposeAsync();
}

/// <summary>
/// Server-side counters of one database: write transactions (transaction ids handed out, cluster-wide; scenarios run one
/// at a time) and statements (pg_stat_statements, this database, excluding the benchmark's own probes and
/// BEGIN/COMMIT).
/// </summary>
public sealed record DbCounters(long Commits, long Statements)
{
    public static async Task<DbCounters> ReadAsync(string connectionString)
    {
        var probe = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(probe);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            /* bench:probe */
            select pg_current_xact_id()::text::bigint,
                   (select coalesce(sum(calls), 0)::bigint from pg_stat_statements s
                    where s.dbid = (select oid from pg_database where datname = current_database())
                      and s.query not like '%bench:%' and s.query not ilike 'begin%' and s.query not ilike 'commit%'
                      and s.query not ilike 'rollback%' and s.query not ilike 'discard%')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new DbCounters(reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>What happened between two readings (the later reading's own transaction id not counted).</summary>
    public static DbCounters operator -(DbCounters later, DbCounters earlier) => new(later.Commits - earlier.Commits - 1, later.Statements - earlier.Statements);
}

/// <summary>Latency samples in milliseconds.</summary>
public sealed class Samples
{
    /// <summary>For a paced series: the rate the sender actually kept (per second).</summary>
    public double AchievedRate { get; set; } = double.NaN;

    private readonly List<double> _values = [];
    private readonly Lock _lock = new();

    public void Add(double ms)
    {
        lock (_lock)
        {
            _values.Add(ms);
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _values.Count;
            }
        }
    }

    /// <summary>Nearest-rank percentile.</summary>
    public double P(double percentile)
    {
        lock (_lock)
        {
            if (_values.Count == 0)
            {
                return double.NaN;
            }
            var sorted = _values.Order().ToArray();
            var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
        }
    }
}

/// <summary>Polls a condition with a deadline (benchmarks wait for work, they never sleep a guessed time).</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<Task<bool>> done, TimeSpan within, string what, TimeSpan? every = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done())
        {
            if (deadline.Elapsed > within)
            {
                throw new TimeoutException($"Gave up after {within.TotalSeconds:0} s waiting for {what}");
            }
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(20));
        }
    }

    public static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("/* bench:poll */ " + sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}

/// <summary>The service as a child process (<c>dotnet Nexus.Jobs.Api.dll</c>), so its memory is its own.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public static async Task<ServiceProcess> StartAsync(string connectionString, IReadOnlyDictionary<string, string> settings)
    {
        var port = ChildProcesses.FreeLoopbackPort();
        var workingDirectory = Directory.CreateTempSubdirectory("nexus-bench-svc-").FullName;
        var start = ChildProcesses.Service(workingDirectory, port, connectionString, settings); // Production
        var process = new Process { StartInfo = start };
        var service = new ServiceProcess(process, port);
        process.OutputDataReceived += (_, e) => service.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => service.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        await Wait.UntilAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {process.ExitCode}:\n{service.Output}");
            }
            try
            {
                return (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "the service to be ready", TimeSpan.FromMilliseconds(100));
        return service;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int Pid => _process.Id;

    /// <summary>Whether the process has mapped a file of this name (a native library or an assembly it loaded).</summary>
    public bool Maps(string fileName) => File.ReadLines($"/proc/{_process.Id}/maps").Any(l => l.EndsWith("/" + fileName, StringComparison.Ordinal));

    /// <summary>Peak resident set size so far (VmHWM), in MB.</summary>
    public double PeakRssMb() => StatusKb("VmHWM:") / 1024.0;

    /// <summary>Resident set size now (VmRSS), in MB.</summary>
    public double RssMb() => StatusKb("VmRSS:") / 1024.0;

    private long StatusKb(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"{field} not in /proc/{_process.Id}/status");
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
