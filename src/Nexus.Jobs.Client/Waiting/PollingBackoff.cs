namespace Nexus.Jobs.Client;

/// <summary>The pauses between status reads while waiting: start short, double, stay at the cap. Pure.</summary>
/// <remarks>Most jobs finish in well under a second on an idle platform, so the first reads come quickly; a long job
/// costs one GET per <see cref="Max"/> after the first few seconds.</remarks>
internal readonly record struct PollingBackoff(TimeSpan Initial, TimeSpan Max)
{
    public static PollingBackoff Default { get; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));

    /// <summary>The pause before each next read, endlessly: Initial, 2 x Initial, 4 x Initial, ... up to Max.</summary>
    public IEnumerable<TimeSpan> Delays()
    {
        var delay = Initial <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : Initial;
        var max = Max < delay ? delay : Max;
        while (true)
        {
            yield return delay;
            delay = delay >= max / 2 ? max : delay * 2;
        }
    }
}
