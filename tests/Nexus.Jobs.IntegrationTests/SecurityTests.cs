using System.Net.Http.Headers;

namespace Nexus.Jobs.IntegrationTests;

public sealed class SecurityTests
{
    [Fact]
    public async Task RateLimit_Answers429WithRetryAfter_PerKey()
    {
        await using var app = await NexusApp.IsolatedAsync(new()
        {
            ["Nexus:Roles"] = "api", ["Nexus:RateLimit:RequestsPerSecond"] = "1", ["Nexus:RateLimit:Burst"] = "3",
        });
        var busy = await app.ClientAsync();
        var calm = await app.ClientAsync();

        var answers = new List<Response>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await busy.GetAsync("/api/ai-jobs"));
        }

        answers.Take(3).ShouldAllBe(a => a.Status == HttpStatusCode.OK);
        var limited = answers.Last();
        limited.ShouldBeProblem(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        int.Parse(limited.Headers["Retry-After"]).ShouldBeGreaterThanOrEqualTo(1);
        // Another key has its own bucket.
        (await calm.GetAsync("/api/ai-jobs")).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task NoKeyOrSecretAppearsInTheLogs()
    {
        await using var outside = await FakeOutsideServices.StartAsync();
        await using var app = await NexusApp.IsolatedAsync(new()
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["AiJobs:Handlers:Assistants:0:Name"] = "a",
            ["AiJobs:Handlers:Assistants:0:BaseUrl"] = $"{outside.BaseUrl}/ai",
            ["AiJobs:Handlers:Assistants:0:Model"] = "m",
            ["AiJobs:Handlers:Assistants:0:ApiKey"] = "sk-never-log-this-1234567890",
        }, scriptedHandlers: false);
        var api = await app.ClientAsync();
        var revoked = await app.ClientAsync();
        await app.Service<Nexus.Jobs.Auth.ApiKeys>().RevokeAsync(revoked.KeyId);

        await api.PostAsync("/v1/catalog/products", """{"products":[{"sku":"K1","marketplace":"amazon_us","title":"Nexus kettle","brand":"Nexus","price":10,"currency":"USD"}]}""");
        var id = await api.DispatchAsync("""{"type":"llm_visibility_score","params":{"skus":["K1"]}}""");
        await api.ShouldReachStatus(id, "completed");
        await revoked.GetAsync("/api/ai-jobs");
        using var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.Key[..^2] + "xx");
        await http.GetAsync("/api/ai-jobs");
        (await api.PostAsync("/api/ai-jobs", "{broken")).Status.ShouldBe(HttpStatusCode.BadRequest);

        var logs = string.Join("\n", app.Logs);
        logs.Length.ShouldBeGreaterThan(1000, "the host logged at Trace level");
        foreach (var secret in new[] { api.Key, api.Key[^43..], revoked.Key[^43..], api.Key[..^2] + "xx", "sk-never-log-this-1234567890" })
        {
            logs.ShouldNotContain(secret);
        }
        var connectionPassword = new Npgsql.NpgsqlConnectionStringBuilder(app.ConnectionString).Password!;
        logs.ShouldNotContain(connectionPassword);
    }

    public static TheoryData<string, string, string?, string> V1Endpoints => new()
    {
        { "POST", "/v1/compounding/trigger", """{"job_type":"metrics"}""", "record.read" },
        { "GET", "/v1/compounding/jobs", null, "record.write" },
        { "GET", "/v1/compounding/jobs/01a2040b-5782-793d-8539-fe47b30055d7", null, "record.write" },
        { "GET", "/v1/patterns", null, "insight.read" },
        { "GET", "/v1/playbooks", null, "insight.read" },
        { "GET", "/v1/compounding/metrics", null, "insight.read" },
        { "POST", "/v1/insights", """{"insights":[{"content":"x","type":"t"}]}""", "insight.read" },
        { "GET", "/v1/insights", null, "insight.write" },
        { "POST", "/v1/catalog/products", """{"products":[]}""", "catalog.read" },
        { "GET", "/v1/catalog/products", null, "catalog.write" },
        { "POST", "/v1/callbacks/secret", null, "record.read" },
        { "GET", "/v1/compounding/jobs/01a2040b-5782-793d-8539-fe47b30055d7/callbacks", null, "record.write" },
        { "GET", "/v1/compounding/jobs/01a2040b-5782-793d-8539-fe47b30055d7/events", null, "record.write" },
    };

    [Theory]
    [MemberData(nameof(V1Endpoints))]
    public async Task V1Endpoints_RefuseMissingKeys_OtherScopes_AndOtherTenants(string method, string path, string? body, string wrongScope)
    {
        var app = await NexusApp.SharedAsync();
        var owner = await app.ClientAsync();
        HttpRequestMessage Request()
        {
            var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (body is not null)
            {
                request.Content = new StringContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }
            return request;
        }

        var revoked = await app.ClientAsync(owner.Workspace);
        await app.Service<Nexus.Jobs.Auth.ApiKeys>().RevokeAsync(revoked.KeyId);
        foreach (var header in new string?[] { null, "Basic YTpi", "Bearer nonsense", $"Bearer nxj_01ARZ3NDEKTSV4RRFFQ69G5FAV_{new string('A', 43)}", $"Bearer {revoked.Key}" })
        {
            using var http = app.CreateClient();
            using var request = Request();
            if (header is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", header);
            }
            var response = await http.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, header ?? "no key");
            (await response.Content.ReadAsStringAsync()).ShouldContain("\"code\":\"UNAUTHENTICATED\"");
        }
        var weak = await app.ClientAsync(owner.Workspace, wrongScope);
        (await weak.SendAsync(Request())).ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
        var mismatched = Request();
        mismatched.Headers.Add("X-Tenant-ID", (owner.Workspace + 7).ToString());
        (await owner.SendAsync(mismatched)).ShouldBeProblem(HttpStatusCode.Forbidden, "TENANT_MISMATCH");
    }
}
