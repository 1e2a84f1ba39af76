using System.Net;
using System.Text;
using System.Text.Json;

namespace Nexus.Jobs.Client.Tests;

/// <summary>The callback parts of the client: the signature check, the body, the secret, deliveries, and callback_url on the wire.</summary>
public sealed class CallbackTests
{
    private static readonly byte[] Fox = "The quick brown fox jumps over the lazy dog"u8.ToArray();

    // The well-known HMAC-SHA256 vector (key "key"), as the server's own signing test pins it.
    private const string FoxSignature = "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";

    [Fact]
    public void Compute_IsWhatThePlatformSends()
    {
        CallbackSignature.Compute("key", Fox).ShouldBe(FoxSignature);
    }

    [Fact]
    public void IsValid_AcceptsTheSignature_AndNothingElse()
    {
        CallbackSignature.IsValid("key", Fox, FoxSignature).ShouldBeTrue();
        CallbackSignature.IsValid("key", Fox, FoxSignature.ToUpperInvariant().Replace("SHA256=", "sha256=", StringComparison.Ordinal)).ShouldBeTrue("hex in either case");
        CallbackSignature.IsValid("key", Fox, $"  {FoxSignature} ").ShouldBeTrue("surrounding blanks are not part of a header value");

        CallbackSignature.IsValid("kez", Fox, FoxSignature).ShouldBeFalse("another secret");
        var tampered = Fox.ToArray();
        tampered[^1] ^= 1;
        CallbackSignature.IsValid("key", tampered, FoxSignature).ShouldBeFalse("one bit of the body changed");
        CallbackSignature.IsValid("key", Fox, null).ShouldBeFalse();
        CallbackSignature.IsValid("key", Fox, "").ShouldBeFalse();
        CallbackSignature.IsValid("key", Fox, FoxSignature[7..]).ShouldBeFalse("no sha256= prefix");
        CallbackSignature.IsValid("key", Fox, "SHA256=" + FoxSignature[7..]).ShouldBeFalse("the prefix is lower case");
        CallbackSignature.IsValid("key", Fox, "sha1=" + FoxSignature[7..]).ShouldBeFalse();
        CallbackSignature.IsValid("key", Fox, FoxSignature[..^2]).ShouldBeFalse("truncated");
        CallbackSignature.IsValid("key", Fox, FoxSignature + "00").ShouldBeFalse("too long");
        CallbackSignature.IsValid("key", Fox, FoxSignature[..^2] + "zz").ShouldBeFalse("not hex");
        CallbackSignature.IsValid("key", Fox, FoxSignature + "," + FoxSignature).ShouldBeFalse();
    }

