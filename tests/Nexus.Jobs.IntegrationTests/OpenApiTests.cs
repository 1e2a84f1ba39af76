using System.Text.Json;

namespace Nexus.Jobs.IntegrationTests;

public sealed class OpenApiTests
{
    [Fact]
    public async Task Document_DescribesEveryEndpoint_WithBodiesResponsesAndErrorCodes()
    {
        var app = await NexusApp.SharedAsync();
        using var http = app.CreateClient();
        var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths");

        var expected = new[]
        {
            ("/api/ai-jobs", "post"), ("/api/ai-jobs", "get"), ("/api/ai-jobs/{id}", "get"),
            ("/api/ai-jobs/{id}", "delete"), ("/api/ai-jobs/batch", "post"), ("/api/ai-jobs/batch/{batchId}", "get"),
            ("/v1/compounding/trigger", "post"), ("/v1/compounding/jobs/{jobRunId}", "get"), ("/v1/compounding/jobs", "get"),
            ("/v1/insights", "post"), ("/v1/insights", "get"), ("/v1/patterns", "get"), ("/v1/playbooks", "get"),
            ("/v1/compounding/metrics", "get"), ("/v1/callbacks/secret", "post"), ("/api/ai-jobs/{id}/callbacks/deliveries", "get"),
            ("/api/ai-jobs/batch/{batchId}/callbacks", "get"), ("/v1/compounding/jobs/{jobRunId}/callbacks", "get"),
            ("/api/ai-jobs/{id}/events/stream", "get"), ("/api/ai-jobs/batch/{batchId}/events", "get"), ("/v1/compounding/jobs/{jobRunId}/events", "get"),
        };
        foreach (var (path, method) in expected)
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            operation.GetProperty("summary").GetString().ShouldNotBeNullOrWhiteSpace();
            operation.GetProperty("description").GetString().ShouldNotBeNullOrWhiteSpace();
            var responses = operation.GetProperty("responses");
            foreach (var status in new[] { "401", "403", "503" })
            {
                responses.GetProperty(status).GetProperty("description").GetString()!.ShouldMatch("[A-Z_]{5,}", $"{method} {path} {status}");
            }
            if (method == "post")
            {
                var request = operation.GetProperty("requestBody");
                var body = request.GetProperty("content").GetProperty("application/json");
                // A POST that takes no body ({} at most) has nothing to show.
                var optional = !request.TryGetProperty("required", out var required) || !required.GetBoolean();
                (optional || body.TryGetProperty("example", out _)).ShouldBeTrue($"{path} has a request example");
                var success = responses.TryGetProperty("202", out var accepted) ? accepted : responses.GetProperty("200");
                success.GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _).ShouldBeTrue($"{path} has a response example");
                responses.GetProperty("422").GetProperty("description").GetString()!.ShouldContain("VALIDATION_FAILED");
            }
        }
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var job = schemas.GetProperty("JobDto").GetProperty("properties");
        job.TryGetProperty("estimated_completion_at", out _).ShouldBeTrue("schemas name properties as the wire does");
        foreach (var schema in new[] { "JobDto", "AcceptedJobDto", "BatchDto", "AcceptedBatchDto", "RunDto", "TriggerAccepted" })
        {
            schemas.GetProperty(schema).GetProperty("properties").TryGetProperty("callback_url", out _).ShouldBeTrue($"{schema} echoes callback_url");
        }
        JsonElement RequestProperties(string path)
        {
            var schema = paths.GetProperty(path).GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
            return schemas.GetProperty(schema.GetProperty("$ref").GetString()!.Split('/')[^1]).GetProperty("properties");
        }
        foreach (var path in new[] { "/api/ai-jobs", "/api/ai-jobs/batch", "/v1/compounding/trigger" })
        {
            RequestProperties(path).TryGetProperty("callback_url", out _).ShouldBeTrue($"{path} documents callback_url");
        }
        var delivery = schemas.GetProperty("CallbackDeliveryDto").GetProperty("properties");
        foreach (var property in new[] { "delivery_id", "event", "url", "status", "attempts", "next_attempt_at" })
        {
            delivery.TryGetProperty(property, out _).ShouldBeTrue(property);
        }
        foreach (var path in new[] { "/api/ai-jobs/{id}/events/stream", "/api/ai-jobs/batch/{batchId}/events", "/v1/compounding/jobs/{jobRunId}/events" })
        {
            paths.GetProperty(path).GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content")
                .GetProperty("text/event-stream").GetProperty("example").GetString()!.ShouldContain("event: status");
        }
        document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("scheme").GetString().ShouldBe("bearer");
    }

    [Fact]
    public async Task Document_OffersJsonAndProblemJsonOnly_AndEventStreamsWhereThereAreStreams()
    {
        var app = await NexusApp.SharedAsync();
        using var http = app.CreateClient();
        var paths = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");

        var offered = new List<string>();
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var bodies = operation.Value.GetProperty("responses").EnumerateObject().Select(r => r.Value)
                    .Concat(operation.Value.TryGetProperty("requestBody", out var request) ? [request] : []);
                foreach (var body in bodies)
                {
                    foreach (var media in body.TryGetProperty("content", out var content) ? content.EnumerateObject() : default)
                    {
                        offered.Add($"{path.Name.EndsWith("/events", StringComparison.Ordinal) || path.Name.EndsWith("/events/stream", StringComparison.Ordinal)} {media.Name}");
                    }
                }
            }
        }

        offered.Distinct().Order().ShouldBe(["False application/json", "False application/problem+json", "True application/problem+json", "True text/event-stream"]);
    }

    [Fact]
    public async Task JobDeliveriesAndStream_AnswerAtTheDocumentedPaths_AndAtTheFirstOnes()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var id = await api.DispatchAsync(ApiClient.Pricing("ok-paths"));
        await api.ShouldReachStatus(id, "completed");

        foreach (var path in new[] { $"/api/ai-jobs/{id}/callbacks/deliveries", $"/api/ai-jobs/{id}/callbacks" })
        {
            var deliveries = await api.GetAsync(path);
            deliveries.Status.ShouldBe(HttpStatusCode.OK, path);
            deliveries.Json.GetProperty("data").GetArrayLength().ShouldBe(0, path);
            (await api.GetAsync(path.Replace(id, "job_01ARZ3NDEKTSV4RRFFQ69G5FAV", StringComparison.Ordinal))).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        }
        foreach (var path in new[] { $"/api/ai-jobs/{id}/events/stream", $"/api/ai-jobs/{id}/events" })
        {
            await using var stream = await EventStream.OpenAsync(api, path);
            var events = await stream.ReadToEndAsync(TimeSpan.FromSeconds(10));
            events.Where(e => e.Event is not null).Select(e => e.Event).ShouldBe(["status", "end"], path);
            events[0].Status.ShouldBe("completed", path);
        }
    }

    [Fact]
    public async Task Root_RedirectsToScalar_WhichServesTheReference()
    {
        var app = await NexusApp.SharedAsync();
        using var http = app.CreateClient(new() { AllowAutoRedirect = false });
        var root = await http.GetAsync("/");
        root.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        root.Headers.Location!.ToString().ShouldBe("/scalar");

        using var follow = app.CreateClient();
        var scalar = await follow.GetAsync("/scalar");
        scalar.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await scalar.Content.ReadAsStringAsync()).ShouldContain("Nexus Jobs API");
    }
}
