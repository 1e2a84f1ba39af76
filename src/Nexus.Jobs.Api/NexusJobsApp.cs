using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.OpenApi;
using Nexus.Jobs.Api.Auth;
using Nexus.Jobs.Api.Dashboard;
using Nexus.Jobs.Api.Errors;
using Nexus.Jobs.Api.Http;
using Nexus.Jobs.Api.Operations;
using Nexus.Jobs.Compounding;
using Nexus.Jobs.HangfireSeam;
using Nexus.Jobs.Platform;
using Nexus.Jobs.Storage;
using Scalar.AspNetCore;

namespace Nexus.Jobs.Api;

/// <summary>The service's wiring: <c>AddNexusJobsAsync</c> then <c>MapNexusJobs</c>.</summary>
public static class NexusJobsApp
{
    /// <summary>Largest request body the API takes (a full batch of 20 jobs with 1,000 SKUs each fits).</summary>
    public const long MaxRequestBodyBytes = 2 * 1024 * 1024;

    /// <summary>Opens the database (embedded unless configured), migrates it, and registers everything this process's roles need.</summary>
    public static async Task<JobsDatabase> AddNexusJobsAsync(this WebApplicationBuilder builder)
    {
        var roles = NexusOptions.ParseRoles(builder.Configuration["Nexus:Roles"] ?? "api,worker")
            ?? throw new InvalidOperationException($"Nexus:Roles must be 'api', 'worker' or 'api,worker', not '{builder.Configuration["Nexus:Roles"]}'.");
        using var loggers = LoggerFactory.Create(l => l.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole());
        var database = await JobsDatabase.OpenAsync(builder.Configuration, builder.Environment.ContentRootPath, loggers.CreateLogger("Nexus.Jobs.Database"));

        var services = builder.Services;
        builder.AddNexusObservability(roles);
        services.AddNexusEngine(builder.Configuration, database.ConnectionString);
        services.AddCompounding(schedules: roles.HasFlag(Roles.Worker));
        if (roles.HasFlag(Roles.Worker))
        {
            services.AddNexusWorkers();
        }

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        services.AddNexusProblemDetails();
        services.AddNexusAuth();
        services.AddNexusRateLimiting(builder.Configuration);
        services.AddControllers().AddJsonOptions(o =>
        {
            o.JsonSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.JsonSerializerOptions.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        });
        // The OpenAPI schemas are generated with these options, so they must name properties as the wire does.
        // Strict numbers, as the wire has them: the web default (numbers also read from strings) would document every integer
        // as "integer or string", and generated clients would type them so. Only minimal APIs read with these options, and
        // they take no bodies here; writing is unchanged.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        services.AddOptions<Dashboard.DashboardOptions>().BindConfiguration(Dashboard.DashboardOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Operators.All(op => IsIdentityV3Hash(op.PasswordHash)),
                "Dashboard:Operators:*:PasswordHash must be a hash from 'dashboard hash-password', never a plain password.")
            .ValidateOnStart();
        services.AddSingleton<DashboardAccess>();
        services.AddOperatorPages();
        // Hangfire's dashboard checks a CSRF token on every command only when IAntiforgery is registered; without it,
        // another site could make an operator's browser (with its saved Basic credentials) delete or requeue jobs.
        services.AddAntiforgery();
        // The representations callbacks carry are the API's; every role renders them (deliveries run in worker processes).
        services.AddSingleton<Callbacks.Representations>();
        services.AddSingleton<Nexus.Jobs.Callbacks.ICallbackPayloads>(sp => sp.GetRequiredService<Callbacks.Representations>());
        if (roles.HasFlag(Roles.Api))
        {
            services.AddOptions<Events.EventStreamOptions>().BindConfiguration(Events.EventStreamOptions.Section).ValidateDataAnnotations().ValidateOnStart();
            services.AddSingleton<Events.StatusWatcher>();
            services.AddHostedService(sp => sp.GetRequiredService<Events.StatusWatcher>());
        }
        services.AddNexusOpenApi();
        return database;
    }

    public static WebApplication MapNexusJobs(this WebApplication app)
    {
        var roles = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<NexusOptions>>().Value.ParsedRoles();
        app.UseExceptionHandler();
        app.UseProblemStatusCodePages();
        app.UseAuthentication();
        // After authentication, so the bucket is the key's; before authorization, so refused keys count too.
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapNexusObservability();
        if (roles.HasFlag(Roles.Api))
        {
            app.MapControllers();
            app.MapOpenApi("/openapi/{documentName}.json");
            app.MapScalarApiReference("/scalar", o => o.WithTitle("Nexus Jobs API").AddPreferredSecuritySchemes("ApiKey"));
            app.MapGet("/", () => Results.Redirect("/scalar")).ExcludeFromDescription();
            app.UseNexusDashboard();
        }
        return app;
    }

    private static bool IsIdentityV3Hash(string hash)
    {
        try
        {
            var bytes = Convert.FromBase64String(hash);
            return bytes.Length > 13 && bytes[0] == 0x01;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static IServiceCollection AddNexusOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Nexus Jobs API",
                    Version = "v1",
                    Description = """
                        Dispatch AI jobs into priority queues, poll their status, list, cancel, and run batches.
                        Authenticate with `Authorization: Bearer <api key>` (create keys with the service's `keys create` command).
                        `X-Tenant-ID`, when sent, must name the key's workspace (403 TENANT_MISMATCH otherwise).
                        Every error is `application/problem+json` with a machine `code`: JOB_NOT_FOUND 404, INVALID_JOB_TYPE 422,
                        QUEUE_FULL 429 (Retry-After), INSUFFICIENT_SCOPE 403, JOB_NOT_CANCELLABLE 409, UNAUTHENTICATED 401,
                        TENANT_MISMATCH 403, VALIDATION_FAILED 422 (with `errors` per field), MALFORMED_REQUEST 400/415,
                        BATCH_TOO_LARGE 422, PAYLOAD_TOO_LARGE 413, IDEMPOTENCY_CONFLICT 422, IDEMPOTENCY_IN_FLIGHT 409,
                        SERVICE_UNAVAILABLE 503, and RATE_LIMITED 429 (with Retry-After) when a key exceeds its request rate
                        (an addition to the contract's codes). Every POST honours `Idempotency-Key` (24 hours; only successful responses are
                        replayed, with `Idempotent-Replayed: true`).

                        **Push.** `callback_url` on dispatch, batch and trigger: on a terminal state the platform POSTs
                        `{"delivery_id", "event", "occurred_at", "data"}` (`data` = the GET payload) with `X-Nexus-Event`,
                        `X-Nexus-Delivery`, `X-Nexus-Timestamp` and `X-Nexus-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`,
                        keyed with the workspace's secret (`POST /v1/callbacks/secret`); retried with back-off, every attempt listed at
                        `.../callbacks`. `.../events` streams status changes as Server-Sent Events.
                        """,
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key from `keys create`, e.g. `Bearer nxj_...`",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] });
                return Task.CompletedTask;
            });
            o.AddSchemaTransformer(OpenApiContract.ApplyToSchema);
            o.AddOperationTransformer(OpenApiContract.ApplyToOperation);
            o.AddOperationTransformer(OpenApiExamples.Apply);
            o.AddDocumentTransformer(OpenApiContract.ApplyToDocument);
        });
        return services;
    }
}
