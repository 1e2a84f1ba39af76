using System.Globalization;
using System.Reflection;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>The platform's Hangfire jobs as the rest of the platform asks for them: created, and deleted.</summary>
/// <remarks>
/// Which class and method Hangfire calls, with which arguments in which queue, is written here and read back by
/// <see cref="JobArguments"/>, nowhere else. Every <c>Create*</c> runs inside <see cref="TransactionalJobs.Begin"/>, so the
/// job commits with the caller's rows (ADR 0002), and returns the Hangfire job id those rows record.
/// </remarks>
public sealed class PlatformJobs(IBackgroundJobClient client)
{
    private static readonly MethodInfo AiJobMethod = typeof(AiJobRunner).GetMethod(nameof(AiJobRunner.RunAsync))!;
    private static readonly MethodInfo RunMethod = typeof(CompoundingRunner).GetMethod(nameof(CompoundingRunner.RunAsync))!;
    private static readonly MethodInfo SendMethod = typeof(CallbackSender).GetMethod(nameof(CallbackSender.SendAsync))!;

    /// <summary>An AI job in its priority's queue; with <paramref name="after"/>, waiting until that job succeeded (a sequential batch).</summary>
    public long CreateAiJob(string jobId, string type, long workspaceId, Priority priority, long? after)
    {
        var queue = Queues.For(priority);
        var job = new Job(typeof(AiJobRunner), AiJobMethod, [jobId, type, workspaceId, null!, CancellationToken.None], queue);
        IState state = after is { } previous
            ? new AwaitingState(previous.ToString(CultureInfo.InvariantCulture), new EnqueuedState(queue), JobContinuationOptions.OnlyOnSucceededState)
            : new EnqueuedState(queue);
        return TransactionalJobs.Create(client, job, state);
    }

    /// <summary>A compounding run of <paramref name="jobType"/> in the normal queue.</summary>
    public long CreateRun(Guid runId, string jobType, long workspaceId)
    {
        var job = new Job(typeof(CompoundingRunner), RunMethod, [runId, jobType, workspaceId, null!, CancellationToken.None], Queues.Normal);
        return TransactionalJobs.Create(client, job, new EnqueuedState(Queues.Normal));
    }

    /// <summary>A callback delivery in the callback queue (its retries come back to it, as the job's queue is set).</summary>
    public long CreateDelivery(Guid deliveryId, string @event, string subjectId, long workspaceId) =>
        TransactionalJobs.Create(client, DeliveryJob(deliveryId, @event, subjectId, workspaceId), new EnqueuedState(CallbackOptions.Queue));

    /// <summary>Deletes a job with <paramref name="reason"/>, only from <paramref name="fromState"/>: false when a worker moved it on meanwhile.</summary>
    public bool TryDelete(long hangfireJobId, string reason, string? fromState) =>
        client.ChangeState(hangfireJobId.ToString(CultureInfo.InvariantCulture), new DeletedState { Reason = reason }, fromState);

    /// <summary>Whether <paramref name="exception"/> is Hangfire's client failing to create a job (its storage away).</summary>
    public static bool IsCreationFailure(Exception exception) => exception is BackgroundJobClientException;

    internal static Job DeliveryJob(Guid deliveryId, string @event, string subjectId, long workspaceId) =>
        new(typeof(CallbackSender), SendMethod, [deliveryId, @event, subjectId, workspaceId, null!, CancellationToken.None], CallbackOptions.Queue);
}
