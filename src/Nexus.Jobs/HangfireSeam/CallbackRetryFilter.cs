using Hangfire;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Execution;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>Hangfire's <see cref="AutomaticRetryAttribute"/> with the callback back-off (<c>Nexus:Callbacks:Attempts</c>, <c>:DelaysSeconds</c>).</summary>
public sealed class CallbackRetryFilter(IOptions<CallbackOptions> options)
{
    public AutomaticRetryAttribute Attribute { get; } = new()
    {
        Attempts = options.Value.Attempts,
        DelaysInSeconds = options.Value.RetryDelays(),
        // 410 Gone and a workspace without a secret: no retry can help.
        ExceptOn = [typeof(PermanentJobFailureException)],
        OnAttemptsExceeded = AttemptsExceededAction.Fail,
    };
}
