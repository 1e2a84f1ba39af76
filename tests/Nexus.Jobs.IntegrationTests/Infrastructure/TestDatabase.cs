using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Jobs.Storage;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>One throwaway PostgreSQL cluster for the whole test run, started with the service's own mechanism.</summary>
public static class TestDatabase
{
    private static readonly Lazy<Task<LocalPostgres>> Cluster = new(StartAsync);
    private static string? _folder;
    private static int _databases;
    private const string OwnerFile = "owner.pid";
    private static readonly List<IAsyncDisposable> StopFirst = [];

    /// <summary>Stopped before the cluster at the end of the run, so hosts do not see their database vanish.</summary>
    public static void StopBeforeCluster(IAsyncDisposable host)
    {
        lock (StopFirst)
        {
            StopFirst.Add(host);
        }
    }

    /// <summary>Connection string to the shared database most tests use (isolation is per workspace).</summary>
    public static async Task<string> SharedAsync() => (await Cluster.Value).ConnectionString;

    /// <summary>A database of its own, for tests that need the workers to themselves (priority order, counts of Hangfire rows).</summary>
    public static async Task<string> CreateIsolatedAsync()
    {
        var cluster = await Cluster.Value;
        var name = $"isolated_{Interlocked.Increment(ref _databases)}_{Environment.ProcessId}";
        var admin = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"create database {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = name }.ConnectionString;
    }

    private static async Task<LocalPostgres> StartAsync()
    {
        await ReapAbandonedClustersAsync();
        _folder = Path.Combine(Path.GetTempPath(), $"nexus-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(Path.Combine(_folder, OwnerFile), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var cluster = await LocalPostgres.StartAsync(_folder, new LocalPostgresSettings(Durable: false, MaxConnections: 500), NullLogger.Instance);
        StartWatchdog(_folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var host in StopFirst)
            {
                host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Remove(_folder);
        };
        return cluster;
    }

    /// <summary>
    /// A detached shell that stops the cluster and removes its folder once this process has gone, however it went: the
    /// test runner may kill the test host before its exit handler has finished (that left clusters running after some
    /// runs), and a killed run has no exit handler at all. After a clean exit it finds nothing left to do.
    /// </summary>
    private static void StartWatchdog(string folder)
    {
        static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var pgdata = Path.Combine(folder, "pgdata");
        var pgCtl = Quote(Path.Combine(LocalPostgres.FindBinaries(), "pg_ctl"));
        var stop = Environment.IsPrivilegedProcess ? $"runuser -u postgres -- {pgCtl}" : pgCtl;
        // Its output goes nowhere at once, so it never holds the test runner's pipes open.
        var script = $"exec </dev/null >/dev/null 2>&1; while kill -0 {Environment.ProcessId}; do sleep 1; done; " +
            $"if [ -f {Quote(Path.Combine(pgdata, "postmaster.pid"))} ]; then {stop} stop -D {Quote(pgdata)} -m immediate -w -t 30; fi; rm -rf {Quote(folder)}";
        var start = new System.Diagnostics.ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var arg in new[] { "sh", "-c", script })
        {
            start.ArgumentList.Add(arg);
        }
        using var watchdog = System.Diagnostics.Process.Start(start);
    }

    /// <summary>Stops and removes clusters left by test runs that were killed before they could clean up.</summary>
    private static async Task ReapAbandonedClustersAsync()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), "nexus-tests-*"))
        {
            var owner = Path.Combine(folder, OwnerFile);
            if (File.Exists(owner) && int.TryParse(await File.ReadAllTextAsync(owner), out var pid) && IsAlive(pid))
            {
                continue; // another test run, still going
            }
            await LocalPostgres.StopAsync(folder);
            Remove(folder);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void Remove(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // best effort: the folder is under the temp directory
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
