using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Compounding;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>Keeps one recurring job per pipeline in Hangfire, with the configured cron and time zone (visible in the dashboard).</summary>
public sealed class CompoundingSchedules(IRecurringJobManager recurring, IOptions<CompoundingOptions> options, ILogger<CompoundingSchedules> logger) : IHostedService
{
    private static readonly System.Reflection.MethodInfo FanOut = typeof(CompoundingFanOut).GetMethod(nameof(CompoundingFanOut.RunAsync))!;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var timeZone = settings.ResolveTimeZone();
        foreach (var jobType in CompoundingJobTypes.All)
        {
            var cron = settings.ScheduleFor(jobType);
            var job = new Job(typeof(CompoundingFanOut), FanOut, [jobType, CancellationToken.None], Queues.Normal);
            recurring.AddOrUpdate(CompoundingFanOut.RecurringJobId(jobType), job, cron, new RecurringJobOptions { TimeZone = timeZone });
            logger.LogDebug("Scheduled {JobType} at '{Cron}' ({TimeZone})", jobType, cron, timeZone.Id);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
