using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Nexus.Jobs.Storage;

/// <summary>A PostgreSQL cluster of our own, started from the binaries on this machine.</summary>
/// <remarks>
/// Used when no connection string is configured (the service) and by the tests (a throwaway folder).
/// When the folder's cluster is already running (the service is up and an operator runs a CLI verb,
/// or a previous run was killed) it is reused, and left running on dispose because we did not start it.
/// </remarks>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string User = "nexus";
    private const string Database = "nexus_jobs";
    private static readonly string[] SearchRoots = ["/usr/lib/postgresql", "/usr/local/pgsql", "/opt/homebrew/opt"];

    private readonly string _dataDirectory;
    private readonly string _binDirectory;
    private readonly ILogger _logger;
    private bool _startedHere;

    private LocalPostgres(string dataDirectory, string binDirectory, string connectionString, ILogger logger)
    {
        _dataDirectory = dataDirectory;
        _binDirectory = binDirectory;
        ConnectionString = connectionString;
        _logger = logger;
    }

    /// <summary>Connection string to the <c>nexus_jobs</c> database of the running cluster.</summary>
    public string ConnectionString { get; private set; }

    /// <summary>The folder that holds the cluster (its <c>pgdata</c> lives inside it).</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>Starts (or joins) the cluster kept in <paramref name="folder"/>, creating it on first use.</summary>
    public static async Task<LocalPostgres> StartAsync(string folder, LocalPostgresSettings settings, ILogger logger, CancellationToken cancellationToken = default)
    {
        var bin = FindBinaries();
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        var asPostgres = Environment.IsPrivilegedProcess;
        if (asPostgres && !await PostgresCanReachAsync(folder, cancellationToken))
        {
            // A private parent directory (a clone under mktemp -d or /root) keeps the postgres user out; the cluster then
            // lives in a folder of its own derived from the requested path (so the service and the CLI agree), and the
            // requested folder says where.
            var hash = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(folder)))[..16].ToLowerInvariant();
            var actual = Path.Combine(ReachableRoot, hash);
            Directory.CreateDirectory(actual);
            await File.WriteAllTextAsync(Path.Combine(folder, "LOCATION"),
                $"The postgres user cannot reach this folder (a parent directory is private), so the cluster is kept in {actual}\n", cancellationToken);
            logger.LogInformation("The postgres user cannot reach {Folder}; keeping the local cluster in {Actual}", folder, actual);
            folder = actual;
        }
        var pgdata = Path.Combine(folder, "pgdata");
        var passwordFile = Path.Combine(folder, "password");

        if (!File.Exists(Path.Combine(pgdata, "PG_VERSION")))
        {
            await InitAsync(bin, folder, pgdata, passwordFile, asPostgres, logger, cancellationToken);
        }

        var password = (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();
        var instance = new LocalPostgres(folder, bin, "", logger);

        var port = await RunningPortAsync(bin, pgdata, asPostgres, cancellationToken);
        if (port is null)
        {
            port = await instance.StartServerAsync(pgdata, settings, asPostgres, cancellationToken);
            instance._startedHere = true;
        }
        else
        {
            logger.LogInformation("Joined the local PostgreSQL already running on port {Port} ({Folder})", port, pgdata);
        }

        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port.Value, Username = User, Password = password, Database = "postgres",
            Pooling = false, Timeout = 15,
        };
        await CreateDatabaseAsync(admin.ConnectionString, cancellationToken);
        admin.Database = Database;
        admin.Pooling = true;
        instance.ConnectionString = admin.ConnectionString;
        return instance;
    }

    /// <summary>Stops the server if this instance started it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_startedHere)
        {
            return;
        }
        _startedHere = false;
        NpgsqlConnection.ClearAllPools();
        var pgdata = Path.Combine(_dataDirectory, "pgdata");
        var result = await RunAsync(PgCtl(_binDirectory), ["stop", "-D", pgdata, "-m", "fast", "-w", "-t", "60"],
            Environment.IsPrivilegedProcess, CancellationToken.None);
        if (result.ExitCode != 0)
        {
            _logger.LogWarning("pg_ctl stop exited {Code}: {Output}", result.ExitCode, result.Output);
        }
    }

    /// <summary>Stops the cluster kept in <paramref name="folder"/> if one is running there (fast shutdown).</summary>
    public static async Task StopAsync(string folder, CancellationToken cancellationToken = default)
    {
        var pgdata = Path.Combine(Path.GetFullPath(folder), "pgdata");
        if (File.Exists(Path.Combine(pgdata, "postmaster.pid")))
        {
            await RunAsync(PgCtl(FindBinaries()), ["stop", "-D", pgdata, "-m", "fast", "-w", "-t", "60"], Environment.IsPrivilegedProcess, cancellationToken);
        }
    }

    /// <summary>Finds <c>pg_ctl</c> and <c>initdb</c> on PATH or under the usual install folders.</summary>
    public static string FindBinaries()
    {
        var candidates = new List<string>();
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(dir);
        }
        foreach (var root in SearchRoots.Where(Directory.Exists))
        {
            // Newest major version first: /usr/lib/postgresql/17/bin before /usr/lib/postgresql/15/bin.
            candidates.AddRange(Directory.GetDirectories(root)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }
        foreach (var dir in candidates)
        {
            if (File.Exists(Path.Combine(dir, "pg_ctl")) && File.Exists(Path.Combine(dir, "initdb")))
            {
                // Resolve links so that postgres itself is found next to pg_ctl (Debian links into /usr/lib).
                var pgCtl = new FileInfo(Path.Combine(dir, "pg_ctl"));
                var target = pgCtl.ResolveLinkTarget(returnFinalTarget: true);
                return target is null ? dir : Path.GetDirectoryName(target.FullName)!;
            }
        }
        throw new LocalPostgresUnavailableException(
            "No PostgreSQL server binaries found (looked for pg_ctl and initdb on PATH and under /usr/lib/postgresql/*/bin). " +
            "Install them (Debian/Ubuntu: 'apt-get install postgresql'; macOS: 'brew install postgresql') " +
            "or set ConnectionStrings:Jobs to an existing PostgreSQL database.");
    }

    /// <summary>Where clusters go when the requested folder is out of the postgres user's reach (root only).</summary>
    public const string ReachableRoot = "/var/lib/nexus-jobs";

    private static async Task<bool> PostgresCanReachAsync(string folder, CancellationToken ct)
    {
        // Path resolution checks every parent: if postgres can enter the folder, it can use it once it owns it.
        var result = await RunAsync("test", ["-x", folder], asPostgres: true, ct);
        return result.ExitCode == 0;
    }

    private static async Task InitAsync(string bin, string folder, string pgdata, string passwordFile, bool asPostgres, ILogger logger, CancellationToken ct)
    {
        logger.LogInformation("Creating a local PostgreSQL cluster in {Folder}", pgdata);
        if (Directory.Exists(pgdata))
        {
            // A half-made cluster from an interrupted initdb: initdb refuses a non-empty folder.
            Directory.Delete(pgdata, recursive: true);
        }
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        // initdb reads the password from a file; it must be readable by the user initdb runs as.
        var pwfile = Path.Combine(folder, "initdb-password");
        await File.WriteAllTextAsync(pwfile, password, ct);
        if (asPostgres)
        {
            await ChownToPostgresAsync(folder, ct);
        }
        try
        {
            var result = await RunAsync(Path.Combine(bin, "initdb"),
                ["-D", pgdata, "-U", User, "--pwfile", pwfile, "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-instructions"],
                asPostgres, ct);
            if (result.ExitCode != 0)
            {
                throw new LocalPostgresUnavailableException($"initdb failed ({result.ExitCode}): {result.Output}");
            }
        }
        finally
        {
            File.Delete(pwfile);
        }
        await File.WriteAllTextAsync(passwordFile, password, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private async Task<int> StartServerAsync(string pgdata, LocalPostgresSettings settings, bool asPostgres, CancellationToken ct)
    {
        var log = Path.Combine(_dataDirectory, "postgres.log");
        if (asPostgres)
        {
            await ChownToPostgresAsync(_dataDirectory, ct);
        }
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var options = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections={settings.MaxConnections}";
            if (!settings.Durable)
            {
                // Throwaway clusters (tests) trade crash safety for speed; the data dies with the folder anyway.
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c min_wal_size=32MB -c max_wal_size=64MB";
            }
            if (!string.IsNullOrWhiteSpace(settings.ServerOptions))
            {
                options += " " + settings.ServerOptions;
            }
            var result = await RunAsync(PgCtl(_binDirectory), ["start", "-D", pgdata, "-l", log, "-w", "-t", "60", "-o", options], asPostgres, ct);
            if (result.ExitCode == 0)
            {
                _logger.LogInformation("Started local PostgreSQL on 127.0.0.1:{Port} ({Folder})", port, pgdata);
                return port;
            }
            // Another process may have taken the port between our probe and the server's bind.
            if (attempt >= 3)
            {
                var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(20)) : "";
                throw new LocalPostgresUnavailableException($"pg_ctl start failed ({result.ExitCode}): {result.Output}\n{tail}");
            }
        }
    }

    private static async Task<int?> RunningPortAsync(string bin, string pgdata, bool asPostgres, CancellationToken ct)
    {
        var pidFile = Path.Combine(pgdata, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }
        var status = await RunAsync(PgCtl(bin), ["status", "-D", pgdata], asPostgres, ct);
        if (status.ExitCode != 0)
        {
            return null; // stale pid file: pg_ctl start copes with it
        }
        // postmaster.pid line 4 is the port the running server listens on.
        var lines = await File.ReadAllLinesAsync(pidFile, ct);
        return lines.Length > 3 && int.TryParse(lines[3].Trim(), out var port) ? port : null;
    }

    private static async Task CreateDatabaseAsync(string adminConnectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = Database });
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"create database {Database}", connection);
            try
            {
                await create.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Another process sharing the folder created it first.
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string PgCtl(string bin) => Path.Combine(bin, "pg_ctl");

    private static async Task ChownToPostgresAsync(string folder, CancellationToken ct)
    {
        var result = await RunAsync("chown", ["-R", "postgres:postgres", folder], asPostgres: false, ct);
        if (result.ExitCode != 0)
        {
            throw new LocalPostgresUnavailableException(
                $"Running as root, the cluster must belong to the 'postgres' system user, but chown failed: {result.Output}. " +
                "Create that user (Debian: it comes with the postgresql package) or run as a normal user.");
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IReadOnlyList<string> args, bool asPostgres, CancellationToken ct)
    {
        var start = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            // initdb and postgres refuse to run as root.
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start) ?? throw new LocalPostgresUnavailableException($"Could not start {file}");
        // pg_ctl start leaves the server holding inherited pipes open; read to end of what pg_ctl itself wrote
        // by waiting for exit first and then taking what is buffered.
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var output = await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(2), ct)) is Task<string[]> both
            ? string.Concat(both.Result)
            : "";
        return (process.ExitCode, output.Trim());
    }
}

/// <summary>How a local cluster is run.</summary>
/// <param name="Durable">False trades crash safety for speed (throwaway clusters).</param>
/// <param name="MaxConnections">The server's max_connections.</param>
/// <param name="ServerOptions">More <c>-c name=value</c> server options, e.g. for the benchmarks' pg_stat_statements.</param>
public sealed record LocalPostgresSettings(bool Durable = true, int MaxConnections = 200, string? ServerOptions = null);

/// <summary>The embedded database could not be started; the message says what to do.</summary>
public sealed class LocalPostgresUnavailableException(string message) : Exception(message);
