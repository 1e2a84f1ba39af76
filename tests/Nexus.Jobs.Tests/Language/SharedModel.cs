using System.Collections.Concurrent;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

/// <summary>The real all-MiniLM-L6-v2, loaded once for the whole test assembly, with its vectors cached by text.</summary>
internal static class SharedModel
{
    private static readonly MiniLmEmbeddingGenerator Generator = new();
    private static readonly ConcurrentDictionary<string, float[]> Cache = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    /// <summary>The unit vector of each text, in order.</summary>
    public static float[][] Embed(IReadOnlyList<string> texts)
    {
        var missing = texts.Where(t => !Cache.ContainsKey(t)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            // One model run at a time: parallel test classes would otherwise fight over the two cores.
            lock (Gate)
            {
                var vectors = Generator.Embed(missing);
                for (var i = 0; i < missing.Count; i++)
                {
                    Cache[missing[i]] = vectors[i];
                }
            }
        }
        return [.. texts.Select(t => Cache[t])];
    }

    /// <summary>The unit vector of one text.</summary>
    public static float[] Embed(string text) => Embed([text])[0];
}
