using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Compounding;

/// <summary>Registers insights, the five pipelines, runs and their schedules.</summary>
public static class CompoundingSetup
{
    public static IServiceCollection AddCompounding(this IServiceCollection services, bool schedules)
    {
        services.AddOptions<CompoundingOptions>().BindConfiguration(CompoundingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<CompoundingOptions>, CompoundingOptionsValidator>();
        services.AddSingleton<InsightStore>();
        services.AddSingleton<CompoundingDispatcher>();
        services.AddSingleton<CompoundingReader>();
        services.AddSingleton<CompoundingOutputs>();
        services.AddScoped<CompoundingRunner>();
        services.AddScoped<CompoundingFanOut>();
        services.AddSingleton<IPipeline, ConsolidationPipeline>();
        services.AddSingleton<IPipeline, PatternDetectionPipeline>();
        services.AddSingleton<IPipeline, PlaybookSynthesisPipeline>();
        services.AddSingleton<IPipeline, DecaySweepPipeline>();
        services.AddSingleton<IPipeline, MetricsPipeline>();
        if (schedules)
        {
            services.AddHostedService<CompoundingSchedules>();
        }
        return services;
    }
}

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
