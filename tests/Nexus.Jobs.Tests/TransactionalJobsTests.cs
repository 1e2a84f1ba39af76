using System.Transactions;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Nexus.Jobs.HangfireSeam;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Tests;

public class TransactionalJobsTests
{
    private static readonly Job AJob = Job.FromExpression<AiJobRunner>(r => r.RunAsync("job_1", "pricing_recalculate", 7, null, CancellationToken.None));

    [Fact]
    public void Create_OutsideItsTransaction_Refuses_SoAJobNeverCommitsWithoutItsRows()
    {
        var client = new Recording();

        Should.Throw<InvalidOperationException>(() => TransactionalJobs.Create(client, AJob, new EnqueuedState()));

        client.Created.ShouldBe(0);
    }

    [Fact]
    public void Create_InsideItsTransaction_CreatesTheJob_AndReturnsItsId()
    {
        var client = new Recording();
        using var scope = TransactionalJobs.Begin();

        TransactionalJobs.Create(client, AJob, new EnqueuedState()).ShouldBe(42);

        client.Created.ShouldBe(1);
        Transaction.Current!.IsolationLevel.ShouldBe(IsolationLevel.ReadCommitted);
    }

    private sealed class Recording : IBackgroundJobClient
    {
        public int Created { get; private set; }

        public string Create(Job job, IState state)
        {
            Created++;
            return "42";
        }

        public bool ChangeState(string jobId, IState state, string expectedState) => throw new NotSupportedException();
    }
}
