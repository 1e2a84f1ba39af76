using System.Text.Json.Nodes;
using Nexus.Jobs.Client;
using Nexus.Jobs.Example;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>Every call of the client library (src/Nexus.Jobs.Client) against the real service in-process.</summary>
public sealed class ClientLibraryTests
{
    private static DispatchJobRequest Pricing(string sku, JobPriority? priority = null) => ApiClient.PricingRequest(sku, priority);

    [Fact]
    public async Task Dispatch_Get_AndWaitForCompletion_GiveTypedJobs()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();

        var accepted = await api.Client.AiJobs.DispatchAsync(Pricing("ok-client", JobPriority.High));

        accepted.Id.ShouldMatch("^job_[0-9A-HJKMNP-TV-Z]{26}$");
        accepted.Type.ShouldBe(JobTypes.PricingRecalculate);
        accepted.Status.ShouldBe(JobStatus.Queued);
        accepted.Priority.ShouldBe(JobPriority.High);
        accepted.Params.GetRawText().ShouldBe("""{"skus":["ok-client"],"marketplace":"amazon_us","apply":false}""");
        accepted.EstimatedCompletionAt.ShouldBeGreaterThan(accepted.CreatedAt);

        var done = await api.Client.AiJobs.WaitForCompletionAsync(accepted.Id, TimeSpan.FromSeconds(30));

