using System.Net;
using System.Text;
using System.Text.Json;
using static Nexus.Jobs.Client.Tests.ScriptedStream;

namespace Nexus.Jobs.Client.Tests;

/// <summary>The event streams: the SSE reading itself, Watch*Async, and WaitForCompletionAsync on the stream and its fall-back to polling.</summary>
public sealed class EventStreamTests
{
    private const string JobId = "job_01J0000000000000000000000A";
    private static readonly Guid RunId = Guid.Parse("5c8e6d0f-2b1a-4c3d-9e8f-7a6b5c4d3e2f");

    private static string Job(string status, string extra = "") => $$"""
        {"id":"{{JobId}}","type":"review_sentiment","status":"{{status}}","priority":"normal","params":{},"created_at":"2026-03-12T14:00:00Z","started_at":null,"completed_at":null,"duration_seconds":null,"estimated_completion_at":"2026-03-12T14:00:35Z","batch_id":null,"batch_position":null,"retry_count":0,"callback_url":null{{extra}}}
        """.Trim();

    private static string Status(string json, int id) => $"id: {id}\nevent: status\ndata: {json}\n\n";

    private static string End(string status, int id) => $"id: {id}\nevent: end\ndata: {{\"status\":\"{status}\"}}\n\n";

    private static async Task<List<T>> Collect<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }
        return list;
    }

    private static IAsyncEnumerable<Job> Read(Stream body, TimeSpan? idle = null, CancellationToken cancellationToken = default) =>
        StatusEventStream.ReadAsync(body, NexusJson.Default.Job, idle ?? TimeSpan.FromSeconds(30), TimeProvider.System, cancellationToken);

    private static MemoryStream Bytes(string text) => new(Encoding.UTF8.GetBytes(text));

    // ---- The text/event-stream format ----

    [Fact]
    public async Task StatusEvents_AreTheTypedPayloads_UntilTheEndEvent()
    {
        var body = Bytes(Status(Job("queued"), 1) + ": heartbeat\n\n" + Status(Job("running"), 2)
            + Status(Job("completed", ""","result":{"ok":true}"""), 3) + End("completed", 4));

        var jobs = await Collect(Read(body));

        jobs.Select(j => j.Status).ShouldBe([JobStatus.Queued, JobStatus.Running, JobStatus.Completed]);
        jobs[2].Result!.Value.GetProperty("ok").GetBoolean().ShouldBeTrue();
        jobs.ShouldAllBe(j => j.Id == JobId && j.CallbackUrl == null);
    }

    [Fact]
    public async Task MultiLineData_CrLfAndCrLineEnds_RetryFields_CommentsAndABom_AreReadAsTheFormatSays()
    {
        // data split over lines is joined with \n (still one JSON document); the other fields are ignored or kept by the parser.
        var json = Job("running");
        var split = json.IndexOf("\"status\"", StringComparison.Ordinal);
        var body = new MemoryStream([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(
            ": a comment first\r\nretry: 5000\r\nid: 1\r\nevent: status\r\n" +
            $"data: {json[..split]}\r\ndata:{json[split..]}\r\n\r\n" +
            $"event: status\rdata: {Job("failed")}\r\r" +
            "event: end\ndata: {\"status\":\"failed\"}\n\n")]);

        var jobs = await Collect(Read(body));

        jobs.Select(j => j.Status).ShouldBe([JobStatus.Running, JobStatus.Failed]);
    }

    [Fact]
    public async Task EventsOfOtherTypes_AreSkipped_AndAnUntypedEvent_IsAStatus()
    {
        var body = Bytes("event: progress\ndata: {\"percent\":50}\n\n" + $"data: {Job("running")}\n\n" + "event: end\ndata: {}\n\n");

        (await Collect(Read(body))).Single().Status.ShouldBe(JobStatus.Running);
    }

    [Fact]
    public async Task TheEndEvent_EndsTheEnumeration_WithoutWaitingForTheConnectionToClose()
    {
        var body = new ScriptedStream(Text(Status(Job("completed"), 1) + End("completed", 2)), new Silence());

        var jobs = await Collect(Read(body)).WaitAsync(TimeSpan.FromSeconds(10));

        jobs.Single().Status.ShouldBe(JobStatus.Completed);
        body.ReadCancelled.ShouldBeFalse("nothing was read after the end event");
    }

    [Fact]
    public async Task AStreamThatClosesBeforeItsEnd_IsAnHttpIOException()
    {
        var seen = new List<JobStatus>();

        var e = await Should.ThrowAsync<HttpIOException>(async () =>
        {
            await foreach (var job in Read(Bytes(Status(Job("running"), 1))))
            {
                seen.Add(job.Status);
            }
        });

        e.HttpRequestError.ShouldBe(HttpRequestError.ResponseEnded);
        seen.ShouldBe([JobStatus.Running], "what came before the close was handed over");
    }

    [Fact]
    public async Task AStatusEventThatIsNotTheRepresentation_IsAJsonException()
    {
        await Should.ThrowAsync<JsonException>(() => Collect(Read(Bytes("event: status\ndata: not json\n\n"))));
        await Should.ThrowAsync<JsonException>(() => Collect(Read(Bytes("event: status\ndata: null\n\n"))));
    }

    [Fact]
    public async Task ASilentStream_IsGivenUpAfterTheIdleTimeout_ButHeartbeatsKeepItAlive()
    {
        var stalled = await Should.ThrowAsync<HttpIOException>(() =>
            Collect(Read(new ScriptedStream(Text(Status(Job("running"), 1)), new Silence()), TimeSpan.FromMilliseconds(300))));
        stalled.Message.ShouldContain("not even a heartbeat");

        var steps = new List<Step> { Text(Status(Job("running"), 1)) };
        for (var i = 0; i < 6; i++)
        {
            steps.Add(Wait(250));
            steps.Add(Text(": heartbeat\n\n"));
        }
        steps.Add(Text(Status(Job("completed"), 2) + End("completed", 3)));
        var alive = await Collect(Read(new ScriptedStream([.. steps]), TimeSpan.FromSeconds(1)));
        alive.Select(j => j.Status).ShouldBe([JobStatus.Running, JobStatus.Completed], "1.5 s in all, never 1 s without a byte");
    }

    [Fact]
    public async Task CancellingTheToken_StopsAWaitingRead_AsOperationCanceled()
    {
        var body = new ScriptedStream(Text(Status(Job("running"), 1)), new Silence());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var e = await Should.ThrowAsync<OperationCanceledException>(() => Collect(Read(body, TimeSpan.FromSeconds(5), cts.Token)).WaitAsync(TimeSpan.FromSeconds(10)));

        e.ShouldNotBeOfType<HttpIOException>();
        body.ReadCancelled.ShouldBeTrue();
    }

    // ---- Watch*Async ----

    [Fact]
    public async Task WatchAsync_AsksForAnEventStreamAtTheJobsEventsPath_WithTheKey()
    {
        var stub = new StubHandler((_, _) => Response(Text(Status(Job("queued"), 1) + Status(Job("completed"), 2) + End("completed", 3))));
        using var client = stub.Client(new NexusJobsClientOptions { BaseAddress = new Uri("http://nexus.test/base"), ApiKey = "nxj_k", TenantId = 7 });

        var jobs = await Collect(client.AiJobs.WatchAsync(JobId));

        jobs.Select(j => j.Status).ShouldBe([JobStatus.Queued, JobStatus.Completed]);
        var request = stub.Sent.Single().Request;
        request.Method.ShouldBe(HttpMethod.Get);
        request.RequestUri!.ToString().ShouldBe($"http://nexus.test/base/api/ai-jobs/{JobId}/events");
        request.Headers.Accept.Select(a => a.MediaType).ShouldContain("text/event-stream");
        request.Headers.Accept.Select(a => a.MediaType).ShouldNotContain("application/json");
        request.Headers.Authorization!.ToString().ShouldBe("Bearer nxj_k");
        request.Headers.GetValues("X-Tenant-ID").ShouldBe(["7"]);
    }

    [Fact]
    public async Task WatchBatchAsync_AndWatchRunAsync_ReadTheirRepresentations()
    {
        var batch = $$"""{"batch_id":"batch_1","status":"completed","sequential":true,"created_at":"2026-03-12T14:00:00Z","counts":{"completed":1},"jobs":[{{Job("completed")}}],"callback_url":"http://hooks.test/b"}""";
        var run = $$"""{"job_run_id":"{{RunId}}","job_type":"metrics","workspace_id":42,"status":"completed","dry_run":false,"trigger":"api","insights_scanned":1,"insights_affected":0,"candidates_created":0,"errors":0,"started_at":"2026-03-12T14:00:00Z","completed_at":"2026-03-12T14:00:01Z","duration_ms":1000,"error_details":null,"callback_url":null}""";
        var stub = new StubHandler((r, _) => Response(Text(r.RequestUri!.AbsolutePath.Contains("/batch/", StringComparison.Ordinal)
            ? Status(batch, 1) + End("completed", 2)
            : Status(run, 1) + End("completed", 2))));
        using var client = stub.Client();

        var batches = await Collect(client.AiJobs.WatchBatchAsync("batch_1"));
        var runs = await Collect(client.Compounding.WatchRunAsync(RunId));

        batches.Single().Jobs.Single().Status.ShouldBe(JobStatus.Completed);
        batches[0].CallbackUrl.ShouldBe("http://hooks.test/b");
        runs.Single().Status.ShouldBe(RunStatus.Completed);
        runs[0].DurationMs.ShouldBe(1000);
        stub.Sent.Select(s => s.Request.RequestUri!.AbsolutePath).ShouldBe(["/base/api/ai-jobs/batch/batch_1/events", $"/base/v1/compounding/jobs/{RunId:D}/events"]);
    }

    [Fact]
    public async Task WatchAsync_ThrowsTheApisError_OrSaysWhenTheAnswerIsNotAStream()
    {
        var stub = new StubHandler((_, i) => i == 0
            ? StubHandler.Json(HttpStatusCode.NotFound, """{"code":"JOB_NOT_FOUND","title":"Not found"}""", "application/problem+json")
            : StubHandler.Json(HttpStatusCode.OK, $$"""{"data":{{Job("running")}}}"""));
        using var client = stub.Client();

        (await Should.ThrowAsync<NexusApiException>(() => Collect(client.AiJobs.WatchAsync(JobId)))).Code.ShouldBe(NexusErrorCodes.JobNotFound);
        var notAStream = await Should.ThrowAsync<HttpRequestException>(() => Collect(client.AiJobs.WatchAsync(JobId)));
        notAStream.HttpRequestError.ShouldBe(HttpRequestError.InvalidResponse);
        notAStream.Message.ShouldContain("application/json, not text/event-stream");
    }

    [Fact]
    public async Task WatchAsync_HonoursWithCancellation()
    {
        var stub = new StubHandler((_, _) => Response(Text(Status(Job("running"), 1)), new Silence()));
        using var client = stub.Client();
        using var cts = new CancellationTokenSource();
        var seen = new List<JobStatus>();

        await Should.ThrowAsync<OperationCanceledException>(async () =>
        {
            await foreach (var job in client.AiJobs.WatchAsync(JobId).WithCancellation(cts.Token))
            {
                seen.Add(job.Status);
                await cts.CancelAsync();
            }
        });

        seen.ShouldBe([JobStatus.Running]);
    }

    // ---- WaitForCompletionAsync on the stream, and its fall-back ----

    private static NexusJobsClientOptions Fast(TimeSpan? idle = null) => new()
    {
        BaseAddress = new Uri("http://nexus.test/"), PollInitialDelay = TimeSpan.FromMilliseconds(5), PollMaxDelay = TimeSpan.FromMilliseconds(20),
        EventStreamIdleTimeout = idle ?? TimeSpan.FromSeconds(30),
    };

    private static bool IsEvents(HttpRequestMessage r) => r.RequestUri!.AbsolutePath.EndsWith("/events", StringComparison.Ordinal);

    private static HttpResponseMessage Get(string status) => StubHandler.Json(HttpStatusCode.OK, $$"""{"data":{{Job(status)}}}""");

    [Fact]
    public async Task Wait_FollowsTheStream_OneRequest_NoReads()
    {
        var stub = new StubHandler((_, _) => Response(
            Text(Status(Job("queued"), 1)), Wait(20), Text(Status(Job("running"), 2)), Wait(20),
            Text(Status(Job("completed", ""","result":{"ok":true}"""), 3) + End("completed", 4))));
        using var client = stub.Client(Fast());

        var job = await client.AiJobs.WaitForCompletionAsync(JobId, TimeSpan.FromSeconds(10));

        job.Status.ShouldBe(JobStatus.Completed);
        job.Result!.Value.GetProperty("ok").GetBoolean().ShouldBeTrue();
        stub.Sent.Single().Request.RequestUri!.AbsolutePath.ShouldBe($"/api/ai-jobs/{JobId}/events");
    }

    [Theory]
    [InlineData("404 without a code: a server or proxy without the endpoint")]
    [InlineData("200 JSON: something in between answered")]
    [InlineData("the connection breaks")]
    [InlineData("the stream closes before its end")]
    [InlineData("a payload this client cannot read")]
    public async Task Wait_FallsBackToPolling_WhenTheStreamFails(string how)
    {
        var stub = new StubHandler((r, i) => !IsEvents(r) ? Get(i < 2 ? "running" : "completed") : how[..3] switch
        {
            "404" => StubHandler.Json(HttpStatusCode.NotFound, "<html>Not Found</html>", "text/html"),
            "200" => Get("running"),
            "the" when how.Contains("breaks", StringComparison.Ordinal) => Response(Text(Status(Job("running"), 1)), new Break()),
            "the" => Response(Text(Status(Job("running"), 1))),
            _ => Response(Text("event: status\ndata: {\"id\":42}\n\n")),
        });
        using var client = stub.Client(Fast());

        var job = await client.AiJobs.WaitForCompletionAsync(JobId, TimeSpan.FromSeconds(10));

        job.Status.ShouldBe(JobStatus.Completed);
        stub.Sent.Count(s => IsEvents(s.Request)).ShouldBe(1, "the stream is tried once");
        stub.Sent[0].Request.RequestUri!.AbsolutePath.ShouldEndWith("/events");
        stub.Sent.Count(s => !IsEvents(s.Request)).ShouldBe(2, "then polling: running, completed");
    }

    [Fact]
    public async Task Wait_FallsBackToPolling_WhenTheStreamStalls()
    {
        var stub = new StubHandler((r, _) => IsEvents(r) ? Response(Text(Status(Job("running"), 1)), new Silence()) : Get("completed"));
        using var client = stub.Client(Fast(idle: TimeSpan.FromMilliseconds(200)));

        var job = await client.AiJobs.WaitForCompletionAsync(JobId, TimeSpan.FromSeconds(10));

        job.Status.ShouldBe(JobStatus.Completed);
        stub.Sent.Select(s => IsEvents(s.Request)).ShouldBe([true, false]);
    }

    [Fact]
    public async Task Wait_OnTheStream_TimesOutWithTheLastStatusItSent()
    {
        var stub = new StubHandler((_, _) => Response(Text(Status(Job("running"), 1)), new Silence()));
        using var client = stub.Client(Fast());

        var e = await Should.ThrowAsync<NexusWaitTimeoutException>(() => client.AiJobs.WaitForCompletionAsync(JobId, TimeSpan.FromMilliseconds(200)));

        e.LastStatus.ShouldBe("running");
        stub.Sent.Count.ShouldBe(1, "a timeout is not a broken stream: no polling after it");
    }

    [Fact]
    public async Task Wait_OnTheStream_ThrowsOperationCanceled_WhenTheCallerCancels()
    {
        var stub = new StubHandler((_, _) => Response(Text(Status(Job("queued"), 1)), new Silence()));
        using var client = stub.Client(Fast());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));

        var e = await Should.ThrowAsync<OperationCanceledException>(() => client.AiJobs.WaitForCompletionAsync(JobId, TimeSpan.FromMinutes(1), cts.Token));

        e.ShouldNotBeAssignableTo<TimeoutException>();
        stub.Sent.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Wait_ForAnUnknownId_ThrowsTheReadsError_AfterTheStreamsOwn()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.NotFound, """{"code":"JOB_NOT_FOUND","title":"Not found"}""", "application/problem+json"));
        using var client = stub.Client(Fast());

        (await Should.ThrowAsync<NexusApiException>(() => client.AiJobs.WaitForBatchCompletionAsync("batch_1", TimeSpan.FromSeconds(5))))
            .Code.ShouldBe(NexusErrorCodes.JobNotFound);
        stub.Sent.Select(s => s.Request.RequestUri!.AbsolutePath).ShouldBe(["/api/ai-jobs/batch/batch_1/events", "/api/ai-jobs/batch/batch_1"]);
    }

    [Fact]
    public async Task Wait_WithoutEventStreams_NeverAsksForOne()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, $$"""{"job_run_id":"{{RunId}}","job_type":"metrics","workspace_id":42,"status":"completed","dry_run":false,"trigger":"api","started_at":"2026-03-12T14:00:00Z"}"""));
        var options = Fast();
        options.UseEventStreams = false;
        using var client = stub.Client(options);

        (await client.Compounding.WaitForCompletionAsync(RunId, TimeSpan.FromSeconds(5))).Status.ShouldBe(RunStatus.Completed);

        stub.Sent.Single().Request.RequestUri!.AbsolutePath.ShouldBe($"/v1/compounding/jobs/{RunId:D}");
    }
}
