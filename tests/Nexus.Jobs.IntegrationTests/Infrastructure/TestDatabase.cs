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
        _folder = Path.Combine(Path.GetTempPath(), $"nexus-tests-{Guid.NewGuid():N}");
        var cluster = await LocalPostgres.StartAsync(_folder, new LocalPostgresSettings(Durable: false, MaxConnections: 500), NullLogger.Instance);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var host in StopFirst)
            {
                host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // best effort: the folder is under the temp directory
            }
            catch (UnauthorizedAccessException)
            {
            }
        };
        return cluster;
    }
}
