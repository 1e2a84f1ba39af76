using System.Text.Json;

namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>Callback helpers that read like the contract.</summary>
public static class CallbackClient
{
    /// <summary>Creates or rotates the workspace's callback secret and returns it.</summary>
    public static async Task<string> RotateSecretAsync(this ApiClient api)
    {
        var response = await api.PostAsync("/v1/callbacks/secret", "");
        response.Status.ShouldBe(HttpStatusCode.OK, response.Body);
        return response.Json.GetProperty("data").GetProperty("secret").GetString()!;
    }

    /// <summary>The deliveries at <paramref name="path"/> (a <c>.../callbacks</c> endpoint).</summary>
    public static async Task<JsonElement[]> DeliveriesAsync(this ApiClient api, string path)
    {
        var response = await api.GetAsync(path);
        response.Status.ShouldBe(HttpStatusCode.OK, response.Body);
        return response.Json.GetProperty("data").EnumerateArray().ToArray();
    }

    /// <summary>Polls <paramref name="path"/> until <paramref name="done"/> holds for its single delivery.</summary>
    public static async Task<JsonElement> DeliveryShouldReach(this ApiClient api, string path, Func<JsonElement, bool> done, string what)
    {
        var deliveries = await Eventually.Until(() => api.DeliveriesAsync(path), d => d.Length == 1 && done(d[0]),
            TimeSpan.FromSeconds(30), $"{path}: {what}");
        return deliveries[0];
    }

    public static string Status(this JsonElement delivery) => delivery.GetProperty("status").GetString()!;

    public static JsonElement[] Attempts(this JsonElement delivery) => delivery.GetProperty("attempts").EnumerateArray().ToArray();

    /// <summary>The <c>data</c> of a GET (jobs and batches) or the whole body (runs), as its raw JSON text.</summary>
    public static async Task<string> GetPayloadAsync(this ApiClient api, string path, bool enveloped = true)
    {
        var response = await api.GetAsync(path);
        response.Status.ShouldBe(HttpStatusCode.OK, response.Body);
        return enveloped ? response.Json.GetProperty("data").GetRawText() : response.Body;
    }
}
