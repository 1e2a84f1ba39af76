using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Nexus.Jobs.Client.Tests;

public sealed class WireFormatTests
{
    private const string Accepted = """
        {"data":{"id":"job_01J0000000000000000000000A","type":"pricing_recalculate","status":"queued","priority":"high",
         "params":{"skus":["A"]},"created_at":"2026-03-12T14:00:00Z","estimated_completion_at":"2026-03-12T14:00:35Z"}}
        """;

    private static string JobObject(string status, string extra = "", string id = "job_01J0000000000000000000000A") => $$$"""
        {"id":"{{{id}}}","type":"review_sentiment","status":"{{{status}}}","priority":"normal","params":{},
         "created_at":"2026-03-12T14:00:00Z","started_at":null,"completed_at":null,"duration_seconds":null,
         "estimated_completion_at":"2026-03-12T14:00:35Z","batch_id":null,"batch_position":null,"retry_count":0{{{extra}}}}
        """;

    private static string JobJson(string status, string extra = "") => $$"""{"data":{{JobObject(status, extra)}}}""";

    [Fact]
    public async Task Dispatch_PostsSnakeCaseJson_WithKeyTenantAndIdempotencyKey_UnderTheBasePath()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.Accepted, Accepted));
        using var client = stub.Client(new NexusJobsClientOptions { BaseAddress = new Uri("http://nexus.test/base"), ApiKey = "nxj_k", TenantId = 42 });

        var job = await client.AiJobs.DispatchAsync(
            new DispatchJobRequest(JobTypes.PricingRecalculate, new JsonObject { ["skus"] = new JsonArray("A") }, JobPriority.High), "key-1");

        var (request, body) = stub.Sent.Single();
        request.Method.ShouldBe(HttpMethod.Post);
        request.RequestUri!.ToString().ShouldBe("http://nexus.test/base/api/ai-jobs");
        request.Headers.Authorization!.ToString().ShouldBe("Bearer nxj_k");
        request.Headers.GetValues("X-Tenant-ID").ShouldBe(["42"]);
        request.Headers.GetValues("Idempotency-Key").ShouldBe(["key-1"]);
        request.Content!.Headers.ContentType!.MediaType.ShouldBe("application/json");
        body.ShouldBe("""{"type":"pricing_recalculate","params":{"skus":["A"]},"priority":"high"}""");
        job.Id.ShouldBe("job_01J0000000000000000000000A");
        job.Status.ShouldBe(JobStatus.Queued);
        job.Priority.ShouldBe(JobPriority.High);
        job.EstimatedCompletionAt.ShouldBe(new DateTimeOffset(2026, 3, 12, 14, 0, 35, TimeSpan.Zero));
    }

    [Fact]
    public async Task Requests_LeaveOutWhatIsNull_AndSendNoOptionalHeaders()
    {
        var stub = new StubHandler((r, _) => r.RequestUri!.AbsolutePath.EndsWith("batch", StringComparison.Ordinal)
            ? StubHandler.Json(HttpStatusCode.Accepted, """{"data":{"batch_id":"batch_1","sequential":false,"jobs":[]}}""")
            : StubHandler.Json(HttpStatusCode.OK, """{"upserted":1}"""));
        using var client = stub.Client(new NexusJobsClientOptions { BaseAddress = new Uri("http://nexus.test/") });

        await client.AiJobs.DispatchBatchAsync(new DispatchBatchRequest([new DispatchJobRequest(JobTypes.ReviewSentiment)]));
        await client.Catalog.UpsertProductsAsync([new Product("A", "amazon_us", "Kettle", 19.5m, "USD")]);
        await client.Catalog.UpsertDailySalesAsync([new DailySale("A", new DateOnly(2026, 3, 1), 3, 19.5m)]);

        stub.Sent[0].Body.ShouldBe("""{"jobs":[{"type":"review_sentiment"}],"sequential":false}""");
        stub.Sent[1].Body.ShouldBe("""{"products":[{"sku":"A","marketplace":"amazon_us","title":"Kettle","price":19.5,"currency":"USD"}]}""");
        stub.Sent[2].Body.ShouldBe("""{"daily_sales":[{"sku":"A","date":"2026-03-01","units":3,"price":19.5}]}""");
        stub.Sent.ShouldAllBe(s => s.Request.Headers.Authorization == null && !s.Request.Headers.Contains("X-Tenant-ID") && !s.Request.Headers.Contains("Idempotency-Key"));
    }

    [Fact]
    public async Task AStatusThisClientDoesNotKnow_StillReads_AndIsNotTerminal()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, JobJson("paused")));
        using var client = stub.Client();

        var job = await client.AiJobs.GetAsync("job_01J0000000000000000000000A");

        job.Status.Value.ShouldBe("paused");
        job.Status.IsTerminal.ShouldBeFalse();
        job.Result.ShouldBeNull();
        job.Error.ShouldBeNull();
    }

    [Fact]
    public async Task AnErrorAnswer_IsANexusApiException_WithRetryAfter()
    {
        var stub = new StubHandler((_, _) =>
        {
            var response = StubHandler.Json(HttpStatusCode.TooManyRequests, """{"status":429,"title":"Queue full","detail":"wait","code":"QUEUE_FULL"}""", "application/problem+json");
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
            return response;
        });
        using var client = stub.Client();

        var e = await Should.ThrowAsync<NexusApiException>(() => client.AiJobs.DispatchAsync(new DispatchJobRequest(JobTypes.ReviewSentiment)));

        e.Code.ShouldBe(NexusErrorCodes.QueueFull);
        e.RetryAfter.ShouldBe(TimeSpan.FromSeconds(7));
        stub.Sent.Count.ShouldBe(1); // never retried by the client
    }

    [Fact]
    public async Task Enumerate_FollowsNextCursor_KeepingTheFilters()
    {
        var stub = new StubHandler((_, i) => StubHandler.Json(HttpStatusCode.OK, i switch
        {
            0 => $$"""{"data":[{{Row("1")}},{{Row("2")}}],"next_cursor":"c1"}""",
            1 => $$"""{"data":[{{Row("3")}}],"next_cursor":"c2"}""",
            _ => """{"data":[],"next_cursor":null}""",
        }));
        using var client = stub.Client();

        var ids = new List<string>();
        await foreach (var job in client.AiJobs.EnumerateAsync(new JobListQuery { Type = JobTypes.ReviewSentiment, Limit = 2 }))
        {
            ids.Add(job.Id);
        }

        ids.ShouldBe(["1", "2", "3"]);
        stub.Sent.Select(s => s.Request.RequestUri!.Query).ShouldBe(
            ["?type=review_sentiment&limit=2", "?type=review_sentiment&limit=2&cursor=c1", "?type=review_sentiment&limit=2&cursor=c2"]);

        static string Row(string id) => JobObject("queued", id: id);
    }

    [Fact]
    public async Task PollingWait_ReadsUntilTerminal_AndReturnsThatRead()
    {
        var stub = new StubHandler((_, i) => StubHandler.Json(HttpStatusCode.OK, i switch
        {
            0 => JobJson("queued"),
            1 => JobJson("running"),
            _ => JobJson("completed", ""","result":{"ok":true}"""),
        }));
        using var client = stub.Client(Fast());

        var job = await client.AiJobs.WaitForCompletionAsync("job_01J0000000000000000000000A", TimeSpan.FromSeconds(10));

        job.Status.ShouldBe(JobStatus.Completed);
        job.Result!.Value.GetProperty("ok").GetBoolean().ShouldBeTrue();
        stub.Sent.Count.ShouldBe(3);
        stub.Sent.ShouldAllBe(s => s.Request.RequestUri!.AbsolutePath == "/api/ai-jobs/job_01J0000000000000000000000A");
    }

    [Fact]
    public async Task PollingWait_ThrowsATimeoutException_NamingTheLastStatus()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, JobJson("running")));
        using var client = stub.Client(Fast());

        var e = await Should.ThrowAsync<NexusWaitTimeoutException>(() => client.AiJobs.WaitForCompletionAsync("job_01J0000000000000000000000A", TimeSpan.FromMilliseconds(150)));

        e.ShouldBeAssignableTo<TimeoutException>();
        e.LastStatus.ShouldBe("running");
        e.What.ShouldBe("job job_01J0000000000000000000000A");
        stub.Sent.Count.ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task PollingWait_ThrowsOperationCanceled_WhenTheCallerCancels_EvenWithATimeout()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, JobJson("queued")));
        using var client = stub.Client(Fast());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var e = await Should.ThrowAsync<OperationCanceledException>(() => client.AiJobs.WaitForCompletionAsync("job_01J0000000000000000000000A", TimeSpan.FromMinutes(1), cts.Token));

        e.ShouldNotBeAssignableTo<TimeoutException>();
    }

    [Fact]
    public async Task PollingWait_LetsAReadErrorThrough_WithoutRetrying()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.NotFound, """{"code":"JOB_NOT_FOUND","title":"Not found"}""", "application/problem+json"));
        using var client = stub.Client(Fast());

        (await Should.ThrowAsync<NexusApiException>(() => client.Compounding.WaitForCompletionAsync(Guid.NewGuid(), TimeSpan.FromSeconds(5))))
            .Code.ShouldBe(NexusErrorCodes.JobNotFound);
        stub.Sent.Count.ShouldBe(1);
    }

    [Fact]
    public async Task AddNexusJobsClient_GivesAConfiguredClient()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, """{"data":[],"next_cursor":null}"""));
        var services = new ServiceCollection();
        services.AddNexusJobsClient(o =>
        {
            o.BaseAddress = new Uri("http://nexus.test/");
            o.ApiKey = "nxj_di";
        }).ConfigurePrimaryHttpMessageHandler(() => stub);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<NexusJobsClient>();
        await client.AiJobs.ListAsync();

        stub.Sent.Single().Request.RequestUri!.ToString().ShouldBe("http://nexus.test/api/ai-jobs");
        stub.Sent.Single().Request.Headers.Authorization!.Parameter.ShouldBe("nxj_di");
    }

    [Fact]
    public void Create_OwnsItsHttpClient_AndNeedsAKey()
    {
        using var client = NexusJobsClient.Create(new Uri("http://127.0.0.1:5080"), "nxj_x");
        client.BaseAddress.ToString().ShouldBe("http://127.0.0.1:5080/");
        Should.Throw<ArgumentException>(() => NexusJobsClient.Create(new Uri("http://127.0.0.1:5080"), ""));
        Should.Throw<ArgumentException>(() => new NexusJobsClient(new HttpClient()));
        NexusJobsClient.NewIdempotencyKey().ShouldMatch("^[0-9a-f]{32}$");
    }

    /// <summary>Polling only, fast: these tests pin the polling path (EventStreamTests covers the stream and the fall-back).</summary>
    private static NexusJobsClientOptions Fast() => new()
    {
        BaseAddress = new Uri("http://nexus.test/"), PollInitialDelay = TimeSpan.FromMilliseconds(5), PollMaxDelay = TimeSpan.FromMilliseconds(20),
        UseEventStreams = false,
    };
}
