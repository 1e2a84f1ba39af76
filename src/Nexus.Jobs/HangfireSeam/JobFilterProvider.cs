using Hangfire;
using Hangfire.Common;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>Hangfire's filters plus ours, per host; Hangfire's global retry filter is replaced by <see cref="PerTypeRetryFilter"/>
/// (and, for callback deliveries, by the callback back-off), and its culture capture is left out.</summary>
/// <remarks>
/// Registered in DI rather than in the static <c>GlobalJobFilters</c>, so two hosts in one process (tests) keep their own.
/// <c>CaptureCultureAttribute</c> stores the dispatching thread's culture with every job and reads it back before every
/// execution (a row and two round trips per job, counted by the benchmarks); the platform's jobs never depend on the
/// thread culture (their inputs and outputs are JSON, formatted invariantly).
/// </remarks>
public sealed class NexusJobFilterProvider(PerTypeRetryFilter retry, CallbackRetryFilter callbackRetry, JobOutcomeFilter outcome, TracingFilter tracing,
    JobRecordPrefetch prefetch, JobCompletion completion) : IJobFilterProvider
{
    public IEnumerable<JobFilter> GetFilters(Job job) =>
        JobFilterProviders.Providers.GetFilters(job)
            .Where(f => f.Instance is not AutomaticRetryAttribute and not CaptureCultureAttribute)
            .Append(new JobFilter(job?.Type == typeof(CallbackSender) ? callbackRetry.Attribute : retry, JobFilterScope.Global, 20))
            .Append(new JobFilter(outcome, JobFilterScope.Global, 30))
            .Append(new JobFilter(tracing, JobFilterScope.Global, 40))
            .Append(new JobFilter(prefetch, JobFilterScope.Global, 50))
            .Append(new JobFilter(completion, JobFilterScope.Global, 60));
}
