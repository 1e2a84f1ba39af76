using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nexus.Jobs.HangfireSeam;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.Callbacks;

/// <summary>Registers callbacks: secrets, the outbox, the deliverer and its HTTP client (the callback server is set up with the other Hangfire servers, <c>HangfireSetup.AddNexusWorkers</c>).</summary>
public static class CallbackSetup
{
    public static IServiceCollection AddNexusCallbacks(this IServiceCollection services)
    {
        services.AddOptions<CallbackOptions>().BindConfiguration(CallbackOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<CallbackOptions>, CallbackOptionsValidator>();
        services.AddSingleton<CallbackSecrets>();
        services.AddSingleton<CallbackOutbox>();
        services.AddSingleton<CallbackDeliveryReader>();
        services.AddScoped<CallbackDeliverer>();
        services.AddHttpClient(CallbackDeliverer.HttpClientName, client =>
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
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Transactions.TransactionException || PlatformJobs.IsCreationFailure(e))
            {
                // The database is away; the next pass tries again.
                logger.LogDebug(e, "Callback outbox sweep failed; trying again in {Interval}", options.Value.SweepInterval);
            }
        }
    }
}
