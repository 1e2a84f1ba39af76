using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Nexus.Jobs.Api.Errors;

/// <summary>The one way an error leaves the API: RFC 9457 problem details with a <c>code</c>.</summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static ProblemDetails Create(HttpContext http, int status, string code, string title, string detail, IDictionary<string, string[]>? errors = null)
    {
        ProblemDetails problem = errors is { Count: > 0 }
            ? new ValidationProblemDetails(errors) { Title = title }
            : new ProblemDetails { Title = title };
        problem.Status = status;
        problem.Detail = detail;
        problem.Instance = http.Request.Path;
        problem.Extensions["code"] = code;
        problem.Extensions["trace_id"] = http.TraceIdentifier;
        return problem;
    }

    /// <summary>For controllers.</summary>
    public static ObjectResult Result(HttpContext http, int status, string code, string title, string detail, IDictionary<string, string[]>? errors = null)
    {
        var result = new ObjectResult(Create(http, status, code, title, detail, errors)) { StatusCode = status };
        result.ContentTypes.Add(ContentType);
        return result;
    }

    /// <summary>For middleware that writes the response itself: always problem+json, whatever the Accept header asks for.</summary>
    public static Task WriteAsync(HttpContext http, int status, string code, string title, string detail)
    {
        http.Response.StatusCode = status;
        var problem = Create(http, status, code, title, detail);
        return http.Response.WriteAsJsonAsync(problem, typeof(ProblemDetails), options: null, contentType: ContentType);
    }

    public static ObjectResult NotFound(HttpContext http, string detail) =>
        Result(http, StatusCodes.Status404NotFound, ErrorCodes.JobNotFound, "Not found", detail);

    public static ObjectResult Validation(HttpContext http, string code, IDictionary<string, string[]> errors) =>
        Result(http, StatusCodes.Status422UnprocessableEntity, code,
            code == ErrorCodes.InvalidJobType ? "Unknown job type" : "Validation failed",
            string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")), errors);
}