    [Fact]
    public void IsValid_KeysWithTheSecretsUtf8Bytes()
    {
        var body = """{"delivery_id":"x"}"""u8.ToArray();
        var secret = "whsec_ünï";
        CallbackSignature.IsValid(secret, body, "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)))
            .ShouldBeTrue();
    }

    [Fact]
    public void ASecretIsRequired()
    {
        Should.Throw<ArgumentException>(() => CallbackSignature.IsValid("", Fox, FoxSignature));
        Should.Throw<ArgumentNullException>(() => CallbackSignature.IsValid(null!, Fox, FoxSignature));
        Should.Throw<ArgumentException>(() => CallbackSignature.Compute("", Fox));
    }

    [Fact]
    public void Notification_ParsesTheBody_AndItsDataAsTheSubject()
    {
        var body = """
            {"delivery_id":"0b6f2c1e-8d4a-4f7b-9c3e-2a1d5e6f7a8b","event":"ai_job.completed","occurred_at":"2026-03-12T14:32:32.117Z",
             "data":{"id":"job_1","type":"review_sentiment","status":"completed","priority":"normal","params":{},"created_at":"2026-03-12T14:32:00Z",
             "started_at":"2026-03-12T14:32:01Z","completed_at":"2026-03-12T14:32:32.117Z","duration_seconds":31.117,"estimated_completion_at":"2026-03-12T14:32:35Z",
             "batch_id":null,"batch_position":null,"retry_count":0,"callback_url":"http://hooks.test/x","result":{"ok":true}}}
            """u8;

        var callback = CallbackNotification.Parse(body);

        callback.DeliveryId.ShouldBe(Guid.Parse("0b6f2c1e-8d4a-4f7b-9c3e-2a1d5e6f7a8b"));
        callback.Event.ShouldBe(CallbackEvents.JobCompleted);
        callback.OccurredAt.ShouldBe(new DateTimeOffset(2026, 3, 12, 14, 32, 32, 117, TimeSpan.Zero));
        var job = callback.AsJob();
        job.Status.ShouldBe(JobStatus.Completed);
        job.CallbackUrl.ShouldBe("http://hooks.test/x");
        job.CompletedAt.ShouldBe(callback.OccurredAt);
        Should.Throw<JsonException>(() => CallbackNotification.Parse("""{"delivery_id":"x","event":"e","occurred_at":"2026-03-12T14:32:32Z","data":null}"""u8));
        Should.Throw<JsonException>(() => CallbackNotification.Parse("""{"delivery_id":"0b6f2c1e-8d4a-4f7b-9c3e-2a1d5e6f7a8b","event":"e","occurred_at":"2026-03-12T14:32:32Z","data":null}"""u8).AsRun());
        Should.Throw<JsonException>(() => CallbackNotification.Parse("null"u8));
    }

    [Fact]
    public async Task RotateSecret_PostsAnEmptyObject_WithTheIdempotencyKey()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, """{"data":{"secret":"whsec_abc","created_at":"2026-03-12T14:00:00.123456Z"}}"""));
        using var client = stub.Client();

        var secret = await client.Callbacks.RotateSecretAsync("key-9");

        secret.Secret.ShouldBe("whsec_abc");
        secret.CreatedAt.ShouldBe(new DateTimeOffset(2026, 3, 12, 14, 0, 0, TimeSpan.Zero).AddTicks(1234560));
        var (request, body) = stub.Sent.Single();
        request.Method.ShouldBe(HttpMethod.Post);
        request.RequestUri!.ToString().ShouldBe("http://nexus.test/base/v1/callbacks/secret");
        request.Headers.GetValues("Idempotency-Key").ShouldBe(["key-9"]);
        body.ShouldBe("{}");
    }

    [Fact]
    public async Task Deliveries_AreListedPerJobBatchAndRun_WithTheirAttempts()
    {
        const string Deliveries = """
            {"data":[{"delivery_id":"0b6f2c1e-8d4a-4f7b-9c3e-2a1d5e6f7a8b","event":"ai_job.completed","url":"http://hooks.test/x","status":"pending",
              "attempts":[{"attempt":1,"attempted_at":"2026-03-12T14:00:00Z","response_status":500,"error":"HTTP 500: broke","duration_ms":12},
                          {"attempt":2,"attempted_at":"2026-03-12T14:00:10Z","response_status":null,"error":"No answer within 10 s","duration_ms":10000}],
              "next_attempt_at":"2026-03-12T14:00:40Z"}]}
            """;
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, Deliveries));
        using var client = stub.Client();
        var run = Guid.NewGuid();

        var delivery = (await client.AiJobs.ListCallbacksAsync("job_1")).Single();
        (await client.AiJobs.ListBatchCallbacksAsync("batch_1")).Single().ShouldBeEquivalentTo(delivery);
        (await client.Compounding.ListRunCallbacksAsync(run)).Single().DeliveryId.ShouldBe(delivery.DeliveryId);

        stub.Sent.Select(s => s.Request.RequestUri!.AbsolutePath).ShouldBe(
            ["/base/api/ai-jobs/job_1/callbacks", "/base/api/ai-jobs/batch/batch_1/callbacks", $"/base/v1/compounding/jobs/{run:D}/callbacks"]);
        delivery.Status.ShouldBe(DeliveryStatus.Pending);
        delivery.Status.IsTerminal.ShouldBeFalse();
        delivery.Event.ShouldBe(CallbackEvents.JobCompleted);
        delivery.NextAttemptAt.ShouldBe(new DateTimeOffset(2026, 3, 12, 14, 0, 40, TimeSpan.Zero));
        delivery.Attempts.Select(a => (a.Attempt, a.ResponseStatus)).ShouldBe([(1, (int?)500), (2, null)]);
        delivery.Attempts[1].Error.ShouldBe("No answer within 10 s");
        DeliveryStatus.Delivered.IsTerminal.ShouldBeTrue();
        DeliveryStatus.Failed.IsTerminal.ShouldBeTrue();
        new DeliveryStatus("parked").IsTerminal.ShouldBeFalse();
    }

    [Fact]
    public async Task CallbackUrl_IsSentWhenSet_OnDispatchBatchAndTrigger_AndReadBack()
    {
        var stub = new StubHandler((r, _) => r.RequestUri!.AbsolutePath switch
        {
            "/api/ai-jobs" => StubHandler.Json(HttpStatusCode.Accepted, """{"data":{"id":"job_1","type":"review_sentiment","status":"queued","priority":"normal","params":{},"created_at":"2026-03-12T14:00:00Z","estimated_completion_at":"2026-03-12T14:00:35Z","callback_url":"http://hooks.test/j"}}"""),
            "/api/ai-jobs/batch" => StubHandler.Json(HttpStatusCode.Accepted, """{"data":{"batch_id":"batch_1","sequential":false,"jobs":[],"callback_url":"http://hooks.test/b"}}"""),
            _ => StubHandler.Json(HttpStatusCode.Accepted, """{"job_run_id":"5c8e6d0f-2b1a-4c3d-9e8f-7a6b5c4d3e2f","job_type":"metrics","workspace_id":1,"dry_run":false,"status":"accepted","success":true,"callback_url":"http://hooks.test/r"}"""),
        });
        using var client = stub.Client(new NexusJobsClientOptions { BaseAddress = new Uri("http://nexus.test/") });

        var job = await client.AiJobs.DispatchAsync(new DispatchJobRequest(JobTypes.ReviewSentiment, CallbackUrl: "http://hooks.test/j"));
        var batch = await client.AiJobs.DispatchBatchAsync(new DispatchBatchRequest([new DispatchJobRequest(JobTypes.ReviewSentiment)], CallbackUrl: "http://hooks.test/b"));
        var run = await client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.Metrics, CallbackUrl: "http://hooks.test/r"));
        await client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.Metrics));

        stub.Sent.Select(s => s.Body).ShouldBe(
        [
            """{"type":"review_sentiment","callback_url":"http://hooks.test/j"}""",
            """{"jobs":[{"type":"review_sentiment"}],"sequential":false,"callback_url":"http://hooks.test/b"}""",
            """{"job_type":"metrics","dry_run":false,"callback_url":"http://hooks.test/r"}""",
            """{"job_type":"metrics","dry_run":false}""",
        ]);
        (job.CallbackUrl, batch.CallbackUrl, run.CallbackUrl).ShouldBe(("http://hooks.test/j", "http://hooks.test/b", "http://hooks.test/r"));
    }

    [Fact]
    public async Task AJobOfABatch_CannotHaveItsOwnCallbackUrl()
    {
        var stub = new StubHandler((_, _) => throw new InvalidOperationException("nothing is sent"));
        using var client = stub.Client();

        var e = await Should.ThrowAsync<ArgumentException>(() => client.AiJobs.DispatchBatchAsync(
            new DispatchBatchRequest([new DispatchJobRequest(JobTypes.ReviewSentiment, CallbackUrl: "http://hooks.test/x")])));

        e.Message.ShouldContain("DispatchBatchRequest.CallbackUrl");
        stub.Sent.ShouldBeEmpty();
    }
}
