using System.Collections.Concurrent;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Execution;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>Hangfire's <see cref="AutomaticRetryAttribute"/>, configured per job type from <c>AiJobs:Retry</c>.</summary>
public sealed class PerTypeRetryFilter(IOptionsMonitor<AiJobsOptions> options) : IElectStateFilter, IApplyStateFilter
{
    private readonly ConcurrentDictionary<string, AutomaticRetryAttribute> _byType = new(StringComparer.Ordinal);

    public void OnStateElection(ElectStateContext context) => For(context.BackgroundJob.Job).OnStateElection(context);

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction) =>
        For(context.BackgroundJob.Job).OnStateApplied(context, transaction);

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction) =>
        For(context.BackgroundJob.Job).OnStateUnapplied(context, transaction);

    private AutomaticRetryAttribute For(Job? job)
    {
        var type = JobArguments.AiJob(job)?.Type ?? "";
        return _byType.GetOrAdd(type, key =>
        {
            var policy = key.Length == 0 ? options.CurrentValue.DefaultRetry : options.CurrentValue.RetryFor(key);
            return new AutomaticRetryAttribute
            {
                Attempts = policy.Attempts,
                DelaysInSeconds = policy.DelaysPerAttempt(),
                ExceptOn = [typeof(PermanentJobFailureException)],
                OnAttemptsExceeded = AttemptsExceededAction.Fail,
            };
        });
    }
}
