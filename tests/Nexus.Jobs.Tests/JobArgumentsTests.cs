using Hangfire.Common;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Compounding;
using Nexus.Jobs.HangfireSeam;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Tests;

public class JobArgumentsTests
{
    // Built the way Hangfire builds them from our entry points, so a change to an entry point's parameters shows here.
    private static readonly Job AiJob = Job.FromExpression<AiJobRunner>(r => r.RunAsync("job_1", "pricing_recalculate", 7, null, CancellationToken.None));
    private static readonly Guid RunId = Guid.Parse("0193a000-0000-7000-8000-000000000001");
    private static readonly Job Run = Job.FromExpression<CompoundingRunner>(r => r.RunAsync(RunId, "consolidation", 8, null, CancellationToken.None));
    private static readonly Guid DeliveryId = Guid.Parse("0193a000-0000-7000-8000-000000000002");
    private static readonly Job Delivery = PlatformJobs.DeliveryJob(DeliveryId, "job.completed", "job_2", 9);

    [Fact]
    public void EachEntryPoint_IsReadByItsOwnReader_AndNoOther()
    {
        JobArguments.AiJob(AiJob).ShouldBe(new AiJobArguments("job_1", "pricing_recalculate", 7));
        JobArguments.Run(Run).ShouldBe(new RunArguments(RunId, "consolidation", 8));
        JobArguments.Delivery(Delivery).ShouldBe(new DeliveryArguments(DeliveryId, "job.completed", "job_2", 9));

        JobArguments.Run(AiJob).ShouldBeNull();
        JobArguments.Delivery(AiJob).ShouldBeNull();
        JobArguments.AiJob(Run).ShouldBeNull();
        JobArguments.AiJob(Delivery).ShouldBeNull();
        JobArguments.AiJob(null).ShouldBeNull();
    }

    [Fact]
    public void Kind_AndPlatformId_NameWhatAJobIs()
    {
        JobArguments.Kind(AiJob).ShouldBe("pricing_recalculate");
        JobArguments.Kind(Run).ShouldBe("consolidation");
        JobArguments.Kind(Delivery).ShouldBe("job.completed");
        JobArguments.PlatformId(AiJob).ShouldBe("job_1");
        JobArguments.PlatformId(Run).ShouldBe(RunId.ToString());
        JobArguments.PlatformId(Delivery).ShouldBe(DeliveryId.ToString());

        var scheduler = Job.FromExpression<CompoundingFanOut>(s => s.RunAsync("metrics", CancellationToken.None));
        JobArguments.Kind(scheduler).ShouldBe(nameof(CompoundingFanOut));
        JobArguments.PlatformId(scheduler).ShouldBeNull();
    }

    [Fact]
    public void ArgumentsOfTheWrongShape_AreNotRead()
    {
        var truncated = new Job(typeof(AiJobRunner), typeof(AiJobRunner).GetMethod(nameof(AiJobRunner.RunAsync))!, "job_1", "pricing_recalculate", "not a number", null!, CancellationToken.None);

        JobArguments.AiJob(truncated).ShouldBeNull();
    }
}
