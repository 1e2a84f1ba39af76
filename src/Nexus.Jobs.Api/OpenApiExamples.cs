using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Nexus.Jobs.Api;

/// <summary>Request and response examples for the OpenAPI document, so Scalar shows real bodies.</summary>
internal static class OpenApiExamples
{
    private const string Job = """
        {"type":"pricing_recalculate","params":{"skus":["SKU-001","SKU-002"],"marketplace":"amazon_us","apply":false},"priority":"normal"}
        """;

    private const string Batch = """
        {"jobs":[{"type":"competitor_scan","params":{"skus":["SKU-001"],"marketplace":"amazon_us"}},
                 {"type":"pricing_recalculate","params":{"skus":["SKU-001"],"marketplace":"amazon_us","apply":true}}],
         "sequential":true}
        """;

    private const string Accepted = """
        {"data":{"id":"job_01HXK9MZPQ3B8C7D2E5F6G7H8J","type":"pricing_recalculate","status":"queued","priority":"normal",
         "params":{"skus":["SKU-001","SKU-002"],"marketplace":"amazon_us","apply":false},
         "created_at":"2026-03-12T14:32:01.123Z","estimated_completion_at":"2026-03-12T14:32:31.123Z"}}
        """;

    private const string Completed = """
        {"data":{"id":"job_01HXK9MZPQ3B8C7D2E5F6G7H8J","type":"pricing_recalculate","status":"completed","priority":"normal",
         "params":{"skus":["SKU-001"],"marketplace":"amazon_us","apply":false},"created_at":"2026-03-12T14:32:01.123Z",
         "started_at":"2026-03-12T14:32:05Z","completed_at":"2026-03-12T14:32:32Z","duration_seconds":27,
         "estimated_completion_at":"2026-03-12T14:32:31.123Z","batch_id":null,"batch_position":null,"retry_count":0,
         "result":{"processed_count":1,"updated_count":0,"recommendations":[{"sku":"SKU-001","current_price":14.99,"recommended_price":13.49,"confidence":0.87,"applied":false}]}}}
        """;

    private const string BatchAccepted = """
        {"data":{"batch_id":"batch_01HXK9MZPQ3B8C7D2E5F6G7H8J","sequential":true,"jobs":[
          {"id":"job_01HXK9MZPQ3B8C7D2E5F6G7H8K","type":"competitor_scan","status":"queued"},
          {"id":"job_01HXK9MZPQ3B8C7D2E5F6G7H8M","type":"pricing_recalculate","status":"queued"}]}}
        """;

    private const string Problem = """
        {"type":"https://tools.ietf.org/html/rfc9110#section-15.5.21","title":"Validation failed","status":422,
         "detail":"params.skus: is required","instance":"/api/ai-jobs","code":"VALIDATION_FAILED",
         "errors":{"params.skus":["is required"]},"trace_id":"0HN7..."}
        """;

    public static Task Apply(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var action = context.Description.ActionDescriptor.RouteValues.TryGetValue("action", out var a) ? a : null;
        switch (action)
        {
            case "Dispatch":
                SetRequest(operation, Job);
                SetResponse(operation, "202", Accepted);
                break;
            case "DispatchBatch":
                SetRequest(operation, Batch);
                SetResponse(operation, "202", BatchAccepted);
                break;
            case "Get":
                SetResponse(operation, "200", Completed);
                break;
        }
        SetResponse(operation, "422", Problem);
        return Task.CompletedTask;
    }

    private static void SetRequest(OpenApiOperation operation, string json)
    {
        if (operation.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var media))
        {
            media.Example = JsonNode.Parse(json);
        }
    }

    private static void SetResponse(OpenApiOperation operation, string status, string json)
    {
        if (operation.Responses?.TryGetValue(status, out var response) == true && response.Content is { } content)
        {
            foreach (var media in content.Values)
            {
                media.Example = JsonNode.Parse(json);
            }
        }
    }
}
