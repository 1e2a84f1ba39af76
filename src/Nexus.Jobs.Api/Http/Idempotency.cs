using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Api.Auth;
using Nexus.Jobs.Api.Errors;
using Npgsql;

namespace Nexus.Jobs.Api.Http;

/// <summary>Marks a POST as honouring <c>Idempotency-Key</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class IdempotentAttribute : TypeFilterAttribute
{
    public IdempotentAttribute() : base(typeof(IdempotencyFilter))
    {
    }
}

/// <summary>
/// Same key and body within 24 h: the first response again. Same key, other body: 422 IDEMPOTENCY_CONFLICT.
/// While the first is still being handled: 409 IDEMPOTENCY_IN_FLIGHT.
/// </summary>
/// <remarks>
/// Only successful (2xx) responses are kept: a request that failed validation or hit QUEUE_FULL did nothing, so the
/// client may fix it and send it again under the same key. A claim whose request died with its process is taken over
/// after <see cref="AbandonedAfter"/>.
/// </remarks>
public sealed class IdempotencyFilter(NpgsqlDataSource dataSource, IOptions<JsonOptions> json) : IAsyncActionFilter
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromSeconds(60);

    private const string ClaimSql = """
        insert into nexus.idempotency_keys as k (workspace_id, key, request_hash)
        values (@WorkspaceId, @Key, @Hash)
        on conflict (workspace_id, key) do update
            set request_hash = excluded.request_hash, response_status = null, response_body = null, created_at = now()
            where k.created_at < now() - make_interval(secs => @RetentionSeconds)
               or (k.response_status is null and k.created_at < now() - make_interval(secs => @AbandonedSeconds))
        returning 1
        """;

    private const string ExistingSql = """
        select request_hash as Hash, response_status as Status, response_body as Body
        from nexus.idempotency_keys where workspace_id = @WorkspaceId and key = @Key
        """;

    private const string StoreSql = """
        update nexus.idempotency_keys set response_status = @Status, response_body = @Body
        where workspace_id = @WorkspaceId and key = @Key
        """;

    private const string ReleaseSql = "delete from nexus.idempotency_keys where workspace_id = @WorkspaceId and key = @Key and response_status is null";

    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        var http = context.HttpContext;
        var values = http.Request.Headers[Header];
        if (values.Count == 0)
        {
            await next();
            return;
        }
        var key = values.Count == 1 ? values[0] ?? "" : "";
        if (key.Length is 0 or > 255 || key.Any(c => c is < '!' or > '~'))
        {
            context.Result = Problems.Validation(http, ErrorCodes.ValidationFailed, new Dictionary<string, string[]>
            {
                [Header] = ["must be sent once, 1 to 255 printable ASCII characters without spaces"],
            });
            return;
        }

        var workspaceId = http.User.WorkspaceId();
        var body = await RequestJson.BytesAsync(http);
        var hash = SHA256.HashData([.. Encoding.UTF8.GetBytes($"{http.Request.Method} {http.Request.Path}\n"), .. body]);
        var args = new
        {
            WorkspaceId = workspaceId, Key = key, Hash = hash,
            RetentionSeconds = Retention.TotalSeconds, AbandonedSeconds = AbandonedAfter.TotalSeconds,
        };

        await using (var connection = await dataSource.OpenConnectionAsync(http.RequestAborted))
        {
            var claimed = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(ClaimSql, args, cancellationToken: http.RequestAborted)) is not null;
            if (!claimed)
            {
                var existing = await connection.QuerySingleOrDefaultAsync<Existing>(new CommandDefinition(ExistingSql, args, cancellationToken: http.RequestAborted));
                context.Result = existing switch
                {
                    // Released between our claim and our read: ask the client to send it again.
                    null => InFlight(http),
                    _ when !CryptographicOperations.FixedTimeEquals(existing.Hash, hash) => Problems.Result(http,
                        StatusCodes.Status422UnprocessableEntity, ErrorCodes.IdempotencyConflict, "Idempotency conflict",
                        $"This {Header} was used with a different request in the last 24 hours."),
                    { Status: null } => InFlight(http),
                    _ => Replay(http, existing.Status.Value, existing.Body!),
                };
                return;
            }
        }

        ActionExecutedContext executed;
        try
        {
            executed = await next();
        }
        catch
        {
            await ReleaseAsync(args);
            throw;
        }

        if (executed.Exception is null && executed.Result is ObjectResult { StatusCode: >= 200 and < 300 } ok)
        {
            var text = JsonSerializer.Serialize(ok.Value, ok.Value?.GetType() ?? typeof(object), json.Value.JsonSerializerOptions);
            await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await connection.ExecuteAsync(StoreSql, new { args.WorkspaceId, args.Key, Status = ok.StatusCode, Body = text });
        }
        else
        {
            await ReleaseAsync(args);
        }
    }

    private async Task ReleaseAsync(object args)
    {
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(ReleaseSql, args);
    }

    private static ObjectResult InFlight(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        return Problems.Result(http, StatusCodes.Status409Conflict, ErrorCodes.IdempotencyInFlight, "Request in flight",
            $"A request with this {Header} is still being handled; retry shortly.");
    }

    private static ContentResult Replay(HttpContext http, int status, string body)
    {
        http.Response.Headers[ReplayedHeader] = "true";
        return new ContentResult { StatusCode = status, Content = body, ContentType = "application/json; charset=utf-8" };
    }

    private sealed record Existing(byte[] Hash, int? Status, string? Body);
}
