using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Api.Errors;
using Nexus.Jobs.Auth;

namespace Nexus.Jobs.Api.Auth;

/// <summary>Authenticates <c>Authorization: Bearer &lt;api key&gt;</c>.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string WorkspaceClaim = "nexus:workspace";
    public const string KeyClaim = "nexus:key";
    public const string ScopeClaim = "scope";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers.Authorization;
        if (headers.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }
        if (headers.Count > 1)
        {
            return AuthenticateResult.Fail("Send exactly one Authorization header.");
        }
        var value = headers[0] ?? "";
        const string bearer = "Bearer ";
        if (!value.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) || value.Length == bearer.Length)
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <api key>'.");
        }
        var principal = await keys.AuthenticateAsync(value[bearer.Length..].Trim(), Context.RequestAborted);
        if (principal is null)
        {
            // Never echo the presented key: it may be a real secret sent to the wrong place.
            return AuthenticateResult.Fail("The API key is unknown or has been revoked.");
        }
        var claims = new List<Claim>
        {
            new(WorkspaceClaim, principal.WorkspaceId.ToString(CultureInfo.InvariantCulture)),
            new(KeyClaim, principal.KeyId),
        };
        claims.AddRange(principal.Scopes.Select(s => new Claim(ScopeClaim, s)));
        var identity = new ClaimsIdentity(claims, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

/// <summary>The key must carry a scope granting the operation.</summary>
public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

/// <summary>The key must carry a scope granting any one of <see cref="Scopes"/>.</summary>
public sealed record AnyScopeRequirement(IReadOnlyList<string> Scopes) : IAuthorizationRequirement;

/// <summary><c>X-Tenant-ID</c>, when sent, must name the key's workspace.</summary>
public sealed record TenantRequirement : IAuthorizationRequirement;

/// <summary>Checks both requirements; a failure says which code it earns.</summary>
public sealed class NexusAuthorizationHandler(IHttpContextAccessor accessor) : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        var user = context.User;
        if (user.FindFirst(ApiKeyAuthenticationHandler.WorkspaceClaim)?.Value is not { } workspace)
        {
            return Task.CompletedTask;
        }
        foreach (var requirement in context.PendingRequirements.ToList())
        {
            switch (requirement)
            {
                case TenantRequirement:
                    var sent = accessor.HttpContext?.Request.Headers["X-Tenant-ID"] ?? default;
                    if (sent.Count == 0 || sent.All(v => v?.Trim() == workspace))
                    {
                        context.Succeed(requirement);
                    }
                    else
                    {
                        context.Fail(new AuthorizationFailureReason(this, ErrorCodes.TenantMismatch));
                    }
                    break;
                case ScopeRequirement scope:
                    Check(context, requirement, user, [scope.Scope]);
                    break;
                case AnyScopeRequirement any:
                    Check(context, requirement, user, any.Scopes);
                    break;
            }
        }
        return Task.CompletedTask;
    }

    private void Check(AuthorizationHandlerContext context, IAuthorizationRequirement requirement, ClaimsPrincipal user, IReadOnlyList<string> scopes)
    {
        var held = user.FindAll(ApiKeyAuthenticationHandler.ScopeClaim).Select(c => c.Value).ToList();
        if (scopes.Any(s => Scopes.Grants(held, s)))
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, $"{ErrorCodes.InsufficientScope}:{string.Join(" or ", scopes)}"));
        }
    }
}

/// <summary>Writes 401/403 as problem details with the contract's codes.</summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext http, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Challenged)
        {
            // The handler caches its result for the request, so this does not look the key up again.
            var authenticated = await http.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
            var failure = authenticated.Failure?.Message ?? "Send 'Authorization: Bearer <api key>'.";
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await Problems.WriteAsync(http, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthenticated, "Unauthenticated", failure);
            return;
        }
        if (result.Forbidden)
        {
            var reasons = result.AuthorizationFailure?.FailureReasons.Select(r => r.Message).ToList() ?? [];
            if (reasons.Contains(ErrorCodes.TenantMismatch))
            {
                await Problems.WriteAsync(http, StatusCodes.Status403Forbidden, ErrorCodes.TenantMismatch, "Tenant mismatch",
                    "X-Tenant-ID does not name the workspace of this API key.");
                return;
            }
            var missing = reasons.FirstOrDefault(r => r.StartsWith(ErrorCodes.InsufficientScope, StringComparison.Ordinal))?
                .Split(':', 2).ElementAtOrDefault(1);
            await Problems.WriteAsync(http, StatusCodes.Status403Forbidden, ErrorCodes.InsufficientScope, "Insufficient scope",
                missing is null ? "The API key lacks the scope this operation needs." : $"This operation needs the {missing} scope.");
            return;
        }
        await _default.HandleAsync(next, http, policy, result);
    }
}

/// <summary>Policy names: one per scope an endpoint needs.</summary>
public static class Policies
{
    public const string AiJobsWrite = "scope:" + Scopes.AiJobsWrite;
    public const string AiJobsRead = "scope:" + Scopes.AiJobsRead;
    public const string RecordWrite = "scope:" + Scopes.RecordWrite;
    public const string RecordRead = "scope:" + Scopes.RecordRead;
    public const string InsightWrite = "scope:" + Scopes.InsightWrite;
    public const string InsightRead = "scope:" + Scopes.InsightRead;
    public const string CatalogWrite = "scope:" + Scopes.CatalogWrite;
    public const string CatalogRead = "scope:" + Scopes.CatalogRead;

    /// <summary>The callback secret is the workspace's, for both APIs: either write scope may rotate it.</summary>
    public const string CallbackSecret = "scope:" + Scopes.AiJobsWrite + "|" + Scopes.RecordWrite;

    public static IServiceCollection AddNexusAuth(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        var builder = services.AddAuthorizationBuilder();
        foreach (var scope in Scopes.All)
        {
            builder.AddPolicy("scope:" + scope, p => p
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .AddRequirements(new TenantRequirement(), new ScopeRequirement(scope)));
        }
        builder.AddPolicy(CallbackSecret, p => p
            .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .AddRequirements(new TenantRequirement(), new AnyScopeRequirement([Scopes.AiJobsWrite, Scopes.RecordWrite])));
        services.AddSingleton<IAuthorizationHandler, NexusAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        return services;
    }

    /// <summary>The caller's workspace (the tenant).</summary>
    public static long WorkspaceId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirst(ApiKeyAuthenticationHandler.WorkspaceClaim)!.Value, CultureInfo.InvariantCulture);
}
