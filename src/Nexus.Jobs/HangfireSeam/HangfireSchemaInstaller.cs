using Hangfire.PostgreSql;
using Npgsql;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>Installs and upgrades Hangfire.PostgreSql's schema: its own scripts, versioned in its own schema table.</summary>
public static class HangfireSchemaInstaller
{
    /// <summary>Brings <paramref name="schemaName"/> up to Hangfire.PostgreSql's version, on <paramref name="connection"/> (open, under the caller's lock).</summary>
    public static void Install(NpgsqlConnection connection, string schemaName) => PostgreSqlObjectsInstaller.Install(connection, schemaName);
}
