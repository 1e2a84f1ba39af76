using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Nexus.Jobs.Api.Errors;

/// <summary>Turns exceptions into problem details: client faults are 4xx, an unreachable database is 503, anything else 500.</summary>
public sealed class ExceptionToProblemHandler(ILogger<ExceptionToProblemHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, title, detail) = exception switch
        {
            BadHttpRequestException { StatusCode: 413 } =>
                (413, ErrorCodes.PayloadTooLarge, "Payload too large", "The request body is larger than this endpoint accepts."),
            BadHttpRequestException bad =>
                (bad.StatusCode, ErrorCodes.MalformedRequest, "Malformed request", bad.Message),
            _ when IsDatabaseUnavailable(exception) =>
                (503, ErrorCodes.ServiceUnavailable, "Service unavailable", "The job database cannot be reached; retry shortly."),
            _ => (500, ErrorCodes.InternalError, "Internal error", "An unexpected error occurred; it has been logged."),
        };
        if (status == 503)
        {
            // Expected while the database is away; one line, not a stack trace per request.
            logger.LogWarning("Request {Method} {Path} answered 503: database unavailable ({Reason})", http.Request.Method, http.Request.Path, exception.Message);
        }
        else if (status >= 500)
        {
            logger.LogError(exception, "Request {Method} {Path} failed with {Status}", http.Request.Method, http.Request.Path, status);
        }
        if (status == 503)
        {
            http.Response.Headers.RetryAfter = "5";
        }
        http.Response.StatusCode = status;
        await TypedResults.Problem(Problems.Create(http, status, code, title, detail)).ExecuteAsync(http);
        return true;
    }

    /// <summary>Whether the failure is the database being away (down, restarting, refusing, timing out), not a bug.</summary>
    public static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    // Class 08 connection exceptions, 57P0x shutdown / cannot connect now, 53300 too many connections.
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState == "53300";
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                case TimeoutException:
                    return true;
                case NpgsqlException when e.InnerException is null:
                    return true;
            }
        }
        return false;
    }
}

/// <summary>Adds the <c>code</c> to problem details the framework writes by itself.</summary>
public static class ProblemDetailsSetup
{
    /// <summary>What a status the framework produced on its own means for this request.</summary>
    public static string DefaultDetail(HttpContext http, int status) => status switch
    {
        404 => $"There is no {http.Request.Path} here; see /scalar for the API.",
        405 => $"{http.Request.Path} does not take {http.Request.Method}; see /scalar for the API.",
        406 => "This API answers in JSON (application/json or application/problem+json).",
        415 => "Send the body as application/json.",
        _ => "The request cannot be handled as sent.",
    };

    /// <summary>Status codes without a body (unknown route, wrong method, wrong media type) become problem details, whatever the Accept header says.</summary>
    public static IApplicationBuilder UseProblemStatusCodePages(this IApplicationBuilder app) =>
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            var title = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
            await Problems.WriteAsync(http, status, ErrorCodes.ForStatus(status), title, DefaultDetail(http, status));
        });

    public static IServiceCollection AddNexusProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Extensions.TryAdd("code", ErrorCodes.ForStatus(status));
            context.ProblemDetails.Detail ??= DefaultDetail(context.HttpContext, status);
            context.ProblemDetails.Extensions.TryAdd("trace_id", context.HttpContext.TraceIdentifier);
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
        });
        services.AddExceptionHandler<ExceptionToProblemHandler>();
        services.Configure<ApiBehaviorOptions>(options =>
        {
            // Bodies are parsed by hand (RequestJson), so model binding only sees route and query values.
            options.InvalidModelStateResponseFactory = context =>
            {
                var errors = context.ModelState.Where(e => e.Value?.Errors.Count > 0)
                    .ToDictionary(e => e.Key, e => e.Value!.Errors.Select(x => x.ErrorMessage).ToArray());
                return Problems.Validation(context.HttpContext, ErrorCodes.ValidationFailed, errors);
            };
        });
        return services;
    }
}
