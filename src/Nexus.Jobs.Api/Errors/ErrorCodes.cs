namespace Nexus.Jobs.Api.Errors;

/// <summary>Every machine code an error body can carry (CONTRACT: Errors).</summary>
public static class ErrorCodes
{
    public const string JobNotFound = "JOB_NOT_FOUND";
    public const string InvalidJobType = "INVALID_JOB_TYPE";
    public const string QueueFull = "QUEUE_FULL";
    public const string InsufficientScope = "INSUFFICIENT_SCOPE";
    public const string JobNotCancellable = "JOB_NOT_CANCELLABLE";
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string TenantMismatch = "TENANT_MISMATCH";
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string MalformedRequest = "MALFORMED_REQUEST";
    public const string BatchTooLarge = "BATCH_TOO_LARGE";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string IdempotencyConflict = "IDEMPOTENCY_CONFLICT";
    public const string IdempotencyInFlight = "IDEMPOTENCY_IN_FLIGHT";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";

    /// <summary>Not a contract code: an unexpected failure, which is a defect by definition.</summary>
    public const string InternalError = "INTERNAL_ERROR";

    /// <summary>The code for a status the framework produced on its own (unknown route, wrong method, wrong media type).</summary>
    public static string ForStatus(int status) => status switch
    {
        401 => Unauthenticated,
        403 => InsufficientScope,
        404 => JobNotFound,
        413 => PayloadTooLarge,
        422 => ValidationFailed,
        429 => QueueFull,
        503 => ServiceUnavailable,
        >= 500 => InternalError,
        _ => MalformedRequest, // 400, 405, 406, 411, 415, ...: the request is not one we can take
    };
}
