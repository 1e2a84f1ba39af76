using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Nexus.Jobs.Api.AiJobs;
using Nexus.Jobs.Api.Auth;
using Nexus.Jobs.Api.Errors;
using Nexus.Jobs.Api.Http;
using Nexus.Jobs.Callbacks;

namespace Nexus.Jobs.Api.Callbacks;

/// <summary>The workspace's callback signing secret.</summary>
[ApiController]
[Route("v1/callbacks")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, Problems.ContentType)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, Problems.ContentType)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, Problems.ContentType)]
public sealed class CallbacksController(CallbackSecrets secrets) : ControllerBase
{
    /// <summary>Create or rotate the callback secret</summary>
    /// <remarks>
    /// Creates the workspace's callback signing secret, or replaces it, and answers it: this is the only time it is shown,
    /// so store it. Every callback attempt from now on is signed with it: <c>X-Nexus-Signature-256: sha256=</c> and the
    /// lower-case hex HMAC-SHA256 of the raw request body, keyed with the UTF-8 bytes of the secret. A callback_url is
    /// accepted only once the workspace has a secret. Takes no body (or <c>{}</c>). Scope <c>ai-jobs:write</c> or
    /// <c>record.write</c>. Honours <c>Idempotency-Key</c> (a replay answers the same secret).
    /// Errors: 400 MALFORMED_REQUEST, 415 MALFORMED_REQUEST, 422 VALIDATION_FAILED (a body with members).
    /// </remarks>
    [HttpPost("secret")]
    [Authorize(Policy = Policies.CallbackSecret)]
    [Idempotent]
    [Consumes(typeof(RotateSecretRequest), "application/json", IsOptional = true)]
    [ProducesResponseType<Envelope<CallbackSecretDto>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, Problems.ContentType)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("rotateCallbackSecret")]
    public async Task<IActionResult> RotateSecret()
    {
        if ((await RequestJson.BytesAsync(HttpContext)).Length > 0)
        {
            var (body, problem) = await RequestJson.ObjectAsync(HttpContext);
            if (problem is not null)
            {
                return problem;
            }
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (var member in body.EnumerateObject())
            {
                errors[member.Name] = ["is not a known field; this request takes no body (or {})"];
            }
            if (errors.Count > 0)
            {
                return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, errors);
            }
        }
        var secret = await secrets.RotateAsync(User.WorkspaceId(), HttpContext.RequestAborted);
        Response.Headers.CacheControl = "no-store";
        return Ok(new Envelope<CallbackSecretDto>(new CallbackSecretDto(secret.Secret, secret.CreatedAt)));
    }
}
