using System.ComponentModel;
using Hangfire.Server;
using Nexus.Jobs.Callbacks;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>The Hangfire entry point of a callback delivery: one <see cref="CallbackDeliverer"/> attempt per execution.</summary>
/// <remarks>Its name is stored with every delivery job (<see cref="StoredJobTypes"/>), and its arguments are read by <see cref="JobArguments.Delivery"/>.</remarks>
public sealed class CallbackSender(CallbackDeliverer deliverer)
{
    /// <summary>One attempt. The arguments after <paramref name="deliveryId"/> are for the dashboard's benefit.</summary>
    [DisplayName("{1} callback for {2} (workspace {3})")]
    public Task SendAsync(Guid deliveryId, string @event, string subjectId, long workspaceId, PerformContext? context, CancellationToken cancellationToken) =>
        deliverer.AttemptAsync(deliveryId, @event, subjectId, workspaceId, context?.GetJobParameter<int>("RetryCount") ?? 0, cancellationToken);
}
