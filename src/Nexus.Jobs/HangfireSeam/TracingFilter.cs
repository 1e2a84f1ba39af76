using System.Diagnostics;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Server;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>The metric tags of a Hangfire job, as <c>NexusTelemetry.Tags(job)</c> beside the platform's meters.</summary>
public static class JobTelemetry
{
    extension(NexusTelemetry)
    {
        /// <summary>type and priority tags of a job (compounding runs: their pipeline, priority normal).</summary>
        public static TagList Tags(Job? job)
        {
            var tags = new TagList();
            if (job is null)
            {
                return tags;
            }
            tags.Add("type", JobArguments.Kind(job));
            tags.Add("priority", job.Queue switch
            {
                Queues.High => "high",
                Queues.Low => "low",
                _ => "normal",
            });
            return tags;
        }
    }
}

/// <summary>Carries the dispatching request's trace into the job, and measures each execution.</summary>
/// <remarks>
/// The W3C trace context is stored as a job parameter when the job is created, and the execution's activity
/// takes it as its parent: one trace from the HTTP request through the dispatch to the worker.
/// </remarks>
public sealed class TracingFilter : IClientFilter, IServerFilter
{
    // Callback deliveries are traced but not counted as jobs: they have nexus.callbacks.attempts.
    private static bool IsCounted(Job? job) => job?.Type != typeof(CallbackSender);

    public const string TraceParameter = "traceparent";
    private const string ActivityKey = "nexus.activity";
    private const string StartedKey = "nexus.started";

    public void OnCreating(CreatingContext context)
    {
        // Nobody traces: carrying the context would cost a row per job and a read per execution for nothing.
        if (NexusTelemetry.Source.HasListeners() && Activity.Current?.Id is { } traceparent)
        {
            context.SetJobParameter(TraceParameter, traceparent);
        }
    }

    public void OnCreated(CreatedContext context)
    {
    }

    public void OnPerforming(PerformingContext context)
    {
        var tags = NexusTelemetry.Tags(context.BackgroundJob.Job);
        var counted = IsCounted(context.BackgroundJob.Job);
        if (counted)
        {
            NexusTelemetry.Started.Add(1, tags);
            NexusTelemetry.PickupLatency.Record((DateTime.UtcNow - context.BackgroundJob.CreatedAt).TotalMilliseconds, tags);
        }
        context.Items[StartedKey] = Stopwatch.GetTimestamp();
        if (!NexusTelemetry.Source.HasListeners())
        {
            return;
        }
        var parent = context.GetJobParameter<string>(TraceParameter);
        ActivityContext.TryParse(parent, null, out var parentContext);
        var activity = NexusTelemetry.Source.StartActivity("job.execute", ActivityKind.Consumer, parentContext);
        if (activity is not null)
        {
            activity.SetTag("hangfire.job.id", context.BackgroundJob.Id);
            foreach (var tag in tags)
            {
                activity.SetTag("job." + tag.Key, tag.Value);
            }
            if (JobArguments.PlatformId(context.BackgroundJob.Job) is { } platformId)
            {
                activity.SetTag("job.id", platformId);
            }
            context.Items[ActivityKey] = activity;
        }
    }

    public void OnPerformed(PerformedContext context)
    {
        var tags = NexusTelemetry.Tags(context.BackgroundJob.Job);
        var counted = IsCounted(context.BackgroundJob.Job);
        if (counted && context.Items.TryGetValue(StartedKey, out var started) && started is long timestamp)
        {
            NexusTelemetry.Duration.Record(Stopwatch.GetElapsedTime(timestamp).TotalMilliseconds, tags);
        }
        if (counted && context.Exception is null && !context.Canceled)
        {
            NexusTelemetry.Completed.Add(1, tags);
        }
        if (context.Items.TryGetValue(ActivityKey, out var value) && value is Activity activity)
        {
            if (context.Exception is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, context.Exception.Message);
            }
            activity.Dispose();
        }
    }
}
