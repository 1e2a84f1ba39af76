using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nexus.Jobs.HangfireSeam;
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
        services.AddScoped<CompoundingRunExecutor>();
        services.AddScoped<ScheduledRuns>();
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
