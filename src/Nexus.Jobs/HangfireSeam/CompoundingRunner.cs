using System.ComponentModel;
using Hangfire.Server;
using Nexus.Jobs.Compounding;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>The Hangfire entry point of a compounding run: runs it with <see cref="CompoundingRunExecutor"/>.</summary>
/// <remarks>Its name is stored with every run job (<see cref="StoredJobTypes"/>), and its arguments are read by <see cref="JobArguments.Run"/>.</remarks>
public sealed class CompoundingRunner(CompoundingRunExecutor executor)
{
    [DisplayName("{1} run {0} (workspace {2})")]
    public Task RunAsync(Guid runId, string jobType, long workspaceId, PerformContext? context, CancellationToken cancellationToken) =>
        executor.RunAsync(runId, jobType, workspaceId, cancellationToken);
}
