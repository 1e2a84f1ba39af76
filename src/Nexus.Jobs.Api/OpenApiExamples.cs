using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Nexus.Jobs.Api.AiJobs;

namespace Nexus.Jobs.Api;

/// <summary>Request and response examples for the OpenAPI document, so Scalar shows real bodies.</summary>
internal static class OpenApiExamples
{
    private const string Job = """
        {"type":"pricing_recalculate","params":{"skus":["SKU-001","SKU-002"],"marketplace":"amazon_us","apply":false},"priority":"normal",
         "callback_url":"https://hooks.example.com/nexus"}
        """;

    private const string Batch = """
        {"jobs":[{"type":"competitor_scan","params":{"skus":["SKU-001"],"marketplace":"amazon_us"}},
                 {"type":"pricing_recalculate","params":{"skus":["SKU-001"],"marketplace":"amazon_us","apply":true}}],
         "sequential":true,"callback_url":"https://hooks.example.com/nexus"}
        """;

    private const string Accepted = """
        {"data":{"id":"job_01HXK9MZPQ3B8C7D2E5F6G7H8J","type":"pricing_recalculate","status":"queued","priority":"normal",
         "params":{"skus":["SKU-001","SKU-002"],"marketplace":"amazon_us","apply":false},
         "created_at":"2026-03-12T14:32:01.123Z","estimated_completion_at":"2026-03-12T14:32:31.123Z",
         "callback_url":"https://hooks.example.com/nexus"}}
        """;

    private const string Completed = """
        {"data":{"id":"job_01HXK9MZPQ3B8C7D2E5F6G7H8J","type":"pricing_recalculate","status":"completed","priority":"normal",
         "params":{"skus":["SKU-001"],"marketplace":"amazon_us","apply":false},"created_at":"2026-03-12T14:32:01.123Z",
         "started_at":"2026-03-12T14:32:05Z","completed_at":"2026-03-12T14:32:32Z","duration_seconds":27,
         "estimated_completion_at":"2026-03-12T14:32:31.123Z","batch_id":null,"batch_position":null,"retry_count":0,
         "callback_url":"https://hooks.example.com/nexus",
         "result":{"processed_count":1,"updated_count":0,"recommendations":[{"sku":"SKU-001","current_price":14.99,"recommended_price":13.49,"confidence":0.87,"applied":false}]}}}
        """;

    private const string BatchAccepted = """
        {"data":{"batch_id":"batch_01HXK9MZPQ3B8C7D2E5F6G7H8J","sequential":true,"jobs":[
          {"id":"job_01HXK9MZPQ3B8C7D2E5F6G7H8K","type":"competitor_scan","status":"queued"},
          {"id":"job_01HXK9MZPQ3B8C7D2E5F6G7H8M","type":"pricing_recalculate","status":"queued"}],
          "callback_url":"https://hooks.example.com/nexus"}}
        """;

    private const string Trigger = """
        {"job_type":"pattern_detection","dry_run":false,"callback_url":"https://hooks.example.com/nexus"}
        """;

    private const string TriggerAccepted = """
        {"job_run_id":"550e8400-e29b-41d4-a716-446655440000","job_type":"pattern_detection","workspace_id":12345,"dry_run":false,"status":"accepted","success":true,
         "callback_url":"https://hooks.example.com/nexus"}
        """;

    private const string Run = """
        {"job_run_id":"550e8400-e29b-41d4-a716-446655440000","job_type":"consolidation","workspace_id":12345,"status":"completed",
         "dry_run":false,"trigger":"api","insights_scanned":2157,"insights_affected":709,"candidates_created":306,"errors":0,
         "started_at":"2026-03-12T14:32:01.123Z","completed_at":"2026-03-12T14:32:02.136Z","duration_ms":1013,"error_details":null,"callback_url":null}
        """;

