using Hangfire.Common;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>An AI job's Hangfire arguments: <see cref="AiJobRunner.RunAsync"/>'s (job id, type, workspace).</summary>
public sealed record AiJobArguments(string JobId, string Type, long WorkspaceId);

/// <summary>A compounding run's Hangfire arguments: <see cref="CompoundingRunner.RunAsync"/>'s (run id, pipeline, workspace).</summary>
public sealed record RunArguments(Guid RunId, string Pipeline, long WorkspaceId);

/// <summary>A callback delivery's Hangfire arguments: <see cref="CallbackSender.SendAsync"/>'s (delivery, event, subject, workspace).</summary>
public sealed record DeliveryArguments(Guid DeliveryId, string Event, string SubjectId, long WorkspaceId);

/// <summary>
/// The one reader of the arguments our Hangfire jobs carry, by the method they call, so that no filter reads
/// <c>job.Args[i]</c> by position and a change to an entry point's parameters breaks in one place.
/// </summary>
public static class JobArguments
{
    /// <summary>The arguments of an <see cref="AiJobRunner"/> job; null for any other job (or one written by an older version).</summary>
    public static AiJobArguments? AiJob(Job? job) =>
        job?.Type == typeof(AiJobRunner) && job.Args.Count >= 3 && job.Args[0] is string id && job.Args[1] is string type && AsLong(job.Args[2]) is { } workspace
            ? new AiJobArguments(id, type, workspace)
            : null;

    /// <summary>The arguments of a <see cref="CompoundingRunner"/> run; null for any other job.</summary>
    public static RunArguments? Run(Job? job) =>
        job?.Type == typeof(CompoundingRunner) && job.Args.Count >= 3 && job.Args[0] is Guid id && job.Args[1] is string pipeline && AsLong(job.Args[2]) is { } workspace
            ? new RunArguments(id, pipeline, workspace)
            : null;

    /// <summary>The arguments of a <see cref="CallbackSender"/> delivery; null for any other job.</summary>
    public static DeliveryArguments? Delivery(Job? job) =>
        job?.Type == typeof(CallbackSender) && job.Args.Count >= 4 && job.Args[0] is Guid id && job.Args[1] is string @event && job.Args[2] is string subject
            && AsLong(job.Args[3]) is { } workspace
            ? new DeliveryArguments(id, @event, subject, workspace)
            : null;

    /// <summary>
    /// What a job is, for metrics and traces: an AI job's type, a run's pipeline, a delivery's event, else the class
    /// Hangfire calls (the schedulers).
    /// </summary>
    public static string Kind(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return AiJob(job)?.Type ?? Run(job)?.Pipeline ?? Delivery(job)?.Event ?? job.Type.Name;
    }

    /// <summary>The platform's id of the job (an AI job's id, a run's or a delivery's id); null for the schedulers.</summary>
    public static string? PlatformId(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return AiJob(job)?.JobId ?? Run(job)?.RunId.ToString() ?? Delivery(job)?.DeliveryId.ToString();
    }

    // Hangfire deserialises a long argument as the declared parameter type, but be exact about what we accept.
    private static long? AsLong(object? value) => value switch
    {
        long l => l,
        int i => i,
        _ => null,
    };
}
