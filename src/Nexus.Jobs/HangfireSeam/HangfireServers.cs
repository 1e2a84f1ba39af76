using Hangfire;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>One Hangfire server as its last heartbeat shows it.</summary>
public sealed record ServerHeartbeat(string Name, int Workers, DateTime? Heartbeat);

/// <summary>The Hangfire servers this process runs (the AI-job server and the callback server), from the storage's monitoring API.</summary>
public sealed class HangfireServers(JobStorage storage)
{
    /// <summary>Servers whose name starts with this process's <c>machine:pid:</c>, as <see cref="HangfireSetup"/> names them.</summary>
    public IReadOnlyList<ServerHeartbeat> OfThisProcess()
    {
        var prefix = $"{Environment.MachineName}:{Environment.ProcessId}:".ToLowerInvariant();
        return storage.GetMonitoringApi().Servers()
            .Where(s => s.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(s => new ServerHeartbeat(s.Name, s.WorkersCount, s.Heartbeat))
            .ToList();
    }
}