    private const string Secret = """
        {"data":{"secret":"whsec_3q2-7wFcQv1mVhW0x5n7Y2bJ8kR4sT6uZ9aC1dE3fG5","created_at":"2026-03-12T14:30:00.000Z"}}
        """;

    private const string Deliveries = """
        {"data":[{"delivery_id":"0b6f2c1e-8d4a-4f7b-9c3e-2a1d5e6f7a8b","event":"ai_job.completed","url":"https://hooks.example.com/nexus",
          "status":"delivered","attempts":[
            {"attempt":1,"attempted_at":"2026-03-12T14:32:32.020Z","response_status":500,"error":"HTTP 500: upstream unavailable","duration_ms":41},
            {"attempt":2,"attempted_at":"2026-03-12T14:32:42.110Z","response_status":200,"error":null,"duration_ms":12}],
          "next_attempt_at":null}]}
        """;

    private const string Stream = "id: 1\nevent: status\ndata: {\"id\":\"job_01HXK9MZPQ3B8C7D2E5F6G7H8J\",\"status\":\"queued\",...}\n\n" +
        "id: 2\nevent: status\ndata: {\"id\":\"job_01HXK9MZPQ3B8C7D2E5F6G7H8J\",\"status\":\"running\",...}\n\n" +
        ": heartbeat\n\n" +
        "id: 3\nevent: status\ndata: {\"id\":\"job_01HXK9MZPQ3B8C7D2E5F6G7H8J\",\"status\":\"completed\",...}\n\n" +
        "id: 4\nevent: end\ndata: {\"status\":\"completed\"}\n\n";

    private const string Ingest = """
        {"insights":[{"content":"Customers complain about late delivery of the blue kettle","type":"feedback",
                      "entities":[{"id":"SKU-0001","name":"blue kettle","type":"product"}],"confidence":0.8}]}
        """;

    private const string Ingested = """
        {"data":[{"id":"01a2040b-5622-7ffb-aadc-d9d332ce48fc","result":"created"}],"created":1,"reinforced":0}
        """;

    private const string Problem = """
        {"type":"https://tools.ietf.org/html/rfc9110#section-15.5.21","title":"Validation failed","status":422,
         "detail":"params.skus: is required","instance":"/api/ai-jobs","code":"VALIDATION_FAILED",
         "errors":{"params.skus":["is required"]},"trace_id":"0HN7..."}
        """;

    // What each status means on this API, with the codes it can carry.
    private static readonly Dictionary<string, string> Statuses = new()
    {
        ["400"] = "MALFORMED_REQUEST: the body is not valid JSON.",
        ["401"] = "UNAUTHENTICATED: no, malformed, unknown or revoked API key.",
        ["403"] = "INSUFFICIENT_SCOPE: the key lacks the scope; TENANT_MISMATCH: X-Tenant-ID names another workspace.",
        ["404"] = "JOB_NOT_FOUND: no such job, batch or run in this workspace (another workspace's ids answer the same).",
        ["409"] = "JOB_NOT_CANCELLABLE: the job is running, completed or failed; IDEMPOTENCY_IN_FLIGHT: the first request with this Idempotency-Key is still being handled.",
        ["413"] = "PAYLOAD_TOO_LARGE: the body is over 2 MiB.",
        ["415"] = "MALFORMED_REQUEST: the body must be application/json.",
        ["422"] = "VALIDATION_FAILED (errors per field; also a callback_url on a workspace without a callback secret), INVALID_JOB_TYPE, BATCH_TOO_LARGE or IDEMPOTENCY_CONFLICT.",
        ["429"] = "QUEUE_FULL: the workspace has as many jobs waiting as it may; RATE_LIMITED: the key is over its request rate. Retry after Retry-After seconds.",
        ["503"] = "SERVICE_UNAVAILABLE: the job database cannot be reached; retry shortly.",
    };

