using System.Globalization;
using Nexus.Jobs.Api.Dashboard;
using Nexus.Jobs.Auth;
using Nexus.Jobs.Platform;
using Nexus.Jobs.Storage;
using Npgsql;

namespace Nexus.Jobs.Api.Cli;

/// <summary>Operator commands on the service's own entry point: <c>keys create|list|revoke</c>, <c>callbacks rotate-secret</c>, <c>migrate</c>, <c>dashboard hash-password</c>.</summary>
/// <remarks>
/// They use the same configuration and database as the service: <c>ConnectionStrings:Jobs</c> when set, else the
/// embedded cluster in the same folder (joined if the service is running, started and stopped again if not).
/// Exit codes: 0 done, 1 failed, 2 bad arguments.
/// </remarks>
public static class Cli
{
    private static readonly string[] Commands = ["keys", "callbacks", "migrate", "dashboard", "seed-demo", "help", "--help"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Commands.Contains(args[0], StringComparer.Ordinal);

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var (words, options, configArgs) = Split(args);
            // Arguments are checked before the database is opened: a typo must not start (or create) a cluster.
            return words switch
            {
                ["keys", "create"] => await CreateKeyAsync(configArgs, Workspace(options), Scopes(options)),
                ["keys", "list"] => await ListKeysAsync(configArgs, Workspace(options)),
                ["keys", "revoke", var id] => await RevokeKeyAsync(configArgs, KeyId(id)),
                ["callbacks", "rotate-secret"] => await RotateCallbackSecretAsync(configArgs, Workspace(options)),
                ["migrate"] => await MigrateAsync(configArgs),
                ["seed-demo"] => await SeedDemoAsync(configArgs, options.ContainsKey("workspace") ? Workspace(options) : null),
                ["dashboard", "hash-password"] => HashPassword(),
                ["help"] or ["--help"] => Usage(null, 0),
                _ => Usage($"Unknown command: {string.Join(' ', words)}", 2),
            };
        }
        catch (UsageException e)
        {
            return Usage(e.Message, 2);
        }
        catch (Exception e) when (e is LocalPostgresUnavailableException or NpgsqlException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> CreateKeyAsync(string[] configArgs, long workspace, string[] scopes)
    {
        await using var db = await OpenAsync(configArgs);
        await using var dataSource = NpgsqlDataSource.Create(db.ConnectionString);
        var (info, plaintext) = await new ApiKeys(dataSource).CreateAsync(workspace, scopes);
        Console.WriteLine($"Created {info.Id} for workspace {info.WorkspaceId} with scopes {string.Join(",", info.Scopes)}.");
        Console.WriteLine("The key is shown once; store it now:");
        Console.WriteLine(plaintext);
        return 0;
    }

    private static async Task<int> ListKeysAsync(string[] configArgs, long workspace)
    {
        await using var db = await OpenAsync(configArgs);
        await using var dataSource = NpgsqlDataSource.Create(db.ConnectionString);
        var keys = await new ApiKeys(dataSource).ListAsync(workspace);
        Console.WriteLine($"{"id",-34} {"created_at",-20} {"status",-8} scopes");
        foreach (var key in keys)
        {
            Console.WriteLine($"{key.Id,-34} {key.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-20} {(key.RevokedAt is null ? "active" : "revoked"),-8} {string.Join(",", key.Scopes)}");
        }
        if (keys.Count == 0)
        {
            Console.WriteLine($"(no keys for workspace {workspace})");
        }
        return 0;
    }

    private static async Task<int> RevokeKeyAsync(string[] configArgs, string id)
    {
        await using var db = await OpenAsync(configArgs);
        await using var dataSource = NpgsqlDataSource.Create(db.ConnectionString);
        if (!await new ApiKeys(dataSource).RevokeAsync(id))
        {
            await Console.Error.WriteLineAsync($"error: no key {id}");
            return 1;
        }
        Console.WriteLine($"Revoked {id}.");
        return 0;
    }

    private static async Task<int> RotateCallbackSecretAsync(string[] configArgs, long workspace)
    {
        await using var db = await OpenAsync(configArgs);
        await using var dataSource = NpgsqlDataSource.Create(db.ConnectionString);
        var secret = await new Jobs.Callbacks.CallbackSecrets(dataSource).RotateAsync(workspace, CancellationToken.None);
        Console.WriteLine($"Callback secret of workspace {workspace} set at {secret.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z; callbacks are signed with it from now on.");
        Console.WriteLine("The secret is shown once; store it now:");
        Console.WriteLine(secret.Secret);
        return 0;
    }

    private static int HashPassword()
    {
        Console.Error.Write("Password (read from standard input): ");
        var password = Console.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            throw new UsageException("No password given on standard input.");
        }
        Console.WriteLine(DashboardAccess.Hash(password));
        return 0;
    }

