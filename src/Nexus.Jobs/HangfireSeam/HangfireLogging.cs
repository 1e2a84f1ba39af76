using Hangfire.AspNetCore;
using Hangfire.Logging;
using Microsoft.Extensions.Logging;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>Hangfire's log provider over the host's <see cref="ILoggerFactory"/>, silent once that factory is disposed.</summary>
/// <remarks>
/// Hangfire keeps its log provider in a static. When several hosts live in one process (the integration tests)
/// and one stops, its disposed logger factory would otherwise break job creation in the others.
/// </remarks>
internal sealed class ResilientLogProvider(ILoggerFactory loggerFactory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(loggerFactory);

    public ILog GetLogger(string name)
    {
        try
        {
            return _inner.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return Silent.Instance;
        }
    }

    private sealed class Silent : ILog
    {
        public static readonly Silent Instance = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
