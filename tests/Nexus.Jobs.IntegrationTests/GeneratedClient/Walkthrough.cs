// Not compiled with the test project: GeneratedClientTests compiles it with the client NSwag generates from the served
// OpenAPI document, so a document that loses a type (limit as a string, priority as a free string) stops it compiling.
using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Nexus.Jobs.IntegrationTests.Infrastructure;
using Shouldly;

namespace Nexus.Jobs.Generated.Walkthrough;

/// <summary>The README's walk-through (dispatch, poll, list, batch, cancel, a 422 and a 409, catalog data, a compounding run) through the generated client.</summary>
public static class Walkthrough
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static async Task RunAsync(HttpClient http)
    {
        var api = new NexusJobsApi(http);

        // Dispatch a job: 202 with the job queued.
        var accepted = (await api.DispatchJobAsync(new DispatchJobRequest
        {
            Type = JobType.Pricing_recalculate,
            Params = new { skus = new[] { "ok-walkthrough" }, marketplace = "amazon_us", apply = false },
            Priority = Priority.High,
        })).Data;
        accepted.Id.ShouldStartWith("job_");
        accepted.Status.ShouldBe(JobStatus.Queued);
        accepted.Priority.ShouldBe(Priority.High);

        // Poll its status until it completes.
        var job = await Eventually.Until(async () => (await api.GetJobAsync(accepted.Id)).Data, j => j.Status == JobStatus.Completed, Patience, $"job {accepted.Id}");
        job.Type.ShouldBe(JobType.Pricing_recalculate);
        job.Result.ShouldNotBeNull();
        job.Completed_at.ShouldNotBeNull();

        // The priority a client leaves out is the server's default, not the first member of the enum.
        var unset = (await api.DispatchJobAsync(new DispatchJobRequest { Type = JobType.Pricing_recalculate, Params = new { skus = new[] { "ok-default" }, marketplace = "amazon_us" } })).Data;
        unset.Priority.ShouldBe(Priority.Normal);

        // List the workspace's jobs, newest first, with filters.
        var page = await api.ListJobsAsync(type: JobType.Pricing_recalculate, status: JobStatus.Completed, start_date: DateTimeOffset.UtcNow.AddDays(-1),
            end_date: DateTimeOffset.UtcNow.AddDays(1), limit: 10);
        page.Data.Select(j => j.Id).ShouldContain(accepted.Id);
        page.Data.ShouldAllBe(j => j.Status == JobStatus.Completed && j.Type == JobType.Pricing_recalculate);

        // A sequential batch: job 2 waits for job 1, which runs until this walk-through releases it.
        var blocker = $"block-{Guid.NewGuid():N}";
        var batch = (await api.DispatchBatchAsync(new DispatchBatchRequest
        {
            Sequential = true,
            Jobs =
            {
                new BatchJobRequest { Type = JobType.Pricing_recalculate, Params = new { skus = new[] { blocker }, marketplace = "amazon_us" } },
                new BatchJobRequest { Type = JobType.Competitor_scan, Params = new { skus = new[] { "ok-second" }, marketplace = "amazon_us" }, Priority = Priority.Low },
            },
        })).Data;
        batch.Batch_id.ShouldStartWith("batch_");
        batch.Jobs.Select(j => j.Type).ShouldBe([JobType.Pricing_recalculate, JobType.Competitor_scan]);
        var first = batch.Jobs.First().Id;
        var second = batch.Jobs.Last().Id;
        await Eventually.Until(async () => (await api.GetJobAsync(first)).Data, j => j.Status == JobStatus.Running, Patience, $"job {first} to run");

        // Cancel the queued job: 204, and it reads cancelled.
        await api.CancelJobAsync(second);
        (await api.GetJobAsync(second)).Data.Status.ShouldBe(JobStatus.Cancelled);

        // A 409: the running job is not cancellable.
        var conflict = await Should.ThrowAsync<ApiException<ProblemDetails>>(() => api.CancelJobAsync(first));
        conflict.StatusCode.ShouldBe(409);
        conflict.Result.Code.ShouldBe("JOB_NOT_CANCELLABLE");
        conflict.Result.Trace_id.ShouldNotBeNullOrEmpty();

        ScriptedHandler.Release(blocker);
        var ended = await Eventually.Until(async () => (await api.GetBatchAsync(batch.Batch_id)).Data, b => b.Status != JobStatus.Queued && b.Status != JobStatus.Running,
            Patience, $"batch {batch.Batch_id} to end");
        ended.Status.ShouldBe(JobStatus.Cancelled);
        ended.Jobs.Select(j => j.Status).ShouldBe([JobStatus.Completed, JobStatus.Cancelled]);
        ended.Counts["completed"].ShouldBe(1);

        // A 422: pricing_recalculate needs skus; the problem names the field.
        var invalid = await Should.ThrowAsync<ApiException<ValidationProblemDetails>>(
            () => api.DispatchJobAsync(new DispatchJobRequest { Type = JobType.Pricing_recalculate, Params = new { marketplace = "amazon_us" } }));
        invalid.StatusCode.ShouldBe(422);
        invalid.Result.Code.ShouldBe("VALIDATION_FAILED");
        invalid.Result.Errors.Keys.ShouldContain("params.skus");

        // Commerce data the handlers work on: an upsert the generated body types describe, read back.
        var sku = $"SKU-{Guid.NewGuid():N}";
        var upserted = await api.UpsertProductsAsync(new CatalogProductRows
        {
            Products = { new CatalogProduct { Sku = sku, Marketplace = Marketplace.Amazon_us, Title = "Blue kettle", Price = 24.99, Currency = "USD" } },
        });
        upserted.Upserted.ShouldBe(1);
        (await api.ReadCatalogAsync(CatalogKind.Products, sku: sku, limit: 5)).Data.Count.ShouldBe(1);

        // A compounding trigger and its status until it completes, then the run in the workspace's list.
        var trigger = await api.TriggerCompoundingAsync(new TriggerRequest { Job_type = CompoundingJobType.Metrics, Dry_run = false });
        trigger.Status.ShouldBe(RunStatus.Accepted);
        trigger.Success.ShouldBeTrue();
        var run = await Eventually.Until(() => api.GetCompoundingRunAsync(trigger.Job_run_id), r => r.Status is RunStatus.Completed or RunStatus.Failed, Patience,
            $"run {trigger.Job_run_id}");
        run.Status.ShouldBe(RunStatus.Completed, $"{run.Error_details}");
        run.Job_type.ShouldBe(CompoundingJobType.Metrics);
        run.Trigger.ShouldBe(RunTrigger.Api);
        run.Duration_ms.ShouldNotBeNull();
        var runs = await api.ListCompoundingRunsAsync(job_type: CompoundingJobType.Metrics, status: RunStatus.Completed, limit: 5);
        runs.Data.Select(r => r.Job_run_id).ShouldContain(trigger.Job_run_id);
    }
}