        done.Status.ShouldBe(JobStatus.Completed);
        done.Result!.Value.GetProperty("sku").GetString().ShouldBe("ok-client");
        done.Error.ShouldBeNull();
        done.StartedAt!.Value.ShouldBeGreaterThanOrEqualTo(done.CreatedAt);
        done.CompletedAt!.Value.ShouldBeGreaterThanOrEqualTo(done.StartedAt.Value);
        done.DurationSeconds!.Value.ShouldBeGreaterThanOrEqualTo(0);
        done.CreatedAt.ShouldBe(accepted.CreatedAt);
        (await api.Client.AiJobs.GetAsync(accepted.Id)).ShouldBe(done, new JobComparer());
    }

    [Fact]
    public async Task WaitForCompletion_ReturnsAFailedJob_WithItsError_AfterTheRetries()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var accepted = await api.Client.AiJobs.DispatchAsync(Pricing("fail-client"));

        var failed = await api.Client.AiJobs.WaitForCompletionAsync(accepted.Id, TimeSpan.FromSeconds(30));

        failed.Status.ShouldBe(JobStatus.Failed);
        failed.Status.IsTerminal.ShouldBeTrue();
        failed.Result.ShouldBeNull();
        failed.Error!.Code.ShouldBe("TEST_FAILURE");
        failed.Error.Message.ShouldContain("attempt 3");
        failed.Error.RetryCount.ShouldBe(2);
        failed.RetryCount.ShouldBe(2);
    }

    [Fact]
    public async Task WaitForCompletion_TimesOutWithTheLastStatus_OrStopsWhenCancelled_AndTheJobGoesOn()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var gate = $"block-{Guid.NewGuid():N}";
        var accepted = await api.Client.AiJobs.DispatchAsync(Pricing(gate));
        await api.ShouldReachStatus(accepted.Id, "running");

        var timeout = await Should.ThrowAsync<NexusWaitTimeoutException>(() => api.Client.AiJobs.WaitForCompletionAsync(accepted.Id, TimeSpan.FromMilliseconds(300)));
        timeout.ShouldBeAssignableTo<TimeoutException>();
        timeout.LastStatus.ShouldBe("running");
        timeout.Message.ShouldContain(accepted.Id);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var cancelled = await Should.ThrowAsync<OperationCanceledException>(() => api.Client.AiJobs.WaitForCompletionAsync(accepted.Id, TimeSpan.FromMinutes(1), cancel.Token));
        cancelled.ShouldNotBeAssignableTo<TimeoutException>();

        ScriptedHandler.Release(gate);
        (await api.Client.AiJobs.WaitForCompletionAsync(accepted.Id, TimeSpan.FromSeconds(30))).Status.ShouldBe(JobStatus.Completed);
    }

    [Fact]
    public async Task ListAndEnumerate_FilterAndFollowTheCursorAcrossPages()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await api.Client.AiJobs.DispatchAsync(Pricing($"ok-list-{i}"))).Id);
        }
        var review = (await api.Client.AiJobs.DispatchAsync(new DispatchJobRequest(JobTypes.ReviewSentiment))).Id;
        var newestFirst = ids.AsEnumerable().Reverse().ToList();

        var first = await api.Client.AiJobs.ListAsync(new JobListQuery { Type = JobTypes.PricingRecalculate, Limit = 2 });
        first.Data.Select(j => j.Id).ShouldBe(newestFirst.Take(2));
        first.NextCursor.ShouldNotBeNull();
        var second = await api.Client.AiJobs.ListAsync(new JobListQuery { Type = JobTypes.PricingRecalculate, Limit = 2, Cursor = first.NextCursor });
        second.Data.Select(j => j.Id).ShouldBe(newestFirst.Skip(2).Take(2));

        var all = new List<string>();
        await foreach (var job in api.Client.AiJobs.EnumerateAsync(new JobListQuery { Type = JobTypes.PricingRecalculate, Limit = 2 }))
        {
            all.Add(job.Id);
        }
        all.ShouldBe(newestFirst);

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        (await Collect(api.Client.AiJobs.EnumerateAsync(new JobListQuery { StartDate = today, EndDate = today, Limit = 4 }))).Count.ShouldBe(6);
        (await api.Client.AiJobs.ListAsync(new JobListQuery { StartDate = today.AddDays(1) })).Data.ShouldBeEmpty();
        (await api.Client.AiJobs.ListAsync(new JobListQuery { EndDate = DateTimeOffset.UtcNow.AddMinutes(5), Type = JobTypes.ReviewSentiment }))
            .Data.Single().Id.ShouldBe(review);
        await api.Client.AiJobs.WaitForCompletionAsync(review, TimeSpan.FromSeconds(30));
        (await api.Client.AiJobs.ListAsync(new JobListQuery { Status = JobStatus.Completed, Type = JobTypes.ReviewSentiment })).Data.Single().Id.ShouldBe(review);
    }

    [Fact]
    public async Task Cancel_IsIdempotentForAQueuedJob_AndAnswers409ForARunningOne()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var gate = $"block-{Guid.NewGuid():N}";
        var batch = await api.Client.AiJobs.DispatchBatchAsync(new DispatchBatchRequest([Pricing(gate), Pricing("ok-after-cancel")], Sequential: true));
        var (running, queued) = (batch.Jobs[0].Id, batch.Jobs[1].Id);
        await api.ShouldReachStatus(running, "running");

        await api.Client.AiJobs.CancelAsync(queued);
        await api.Client.AiJobs.CancelAsync(queued);
        var e = await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.CancelAsync(running));

        e.Status.ShouldBe(HttpStatusCode.Conflict);
        e.Code.ShouldBe(NexusErrorCodes.JobNotCancellable);
        e.Detail!.ShouldContain("running");
        (await api.Client.AiJobs.GetAsync(queued)).Status.ShouldBe(JobStatus.Cancelled);
        ScriptedHandler.Release(gate);
        var ended = await api.Client.AiJobs.WaitForBatchCompletionAsync(batch.BatchId, TimeSpan.FromSeconds(30));
        ended.Status.ShouldBe(JobStatus.Cancelled);
        ended.Jobs.Select(j => j.Status).ShouldBe([JobStatus.Completed, JobStatus.Cancelled]);
        ended.Jobs[1].Error!.Message.ShouldBe("Cancelled by API request");
    }

    [Fact]
    public async Task Batch_DispatchGetAndWait_GiveTheJobsInOrder()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();

        var accepted = await api.Client.AiJobs.DispatchBatchAsync(new DispatchBatchRequest(
            [new DispatchJobRequest(JobTypes.CompetitorScan, new JsonObject { ["skus"] = new JsonArray("ok-b1"), ["marketplace"] = "amazon_us" }),
             Pricing("ok-b2", JobPriority.High)], Sequential: true));

        accepted.BatchId.ShouldMatch("^batch_[0-9A-HJKMNP-TV-Z]{26}$");
        accepted.Sequential.ShouldBeTrue();
        accepted.Jobs.Select(j => j.Type).ShouldBe([JobTypes.CompetitorScan, JobTypes.PricingRecalculate]);
        accepted.Jobs.ShouldAllBe(j => j.Status == JobStatus.Queued);

        var batch = await api.Client.AiJobs.WaitForBatchCompletionAsync(accepted.BatchId, TimeSpan.FromSeconds(30));

        batch.Status.ShouldBe(JobStatus.Completed);
        batch.Counts["completed"].ShouldBe(2);
        batch.Counts["failed"].ShouldBe(0);
        batch.Jobs.Select(j => j.Id).ShouldBe(accepted.Jobs.Select(j => j.Id));
        batch.Jobs[1].Priority.ShouldBe(JobPriority.High);
        batch.Jobs[1].BatchId.ShouldBe(accepted.BatchId);
        batch.Jobs[1].BatchPosition.ShouldBe(1);
        batch.Jobs[1].StartedAt!.Value.ShouldBeGreaterThanOrEqualTo(batch.Jobs[0].CompletedAt!.Value);
        (await api.Client.AiJobs.GetBatchAsync(accepted.BatchId)).Status.ShouldBe(JobStatus.Completed);
    }

    [Fact]
    public async Task Errors_AreNexusApiExceptions_WithTheContractsCodeAndFields()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();

        var notFound = await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.GetAsync("job_01ARZ3NDEKTSV4RRFFQ69G5FAV"));
        notFound.Status.ShouldBe(HttpStatusCode.NotFound);
        notFound.Code.ShouldBe(NexusErrorCodes.JobNotFound);
        notFound.Title.ShouldBe("Not found");
        notFound.TraceId.ShouldNotBeNullOrEmpty();
        (await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.GetBatchAsync("batch_01ARZ3NDEKTSV4RRFFQ69G5FAV"))).Code.ShouldBe(NexusErrorCodes.JobNotFound);
        (await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.CancelAsync("job_01ARZ3NDEKTSV4RRFFQ69G5FAV"))).Code.ShouldBe(NexusErrorCodes.JobNotFound);
        (await Should.ThrowAsync<NexusApiException>(() => api.Client.Compounding.GetRunAsync(Guid.NewGuid()))).Code.ShouldBe(NexusErrorCodes.JobNotFound);
        (await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.WaitForCompletionAsync("job_01ARZ3NDEKTSV4RRFFQ69G5FAV"))).Code.ShouldBe(NexusErrorCodes.JobNotFound);

        var invalid = await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.DispatchAsync(
            new DispatchJobRequest(JobTypes.PricingRecalculate, new JsonObject { ["marketplace"] = "mars_prime" }, new JobPriority("urgent"))));
        invalid.Status.ShouldBe((HttpStatusCode)422);
        invalid.Code.ShouldBe(NexusErrorCodes.ValidationFailed);
        invalid.Errors.Keys.ShouldBe(["params.skus", "params.marketplace", "priority"], ignoreOrder: true);
        invalid.Errors["priority"].ShouldBe(["must be one of low, normal, high"]);
        invalid.IsTransient.ShouldBeFalse();

        var unknownType = await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.DispatchAsync(new DispatchJobRequest("teleport")));
        unknownType.Code.ShouldBe(NexusErrorCodes.InvalidJobType);
        unknownType.Errors["type"][0].ShouldContain("teleport");

        var tooLarge = await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.DispatchBatchAsync(
            new DispatchBatchRequest(Enumerable.Range(0, 21).Select(i => Pricing($"ok-{i}")).ToList())));
        tooLarge.Code.ShouldBe(NexusErrorCodes.BatchTooLarge);

        var badInsight = await Should.ThrowAsync<NexusApiException>(() => api.Client.Insights.IngestAsync([new NewInsight("   ", "feedback", Confidence: 1.5)]));
        badInsight.Errors.Keys.ShouldBe(["insights[0].content", "insights[0].confidence"], ignoreOrder: true);
        (await Should.ThrowAsync<NexusApiException>(() => api.Client.Insights.ListAsync(new InsightQuery { Last = TimeSpan.FromDays(400) })))
            .Errors.Keys.ShouldBe(["last"]);
        (await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.ListAsync(new JobListQuery { Cursor = "garbage" })))
            .Errors.Keys.ShouldBe(["cursor"]);
    }

    [Fact]
    public async Task AKeyWithoutTheScope_OrAnotherTenant_OrNoKey_IsRefused()
    {
        var app = await NexusApp.SharedAsync();
        var owner = await app.ClientAsync();
        var reader = await app.ClientAsync(owner.Workspace, "ai-jobs:read");

        var scope = await Should.ThrowAsync<NexusApiException>(() => reader.Client.AiJobs.DispatchAsync(Pricing("ok-scope")));
        scope.Status.ShouldBe(HttpStatusCode.Forbidden);
        scope.Code.ShouldBe(NexusErrorCodes.InsufficientScope);

        using var sameTenant = new NexusJobsClient(app.CreateClient(), ApiClient.TestClientOptions(owner.Key, owner.Workspace));
        (await sameTenant.AiJobs.ListAsync()).Data.ShouldBeEmpty();
        using var otherTenant = new NexusJobsClient(app.CreateClient(), ApiClient.TestClientOptions(owner.Key, owner.Workspace + 1));
        (await Should.ThrowAsync<NexusApiException>(() => otherTenant.AiJobs.ListAsync())).Code.ShouldBe(NexusErrorCodes.TenantMismatch);
        using var anonymous = new NexusJobsClient(app.CreateClient());
        (await Should.ThrowAsync<NexusApiException>(() => anonymous.AiJobs.ListAsync())).Code.ShouldBe(NexusErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task IdempotencyKey_ReplaysTheFirstAnswer_AndRefusesAnotherBody()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var key = NexusJobsClient.NewIdempotencyKey();

        var first = await api.Client.AiJobs.DispatchAsync(Pricing("ok-idem"), key);
        var again = await api.Client.AiJobs.DispatchAsync(Pricing("ok-idem"), key);
        var conflict = await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.DispatchAsync(Pricing("ok-other"), key));

        again.ShouldBe(first with { Params = again.Params });
        again.Params.GetRawText().ShouldBe(first.Params.GetRawText());
        conflict.Code.ShouldBe(NexusErrorCodes.IdempotencyConflict);
        (await api.Client.AiJobs.ListAsync()).Data.Count.ShouldBe(1);

        // A key names one request: the same key on another endpoint is another body.
        (await Should.ThrowAsync<NexusApiException>(() => api.Client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.Metrics), key)))
            .Code.ShouldBe(NexusErrorCodes.IdempotencyConflict);
        var runKey = NexusJobsClient.NewIdempotencyKey();
        var run = await api.Client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.Metrics), runKey);
        (await api.Client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.Metrics), runKey)).JobRunId.ShouldBe(run.JobRunId);
    }

    [Fact]
    public async Task QueueFull_Is429_WithRetryAfter_LeftToTheCaller()
    {
        // No worker role: nothing drains the queue, so the cap is reached deterministically.
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api", ["AiJobs:MaxQueuedPerWorkspace"] = "1" });
        var api = await app.ClientAsync();
        await api.Client.AiJobs.DispatchAsync(Pricing("ok-1"));

        var full = await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.DispatchAsync(Pricing("ok-2")));
        var fullBatch = await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.DispatchBatchAsync(new DispatchBatchRequest([Pricing("ok-3")])));

        full.Status.ShouldBe(HttpStatusCode.TooManyRequests);
        full.Code.ShouldBe(NexusErrorCodes.QueueFull);
        full.RetryAfter!.Value.ShouldBeGreaterThan(TimeSpan.Zero);
        full.IsTransient.ShouldBeTrue();
        fullBatch.Code.ShouldBe(NexusErrorCodes.QueueFull);
        fullBatch.RetryAfter.ShouldNotBeNull();
        (await api.Client.AiJobs.ListAsync()).Data.Count.ShouldBe(1, "the client sent each request once");
    }

    [Fact]
    public async Task Compounding_TriggerGetListAndWait_AndThePipelinesOutputs()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await api.IngestDemoAsync(600, seed: 3);

        var accepted = await api.Client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.PatternDetection));
        accepted.Status.ShouldBe(RunStatus.Accepted);
        accepted.Success.ShouldBeTrue();
        accepted.WorkspaceId.ShouldBe(api.Workspace);
        accepted.DryRun.ShouldBeFalse();
        var patterns = await api.Client.Compounding.WaitForCompletionAsync(accepted.JobRunId, TimeSpan.FromSeconds(60));
        var dry = await api.Client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.Metrics, DryRun: true));
        var metrics = await api.Client.Compounding.WaitForCompletionAsync(
            (await api.Client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.Metrics))).JobRunId, TimeSpan.FromSeconds(60));
        await api.Client.Compounding.WaitForCompletionAsync(dry.JobRunId, TimeSpan.FromSeconds(60));

        patterns.Status.ShouldBe(RunStatus.Completed);
        patterns.JobType.ShouldBe(CompoundingJobTypes.PatternDetection);
        patterns.Trigger.ShouldBe("api");
        patterns.InsightsScanned!.Value.ShouldBeGreaterThan(0);
        patterns.CandidatesCreated!.Value.ShouldBeGreaterThan(0);
        patterns.CompletedAt!.Value.ShouldBeGreaterThanOrEqualTo(patterns.StartedAt);
        patterns.DurationMs!.Value.ShouldBeGreaterThanOrEqualTo(0);
        patterns.ErrorDetails.ShouldBeNull();
        (await api.Client.Compounding.GetRunAsync(accepted.JobRunId)).ShouldBe(patterns);

        var active = await api.Client.Compounding.ListPatternsAsync(status: "active", limit: 500);
        active.Count.ShouldBe(patterns.CandidatesCreated.Value);
        active.ShouldAllBe(p => p.Status == "active" && p.Support >= 5 && p.ExampleInsightIds.Count > 0 && p.LastSeen >= p.FirstSeen);
        (await api.Client.Compounding.ListPatternsAsync(limit: 1)).Count.ShouldBe(1);
        (await api.Client.Compounding.ListPlaybooksAsync(status: "retired")).ShouldBeEmpty();
        var snapshots = await api.Client.Compounding.ListMetricsAsync();
        snapshots.Single().RunId.ShouldBe(metrics.JobRunId, "a dry run stores no snapshot");
        snapshots[0].Metrics.GetProperty("patterns").GetInt32().ShouldBe(active.Count);

        var runs = await api.Client.Compounding.ListRunsAsync(new RunListQuery { JobType = CompoundingJobTypes.Metrics, Limit = 1 });
        runs.Data.Single().JobRunId.ShouldBe(metrics.JobRunId);
        runs.NextCursor.ShouldNotBeNull();
        var all = await Collect(api.Client.Compounding.EnumerateRunsAsync(new RunListQuery { Limit = 1 }));
        all.Select(r => r.JobRunId).ShouldBe([metrics.JobRunId, dry.JobRunId, accepted.JobRunId]);
        (await Collect(api.Client.Compounding.EnumerateRunsAsync(new RunListQuery { Status = RunStatus.Completed, JobType = CompoundingJobTypes.PatternDetection })))
            .Single().JobRunId.ShouldBe(accepted.JobRunId);
    }

    [Fact]
    public async Task Insights_IngestListAndEnumerate()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var kettle = new InsightEntity("K1", "Blue kettle", "product");

        var ingested = await api.Client.Insights.IngestAsync(
        [
            new NewInsight("Customers love the blue kettle", "feedback", [kettle], 0.5),
            new NewInsight("customers LOVE the blue kettle!!", "feedback", [kettle], 0.5),
        ]);
        // A second request, so that it is the newest (one ingest shares one timestamp).
        var lamp = await api.Client.Insights.IngestAsync([new NewInsight("The lamp flickers", "defect")], NexusJobsClient.NewIdempotencyKey());

        ingested.Created.ShouldBe(1);
        ingested.Reinforced.ShouldBe(1);
        ingested.Data.Select(d => d.Result).ShouldBe(["created", "reinforced"]);
        ingested.Data[1].Id.ShouldBe(ingested.Data[0].Id);
        lamp.Created.ShouldBe(1);

        var page = await api.Client.Insights.ListAsync(new InsightQuery { Last = TimeSpan.FromHours(1), Limit = 1 });
        page.Data.Single().Content.ShouldBe("The lamp flickers");
        page.Data[0].Confidence.ShouldBe(0.5);
        page.Data[0].Entities.ShouldBeEmpty();
        page.NextCursor.ShouldNotBeNull();
        var all = await Collect(api.Client.Insights.EnumerateAsync(new InsightQuery { Limit = 1 }));
        all.Select(i => i.Id).ShouldBe([lamp.Data[0].Id, ingested.Data[0].Id]);
        var stored = all.Single(i => i.Type == "feedback");
        stored.Entities.ShouldBe([kettle]);
        stored.ReinforcementCount.ShouldBe(2);
        stored.Confidence.ShouldBe(0.75, tolerance: 1e-9);
        stored.Status.ShouldBe("active");
        stored.MergedInto.ShouldBeNull();
        stored.WorkspaceId.ShouldBe(api.Workspace);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        (await api.Client.Insights.ListAsync(new InsightQuery { From = today, To = today })).Data.Count.ShouldBe(2);
        (await api.Client.Insights.ListAsync(new InsightQuery { To = DateTimeOffset.UtcNow.AddDays(-1) })).Data.ShouldBeEmpty();
    }

    [Fact]
    public async Task Catalog_UpsertsAndReadsEveryKind()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var at = new DateTimeOffset(2026, 3, 12, 14, 32, 1, TimeSpan.Zero);
        var catalog = api.Client.Catalog;

        (await catalog.UpsertProductsAsync(
        [
            new Product("K1", "amazon_us", "Nexus kettle", 19.99m, "USD", Description: "Boils", BulletPoints: ["1.7 l", "Steel"], Brand: "Nexus", Category: "kitchen", Cost: 8m),
            new Product("L1", "amazon_us", "Nexus lamp", 25m, "USD"),
        ])).Upserted.ShouldBe(2);
        (await catalog.UpsertDailySalesAsync([new DailySale("K1", new DateOnly(2026, 3, 1), 4, 19.99m), new DailySale("K1", new DateOnly(2026, 3, 2), 6, 18.5m)])).Upserted.ShouldBe(2);
        (await catalog.UpsertCompetitorOffersAsync([new CompetitorOffer("K1", "rival", 17.25m, at, "Rival kettle")])).Upserted.ShouldBe(1);
        (await catalog.UpsertReviewsAsync([new Review("R1", "K1", 5, "Great kettle", at)])).Upserted.ShouldBe(1);
        (await catalog.UpsertReturnsAsync([new ProductReturn("K1", "O-1", "arrived broken", 1, at)], NexusJobsClient.NewIdempotencyKey())).Upserted.ShouldBe(1);

        var products = await catalog.ListProductsAsync();
        products.Select(p => p.Sku).ShouldBe(["K1", "L1"]);
        products[0].BulletPoints.ShouldBe(["1.7 l", "Steel"]);
        products[0].Cost.ShouldBe(8m);
        products[0].Price.ShouldBe(19.99m);
        products[1].Description.ShouldBeNull();
        products[1].BulletPoints.ShouldBeEmpty();
        (await catalog.ListProductsAsync(new CatalogQuery { Limit = 1, Offset = 1 })).Single().Sku.ShouldBe("L1");
        (await catalog.ListDailySalesAsync(new CatalogQuery { Sku = "K1" })).Select(s => s.Date).ShouldBe([new DateOnly(2026, 3, 2), new DateOnly(2026, 3, 1)]);
        (await catalog.ListDailySalesAsync(new CatalogQuery { Sku = "L1" })).ShouldBeEmpty();
        (await catalog.ListCompetitorOffersAsync()).Single().ShouldBe(new CompetitorOffer("K1", "rival", 17.25m, at, "Rival kettle"));
        var review = (await catalog.ListReviewsAsync()).Single();
        (review.ReviewId, review.Rating, review.Text, review.CreatedAt, review.SentimentScore).ShouldBe(("R1", 5, "Great kettle", at, (double?)null));
        var returned = (await catalog.ListReturnsAsync()).Single();
        (returned.OrderRef, returned.Reason, returned.Units, returned.Category).ShouldBe(("O-1", "arrived broken", 1, (string?)null));

        var invalid = await Should.ThrowAsync<NexusApiException>(() => catalog.UpsertProductsAsync([new Product("K2", "mars_prime", "x", -1m, "usd")]));
        invalid.Errors.Keys.ShouldBe(["products[0].marketplace", "products[0].price", "products[0].currency"], ignoreOrder: true);
    }

    // ---- Push: callbacks ----

    [Fact]
    public async Task Callbacks_RotateTheSecret_DispatchWithACallbackUrl_VerifyWhatArrives_AndListItsDelivery()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await using var receiver = await CallbackReceiver.StartAsync();
        var url = receiver.Url("ok");

        var noSecret = await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.DispatchAsync(Pricing("ok-client-no-secret") with { CallbackUrl = url }));
        noSecret.Code.ShouldBe(NexusErrorCodes.ValidationFailed);
        noSecret.Errors.Keys.ShouldBe(["callback_url"]);

        var secret = await api.Client.Callbacks.RotateSecretAsync();
        secret.Secret.ShouldStartWith("whsec_");
        secret.CreatedAt.ShouldBeInRange(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(5));
        var accepted = await api.Client.AiJobs.DispatchAsync(Pricing("ok-client-callback") with { CallbackUrl = url });
        accepted.CallbackUrl.ShouldBe(url);
        var done = await api.Client.AiJobs.WaitForCompletionAsync(accepted.Id, TimeSpan.FromSeconds(30));
        done.CallbackUrl.ShouldBe(url);

        var received = (await receiver.ShouldReceive(url)).Single();
        var signature = received.Headers[CallbackHeaders.Signature];
        CallbackSignature.IsValid(secret.Secret, received.Body, signature).ShouldBeTrue("the client's helper accepts what the platform signed");
        VerifyCallback.Verify(secret.Secret, received.Body, signature).ShouldBeTrue("and so does the snippet in docs/api.md");
        CallbackSignature.Compute(secret.Secret, received.Body).ShouldBe(signature);
        CallbackSignature.IsValid(secret.Secret + "x", received.Body, signature).ShouldBeFalse();
        CallbackSignature.IsValid(secret.Secret, [.. received.Body, (byte)' '], signature).ShouldBeFalse();
        var callback = CallbackNotification.Parse(received.Body);
        callback.Event.ShouldBe(CallbackEvents.JobCompleted);
        callback.Event.ShouldBe(received.Headers[CallbackHeaders.Event]);
        callback.DeliveryId.ToString("D").ShouldBe(received.Headers[CallbackHeaders.Delivery]);
        callback.AsJob().ShouldBe(done, new JobComparer());
        callback.OccurredAt.ShouldBe(done.CompletedAt!.Value);

        var delivery = (await Eventually.Until(() => api.Client.AiJobs.ListCallbacksAsync(accepted.Id),
            d => d.Count == 1 && d[0].Status == DeliveryStatus.Delivered, TimeSpan.FromSeconds(30), "the delivery to be recorded delivered")).Single();
        delivery.DeliveryId.ShouldBe(callback.DeliveryId);
        delivery.Event.ShouldBe(CallbackEvents.JobCompleted);
        delivery.Url.ShouldBe(url);
        delivery.NextAttemptAt.ShouldBeNull();
        var attempt = delivery.Attempts.Single();
        (attempt.Attempt, attempt.ResponseStatus, attempt.Error).ShouldBe((1, (int?)200, (string?)null));
        attempt.AttemptedAt.ShouldBeGreaterThanOrEqualTo(done.CompletedAt.Value);

        var rotated = await api.Client.Callbacks.RotateSecretAsync(NexusJobsClient.NewIdempotencyKey());
        rotated.Secret.ShouldNotBe(secret.Secret);
        CallbackSignature.IsValid(rotated.Secret, received.Body, signature).ShouldBeFalse("a rotated secret signs other bytes");
    }

    [Fact]
    public async Task Callbacks_OfABatchAndOfARun_AreSignedAndListed_ThroughTheClient()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await using var receiver = await CallbackReceiver.StartAsync();
        var secret = (await api.Client.Callbacks.RotateSecretAsync()).Secret;
        var batchUrl = receiver.Url("ok");
        var runUrl = receiver.Url("gone");

        var batch = await api.Client.AiJobs.DispatchBatchAsync(new DispatchBatchRequest([Pricing("ok-client-cb-1"), Pricing("ok-client-cb-2")], CallbackUrl: batchUrl));
        var trigger = await api.Client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.Metrics, CallbackUrl: runUrl));
        batch.CallbackUrl.ShouldBe(batchUrl);
        trigger.CallbackUrl.ShouldBe(runUrl);
        var ended = await api.Client.AiJobs.WaitForBatchCompletionAsync(batch.BatchId, TimeSpan.FromSeconds(30));
        var run = await api.Client.Compounding.WaitForCompletionAsync(trigger.JobRunId, TimeSpan.FromSeconds(60));
        ended.CallbackUrl.ShouldBe(batchUrl);
        ended.Jobs.ShouldAllBe(j => j.CallbackUrl == batchUrl);
        run.CallbackUrl.ShouldBe(runUrl);

        var batchCalls = await receiver.ShouldReceive(batchUrl, count: 3);
        batchCalls.ShouldAllBe(c => CallbackSignature.IsValid(secret, c.Body, c.Headers[CallbackHeaders.Signature]));
        var batchCallback = CallbackNotification.Parse(batchCalls.Single(c => c.Event == CallbackEvents.BatchCompleted).Body).AsBatch();
        batchCallback.BatchId.ShouldBe(batch.BatchId);
        batchCallback.Status.ShouldBe(JobStatus.Completed);
        var batchDelivery = (await Eventually.Until(() => api.Client.AiJobs.ListBatchCallbacksAsync(batch.BatchId),
            d => d.Count == 1 && d[0].Status == DeliveryStatus.Delivered, TimeSpan.FromSeconds(30), "the batch's delivery")).Single();
        batchDelivery.Event.ShouldBe(CallbackEvents.BatchCompleted);
        (await Eventually.Until(() => api.Client.AiJobs.ListCallbacksAsync(batch.Jobs[1].Id), d => d.Count == 1 && d[0].Status.IsTerminal))
            .Single().Event.ShouldBe(CallbackEvents.JobCompleted);

        var runCallback = (await receiver.ShouldReceive(runUrl)).Single();
        CallbackSignature.IsValid(secret, runCallback.Body, runCallback.Headers[CallbackHeaders.Signature]).ShouldBeTrue();
        CallbackNotification.Parse(runCallback.Body).AsRun().JobRunId.ShouldBe(trigger.JobRunId);
        var runDelivery = (await Eventually.Until(() => api.Client.Compounding.ListRunCallbacksAsync(trigger.JobRunId),
            d => d.Count == 1 && d[0].Status == DeliveryStatus.Failed, TimeSpan.FromSeconds(30), "the run's delivery to fail on 410")).Single();
        runDelivery.Event.ShouldBe(CallbackEvents.RunCompleted);
        runDelivery.Attempts.Single().ResponseStatus.ShouldBe(410);
        runDelivery.NextAttemptAt.ShouldBeNull();
    }

    [Fact]
    public async Task PushCalls_ForUnknownIds_Are404JobNotFound()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();

        (await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.ListCallbacksAsync("job_01ARZ3NDEKTSV4RRFFQ69G5FAV"))).Code.ShouldBe(NexusErrorCodes.JobNotFound);
        (await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.ListBatchCallbacksAsync("batch_01ARZ3NDEKTSV4RRFFQ69G5FAV"))).Code.ShouldBe(NexusErrorCodes.JobNotFound);
        (await Should.ThrowAsync<NexusApiException>(() => api.Client.Compounding.ListRunCallbacksAsync(Guid.NewGuid()))).Code.ShouldBe(NexusErrorCodes.JobNotFound);
        (await Should.ThrowAsync<NexusApiException>(() => Collect(api.Client.AiJobs.WatchAsync("job_01ARZ3NDEKTSV4RRFFQ69G5FAV")))).Code.ShouldBe(NexusErrorCodes.JobNotFound);
        (await Should.ThrowAsync<NexusApiException>(() => Collect(api.Client.AiJobs.WatchBatchAsync("batch_01ARZ3NDEKTSV4RRFFQ69G5FAV")))).Code.ShouldBe(NexusErrorCodes.JobNotFound);
        (await Should.ThrowAsync<NexusApiException>(() => Collect(api.Client.Compounding.WatchRunAsync(Guid.NewGuid())))).Code.ShouldBe(NexusErrorCodes.JobNotFound);
        (await Should.ThrowAsync<NexusApiException>(() => api.Client.AiJobs.WaitForBatchCompletionAsync("batch_01ARZ3NDEKTSV4RRFFQ69G5FAV"))).Code.ShouldBe(NexusErrorCodes.JobNotFound);
    }

    // ---- Push: event streams ----

    [Fact]
    public async Task WatchAsync_SeesQueuedRunningCompleted_ThenEnds()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var (first, second) = ($"block-{Guid.NewGuid():N}", $"block-{Guid.NewGuid():N}");
        var batch = await api.Client.AiJobs.DispatchBatchAsync(new DispatchBatchRequest([Pricing(first), Pricing(second)], Sequential: true));
        var watched = batch.Jobs[1].Id;
        await api.ShouldReachStatus(batch.Jobs[0].Id, "running");
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var statuses = new List<JobStatus>();
        Job? last = null;
        await foreach (var job in api.Client.AiJobs.WatchAsync(watched).WithCancellation(patience.Token))
        {
            if (statuses.Count == 0 || statuses[^1] != job.Status)
            {
                statuses.Add(job.Status);
            }
            // Each status is seen before the next is let happen.
            ScriptedHandler.Release(job.Status == JobStatus.Queued ? first : second);
            last = job;
        }

        statuses.ShouldBe([JobStatus.Queued, JobStatus.Running, JobStatus.Completed]);
        last!.Id.ShouldBe(watched);
        last.ShouldBe(await api.Client.AiJobs.GetAsync(watched), new JobComparer());
        (await Collect(api.Client.AiJobs.WatchAsync(watched))).Single().Status.ShouldBe(JobStatus.Completed, "an ended job: its state once, then the end");
    }

    [Fact]
    public async Task WatchBatchAsync_AndWatchRunAsync_FollowToTheEnd()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var gate = $"block-{Guid.NewGuid():N}";
        var batch = await api.Client.AiJobs.DispatchBatchAsync(new DispatchBatchRequest([Pricing(gate), Pricing("ok-watch-batch")], Sequential: true));
        var trigger = await api.Client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.Metrics));
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var batches = new List<Batch>();
        await foreach (var b in api.Client.AiJobs.WatchBatchAsync(batch.BatchId, patience.Token))
        {
            batches.Add(b);
            ScriptedHandler.Release(gate);
        }
        var runs = await Collect(api.Client.Compounding.WatchRunAsync(trigger.JobRunId, patience.Token));

        batches[0].Status.ShouldBeOneOf(JobStatus.Queued, JobStatus.Running);
        batches[^1].Status.ShouldBe(JobStatus.Completed);
        batches[^1].Jobs.Select(j => j.Status).ShouldBe([JobStatus.Completed, JobStatus.Completed]);
        batches.Take(batches.Count - 1).ShouldAllBe(b => !b.Status.IsTerminal);
        runs[^1].Status.ShouldBe(RunStatus.Completed);
        runs[^1].ShouldBe(await api.Client.Compounding.GetRunAsync(trigger.JobRunId));
        runs.Take(runs.Count - 1).ShouldAllBe(r => !r.Status.IsTerminal);
    }

    [Fact]
    public async Task WaitForCompletion_FollowsTheEventStream_WithoutReadingTheStatus()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var seen = new TransportTap();
        using var client = new NexusJobsClient(app.CreateDefaultClient(seen), ApiClient.TestClientOptions(api.Key));
        var (jobGate, batchGate) = ($"block-{Guid.NewGuid():N}", $"block-{Guid.NewGuid():N}");
        var job = await api.Client.AiJobs.DispatchAsync(Pricing(jobGate));
        var batch = await api.Client.AiJobs.DispatchBatchAsync(new DispatchBatchRequest([Pricing(batchGate)]));
        var run = await api.Client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.Metrics));

        var jobWait = client.AiJobs.WaitForCompletionAsync(job.Id, TimeSpan.FromSeconds(30));
        var batchWait = client.AiJobs.WaitForBatchCompletionAsync(batch.BatchId, TimeSpan.FromSeconds(30));
        await Eventually.Until(() => Task.FromResult(seen.Paths.Count), n => n == 2, TimeSpan.FromSeconds(10), "both streams to open");
        ScriptedHandler.Release(jobGate);
        ScriptedHandler.Release(batchGate);
        var (doneJob, doneBatch) = (await jobWait, await batchWait);
        var doneRun = await client.Compounding.WaitForCompletionAsync(run.JobRunId, TimeSpan.FromSeconds(60));

        doneJob.Status.ShouldBe(JobStatus.Completed);
        doneJob.ShouldBe(await api.Client.AiJobs.GetAsync(job.Id), new JobComparer());
        doneBatch.Status.ShouldBe(JobStatus.Completed);
        doneRun.Status.ShouldBe(RunStatus.Completed);
        seen.Paths.ShouldBe([$"/api/ai-jobs/{job.Id}/events", $"/api/ai-jobs/batch/{batch.BatchId}/events", $"/v1/compounding/jobs/{run.JobRunId:D}/events"],
            ignoreOrder: true, "one stream per wait and no status reads");
    }

    [Theory]
    [InlineData(TransportTap.Fault.Unavailable)]
    [InlineData(TransportTap.Fault.Refused)]
    [InlineData(TransportTap.Fault.DropsAfterTheFirstEvent)]
    public async Task WaitForCompletion_FallsBackToPolling_WhenTheStreamFails(TransportTap.Fault fault)
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var seen = new TransportTap(fault);
        using var client = new NexusJobsClient(app.CreateDefaultClient(seen), ApiClient.TestClientOptions(api.Key));
        var gate = $"block-{Guid.NewGuid():N}";
        var job = await api.Client.AiJobs.DispatchAsync(Pricing(gate));

        var wait = client.AiJobs.WaitForCompletionAsync(job.Id, TimeSpan.FromSeconds(30));
        await Eventually.Until(() => Task.FromResult(seen.Paths.Count), n => n >= 2, TimeSpan.FromSeconds(10), "polling to start");
        ScriptedHandler.Release(gate);
        var done = await wait;

        done.Status.ShouldBe(JobStatus.Completed);
        done.ShouldBe(await api.Client.AiJobs.GetAsync(job.Id), new JobComparer());
        seen.Paths[0].ShouldBe($"/api/ai-jobs/{job.Id}/events");
        seen.Paths.Skip(1).ShouldAllBe(p => p == $"/api/ai-jobs/{job.Id}", "then status reads, and the stream is not tried again");
    }

    [Fact]
    public async Task WaitForBatchAndRunCompletion_FallBackToPolling_WhenTheStreamIsUnavailable()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var seen = new TransportTap(TransportTap.Fault.Unavailable);
        using var client = new NexusJobsClient(app.CreateDefaultClient(seen), ApiClient.TestClientOptions(api.Key));
        var batch = await api.Client.AiJobs.DispatchBatchAsync(new DispatchBatchRequest([Pricing("ok-fallback-batch")]));
        var run = await api.Client.Compounding.TriggerAsync(new TriggerRequest(CompoundingJobTypes.Metrics));

        (await client.AiJobs.WaitForBatchCompletionAsync(batch.BatchId, TimeSpan.FromSeconds(30))).Status.ShouldBe(JobStatus.Completed);
        (await client.Compounding.WaitForCompletionAsync(run.JobRunId, TimeSpan.FromSeconds(60))).Status.ShouldBe(RunStatus.Completed);

        seen.Paths.ShouldContain($"/api/ai-jobs/batch/{batch.BatchId}/events");
        seen.Paths.ShouldContain($"/api/ai-jobs/batch/{batch.BatchId}");
        seen.Paths.ShouldContain($"/v1/compounding/jobs/{run.JobRunId:D}/events");
        seen.Paths.ShouldContain($"/v1/compounding/jobs/{run.JobRunId:D}");
    }

    private static async Task<List<T>> Collect<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }
        return list;
    }

    /// <summary>Jobs equal in every member; JsonElement members compare by their JSON text.</summary>
    private sealed class JobComparer : IEqualityComparer<Job>
    {
        public bool Equals(Job? x, Job? y) => x is not null && y is not null
            && x with { Params = default, Result = null } == y with { Params = default, Result = null }
            && x.Params.GetRawText() == y.Params.GetRawText() && x.Result?.GetRawText() == y.Result?.GetRawText();

        public int GetHashCode(Job obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
