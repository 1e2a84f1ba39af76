using Nexus.Jobs.AiJobs;

namespace Nexus.Jobs.Platform;

/// <summary>Estimates when a job will be done: the work queued ahead of it, then its own expected duration. Pure.</summary>
public static class CompletionEstimate
{
    /// <summary>How many observations the seed's typical duration is worth.</summary>
    public const int PriorWeight = 3;

    /// <summary>Expected duration of a type: the seed's typical duration blended with the observed median.</summary>
    public static TimeSpan ExpectedDuration(JobType type, double? observedMedianSeconds, int samples)
    {
        var prior = type.TypicalDuration.TotalSeconds;
        if (observedMedianSeconds is not { } median || samples <= 0)
        {
            return TimeSpan.FromSeconds(prior);
        }
        return TimeSpan.FromSeconds((PriorWeight * prior + samples * median) / (PriorWeight + samples));
    }

    /// <summary>Time until a worker is free for a new job, given the jobs waiting ahead of it.</summary>
    public static TimeSpan QueueWait(IEnumerable<(string Type, int Count)> ahead, Func<string, TimeSpan> expected, int workers)
    {
        var seconds = ahead.Sum(a => a.Count * expected(a.Type).TotalSeconds);
        return TimeSpan.FromSeconds(seconds / Math.Max(1, workers));
    }
}
