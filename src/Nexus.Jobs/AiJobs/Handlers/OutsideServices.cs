using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Nexus.Jobs.Execution;
using OpenAI;
using OpenAI.Chat;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>Asks the configured price sources for competitor offers.</summary>
public sealed class PriceSourceClient(HttpClient http)
{
    public const string HttpClientName = "price-sources";

    /// <summary>Offers from one source; throws <see cref="JobFailureException"/> (retryable) when it fails or times out.</summary>
    public async Task<IReadOnlyList<CompetitorOffer>> FetchAsync(PriceSourceOptions source, IReadOnlyList<string> skus, string marketplace, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(source.TimeoutSeconds));
        try
        {
            using var response = await http.PostAsync(source.Url, JsonBody.Create(new { skus, marketplace }), timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new JobFailureException("PRICE_SOURCE_ERROR", $"Price source {source.Name} answered {(int)response.StatusCode}");
            }
            var offers = new List<CompetitorOffer>();
            var wanted = skus.ToHashSet(StringComparer.Ordinal);
            if (JsonNode.Parse(text)?["offers"] is not JsonArray array)
            {
                throw new JobFailureException("PRICE_SOURCE_ERROR", $"Price source {source.Name} answered without an \"offers\" array");
            }
            foreach (var item in array.OfType<JsonObject>())
            {
                var sku = item["sku"]?.GetValue<string>();
                var competitor = item["competitor"]?.GetValue<string>();
                var price = item["price"]?.GetValue<decimal>();
                var observed = item["observed_at"]?.GetValue<DateTime>().ToUniversalTime() ?? DateTime.UtcNow;
                // Offers for SKUs we did not ask about, or without a price, are ignored rather than trusted.
                if (sku is null || !wanted.Contains(sku) || string.IsNullOrWhiteSpace(competitor) || price is null or < 0)
                {
                    continue;
                }
                offers.Add(new CompetitorOffer(sku, competitor.Trim(), Math.Round(price.Value, 2), observed, item["title"]?.GetValue<string>()));
            }
            return offers;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new JobFailureException("PRICE_SOURCE_TIMEOUT", $"Price source {source.Name} did not answer within {source.TimeoutSeconds} s");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or FormatException or InvalidOperationException)
        {
            throw new JobFailureException("PRICE_SOURCE_ERROR", $"Price source {source.Name} failed: {e.Message}", e);
        }
    }
}

/// <summary>Asks an OpenAI-compatible chat-completions endpoint one question, through Microsoft.Extensions.AI's <see cref="IChatClient"/>.</summary>
/// <remarks>
/// The OpenAI SDK underneath sends through this class's <see cref="HttpClient"/> (the <c>assistants</c> client, so the
/// factory's handlers and telemetry apply), with its own retries off: the job type's retry policy in Hangfire owns retries,
/// and a 429 retried three times inside one attempt would hide from it how often the assistant refused.
/// </remarks>
public sealed class AssistantClient(HttpClient http)
{
    public const string HttpClientName = "assistants";

    public async Task<string> AskAsync(AssistantOptions assistant, string question, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(assistant.TimeoutSeconds));
        using var chat = ChatClientFor(assistant);
        try
        {
            var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, question)], new ChatOptions { Temperature = 0 }, timeout.Token);
            if (!response.Messages.SelectMany(m => m.Contents).OfType<TextContent>().Any())
            {
                throw new JobFailureException("PROVIDER_ERROR", $"Assistant {assistant.Name} answered without choices[0].message.content");
            }
            return response.Text;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new JobFailureException("PROVIDER_TIMEOUT", $"Assistant {assistant.Name} did not answer within {assistant.TimeoutSeconds} s");
        }
        catch (ClientResultException e) when (e.Status != 0)
        {
            var message = $"Assistant {assistant.Name} answered {e.Status}";
            // Credentials or a bad request will not get better by asking again.
            throw e.Status is 400 or 401 or 403 or 404 ? new PermanentJobFailureException("PROVIDER_ERROR", message) : new JobFailureException("PROVIDER_ERROR", message);
        }
        catch (Exception e) when (e is ClientResultException or HttpRequestException or JsonException or InvalidOperationException or FormatException)
        {
            // Status 0: no answer at all (refused, reset); the others: an answer that is not a chat completion.
            throw new JobFailureException("PROVIDER_ERROR", $"Assistant {assistant.Name} failed: {e.Message}", e);
        }
    }

    private IChatClient ChatClientFor(AssistantOptions assistant)
    {
        var options = new OpenAIClientOptions
        {
            // The SDK appends /chat/completions, as the option's contract says.
            Endpoint = new Uri(assistant.BaseUrl.TrimEnd('/')),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // AskAsync's token carries the assistant's timeout; the SDK's own (100 s by default) must not cut it shorter.
            NetworkTimeout = TimeSpan.FromSeconds(assistant.TimeoutSeconds),
            Transport = new HttpClientPipelineTransport(http),
        };
        // The SDK refuses an empty key, so an assistant without one gets the stand-in key "none", taken off again before
        // sending: a server without auth sees no Authorization header at all, as before.
        var keyless = string.IsNullOrEmpty(assistant.ApiKey);
        if (keyless)
        {
            options.AddPolicy(new WithoutAuthorization(), PipelinePosition.BeforeTransport);
        }
        return new ChatClient(assistant.Model, new ApiKeyCredential(keyless ? "none" : assistant.ApiKey!), options).AsIChatClient();
    }

    /// <summary>Takes the stand-in key off the request of an assistant configured without an API key.</summary>
    private sealed class WithoutAuthorization : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
