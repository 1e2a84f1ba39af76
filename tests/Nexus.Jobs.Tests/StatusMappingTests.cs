using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Tests;

public class StatusMappingTests
{
    private static readonly DateTime Created = new(2025, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime ProcessingAt = Created.AddSeconds(5);
    private static readonly DateTime StartedAt = Created.AddSeconds(7);

    private static JobView Job(string? outcome, string? hangfireState, DateTime? startedAt = null, DateTime? processingAt = null) =>
        new(
            Id: "job_01JABCDEFGHJKMNPQRSTVWXYZ0",
            WorkspaceId: 1,
            Type: "pricing_recalculate",
            Priority: "normal",
            Params: "{}",
            BatchId: null,
            BatchPosition: null,
            CreatedAt: Created,
            EstimatedCompletionAt: Created.AddMinutes(1),
            Outcome: outcome,
            StartedAt: startedAt,
            CompletedAt: null,
            Result: null,
            Error: null,
            RetryCount: 0,
            HangfireJobId: 42,
            HangfireState: hangfireState,
            ProcessingAt: processingAt,
            HangfireRetryCount: null);

    private static BatchView Batch(params JobView[] jobs) => new("batch_01JABCDEFGHJKMNPQRSTVWXYZ0", 1, false, Created, jobs);

    // ---- Map: no outcome recorded yet ----

    [Theory]
    [InlineData("Enqueued", JobStatus.Queued)]
    [InlineData("Scheduled", JobStatus.Queued)]
    [InlineData("Awaiting", JobStatus.Queued)]
    [InlineData("Processing", JobStatus.Running)]
    [InlineData("Succeeded", JobStatus.Completed)]
    [InlineData("Failed", JobStatus.Failed)]
    [InlineData("Deleted", JobStatus.Cancelled)]
    [InlineData(null, JobStatus.Failed)]
    [InlineData("SomeExtensionState", JobStatus.Queued)]
    public void Map_ReturnsStatusFromHangfireState_WhenNoOutcomeIsRecorded(string? hangfireState, JobStatus expected)
    {
        StatusMapping.Map(null, hangfireState).ShouldBe(expected);
    }

    [Fact]
    public void Map_ReturnsQueued_WhenHangfireStateIsScheduledForRetry()
    {
        StatusMapping.Map(null, "Scheduled").ShouldBe(JobStatus.Queued);
    }

    [Fact]
    public void Map_ReturnsQueued_WhenHangfireStateIsAwaitingAnEarlierBatchJob()
    {
        StatusMapping.Map(null, "Awaiting").ShouldBe(JobStatus.Queued);
    }

    [Fact]
    public void Map_ReturnsFailed_WhenHangfireHasExpiredTheJobWithoutOutcome()
    {
        StatusMapping.Map(null, null).ShouldBe(JobStatus.Failed);
    }

    [Fact]
    public void Map_ReturnsQueued_WhenHangfireStateIsUnknownCustomState()
    {
        StatusMapping.Map(null, "Paused").ShouldBe(JobStatus.Queued);
    }

    // ---- Map: completed and cancelled outcomes always win ----

    [Theory]
    [InlineData("Enqueued")]
    [InlineData("Scheduled")]
    [InlineData("Awaiting")]
    [InlineData("Processing")]
    [InlineData("Succeeded")]
    [InlineData("Failed")]
    [InlineData("Deleted")]
    [InlineData(null)]
    [InlineData("SomeExtensionState")]
    public void Map_ReturnsCompleted_WhenOutcomeIsCompleted_WhateverTheHangfireState(string? hangfireState)
    {
        StatusMapping.Map(StatusMapping.OutcomeCompleted, hangfireState).ShouldBe(JobStatus.Completed);
    }

    [Theory]
    [InlineData("Enqueued")]
    [InlineData("Scheduled")]
    [InlineData("Awaiting")]
    [InlineData("Processing")]
    [InlineData("Succeeded")]
    [InlineData("Failed")]
    [InlineData("Deleted")]
    [InlineData(null)]
    [InlineData("SomeExtensionState")]
    public void Map_ReturnsCancelled_WhenOutcomeIsCancelled_WhateverTheHangfireState(string? hangfireState)
    {
        StatusMapping.Map(StatusMapping.OutcomeCancelled, hangfireState).ShouldBe(JobStatus.Cancelled);
    }

    // ---- Map: failed outcome, possibly requeued by an operator ----

    [Theory]
    [InlineData("Enqueued", JobStatus.Queued)]
    [InlineData("Scheduled", JobStatus.Queued)]
    [InlineData("Awaiting", JobStatus.Queued)]
    [InlineData("Processing", JobStatus.Running)]
    [InlineData("Succeeded", JobStatus.Failed)]
    [InlineData("Failed", JobStatus.Failed)]
    [InlineData("Deleted", JobStatus.Failed)]
    [InlineData(null, JobStatus.Failed)]
    [InlineData("SomeExtensionState", JobStatus.Failed)]
    public void Map_ReturnsExpectedStatus_WhenOutcomeIsFailed(string? hangfireState, JobStatus expected)
    {
        StatusMapping.Map(StatusMapping.OutcomeFailed, hangfireState).ShouldBe(expected);
    }

    [Fact]
    public void Map_ReturnsQueued_WhenFailedJobWasRequeuedByOperator()
    {
        StatusMapping.Map("failed", "Enqueued").ShouldBe(JobStatus.Queued);
    }

    [Fact]
    public void Map_ReturnsRunning_WhenRequeuedFailedJobIsProcessingAgain()
    {
        StatusMapping.Map("failed", "Processing").ShouldBe(JobStatus.Running);
    }

    [Fact]
    public void OutcomeConstants_MatchTheValuesStoredInTheDatabase()
    {
        StatusMapping.OutcomeCompleted.ShouldBe("completed");
        StatusMapping.OutcomeFailed.ShouldBe("failed");
        StatusMapping.OutcomeCancelled.ShouldBe("cancelled");
    }

    // ---- JobView.Status / Started ----

    [Fact]
    public void Status_DelegatesToMap_WithOutcomeAndHangfireState()
    {
        Job(null, "Processing").Status.ShouldBe(JobStatus.Running);
        Job("failed", "Enqueued").Status.ShouldBe(JobStatus.Queued);
        Job("cancelled", "Processing").Status.ShouldBe(JobStatus.Cancelled);
    }

    [Fact]
    public void Started_ReturnsNull_WhenJobIsQueued()
    {
        Job(null, "Enqueued", startedAt: StartedAt, processingAt: ProcessingAt).Started.ShouldBeNull();
    }

    [Fact]
    public void Started_ReturnsNull_WhenFailedJobWasRequeued()
    {
        // An earlier run left a started_at and a Processing state; the job is waiting again.
        Job("failed", "Enqueued", startedAt: StartedAt, processingAt: ProcessingAt).Started.ShouldBeNull();
    }

    [Fact]
    public void Started_ReturnsProcessingAt_WhenJobIsRunning()
    {
        Job(null, "Processing", startedAt: StartedAt, processingAt: ProcessingAt).Started.ShouldBe(ProcessingAt);
    }

    [Fact]
    public void Started_FallsBackToStartedAt_WhenRunningWithoutProcessingAt()
    {
        Job(null, "Processing", startedAt: StartedAt, processingAt: null).Started.ShouldBe(StartedAt);
    }

    [Fact]
    public void Started_ReturnsStartedAt_WhenJobIsCompleted()
    {
        Job("completed", "Succeeded", startedAt: StartedAt, processingAt: ProcessingAt).Started.ShouldBe(StartedAt);
    }

    [Fact]
    public void Started_ReturnsStartedAt_WhenJobHasFailed()
    {
        Job("failed", "Failed", startedAt: StartedAt, processingAt: ProcessingAt).Started.ShouldBe(StartedAt);
    }

    // ---- BatchView.Status ----

    [Fact]
    public void BatchStatus_ReturnsQueued_WhenAllJobsAreQueued()
    {
        Batch(Job(null, "Enqueued"), Job(null, "Awaiting"), Job(null, "Scheduled")).Status.ShouldBe("queued");
    }

    [Fact]
    public void BatchStatus_ReturnsRunning_WhenOneJobIsRunning()
    {
        Batch(Job(null, "Processing"), Job(null, "Awaiting")).Status.ShouldBe("running");
    }

    [Fact]
    public void BatchStatus_ReturnsRunning_WhenOneJobCompletedAndAnotherIsQueued()
    {
        Batch(Job("completed", "Succeeded"), Job(null, "Enqueued")).Status.ShouldBe("running");
    }

    [Fact]
    public void BatchStatus_ReturnsRunning_WhenOneJobFailedAndAnotherIsStillQueued()
    {
        Batch(Job("failed", "Failed"), Job(null, "Awaiting")).Status.ShouldBe("running");
    }

    [Fact]
    public void BatchStatus_ReturnsCompleted_WhenAllJobsCompleted()
    {
        Batch(Job("completed", "Succeeded"), Job("completed", null)).Status.ShouldBe("completed");
    }

    [Fact]
    public void BatchStatus_ReturnsFailed_WhenJobsCompletedFailedAndCancelled()
    {
        Batch(Job("completed", "Succeeded"), Job("failed", "Failed"), Job("cancelled", "Deleted")).Status.ShouldBe("failed");
    }

    [Fact]
    public void BatchStatus_ReturnsCancelled_WhenJobsCompletedAndCancelled()
    {
        Batch(Job("completed", "Succeeded"), Job("cancelled", "Deleted")).Status.ShouldBe("cancelled");
    }
}
