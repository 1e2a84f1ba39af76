using Hangfire.Common;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>Resolves the class names stored with Hangfire jobs, including those of entry points that have since moved.</summary>
/// <remarks>
/// Hangfire stores a job's class by name. The entry points moved into this folder (issue 14), so jobs created before
/// that (queued, scheduled retries, recurring jobs not yet rewritten) name their old namespaces; they still run.
/// </remarks>
internal static class StoredJobTypes
{
    private static readonly Dictionary<string, Type> Moved = new(StringComparer.Ordinal)
    {
        ["Nexus.Jobs.Platform.AiJobRunner"] = typeof(AiJobRunner),
        ["Nexus.Jobs.Callbacks.CallbackSender"] = typeof(CallbackSender),
        ["Nexus.Jobs.Compounding.CompoundingRunner"] = typeof(CompoundingRunner),
        ["Nexus.Jobs.Compounding.CompoundingFanOut"] = typeof(CompoundingFanOut),
    };

    /// <summary>The type a stored name (<c>Namespace.Class, Assembly</c>) stands for.</summary>
    public static Type Resolve(string typeName)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        var comma = typeName.IndexOf(',', StringComparison.Ordinal);
        var name = (comma < 0 ? typeName : typeName[..comma]).Trim();
        return Moved.TryGetValue(name, out var type) ? type : TypeHelper.DefaultTypeResolver(typeName);
    }
}
