using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Nexus.Jobs.Storage;

/// <summary>Where the service's data lives: a configured PostgreSQL, or the embedded local cluster.</summary>
public sealed class JobsDatabase : IAsyncDisposable
{
    public const string ConnectionStringName = "Jobs";
    public const string LocalFolderKey = "Nexus:LocalDatabase:Folder";
    public const string DefaultLocalFolder = ".data/postgres";

    private readonly LocalPostgres? _local;

    private JobsDatabase(string connectionString, LocalPostgres? local)
    {
        ConnectionString = connectionString;
        _local = local;
    }

    public string ConnectionString { get; }

    /// <summary>True when we run the embedded cluster.</summary>
    public bool IsLocal => _local is not null;

    /// <summary>
    /// Uses <c>ConnectionStrings:Jobs</c> when set; otherwise starts (or joins) the local cluster in
    /// <c>Nexus:LocalDatabase:Folder</c>, relative to <paramref name="contentRoot"/>. Then migrates.
    /// </summary>
    public static async Task<JobsDatabase> OpenAsync(IConfiguration configuration, string contentRoot, ILogger logger, CancellationToken ct = default)
    {
        var configured = configuration.GetConnectionString(ConnectionStringName);
        LocalPostgres? local = null;
        string connectionString;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            connectionString = configured;
        }
        else
        {
            var folder = Path.Combine(contentRoot, configuration[LocalFolderKey] ?? DefaultLocalFolder);
            local = await LocalPostgres.StartAsync(folder, new LocalPostgresSettings(), logger, ct);
            connectionString = local.ConnectionString;
        }
        try
        {
            await Migrator.MigrateAsync(connectionString, logger, ct);
        }
        catch
        {
            if (local is not null)
            {
                await local.DisposeAsync();
            }
            throw;
        }
        return new JobsDatabase(connectionString, local);
    }

    public ValueTask DisposeAsync() => _local?.DisposeAsync() ?? ValueTask.CompletedTask;
}
