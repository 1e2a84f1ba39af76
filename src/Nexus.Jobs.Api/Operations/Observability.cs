using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Nexus.Jobs.HangfireSeam;
using Nexus.Jobs.Platform;
using Nexus.Jobs.Storage;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Nexus.Jobs.Api.Operations;

/// <summary>Traces, metrics, logs and health: what operators watch.</summary>
public static class Observability
{
    public static WebApplicationBuilder AddNexusObservability(this WebApplicationBuilder builder, Roles roles)
    {
        // Readable lines in Development, one JSON object per line elsewhere (for log shippers); scopes carry job id, workspace and type.
        builder.Logging.ClearProviders();
        if (builder.Environment.IsDevelopment())
        {
            builder.Logging.AddSimpleConsole(o => o.IncludeScopes = true);
        }
        else
        {
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        }

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("nexus-jobs", serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(m => m.AddMeter(NexusTelemetry.Name).AddAspNetCoreInstrumentation().AddPrometheusExporter());
        // OTLP when an endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or OpenTelemetry:Otlp:Endpoint). Traces are
        // collected only then: with nowhere to send them, a span per request, job and SQL statement is pure cost (the
        // benchmarks measured it), and the job's trace context is not even carried (TracingFilter).
        var endpoint = builder.Configuration["OpenTelemetry:Otlp:Endpoint"] ?? builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            otel.WithTracing(t => t.AddSource(NexusTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddNpgsql());
            otel.UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf, new Uri(endpoint));
        }
        builder.Services.AddSingleton<QueueDepthGauge>();

        var checks = builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        if (roles.HasFlag(Roles.Worker))
        {
            checks.AddCheck<HangfireServerHealthCheck>("hangfire_server", tags: ["ready"]);
        }
        return builder;
    }

    public static WebApplication MapNexusObservability(this WebApplication app)
    {
        app.Services.GetRequiredService<QueueDepthGauge>(); // registers the observable gauge
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        return app;
    }

    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString().ToLowerInvariant(), description = e.Value.Description }),
        }));
    }
}

/// <summary>Ready when the database answers and is migrated to this build's schema version.</summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var version = await connection.ExecuteScalarAsync<int?>(new CommandDefinition("select max(version) from nexus.schema_migrations", cancellationToken: cancellationToken));
            return version >= Migrator.LatestVersion
                ? HealthCheckResult.Healthy($"Schema version {version}")
                : HealthCheckResult.Unhealthy($"Schema version {version?.ToString() ?? "none"}, this build needs {Migrator.LatestVersion}");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The database cannot be reached", e);
        }
    }
}

/// <summary>Ready when this process's Hangfire server has sent a heartbeat recently.</summary>
public sealed class HangfireServerHealthCheck(HangfireServers servers, IOptions<WorkerOptions> workers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var ours = servers.OfThisProcess();
            var freshest = ours.Select(s => s.Heartbeat).Max();
            var limit = TimeSpan.FromMinutes(1);
            return Task.FromResult(freshest is { } beat && DateTime.UtcNow - beat < limit
                ? HealthCheckResult.Healthy($"{ours.Sum(s => s.Workers)} workers, heartbeat {beat:O}")
                : HealthCheckResult.Unhealthy($"No Hangfire server heartbeat from this process in the last {limit.TotalSeconds} s (expected {workers.Value.WorkerCount} workers)"));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The database cannot be reached", e));
        }
    }
}

/// <summary>Queue depth per queue (the AI-job queues and the callback queue) as an observable gauge, read at most every 5 seconds.</summary>
public sealed class QueueDepthGauge
{
    private readonly NpgsqlDataSource _dataSource;
    private IReadOnlyList<(string Queue, long Depth)> _last = [];
    private DateTime _readAt = DateTime.MinValue;
    private readonly Lock _gate = new();

    public QueueDepthGauge(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        NexusTelemetry.Meter.CreateObservableGauge("nexus.queue.depth", Measure, "{job}", "Jobs waiting per queue");
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<long>> Measure()
    {
        lock (_gate)
        {
            if (DateTime.UtcNow - _readAt > TimeSpan.FromSeconds(5))
            {
                try
                {
                    using var connection = _dataSource.OpenConnection();
                    var rows = connection.Query<(string, long)>(
                        "select queue, count(*) from hangfire.jobqueue where fetchedat is null group by queue").AsList();
                    _last = Queues.All.Append(Jobs.Callbacks.CallbackOptions.Queue).Select(q => (q, rows.FirstOrDefault(r => r.Item1 == q).Item2)).ToList();
                    _readAt = DateTime.UtcNow;
                }
                catch (NpgsqlException)
                {
                    // A scrape during an outage reports the last known depths rather than failing the whole scrape.
                }
            }
            return _last.Select(d => new System.Diagnostics.Metrics.Measurement<long>(d.Depth, new KeyValuePair<string, object?>("queue", d.Queue))).ToList();
        }
    }
}
