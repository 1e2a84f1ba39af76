namespace Nexus.Jobs.Client;

/// <summary>The workspace's callback signing secret. Deliveries are listed per subject: <see cref="AiJobsApi.ListCallbacksAsync"/>,
/// <see cref="AiJobsApi.ListBatchCallbacksAsync"/>, <see cref="CompoundingApi.ListRunCallbacksAsync"/>.</summary>
public sealed class CallbacksApi
{
    private readonly NexusHttp _http;

    internal CallbacksApi(NexusHttp http) => _http = http;

    /// <summary><c>POST /v1/callbacks/secret</c>: create the workspace's signing secret, or replace it (scope <c>ai-jobs:write</c>
    /// or <c>record.write</c>).</summary>
    /// <remarks>The answer is the only time the secret is shown: store it. A <c>callback_url</c> is accepted only once the
    /// workspace has one. After a rotation every attempt, retries included, is signed with the new secret; the old one stops
    /// working at once.</remarks>
    /// <param name="idempotencyKey">Sent as <c>Idempotency-Key</c>: a replay within 24 h answers the same secret instead of rotating again.</param>
    public async Task<CallbackSecret> RotateSecretAsync(string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var rotated = await _http.PostAsync("v1/callbacks/secret", new RotateSecretBody(), NexusJson.Default.RotateSecretBody,
            NexusJson.Default.DataOfCallbackSecret, idempotencyKey, cancellationToken).ConfigureAwait(false);
        return rotated.Data;
    }
}
