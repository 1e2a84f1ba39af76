using System.Net;
using System.Net.Sockets;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Execution;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.Callbacks;

/// <summary>Registers callbacks: secrets, the outbox, the sender and its HTTP client; and, in worker processes, the callback server.</summary>
public static class CallbackSetup
{
    public static IServiceCollection AddNexusCallbacks(this IServiceCollection services)
    {
        services.AddOptions<CallbackOptions>().BindConfiguration(CallbackOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<CallbackOptions>, CallbackOptionsValidator>();
        services.AddSingleton<CallbackSecrets>();
        services.AddSingleton<CallbackOutbox>();
        services.AddSingleton<CallbackDeliveryReader>();
        services.AddSingleton<CallbackRetryFilter>();
        services.AddScoped<CallbackSender>();
        services.AddHttpClient(CallbackSender.HttpClientName, client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan; // Nexus:Callbacks:TimeoutSeconds is applied per attempt
                client.DefaultRequestHeaders.UserAgent.ParseAdd("Nexus-Jobs-Callbacks/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var settings = sp.GetRequiredService<IOptions<CallbackOptions>>().Value;
                var handler = new SocketsHttpHandler
                {
                    AllowAutoRedirect = false, // a redirect could lead anywhere, a private address included
                    UseCookies = false,
                    ConnectTimeout = TimeSpan.FromSeconds(settings.TimeoutSeconds),
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2), // DNS changes are picked up
                };
                if (!settings.AllowPrivateNetworks)
                {
                    // The address is checked where the connection is made, after DNS answered: a name that resolves to a
                    // private address (or is re-pointed at one later) is refused too. A proxy would hide the address.
                    handler.UseProxy = false;
                    handler.ConnectCallback = ConnectToPublicAddressAsync;
                }
                return handler;
            })
            // Callback URLs may carry a receiver's token in the query: the sender logs only the host.
            .RemoveAllLoggers();
        return services;
    }

    /// <summary>The callback server: its own few workers on the callback queue only, and the outbox sweeper.</summary>
    /// <remarks>
    /// A separate server, not more queues on the AI-job server: Hangfire.PostgreSql fetches queues in alphabetical order,
    /// so a shared server would serve 'callbacks' before '2_normal', and slow receivers would hold AI-job workers.
    /// </remarks>
    public static IServiceCollection AddNexusCallbackServer(this IServiceCollection services)
    {
        services.AddHangfireServer((sp, server) =>
        {
            var settings = sp.GetRequiredService<IOptions<CallbackOptions>>().Value;
            var workers = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            server.WorkerCount = settings.WorkerCount;
            server.Queues = [CallbackOptions.Queue];
            server.StopTimeout = workers.ShutdownTimeout;
            server.ShutdownTimeout = workers.ShutdownTimeout + TimeSpan.FromSeconds(5);
            server.SchedulePollingInterval = workers.SchedulePollingInterval;
            server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:callbacks-{Guid.NewGuid().ToString("N")[..6]}";
        });
        services.AddHostedService<CallbackOutboxSweeper>();
        return services;
    }

    private static async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var usable = addresses.Where(CallbackUrls.IsPublic).ToArray();
        if (usable.Length == 0)
        {
            throw new HttpRequestException($"{host} has no public address ({string.Join(", ", addresses.Take(3).Select(a => a.ToString()))}); " +
                "Nexus:Callbacks:AllowPrivateNetworks is off");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(usable, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>Hangfire's <see cref="AutomaticRetryAttribute"/> with the callback back-off (<c>Nexus:Callbacks:Attempts</c>, <c>:DelaysSeconds</c>).</summary>
public sealed class CallbackRetryFilter(IOptions<CallbackOptions> options)
{
    public AutomaticRetryAttribute Attribute { get; } = new()
    {
        Attempts = options.Value.Attempts,
        DelaysInSeconds = options.Value.RetryDelays(),
        // 410 Gone and a workspace without a secret: no retry can help.
        ExceptOn = [typeof(PermanentJobFailureException)],
        OnAttemptsExceeded = AttemptsExceededAction.Fail,
    };
}

/// <summary>Runs <see cref="CallbackOutbox.Sweep"/> every <c>Nexus:Callbacks:SweepInterval</c> in worker processes.</summary>
public sealed class CallbackOutboxSweeper(CallbackOutbox outbox, IOptions<CallbackOptions> options, ILogger<CallbackOutboxSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                outbox.Sweep(options.Value.SweepAfter);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Transactions.TransactionException or BackgroundJobClientException)
            {
                // The database is away; the next pass tries again.
                logger.LogDebug(e, "Callback outbox sweep failed; trying again in {Interval}", options.Value.SweepInterval);
            }
        }
    }
}
