using System.Net.Http.Headers;

namespace Nexus.Jobs.IntegrationTests;

public sealed class AuthTests
{
    public static TheoryData<string, string, string?> Endpoints => new()
    {
        { "POST", "/api/ai-jobs", ApiClient.Pricing("ok") },
        { "GET", "/api/ai-jobs/{job}", null },
        { "GET", "/api/ai-jobs", null },
        { "DELETE", "/api/ai-jobs/{job}", null },
        { "POST", "/api/ai-jobs/batch", $$"""{"jobs":[{{ApiClient.Pricing("ok")}}]}""" },
        { "GET", "/api/ai-jobs/batch/{batch}", null },
        { "GET", "/api/ai-jobs/{job}/callbacks", null },
        { "GET", "/api/ai-jobs/batch/{batch}/callbacks", null },
        { "GET", "/api/ai-jobs/{job}/events", null },
        { "GET", "/api/ai-jobs/batch/{batch}/events", null },
    };

    private static readonly string[] Writes = ["POST", "DELETE"];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EveryEndpoint_Returns401Unauthenticated_WithoutAValidKey(string method, string path, string? body)
    {
        var app = await NexusApp.SharedAsync();
        var owner = await app.ClientAsync();
        var (job, batch) = await SeedAsync(owner);
        var revoked = await app.ClientAsync();
        (await app.Service<Nexus.Jobs.Auth.ApiKeys>().RevokeAsync(revoked.KeyId)).ShouldBeTrue();
        var unknown = "nxj_01ARZ3NDEKTSV4RRFFQ69G5FAV_" + new string('A', 43);

        var headers = new (string Case, string? Value)[]
        {
            ("missing", null),
            ("not bearer", $"Basic {Convert.ToBase64String("a:b"u8.ToArray())}"),
            ("empty bearer", "Bearer "),
            ("garbage", "Bearer not-a-key"),
            ("unknown", $"Bearer {unknown}"),
            ("revoked", $"Bearer {revoked.Key}"),
            ("truncated", $"Bearer {owner.Key[..^1]}"),
        };
        foreach (var (name, header) in headers)
        {
            using var http = app.CreateClient();
            using var request = Request(method, Fill(path, job, batch), body);
            if (header is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", header);
            }
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"{name}: {text}");
            text.ShouldContain("\"code\":\"UNAUTHENTICATED\"", customMessage: name);
            text.ShouldNotContain(owner.Key[8..], customMessage: "a key never appears in an error");
            if (name is "unknown" or "revoked")
            {
                text.ShouldContain("unknown or has been revoked", customMessage: name);
            }
            if (name == "missing")
            {
                response.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EveryEndpoint_Returns403InsufficientScope_WithoutItsScope(string method, string path, string? body)
    {
        var app = await NexusApp.SharedAsync();
        var owner = await app.ClientAsync();
        var (job, batch) = await SeedAsync(owner);
        // Write endpoints refuse a read-only key; read endpoints refuse a key with no read scope at all.
        var weak = Writes.Contains(method)
            ? await app.ClientAsync(owner.Workspace, "ai-jobs:read", "record.write")
            : await app.ClientAsync(owner.Workspace, "ai-jobs:write", "record.write", "insight.write");

        using var request = Request(method, Fill(path, job, batch), body);
        var response = await weak.SendAsync(request);

        response.ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EveryEndpoint_Returns403TenantMismatch_WhenXTenantIdNamesAnotherWorkspace(string method, string path, string? body)
    {
        var owner = await (await NexusApp.SharedAsync()).ClientAsync();
        var (job, batch) = await SeedAsync(owner);

        foreach (var tenant in new[] { (owner.Workspace + 1).ToString(), "abc", "-1" })
        {
            using var request = Request(method, Fill(path, job, batch), body);
            request.Headers.TryAddWithoutValidation("X-Tenant-ID", tenant);
            (await owner.SendAsync(request)).ShouldBeProblem(HttpStatusCode.Forbidden, "TENANT_MISMATCH");
        }
        using var matching = Request(method, Fill(path, job, batch), body);
        matching.Headers.Add("X-Tenant-ID", owner.Workspace.ToString());
        var allowed = await owner.SendAsync(matching);
        allowed.Status.ShouldNotBe(HttpStatusCode.Forbidden, allowed.Body);
        allowed.Status.ShouldNotBe(HttpStatusCode.Unauthorized, allowed.Body);
    }

    [Fact]
    public async Task AnotherWorkspacesIds_Answer404_ExactlyAsIdsThatDoNotExist()
    {
        var app = await NexusApp.SharedAsync();
        var owner = await app.ClientAsync();
        var stranger = await app.ClientAsync();
        var (job, batch) = await SeedAsync(owner);

        var get = await stranger.GetAsync($"/api/ai-jobs/{job}");
        var missing = await stranger.GetAsync("/api/ai-jobs/job_01ARZ3NDEKTSV4RRFFQ69G5FAV");
        get.ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        missing.ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        (await stranger.DeleteAsync($"/api/ai-jobs/{job}")).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        (await stranger.GetAsync($"/api/ai-jobs/batch/{batch}")).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        (await stranger.GetAsync("/api/ai-jobs")).Json.GetProperty("data").GetArrayLength().ShouldBe(0);
        // The owner's job was not touched by the stranger's cancel.
        (await owner.JobAsync(job)).GetProperty("status").GetString().ShouldNotBe("cancelled");
    }

    [Fact]
    public async Task AnyReadScope_GrantsAiJobReads_ButNotWrites()
    {
        var app = await NexusApp.SharedAsync();
        var owner = await app.ClientAsync();
        var (job, _) = await SeedAsync(owner);
        var reader = await app.ClientAsync(owner.Workspace, "record.read");

        (await reader.GetAsync($"/api/ai-jobs/{job}")).Status.ShouldBe(HttpStatusCode.OK);
        (await reader.GetAsync("/api/ai-jobs")).Status.ShouldBe(HttpStatusCode.OK);
        (await reader.PostAsync("/api/ai-jobs", ApiClient.Pricing("ok"))).ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
    }

    private static async Task<(string Job, string Batch)> SeedAsync(ApiClient owner)
    {
        var job = await owner.DispatchAsync(ApiClient.Pricing("ok-auth"));
        var batch = await owner.PostAsync("/api/ai-jobs/batch", $$"""{"jobs":[{{ApiClient.Pricing("ok")}}]}""");
        return (job, batch.Json.GetProperty("data").GetProperty("batch_id").GetString()!);
    }

    private static string Fill(string path, string job, string batch) => path.Replace("{job}", job).Replace("{batch}", batch);

    private static HttpRequestMessage Request(string method, string path, string? body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        return request;
    }
}
