using System.Text.Json;
using Nexus.Jobs.Callbacks;
using Xunit.Abstractions;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>Push: signed callbacks on terminal states, their retries and their visible attempts.</summary>
public sealed class CallbackTests(ITestOutputHelper output) : IAsyncLifetime
{
    private CallbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await CallbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static string Job(string sku, string? url) =>
        $$"""{"type":"pricing_recalculate","params":{"skus":["{{sku}}"],"marketplace":"amazon_us","apply":false}{{(url is null ? "" : $",\"callback_url\":\"{url}\"")}}}""";

    private static string Batch(bool sequential, string url, params string[] skus) =>
        $$"""{"jobs":[{{string.Join(",", skus.Select(s => Job(s, null)))}}],"sequential":{{(sequential ? "true" : "false")}},"callback_url":"{{url}}"}""";

    [Fact]
    public async Task CompletedJob_CallsBack_SignedWithTheWorkspaceSecret_WithItsGetPayloadAsData()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var secret = await api.RotateSecretAsync();
        var url = _receiver.Url("ok");

        var accepted = await api.PostAsync("/api/ai-jobs", Job("ok-callback", url));

        accepted.Status.ShouldBe(HttpStatusCode.Accepted, accepted.Body);
        accepted.Json.GetProperty("data").GetProperty("callback_url").GetString().ShouldBe(url);
        var id = accepted.Json.GetProperty("data").GetProperty("id").GetString()!;
        var callback = (await _receiver.ShouldReceive(url)).Single();
        callback.Headers["Content-Type"].ShouldBe("application/json");
        callback.Event.ShouldBe("ai_job.completed");
        callback.IsSignedWith(secret).ShouldBeTrue("X-Nexus-Signature-256 is the HMAC-SHA256 of the raw body");
        long.Parse(callback.Headers["X-Nexus-Timestamp"]).ShouldBeInRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 300, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        var body = callback.Json;
        body.GetProperty("delivery_id").GetString().ShouldBe(callback.DeliveryId);
        body.GetProperty("event").GetString().ShouldBe("ai_job.completed");
        var data = body.GetProperty("data");
        data.GetRawText().ShouldBe(await api.GetPayloadAsync($"/api/ai-jobs/{id}"), "data is exactly the job's GET payload");
        data.GetProperty("status").GetString().ShouldBe("completed");
        data.GetProperty("callback_url").GetString().ShouldBe(url);
        body.GetProperty("occurred_at").GetDateTime().ShouldBe(data.GetProperty("completed_at").GetDateTime());

