using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Jobs.Execution;

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

/// <summary>Asks an OpenAI-compatible chat-completions endpoint one question.</summary>
public sealed class AssistantClient(HttpClient http)
{
    public const string HttpClientName = "assistants";

    public async Task<string> AskAsync(AssistantOptions assistant, string question, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(assistant.TimeoutSeconds));
        using var request = new HttpRequestMessage(HttpMethod.Post, assistant.BaseUrl.TrimEnd('/') + "/chat/completions")
        {
            Content = JsonBody.Create(new
            {
                model = assistant.Model,
                messages = new[] { new { role = "user", content = question } },
                temperature = 0,
            }),
        };
        if (!string.IsNullOrEmpty(assistant.ApiKey))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", assistant.ApiKey);
        }
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                var message = $"Assistant {assistant.Name} answered {status}";
                // Credentials or a bad request will not get better by asking again.
                throw status is 400 or 401 or 403 or 404 ? new PermanentJobFailureException("PROVIDER_ERROR", message) : new JobFailureException("PROVIDER_ERROR", message);
            }
            return JsonNode.Parse(text)?["choices"]?[0]?["message"]?["content"]?.GetValue<string>()
                ?? throw new JobFailureException("PROVIDER_ERROR", $"Assistant {assistant.Name} answered without choices[0].message.content");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new JobFailureException("PROVIDER_TIMEOUT", $"Assistant {assistant.Name} did not answer within {assistant.TimeoutSeconds} s");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException)
        {
            throw new JobFailureException("PROVIDER_ERROR", $"Assistant {assistant.Name} failed: {e.Message}", e);
        }
    }
}
