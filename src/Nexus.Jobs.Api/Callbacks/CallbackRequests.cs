using Nexus.Jobs.Api.Http;
using Nexus.Jobs.Callbacks;

namespace Nexus.Jobs.Api.Callbacks;

/// <summary>The <c>callback_url</c> request field, shared by dispatch, batch and trigger.</summary>
public static class CallbackRequests
{
    public const string Field = "callback_url";

    /// <summary>The optional <c>callback_url</c> of <paramref name="fields"/>; null (with an error) when it is not acceptable.</summary>
    public static string? OptionalUrl(JsonFields fields, bool allowPrivateNetworks)
    {
        var url = fields.OptionalString(Field);
        if (url is not null && CallbackUrls.Problem(url, allowPrivateNetworks) is { } problem)
        {
            fields.Errors[fields.Field(Field)] = [problem];
            return null;
        }
        return url;
    }

    /// <summary>The answer to a callback URL on a workspace that has no secret to sign with.</summary>
    /// <remarks>
    /// Refused rather than creating a secret on the fly: callbacks signed with a secret the client never saw cannot be
    /// verified, and a client would learn that only when the first callback fails its check.
    /// </remarks>
    public static Dictionary<string, string[]> NoSecret() => new(StringComparer.Ordinal)
    {
        [Field] = ["this workspace has no callback secret yet: create one with POST /v1/callbacks/secret (it is shown once), then send the request again"],
    };
}
