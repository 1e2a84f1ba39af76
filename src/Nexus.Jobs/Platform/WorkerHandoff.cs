using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Nexus.Jobs.Platform;

/// <summary>
/// What one step of a job's run in this process hands to a later step of the same run (a state filter to the job body,
/// or the job body to a state filter), keyed by the Hangfire job and checked against the platform's job id.
/// </summary>
/// <remarks>
/// A value nobody takes (the later step never came: a state change that did not commit, a run that ended otherwise) is
/// dropped once it is older than <see cref="AbandonAfter"/>, checked whenever a value is put.
/// </remarks>
internal sealed class WorkerHandoff<T>
{
    private readonly ConcurrentDictionary<long, (long At, string JobId, T Value)> _values = new();

    /// <summary>How long a value waits to be taken before it is dropped (the later step comes milliseconds after).</summary>
    public TimeSpan AbandonAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Values put and not yet taken or dropped.</summary>
    public int Pending => _values.Count;

    /// <summary>Puts <paramref name="value"/> for the run of <paramref name="hangfireId"/>; <paramref name="onDropped"/> sees each abandoned value dropped.</summary>
    public void Put(long hangfireId, string jobId, T value, Action<T>? onDropped = null)
    {
        var now = Stopwatch.GetTimestamp();
        var abandoned = (long)(AbandonAfter.TotalSeconds * Stopwatch.Frequency);
        foreach (var (key, held) in _values)
        {
            if (now - held.At >= abandoned && _values.TryRemove(key, out var dropped))
            {
                onDropped?.Invoke(dropped.Value);
            }
        }
        _values[hangfireId] = (now, jobId, value);
    }

    /// <summary>Takes the value put for this run of <paramref name="jobId"/>, if there is one.</summary>
    public bool TryTake(long hangfireId, string jobId, [MaybeNullWhen(false)] out T value)
    {
        if (_values.TryRemove(hangfireId, out var held) && held.JobId == jobId)
        {
            value = held.Value;
            return true;
        }
        value = default;
        return false;
    }
}
