using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Jobs.Storage;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>
/// The embedded cluster (<see cref="LocalPostgres"/>) and the start-up path that uses it (<see cref="JobsDatabase"/>),
/// each on a cluster of its own in a fresh temporary folder. Every test here starts a server: keep them few.
/// </summary>
public sealed class EmbeddedDatabaseTests
{
    private static readonly LocalPostgresSettings Throwaway = new(Durable: false);

    [Fact]
    public async Task StartAsync_InAFreshFolder_CreatesAClusterThatAnswersOnThePortOfItsConnectionString()
    {
        var folder = NewFolder();
        LocalPostgres? cluster = null;
        try
        {
            cluster = await LocalPostgres.StartAsync(folder, Throwaway, NullLogger.Instance);

            cluster.DataDirectory.ShouldBe(folder);
            var port = new NpgsqlConnectionStringBuilder(cluster.ConnectionString).Port;
            await using (var connection = await OpenAsync(cluster.ConnectionString))
            {
                (await connection.ExecuteScalarAsync<int>("select 1")).ShouldBe(1);
                (await connection.ExecuteScalarAsync<string>("show port")).ShouldBe(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                (await connection.ExecuteScalarAsync<string>("select current_database()")).ShouldBe("nexus_jobs");
            }
            File.Exists(Path.Combine(folder, "pgdata", "PG_VERSION")).ShouldBeTrue("the cluster lives in <folder>/pgdata");
            var password = (await File.ReadAllTextAsync(Path.Combine(folder, "password"))).Trim();
            password.Length.ShouldBeGreaterThanOrEqualTo(32, "a generated password is kept next to the cluster");
            cluster.ConnectionString.ShouldContain(password);
            File.Exists(Path.Combine(folder, "initdb-password")).ShouldBeFalse("initdb's password file is removed once used");
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(Path.Combine(folder, "password")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        finally
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
            DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task SecondStartAsync_WhileRunning_JoinsTheSameServer_AndOnlyDisposingTheOwnerStopsIt()
    {
        var folder = NewFolder();
        var pidFile = Path.Combine(folder, "pgdata", "postmaster.pid");
        LocalPostgres? owner = null;
        LocalPostgres? joiner = null;
        try
        {
            owner = await LocalPostgres.StartAsync(folder, Throwaway, NullLogger.Instance);
            var postmaster = await PostmasterPidAsync(pidFile);
            var startedAt = await ScalarAsync<DateTime>(owner.ConnectionString, "select pg_postmaster_start_time()");

            joiner = await LocalPostgres.StartAsync(folder, Throwaway, NullLogger.Instance);

            var ownerPort = new NpgsqlConnectionStringBuilder(owner.ConnectionString).Port;
            new NpgsqlConnectionStringBuilder(joiner.ConnectionString).Port.ShouldBe(ownerPort, "the joiner uses the running server");
            (await PostmasterPidAsync(pidFile)).ShouldBe(postmaster, "no second server was started");
            (await ScalarAsync<DateTime>(joiner.ConnectionString, "select pg_postmaster_start_time()")).ShouldBe(startedAt);

            await joiner.DisposeAsync();
            (await ScalarAsync<int>(owner.ConnectionString, "select 1")).ShouldBe(1, "disposing the joiner leaves the server running");
            (await PostmasterPidAsync(pidFile)).ShouldBe(postmaster);

            await owner.DisposeAsync();
            File.Exists(pidFile).ShouldBeFalse("pg_ctl stop -w returns once postmaster.pid is gone");
            var refused = await Record.ExceptionAsync(() => ScalarAsync<int>(owner.ConnectionString, "select 1"));
            refused.ShouldBeAssignableTo<NpgsqlException>("the server is stopped");
        }
        finally
        {
            if (joiner is not null)
            {
                await joiner.DisposeAsync();
            }
            if (owner is not null)
            {
                await owner.DisposeAsync();
            }
            DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task StartAsync_AfterAStop_ReusesTheExistingCluster_AndItsData()
    {
        var folder = NewFolder();
        LocalPostgres? cluster = null;
        try
        {
            cluster = await LocalPostgres.StartAsync(folder, Throwaway, NullLogger.Instance);
            await using (var connection = await OpenAsync(cluster.ConnectionString))
            {
                await connection.ExecuteAsync("create table survivor (name text not null); insert into survivor values ('still here')");
            }
            var password = await File.ReadAllTextAsync(Path.Combine(folder, "password"));
            var version = await File.ReadAllTextAsync(Path.Combine(folder, "pgdata", "PG_VERSION"));
            await cluster.DisposeAsync();
            File.Exists(Path.Combine(folder, "pgdata", "postmaster.pid")).ShouldBeFalse();

            cluster = await LocalPostgres.StartAsync(folder, Throwaway, NullLogger.Instance);

            (await ScalarAsync<string>(cluster.ConnectionString, "select name from survivor")).ShouldBe("still here");
            (await File.ReadAllTextAsync(Path.Combine(folder, "password"))).ShouldBe(password, "no new initdb, so no new password");
            (await File.ReadAllTextAsync(Path.Combine(folder, "pgdata", "PG_VERSION"))).ShouldBe(version);
        }
        finally
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
            DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task JobsDatabaseOpenAsync_WithoutAConnectionString_StartsTheLocalClusterInTheConfiguredFolder_AndMigrates()
    {
        var root = NewFolder();
        Directory.CreateDirectory(root);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [JobsDatabase.LocalFolderKey] = "db" })
            .Build();
        configuration.GetConnectionString(JobsDatabase.ConnectionStringName).ShouldBeNull();
        JobsDatabase? database = null;
        try
        {
            database = await JobsDatabase.OpenAsync(configuration, root, NullLogger.Instance);

            database.IsLocal.ShouldBeTrue();
            File.Exists(Path.Combine(root, "db", "pgdata", "PG_VERSION")).ShouldBeTrue("the folder is relative to the content root");
            await using (var connection = await OpenAsync(database.ConnectionString))
            {
                (await connection.QueryAsync<int>("select version from nexus.schema_migrations order by version")).ShouldBe(
                    Migrator.Scripts().Select(s => s.Version));
                (await connection.ExecuteScalarAsync<int>("select count(*) from nexus.schema_migrations where version = 1")).ShouldBe(1);
                (await connection.ExecuteScalarAsync<bool>("select to_regclass('hangfire.job') is not null")).ShouldBeTrue("Hangfire's schema is installed");
            }

            await database.DisposeAsync();
            database = null;
            File.Exists(Path.Combine(root, "db", "pgdata", "postmaster.pid")).ShouldBeFalse("the database that started the cluster stops it");
        }
        finally
        {
            if (database is not null)
            {
                await database.DisposeAsync();
            }
            DeleteFolder(root);
        }
    }

    [Fact]
    public async Task MigrateAsync_ASecondTime_AppliesNothing()
    {
        var connectionString = await TestDatabase.CreateIsolatedAsync();

        var first = await Migrator.MigrateAsync(connectionString, NullLogger.Instance);
        var second = await Migrator.MigrateAsync(connectionString, NullLogger.Instance);

        first.ShouldBe(Migrator.Scripts().Select(s => s.Version).ToList());
        first.ShouldContain(1);
        second.ShouldBeEmpty();
        (await ScalarAsync<long>(connectionString, "select count(*) from nexus.schema_migrations")).ShouldBe(first.Count);
        (await ScalarAsync<int>(connectionString, "select max(version) from nexus.schema_migrations")).ShouldBe(Migrator.LatestVersion);
    }

    [Fact]
    public void FindBinaries_ReturnsAFolderWithPgCtlInitdbAndPostgres()
    {
        var bin = LocalPostgres.FindBinaries();

        Directory.Exists(bin).ShouldBeTrue(bin);
        foreach (var program in new[] { "pg_ctl", "initdb", "postgres" })
        {
            File.Exists(Path.Combine(bin, program)).ShouldBeTrue($"{program} in {bin}");
        }
    }

    private static string NewFolder() => Path.Combine(Path.GetTempPath(), $"nexus-embedded-{Guid.NewGuid():N}");

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        // Unpooled, so every check is a new connection to whatever is listening now.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 10 }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = await OpenAsync(connectionString);
        return (await connection.ExecuteScalarAsync<T>(sql))!;
    }

    /// <summary>The postmaster's pid: the first line of <c>postmaster.pid</c>.</summary>
    private static async Task<int> PostmasterPidAsync(string pidFile) =>
        int.Parse((await File.ReadAllLinesAsync(pidFile))[0].Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Best effort: as root the cluster belongs to the postgres user, so fall back to rm -rf.</summary>
    private static void DeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                using var rm = Process.Start(new ProcessStartInfo("rm", ["-rf", folder]) { UseShellExecute = false });
                rm?.WaitForExit(TimeSpan.FromSeconds(30));
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // no rm: leave it in the temp folder
            }
        }
    }
}
