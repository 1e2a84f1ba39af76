using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nexus.Jobs.Auth;
using Nexus.Jobs.Execution;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>The service in-process on a test database, with scripted handlers unless told otherwise.</summary>
public sealed class NexusApp : WebApplicationFactory<Program>
{
    private static long _nextWorkspace = DateTime.UtcNow.Ticks / 10_000 % 1_000_000_000 * 1000;
    private readonly string _connectionString;
    private readonly Dictionary<string, string?> _settings;
    private readonly bool _scriptedHandlers;
    private readonly Action<IServiceCollection>? _services;

    /// <summary>Every log line the host wrote (formatted), for tests that check what is and is not logged.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Logs { get; } = new();

    public NexusApp(string connectionString, Dictionary<string, string?>? settings = null, bool scriptedHandlers = true, Action<IServiceCollection>? services = null)
    {
        _connectionString = connectionString;
        _scriptedHandlers = scriptedHandlers;
        _services = services;
        _settings = new Dictionary<string, string?>
        {
            // Short back-off and fast schedule polling so retries happen within a test's patience.
            ["AiJobs:DefaultRetry:Attempts"] = "2",
            ["AiJobs:DefaultRetry:DelaysSeconds:0"] = "1",
            ["Nexus:Workers:SchedulePollingInterval"] = "00:00:00.5",
            ["Nexus:Workers:WorkerCount"] = "8",
            ["Nexus:Workers:ShutdownTimeout"] = "00:00:02",
            // Callbacks: one-second back-off, two retries, a two-second timeout.
            ["Nexus:Callbacks:Attempts"] = "2",
            ["Nexus:Callbacks:DelaysSeconds:0"] = "1",
            ["Nexus:Callbacks:TimeoutSeconds"] = "2",
            // Tests hammer the API from one key; RateLimitTests turn the limiter on where it is the subject.
            ["Nexus:RateLimit:RequestsPerSecond"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? [])
        {
            _settings[k] = v;
        }
    }

    private static readonly SemaphoreSlim SharedLock = new(1, 1);
    private static NexusApp? _shared;

    /// <summary>The host most tests share; each test makes its own workspace.</summary>
    public static async Task<NexusApp> SharedAsync()
    {
        await SharedLock.WaitAsync();
        try
        {
            if (_shared is null)
            {
                var app = new NexusApp(await TestDatabase.SharedAsync());
                _ = app.Server; // start it now, under the lock
                TestDatabase.StopBeforeCluster(app);
                _shared = app;
            }
            return _shared;
        }
        finally
        {
            SharedLock.Release();
        }
    }

    /// <summary>A host on a database of its own.</summary>
    public static async Task<NexusApp> IsolatedAsync(Dictionary<string, string?>? settings = null, bool scriptedHandlers = true, Action<IServiceCollection>? services = null) =>
        new(await TestDatabase.CreateIsolatedAsync(), settings, scriptedHandlers, services);

    public string ConnectionString => _connectionString;

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A fresh workspace id no other test uses.</summary>
    public static long NewWorkspace() => Interlocked.Increment(ref _nextWorkspace);

    /// <summary>A client for a new workspace whose key has <paramref name="scopes"/> (all scopes by default).</summary>
    public async Task<ApiClient> ClientAsync(params string[] scopes) => await ClientAsync(NewWorkspace(), scopes);

    public async Task<ApiClient> ClientAsync(long workspace, params string[] scopes)
    {
        var (info, plaintext) = await Service<ApiKeys>().CreateAsync(workspace, scopes.Length == 0 ? Scopes.All : scopes);
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", plaintext);
        return new ApiClient(http, workspace, info.Id, plaintext, this);
    }

    public async Task<T> QueryAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<T>(connection, sql, args) ?? default!;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Jobs", _connectionString);
        // UseSetting is visible while Program builds (the database, the roles); the in-memory source added last
        // wins over appsettings.json once the host is built (options).
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(
            _settings.Append(new("ConnectionStrings:Jobs", _connectionString))));
        builder.ConfigureLogging(logging => logging.AddProvider(new CapturingLoggerProvider(Logs)));
        builder.ConfigureTestServices(services =>
        {
            _services?.Invoke(services);
            if (_scriptedHandlers)
            {
                foreach (var handler in ScriptedHandler.All())
                {
                    services.AddSingleton(handler);
                }
            }
        });
    }
}

/// <summary>Keeps every log line (message, exception and scope values) in memory.</summary>
internal sealed class CapturingLoggerProvider(System.Collections.Concurrent.ConcurrentQueue<string> sink) : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, sink, () => _scopes);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> sink, Func<IExternalScopeProvider> scopes) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => scopes().Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = new System.Text.StringBuilder($"{logLevel} {category}: {formatter(state, exception)} {exception}");
            scopes().ForEachScope((scope, b) => b.Append(" | ").Append(scope), line);
            sink.Enqueue(line.ToString());
        }
    }
}