    private static async Task<int> SeedDemoAsync(string[] configArgs, long? workspace)
    {
        await using var db = await OpenAsync(configArgs);
        await using var dataSource = NpgsqlDataSource.Create(db.ConnectionString);
        if (workspace is null)
        {
            // A workspace nobody uses yet: above every workspace with keys or insights.
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var command = new NpgsqlCommand("""
                select greatest(1000, coalesce((select max(workspace_id) from nexus.api_keys), 0),
                                      coalesce((select max(workspace_id) from nexus.insights), 0)) + 1
                """, connection);
            workspace = (long)(await command.ExecuteScalarAsync())!;
        }
        var insights = Jobs.Compounding.DemoInsights.Generate(3000, seed: (int)(workspace.Value % int.MaxValue));
        var store = new Jobs.Compounding.InsightStore(dataSource);
        var created = 0;
        foreach (var chunk in insights.Chunk(1000))
        {
            created += (await store.IngestAsync(workspace.Value, chunk, CancellationToken.None)).Count(r => r.Created);
        }
        var catalog = Jobs.Catalog.DemoCatalog.Generate(seed: (int)(workspace.Value % int.MaxValue));
        var catalogStore = new Jobs.Catalog.CatalogStore(dataSource);
        foreach (var chunk in catalog.Products.Chunk(Jobs.Catalog.CatalogStore.MaxBatch))
        {
            await catalogStore.UpsertProductsAsync(workspace.Value, chunk, CancellationToken.None);
        }
        foreach (var chunk in catalog.Sales.Chunk(Jobs.Catalog.CatalogStore.MaxBatch))
        {
            await catalogStore.UpsertSalesAsync(workspace.Value, chunk, CancellationToken.None);
        }
        await catalogStore.UpsertOffersAsync(workspace.Value, catalog.Offers, CancellationToken.None);
        foreach (var chunk in catalog.Reviews.Chunk(Jobs.Catalog.CatalogStore.MaxBatch))
        {
            await catalogStore.UpsertReviewsAsync(workspace.Value, chunk, CancellationToken.None);
        }
        await catalogStore.UpsertReturnsAsync(workspace.Value, catalog.Returns, CancellationToken.None);
        var (info, plaintext) = await new ApiKeys(dataSource).CreateAsync(workspace.Value, Jobs.Auth.Scopes.All);
        Console.WriteLine($"Seeded workspace {workspace} with {insights.Count} insights ({created} distinct, the rest reinforced existing ones).");
        Console.WriteLine($"Commerce data: {catalog.Products.Count} products on amazon_us, {catalog.Sales.Count} days of sales, {catalog.Offers.Count} competitor offers, {catalog.Reviews.Count} reviews, {catalog.Returns.Count} returns.");
        Console.WriteLine($"Created {info.Id} with every scope. The key is shown once; store it now:");
        Console.WriteLine(plaintext);
        return 0;
    }

    private static async Task<int> MigrateAsync(string[] configArgs)
    {
        await using var db = await OpenAsync(configArgs);
        Console.WriteLine($"Database is at schema version {Migrator.LatestVersion} (and Hangfire's schema is installed).");
        return 0;
    }

    /// <summary>The service's database, opened (and migrated) exactly as the service opens it.</summary>
    private static async Task<JobsDatabase> OpenAsync(string[] configArgs)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = configArgs });
        using var loggers = LoggerFactory.Create(l => l
            .AddConfiguration(builder.Configuration.GetSection("Logging"))
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace) // stdout is for the command's output
            .SetMinimumLevel(LogLevel.Warning));
        return await JobsDatabase.OpenAsync(builder.Configuration, builder.Environment.ContentRootPath, loggers.CreateLogger("Nexus.Jobs.Cli"));
    }

    private static string[] Scopes(Dictionary<string, string> options)
    {
        if (!options.TryGetValue("scopes", out var scopeList) || string.IsNullOrWhiteSpace(scopeList))
        {
            throw new UsageException("keys create needs --scopes a,b[,c]");
        }
        var scopes = scopeList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = scopes.Where(s => !Jobs.Auth.Scopes.IsKnown(s)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"Unknown scope(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", Jobs.Auth.Scopes.All)}");
        }
        return scopes;
    }

    private static string KeyId(string id) => PublicIds.IsKeyId(id)
        ? id
        : throw new UsageException($"'{id}' is not a key id (key_ followed by 26 characters, as 'keys list' shows).");

    private static long Workspace(Dictionary<string, string> options)
    {
        if (!options.TryGetValue("workspace", out var value))
        {
            throw new UsageException("--workspace N is required");
        }
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var workspace) || workspace <= 0)
        {
            throw new UsageException($"--workspace must be a positive whole number, not '{value}'");
        }
        return workspace;
    }

    /// <summary>Command words, <c>--name value</c> options, and <c>--Section:Key=value</c> configuration overrides.</summary>
    private static (string[] Words, Dictionary<string, string> Options, string[] Config) Split(string[] args)
    {
        var words = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var config = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains(':', StringComparison.Ordinal))
            {
                config.Add(arg);
                if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length)
                {
                    config.Add(args[++i]);
                }
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2 && arg != "--help")
            {
                var name = arg[2..];
                var eq = name.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    options[name[..eq]] = name[(eq + 1)..];
                }
                else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    options[name] = args[++i];
                }
                else
                {
                    throw new UsageException($"{arg} needs a value");
                }
            }
            else
            {
                words.Add(arg);
            }
        }
        return (words.ToArray(), options, config.ToArray());
    }

    private static int Usage(string? error, int code)
    {
        var writer = code == 0 ? Console.Out : Console.Error;
        if (error is not null)
        {
            writer.WriteLine($"error: {error}");
        }
        writer.WriteLine("""
            usage: dotnet run --project src/Nexus.Jobs.Api -- <command>
              keys create --workspace N --scopes a,b[,c]   create an API key; prints it alone on the last line
              keys list --workspace N                      list a workspace's keys (never their secrets)
              keys revoke <key id>                         revoke a key (key_...)
              callbacks rotate-secret --workspace N        create or replace the workspace's callback signing secret; prints it alone on the last line
              migrate                                      apply the database migrations and Hangfire's schema
              seed-demo [--workspace N]                    a demo workspace (insights and commerce data); a key with every scope last
              dashboard hash-password                      hash a dashboard operator password read from stdin
            Configuration overrides work as for the service, e.g. --ConnectionStrings:Jobs "Host=...".
            scopes: 
            """ + string.Join(", ", Jobs.Auth.Scopes.All));
        return code;
    }

    private sealed class UsageException(string message) : Exception(message);
}
