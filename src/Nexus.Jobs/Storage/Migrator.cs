using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Logging;
using Nexus.Jobs.HangfireSeam;
using Npgsql;

namespace Nexus.Jobs.Storage;

/// <summary>Applies our numbered scripts from <c>sql/</c> and Hangfire's schema, in one start-up step.</summary>
/// <remarks>
/// Every process runs it at start; a session-level advisory lock makes concurrent starts (an API and two
/// workers on one database) take turns, and the version table makes the second and later runs no-ops.
/// </remarks>
public static partial class Migrator
{
    public const string HangfireSchema = "hangfire";

    // Any constant works; it only has to be the same in every process and unused by anything else.
    private const long MigrationLockKey = 0x4e45_5855_534a_4f42; // "NEXUSJOB"

    private const string VersionTableSql = """
        create schema if not exists nexus;
        create table if not exists nexus.schema_migrations (
            version     int         primary key,
            name        text        not null,
            applied_at  timestamptz not null default now()
        );
        """;

    /// <summary>Our scripts, in order: (version, name, sql).</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Scripts()
    {
        var assembly = typeof(Migrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Select(n => (Name: n, Match: ScriptName().Match(n)))
            .Where(x => x.Match.Success)
            .Select(x => (int.Parse(x.Match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                          x.Name["sql/".Length..],
                          Read(assembly, x.Name)))
            .OrderBy(x => x.Item1)
            .ToList();
    }

    /// <summary>Brings the database up to date; returns the versions applied by this call.</summary>
    public static async Task<IReadOnlyList<int>> MigrateAsync(string connectionString, ILogger logger, CancellationToken ct = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Enlist = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_lock(@Key)", new { Key = MigrationLockKey }, cancellationToken: ct));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(VersionTableSql, cancellationToken: ct));
            var applied = (await connection.QueryAsync<int>("select version from nexus.schema_migrations")).ToHashSet();
            var done = new List<int>();
            foreach (var (version, name, sql) in Scripts().Where(s => !applied.Contains(s.Version)))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                await connection.ExecuteAsync(new CommandDefinition(sql, transaction: tx, cancellationToken: ct));
                await connection.ExecuteAsync(new CommandDefinition(
                    "insert into nexus.schema_migrations (version, name) values (@Version, @Name)",
                    new { Version = version, Name = name }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                logger.LogInformation("Applied migration {Name}", name);
                done.Add(version);
            }
            // Hangfire's own scripts, versioned in its own hangfire.schema table.
            HangfireSchemaInstaller.Install(connection, HangfireSchema);
            return done;
        }
        finally
        {
            await connection.ExecuteAsync("select pg_advisory_unlock(@Key)", new { Key = MigrationLockKey });
        }
    }

    /// <summary>The newest of our versions this build knows.</summary>
    public static int LatestVersion => Scripts().Max(s => s.Version);

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^sql/(\d{4})_[a-z0-9_]+\.sql$")]
    private static partial Regex ScriptName();
}