        var delivery = await api.DeliveryShouldReach($"/api/ai-jobs/{id}/callbacks", d => d.Status() == "delivered", "delivered");
        delivery.GetProperty("delivery_id").GetString().ShouldBe(callback.DeliveryId);
        delivery.GetProperty("event").GetString().ShouldBe("ai_job.completed");
        delivery.GetProperty("url").GetString().ShouldBe(url);
        delivery.GetProperty("next_attempt_at").ValueKind.ShouldBe(JsonValueKind.Null);
        var attempt = delivery.Attempts().Single();
        attempt.GetProperty("attempt").GetInt32().ShouldBe(1);
        attempt.GetProperty("response_status").GetInt32().ShouldBe(200);
        attempt.GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null);
        attempt.GetProperty("duration_ms").GetInt32().ShouldBeGreaterThanOrEqualTo(0);
        output.WriteLine($"callback received {(callback.ReceivedAt - data.GetProperty("completed_at").GetDateTime().ToUniversalTime()).TotalMilliseconds:F0} ms after completed_at");
    }

    [Fact]
    public async Task FailedJob_CallsBackOnce_AfterItsLastRetry()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var secret = await api.RotateSecretAsync();
        var url = _receiver.Url("ok");
        var id = await api.DispatchAsync(Job("fail-callback", url));

        var callback = (await _receiver.ShouldReceive(url)).Single();

        callback.Event.ShouldBe("ai_job.failed");
        callback.IsSignedWith(secret).ShouldBeTrue();
        var data = callback.Json.GetProperty("data");
        data.GetProperty("status").GetString().ShouldBe("failed");
        data.GetProperty("error").GetProperty("code").GetString().ShouldBe("TEST_FAILURE");
        data.GetProperty("error").GetProperty("retry_count").GetInt32().ShouldBe(2);
        data.GetRawText().ShouldBe(await api.GetPayloadAsync($"/api/ai-jobs/{id}"));
        await api.DeliveryShouldReach($"/api/ai-jobs/{id}/callbacks", d => d.Status() == "delivered", "delivered");
        _receiver.At(url).Count.ShouldBe(1, "retries of the job are not terminal states");
    }

    [Fact]
    public async Task CancelledJob_CallsBack_AndItsBatch_CallsBackOnceAllItsJobsEnded()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var secret = await api.RotateSecretAsync();
        var url = _receiver.Url("ok");
        var gate = $"block-{Guid.NewGuid():N}";
        var (batchId, jobs) = await api.DispatchBatchAsync(Batch(true, url, gate, "ok-after-gate"));
        await api.ShouldReachStatus(jobs[0], "running");

        (await api.DeleteAsync($"/api/ai-jobs/{jobs[1]}")).Status.ShouldBe(HttpStatusCode.NoContent);

        var cancelled = (await _receiver.ShouldReceive(url)).Single();
        cancelled.Event.ShouldBe("ai_job.cancelled");
        cancelled.Json.GetProperty("data").GetProperty("id").GetString().ShouldBe(jobs[1]);
        cancelled.Json.GetProperty("data").GetProperty("status").GetString().ShouldBe("cancelled");
        (await api.JobAsync(jobs[0])).GetProperty("status").GetString().ShouldBe("running", "the batch has not ended, so it has not called back");

        ScriptedHandler.Release(gate);
        var all = await _receiver.ShouldReceive(url, 3);
        all.Select(c => c.Event).Order(StringComparer.Ordinal).ShouldBe(["ai_job.cancelled", "ai_job.completed", "ai_job_batch.completed"]);
        all.ShouldAllBe(c => c.IsSignedWith(secret));
        var batch = all.Single(c => c.Event == "ai_job_batch.completed").Json.GetProperty("data");
        batch.GetProperty("status").GetString().ShouldBe("cancelled");
        batch.GetProperty("callback_url").GetString().ShouldBe(url);
        batch.GetRawText().ShouldBe(await api.GetPayloadAsync($"/api/ai-jobs/batch/{batchId}"));
        var delivery = await api.DeliveryShouldReach($"/api/ai-jobs/batch/{batchId}/callbacks", d => d.Status() == "delivered", "delivered");
        delivery.GetProperty("event").GetString().ShouldBe("ai_job_batch.completed");
    }

    [Fact]
    public async Task SequentialBatch_WhoseFirstJobFails_CallsBackForEveryJob_AndOnceForTheBatch()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.RotateSecretAsync();
        var url = _receiver.Url("ok");
        var (batchId, jobs) = await api.DispatchBatchAsync(Batch(true, url, "fail-first", "ok-second", "ok-third"));

        var all = await _receiver.ShouldReceive(url, 4);

        await api.DeliveryShouldReach($"/api/ai-jobs/batch/{batchId}/callbacks", d => d.Status() == "delivered", "delivered");
        foreach (var job in jobs)
        {
            await api.DeliveryShouldReach($"/api/ai-jobs/{job}/callbacks", d => d.Status() == "delivered", "delivered");
        }
        _receiver.At(url).Count.ShouldBe(4, "one per job and one for the batch");
        all.Select(c => (Subject: c.Json.GetProperty("data").TryGetProperty("id", out var i) ? i.GetString()! : c.Json.GetProperty("data").GetProperty("batch_id").GetString()!, c.Event))
            .OrderBy(x => x.Subject, StringComparer.Ordinal).ShouldBe(new[]
            {
                (batchId, "ai_job_batch.completed"), (jobs[0], "ai_job.failed"), (jobs[1], "ai_job.cancelled"), (jobs[2], "ai_job.cancelled"),
            }.OrderBy(x => x.Item1, StringComparer.Ordinal));
        var batch = all.Single(c => c.Event == "ai_job_batch.completed").Json.GetProperty("data");
        batch.GetProperty("status").GetString().ShouldBe("failed");
        batch.GetRawText().ShouldBe(await api.GetPayloadAsync($"/api/ai-jobs/batch/{batchId}"));
        all.Single(c => c.Event == "ai_job.failed").Json.GetProperty("data").GetProperty("status").GetString().ShouldBe("failed");
    }

    [Fact]
    public async Task CompoundingTrigger_CallsBack_WhenTheRunCompletes()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var secret = await api.RotateSecretAsync();
        var url = _receiver.Url("ok");

        var accepted = await api.PostAsync("/v1/compounding/trigger", $$"""{"job_type":"metrics","dry_run":false,"callback_url":"{{url}}"}""");

        accepted.Status.ShouldBe(HttpStatusCode.Accepted, accepted.Body);
        accepted.Json.GetProperty("callback_url").GetString().ShouldBe(url);
        var runId = accepted.Json.GetProperty("job_run_id").GetString()!;
        var callback = (await _receiver.ShouldReceive(url)).Single();
        callback.Event.ShouldBe("compounding_run.completed");
        callback.IsSignedWith(secret).ShouldBeTrue();
        var data = callback.Json.GetProperty("data");
        data.GetProperty("status").GetString().ShouldBe("completed");
        data.GetRawText().ShouldBe(await api.GetPayloadAsync($"/v1/compounding/jobs/{runId}", enveloped: false), "data is exactly the run's GET");
        var delivery = await api.DeliveryShouldReach($"/v1/compounding/jobs/{runId}/callbacks", d => d.Status() == "delivered", "delivered");
        delivery.GetProperty("event").GetString().ShouldBe("compounding_run.completed");
    }

    [Fact]
    public async Task ReceiverAnswering500Then204_IsRetried_BothAttemptsVisible_WithTheSameDeliveryAndBytes()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var secret = await api.RotateSecretAsync();
        var url = _receiver.Url("flaky");
        var id = await api.DispatchAsync(Job("ok-flaky-receiver", url));

        var delivery = await api.DeliveryShouldReach($"/api/ai-jobs/{id}/callbacks", d => d.Status() == "delivered", "delivered");

        var attempts = delivery.Attempts();
        attempts.Length.ShouldBe(2);
        attempts.Select(a => a.GetProperty("attempt").GetInt32()).ShouldBe([1, 2]);
        attempts[0].GetProperty("response_status").GetInt32().ShouldBe(500);
        attempts[0].GetProperty("error").GetString().ShouldBe("HTTP 500: receiver broke line two");
        attempts[1].GetProperty("response_status").GetInt32().ShouldBe(204);
        attempts[1].GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null);
        attempts[1].GetProperty("attempted_at").GetDateTime().ShouldBeGreaterThan(attempts[0].GetProperty("attempted_at").GetDateTime());
        var received = _receiver.At(url);
        received.Count.ShouldBe(2);
        received.Select(r => r.DeliveryId).Distinct().ShouldHaveSingleItem().ShouldBe(delivery.GetProperty("delivery_id").GetString());
        received[1].Body.ShouldBe(received[0].Body, "a retry sends the same bytes");
        received.ShouldAllBe(r => r.IsSignedWith(secret));
    }

    [Fact]
    public async Task Receiver410_StopsTheRetries_AndTheDeliveryFails()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        await api.RotateSecretAsync();
        var url = _receiver.Url("gone");
        var id = await api.DispatchAsync(Job("ok-gone-receiver", url));

        var delivery = await api.DeliveryShouldReach($"/api/ai-jobs/{id}/callbacks", d => d.Status() == "failed", "failed");

        var attempt = delivery.Attempts().ShouldHaveSingleItem();
        attempt.GetProperty("response_status").GetInt32().ShouldBe(410);
        delivery.GetProperty("next_attempt_at").ValueKind.ShouldBe(JsonValueKind.Null);
        // Hangfire ended the delivery job instead of scheduling a retry.
        var state = await Eventually.Until(() => app.QueryAsync<string?>("""
            select h.statename from nexus.callback_deliveries d join hangfire.job h on h.id = d.hangfire_job_id where d.subject_id = @Id
            """, new { Id = id }), s => s is "Failed" or "Scheduled" or "Enqueued", what: "the delivery job to leave Processing");
        state.ShouldBe("Failed");
        _receiver.At(url).Count.ShouldBe(1);
    }

    [Fact]
    public async Task ReceiverAlwaysFailing_IsRetriedWithTheBackOff_ThenTheDeliveryFails()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.RotateSecretAsync();
        var url = _receiver.Url("error");
        var id = await api.DispatchAsync(Job("ok-broken-receiver", url));

        var delivery = await api.DeliveryShouldReach($"/api/ai-jobs/{id}/callbacks", d => d.Status() == "failed", "failed after its retries");

        var attempts = delivery.Attempts();
        attempts.Length.ShouldBe(3, "the first attempt and Nexus:Callbacks:Attempts = 2 retries");
        attempts.ShouldAllBe(a => a.GetProperty("response_status").GetInt32() == 500);
        delivery.GetProperty("next_attempt_at").ValueKind.ShouldBe(JsonValueKind.Null);
        _receiver.At(url).Count.ShouldBe(3);
    }

    [Fact]
    public async Task SlowReceiver_TimesOut_AndTheAttemptSaysSo_WithARetryScheduled()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.RotateSecretAsync();
        var url = _receiver.Url("slow");
        var id = await api.DispatchAsync(Job("ok-slow-receiver", url));

        var delivery = await api.DeliveryShouldReach($"/api/ai-jobs/{id}/callbacks", d => d.Attempts().Length >= 1, "a first attempt");

        var attempt = delivery.Attempts()[0];
        attempt.GetProperty("response_status").ValueKind.ShouldBe(JsonValueKind.Null);
        attempt.GetProperty("error").GetString().ShouldBe("No answer within 2 s");
        attempt.GetProperty("duration_ms").GetInt32().ShouldBeInRange(1900, 10_000);
        if (delivery.Attempts().Length == 1)
        {
            delivery.Status().ShouldBe("pending");
            delivery.GetProperty("next_attempt_at").GetDateTime().ShouldBeGreaterThan(attempt.GetProperty("attempted_at").GetDateTime());
        }
    }

    [Fact]
    public async Task JobWithoutCallbackUrl_EchoesNull_AndGetsNoDeliveryRow()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        await api.RotateSecretAsync();

        var accepted = await api.PostAsync("/api/ai-jobs", Job("ok-no-callback", null));

        accepted.Status.ShouldBe(HttpStatusCode.Accepted, accepted.Body);
        accepted.Json.GetProperty("data").GetProperty("callback_url").ValueKind.ShouldBe(JsonValueKind.Null);
        var id = accepted.Json.GetProperty("data").GetProperty("id").GetString()!;
        var job = await api.ShouldReachStatus(id, "completed");
        job.GetProperty("callback_url").ValueKind.ShouldBe(JsonValueKind.Null);
        (await api.DeliveriesAsync($"/api/ai-jobs/{id}/callbacks")).ShouldBeEmpty();
        (await app.QueryAsync<long>("select count(*) from nexus.callback_deliveries where workspace_id = @W", new { W = api.Workspace })).ShouldBe(0);
    }

    [Fact]
    public async Task AnotherWorkspacesCallbacks_Answer404JobNotFound()
    {
        var app = await NexusApp.SharedAsync();
        var owner = await app.ClientAsync();
        var other = await app.ClientAsync();
        await owner.RotateSecretAsync();
        var url = _receiver.Url("ok");
        var job = await owner.DispatchAsync(Job("ok-tenancy", url));
        var (batch, _) = await owner.DispatchBatchAsync(Batch(false, url, "ok-tenancy-batch"));
        var run = await owner.TriggerAsync("metrics");
        await owner.DeliveryShouldReach($"/api/ai-jobs/{job}/callbacks", d => d.Status() == "delivered", "delivered");

        foreach (var path in new[] { $"/api/ai-jobs/{job}/callbacks", $"/api/ai-jobs/batch/{batch}/callbacks", $"/v1/compounding/jobs/{run}/callbacks" })
        {
            (await other.GetAsync(path)).ShouldBeProblem(HttpStatusCode.NotFound, "JOB_NOT_FOUND");
            (await owner.GetAsync(path)).Status.ShouldBe(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task RotatingTheSecret_SignsLaterCallbacksWithTheNewSecretOnly()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var first = await api.RotateSecretAsync();
        var before = _receiver.Url("ok");
        await api.DispatchAsync(Job("ok-before-rotation", before));
        var signedBefore = (await _receiver.ShouldReceive(before)).Single();

        var second = await api.RotateSecretAsync();
        var after = _receiver.Url("ok");
        await api.DispatchAsync(Job("ok-after-rotation", after));
        var signedAfter = (await _receiver.ShouldReceive(after)).Single();

        second.ShouldNotBe(first);
        signedBefore.IsSignedWith(first).ShouldBeTrue();
        signedAfter.IsSignedWith(second).ShouldBeTrue();
        signedAfter.IsSignedWith(first).ShouldBeFalse();
    }

    [Fact]
    public async Task SecretEndpoint_TakesEitherWriteScope_AnswersTheSecretOnce_AndTakesNoFields()
    {
        var app = await NexusApp.SharedAsync();
        var jobs = await app.ClientAsync("ai-jobs:write");
        var records = await app.ClientAsync(jobs.Workspace, "record.write");
        var reader = await app.ClientAsync(jobs.Workspace, "ai-jobs:read", "record.read");

        var created = await jobs.PostAsync("/v1/callbacks/secret", "");
        var rotated = await records.PostAsync("/v1/callbacks/secret", "{}");

        created.Status.ShouldBe(HttpStatusCode.OK, created.Body);
        created.Headers["Cache-Control"].ShouldBe("no-store");
        var secret = created.Json.GetProperty("data").GetProperty("secret").GetString()!;
        secret.ShouldMatch("^whsec_[A-Za-z0-9_-]{43}$");
        created.Json.GetProperty("data").GetProperty("created_at").GetDateTime().ShouldBeGreaterThan(DateTime.UtcNow.AddMinutes(-5));
        rotated.Status.ShouldBe(HttpStatusCode.OK, rotated.Body);
        rotated.Json.GetProperty("data").GetProperty("secret").GetString().ShouldNotBe(secret);
        (await app.Service<CallbackSecrets>().GetAsync(jobs.Workspace, CancellationToken.None)).ShouldBe(rotated.Json.GetProperty("data").GetProperty("secret").GetString());
        (await reader.PostAsync("/v1/callbacks/secret", "")).ShouldBeProblem(HttpStatusCode.Forbidden, "INSUFFICIENT_SCOPE");
        (await jobs.PostAsync("/v1/callbacks/secret", """{"secret":"mine"}""")).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED");
        (await jobs.PostAsync("/v1/callbacks/secret", "{")).ShouldBeProblem(HttpStatusCode.BadRequest, "MALFORMED_REQUEST");
    }

    [Fact]
    public async Task CallbackUrl_OnAWorkspaceWithoutASecret_Is422_AndQueuesNothing()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var url = _receiver.Url("ok");

        foreach (var (path, body) in new[]
                 {
                     ("/api/ai-jobs", Job("ok-no-secret", url)),
                     ("/api/ai-jobs/batch", Batch(false, url, "ok-no-secret")),
                     ("/v1/compounding/trigger", $$"""{"job_type":"metrics","callback_url":"{{url}}"}"""),
                 })
        {
            var response = await api.PostAsync(path, body);
            response.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED");
            response.Json.GetProperty("errors").GetProperty("callback_url")[0].GetString()!.ShouldContain("POST /v1/callbacks/secret");
        }
        (await api.GetAsync("/api/ai-jobs")).Json.GetProperty("data").GetArrayLength().ShouldBe(0);
        (await api.GetAsync("/v1/compounding/jobs")).Json.GetProperty("data").GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData("/hooks/nexus")]
    [InlineData("ftp://hooks.example.com/nexus")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://user:password@hooks.example.com/nexus")]
    [InlineData("https://hooks.example.com/a b")]
    [InlineData("https://")]
    [InlineData("")]
    public async Task CallbackUrl_ThatIsNotAnAbsoluteHttpUrl_Is422_NamingTheField(string url)
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.RotateSecretAsync();

        foreach (var (path, body) in new[]
                 {
                     ("/api/ai-jobs", Job("ok-bad-url", url)),
                     ("/api/ai-jobs/batch", Batch(true, url, "ok-bad-url")),
                     ("/v1/compounding/trigger", $$"""{"job_type":"metrics","callback_url":"{{url}}"}"""),
                 })
        {
            var response = await api.PostAsync(path, body);
            response.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED");
            response.Json.GetProperty("errors").TryGetProperty("callback_url", out _).ShouldBeTrue(response.Body);
        }
    }

    [Fact]
    public async Task CallbackUrl_LongerThan2048Characters_Is422_And2048IsAccepted()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.RotateSecretAsync();
        var prefix = "https://hooks.example.com/";

        var tooLong = await api.PostAsync("/api/ai-jobs", Job("ok-long-url", prefix + new string('a', 2049 - prefix.Length)));
        var longest = await api.PostAsync("/api/ai-jobs", Job("ok-long-url", prefix + new string('a', 2048 - prefix.Length)));

        tooLong.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED");
        tooLong.Json.GetProperty("errors").GetProperty("callback_url")[0].GetString().ShouldBe("must be at most 2048 characters");
        longest.Status.ShouldBe(HttpStatusCode.Accepted, longest.Body);
    }

    [Fact]
    public async Task ADeliveryLeftWithoutItsJob_ByAProcessThatDied_IsSentByTheSweeper_AndSoIsAnEndedBatchs()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var secret = await api.RotateSecretAsync();
        var jobUrl = _receiver.Url("ok");
        var batchUrl = _receiver.Url("ok");
        var id = await api.DispatchAsync(Job("ok-stranded", null));
        var (batchId, jobs) = await api.DispatchBatchAsync($$"""{"jobs":[{{Job("ok-stranded-batch", null)}}]}""");
        await api.ShouldReachStatus(id, "completed");
        await api.ShouldReachStatus(jobs[0], "completed");
        // What a process leaves when it dies right after an outcome commit: the delivery row without its Hangfire job, and a
        // batch whose jobs all ended before its own delivery was written.
        await app.QueryAsync<int>("""
            insert into nexus.callback_deliveries (id, workspace_id, subject_kind, subject_id, event, url, occurred_at, created_at)
            values (gen_random_uuid(), @W, 'ai_job', @Id, 'ai_job.completed', @Url, now(), now() - interval '1 minute')
            """, new { W = api.Workspace, Id = id, Url = jobUrl });
        await app.QueryAsync<int>("update nexus.ai_batches set callback_url = @Url, callback_pending = true where id = @Id", new { Id = batchId, Url = batchUrl });
        await app.QueryAsync<int>("update nexus.ai_jobs set completed_at = completed_at - interval '1 minute' where batch_id = @Id", new { Id = batchId });

        // The host's own sweeper may get there first; either way each is queued once.
        app.Service<CallbackOutbox>().Sweep(TimeSpan.FromSeconds(30));

        var job = (await _receiver.ShouldReceive(jobUrl)).Single();
        job.IsSignedWith(secret).ShouldBeTrue();
        job.Json.GetProperty("data").GetRawText().ShouldBe(await api.GetPayloadAsync($"/api/ai-jobs/{id}"));
        var batch = (await _receiver.ShouldReceive(batchUrl)).Single();
        batch.Event.ShouldBe("ai_job_batch.completed");
        batch.Json.GetProperty("data").GetProperty("status").GetString().ShouldBe("completed");
        await api.DeliveryShouldReach($"/api/ai-jobs/{id}/callbacks", d => d.Status() == "delivered", "delivered");
        await api.DeliveryShouldReach($"/api/ai-jobs/batch/{batchId}/callbacks", d => d.Status() == "delivered", "delivered");
        app.Service<CallbackOutbox>().Sweep(TimeSpan.FromSeconds(30));
        _receiver.At(jobUrl).Count.ShouldBe(1);
        _receiver.At(batchUrl).Count.ShouldBe(1);
        (await app.QueryAsync<bool>("select callback_pending from nexus.ai_batches where id = @Id", new { Id = batchId })).ShouldBeFalse();
    }

    [Fact]
    public async Task Deliveries_RunOnTheirOwnWorkers_WhileEveryAiJobWorkerIsBusy()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Workers:WorkerCount"] = "1" });
        var api = await app.ClientAsync();
        await api.RotateSecretAsync();
        var gate = $"block-{Guid.NewGuid():N}";
        var busy = await api.DispatchAsync(ApiClient.Pricing(gate));
        await api.ShouldReachStatus(busy, "running");
        var url = _receiver.Url("ok");
        var queued = await api.DispatchAsync(Job("ok-waiting", url));

        (await api.DeleteAsync($"/api/ai-jobs/{queued}")).Status.ShouldBe(HttpStatusCode.NoContent);

        (await _receiver.ShouldReceive(url)).Single().Event.ShouldBe("ai_job.cancelled");
        (await api.JobAsync(busy)).GetProperty("status").GetString().ShouldBe("running", "the only AI-job worker is still busy");
        ScriptedHandler.Release(gate);
        await api.ShouldReachStatus(busy, "completed");
    }

    [Fact]
    public async Task WithPrivateNetworksOff_LoopbackCallbackUrls_AreRefusedAtDispatch_AndAtConnect()
    {
        var db = await TestDatabase.CreateIsolatedAsync();
        await using var permissive = new NexusApp(db, new() { ["Nexus:Roles"] = "api" });
        await using var strict = new NexusApp(db, new() { ["Nexus:Callbacks:AllowPrivateNetworks"] = "false" });
        var strictApi = await strict.ClientAsync();
        await strictApi.RotateSecretAsync();
        var url = _receiver.Url("ok");

        var refused = await strictApi.PostAsync("/api/ai-jobs", Job("ok-private", url));
        refused.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED");
        refused.Json.GetProperty("errors").GetProperty("callback_url")[0].GetString()!.ShouldContain("public address");
        (await strictApi.PostAsync("/api/ai-jobs", Job("ok-private", "http://localhost:1/x"))).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED");

        // Accepted by a process that allows it, sent by one that does not: the address is checked where the connection is made.
        var api = await permissive.ClientAsync(strictApi.Workspace);
        var id = await api.DispatchAsync(Job("ok-private", url));
        var delivery = await api.DeliveryShouldReach($"/api/ai-jobs/{id}/callbacks", d => d.Attempts().Length >= 1, "a first attempt");
        delivery.Attempts()[0].GetProperty("error").GetString()!.ShouldContain("has no public address");
        delivery.Attempts()[0].GetProperty("response_status").ValueKind.ShouldBe(JsonValueKind.Null);
        _receiver.At(url).ShouldBeEmpty();
    }
}