    public static async Task Apply(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var action = context.Description.ActionDescriptor.RouteValues.TryGetValue("action", out var a) ? a : null;
        switch (action)
        {
            case "Dispatch":
                await SetRequestAsync(operation, context, typeof(DispatchJobRequest), Job, ct);
                SetResponse(operation, "202", Accepted);
                break;
            case "DispatchBatch":
                await SetRequestAsync(operation, context, typeof(DispatchBatchRequest), Batch, ct);
                SetResponse(operation, "202", BatchAccepted);
                break;
            case "Get" when context.Description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true:
                SetResponse(operation, "200", Completed);
                break;
            case "Get":
                SetResponse(operation, "200", Run);
                break;
            case "Trigger":
                await SetRequestAsync(operation, context, typeof(Compounding.TriggerRequest), Trigger, ct);
                SetResponse(operation, "202", TriggerAccepted);
                break;
            case "Ingest":
                await SetRequestAsync(operation, context, typeof(Compounding.IngestRequest), Ingest, ct);
                SetResponse(operation, "200", Ingested);
                break;
            case "RotateSecret":
                await SetRequestAsync(operation, context, typeof(Callbacks.RotateSecretRequest), "{}", ct, required: false);
                SetResponse(operation, "200", Secret);
                break;
            case "JobCallbacks" or "BatchCallbacks" or "RunCallbacks":
                SetResponse(operation, "200", Deliveries);
                break;
            case "JobEvents" or "BatchEvents" or "RunEvents":
                if (operation.Responses?.TryGetValue("200", out var events) == true && events.Content is { } content)
                {
                    foreach (var media in content.Values)
                    {
                        media.Example = JsonValue.Create(Stream);
                    }
                    if (events is OpenApiResponse stream)
                    {
                        stream.Description = "Server-Sent Events: 'status' events (data = the GET payload on one line, each with an id), heartbeat comments, then 'end' once terminal.";
                    }
                }
                break;
        }
        SetResponse(operation, "422", Problem);
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (Statuses.TryGetValue(status, out var text) && response is OpenApiResponse concrete)
            {
                concrete.Description = text;
            }
        }

        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = "X-Tenant-ID",
            In = ParameterLocation.Header,
            Required = false,
            Description = "Optional. When sent, must be the workspace id of the API key (403 TENANT_MISMATCH otherwise).",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
        if (context.Description.HttpMethod == "POST")
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "Idempotency-Key",
                In = ParameterLocation.Header,
                Required = false,
                Description = "1-255 printable ASCII characters. The same key and body within 24 h returns the first (successful) response with Idempotent-Replayed: true; another body is 422 IDEMPOTENCY_CONFLICT; while the first is in flight, 409 IDEMPOTENCY_IN_FLIGHT.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
            });
        }
    }

    private static async Task SetRequestAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, Type type, string json, CancellationToken ct,
        bool required = true)
    {
        // The body and the types inside it become named components: inline, generated clients would name them Body, Body2
        // and after the properties that hold them (Jobs, Entities).
        var schema = await context.GetOrCreateSchemaAsync(type, null, ct);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = required,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = Component(type, schema, context.Document!), Example = JsonNode.Parse(json) },
            },
        };
    }

    private static OpenApiSchemaReference Component(Type type, OpenApiSchema schema, OpenApiDocument document)
    {
        foreach (var property in type.GetProperties())
        {
            var element = property.PropertyType is { IsGenericType: true } list && list.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)
                ? list.GetGenericArguments()[0]
                : null;
            if (element is { IsClass: true } && element != typeof(string)
                && schema.Properties?.TryGetValue(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name), out var value) == true
                && value is OpenApiSchema { Items: OpenApiSchema items } array)
            {
                array.Items = Component(element, items, document);
            }
        }
        if (document.Components?.Schemas?.ContainsKey(type.Name) != true)
        {
            document.AddComponent(type.Name, schema);
        }
        return new OpenApiSchemaReference(type.Name, document);
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
