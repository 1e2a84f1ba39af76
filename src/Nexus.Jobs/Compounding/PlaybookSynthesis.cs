using System.Globalization;
using System.Text;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.Compounding;

/// <summary>Turns recurring patterns into if/then playbook rules, taking the action from the advice the supporting insights give.</summary>
public static class PlaybookSynthesis
{
    /// <summary>Cues after which the action starts at the next word: "we should switch ..." gives "switch ...".</summary>
    private static readonly string[][] ModalCues =
    [
        ["should"], ["must"], ["need", "to"], ["needs", "to"], ["recommend"], ["recommends"], ["recommended"],
    ];

    /// <summary>Cue verbs, where the action starts at the cue itself: "consider a discount" stays "consider a discount".</summary>
    private static readonly string[][] VerbCues =
    [
        ["consider"], ["try"], ["switch", "to"], ["increase"], ["reduce"], ["add"], ["improve"], ["fix"], ["update"], ["offer"],
        ["restock"], ["lower"], ["raise"],
    ];

    /// <summary>Words skipped between a modal cue and the action: "we recommend that we probably switch ..." gives "switch ...".</summary>
    private static readonly HashSet<string> Fillers = new(StringComparer.Ordinal)
    {
        "that", "we", "you", "they", "i", "to", "probably", "really", "definitely", "also", "just", "perhaps", "maybe", "strongly",
        "urgently", "immediately", "seriously", "still", "ideally", "actually", "please",
    };

    /// <summary>Where an action phrase ends: "switch carriers because ..." gives "switch carriers".</summary>
    private static readonly HashSet<string> ClauseBreaks = new(StringComparer.Ordinal)
    {
        "because", "since", "but", "although", "though", "otherwise", "unless", "whereas",
    };

    /// <summary>Longest quote of a representative insight in a fallback action.</summary>
    private const int MaxQuote = 120;

    /// <summary>
    /// One rule per pattern with at least <see cref="SynthesisOptions.MinSupport"/> support. A pattern is a theme (insights that
    /// mean the same thing), so the condition is that an insight is about it. The action is the most common piece of advice
    /// among the supporting insights (grouped by their <see cref="TextNormalizer"/> tokens); between equally common pieces the
    /// one its representative insight gives wins, then the ordinal first. Agreement is the share of supporting insights that
    /// give it. Without advice the action is to investigate the theme, quoting its representative insight. Confidence =
    /// (1 - e^(-support / 10)) x (0.5 + 0.5 x agreement), rounded to 4 decimals. Rules are ordered by confidence (descending),
    /// then pattern id.
    /// </summary>
    public static IReadOnlyList<PlaybookRule> Synthesize(IReadOnlyList<PatternInput> patterns, SynthesisOptions options)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(options);

        var rules = new List<PlaybookRule>();
        foreach (var pattern in patterns)
        {
            if (pattern is null || pattern.Support < options.MinSupport)
            {
                continue;
            }

            var contents = pattern.SupportingContents ?? [];
            var (action, backing) = ChooseAction(contents, pattern.RepresentativeContent);
            var agreement = action is null || contents.Count == 0 ? 0.0 : (double)backing / contents.Count;
            action ??= pattern.RepresentativeContent is { } example && !string.IsNullOrWhiteSpace(example)
                ? $"Investigate why \"{pattern.Theme}\" keeps recurring, as in \"{Quote(example)}\""
                : $"Investigate why \"{pattern.Theme}\" keeps recurring";

            var confidence = (1 - Math.Exp(-pattern.Support / 10.0)) * (0.5 + (0.5 * agreement));
            confidence = Math.Round(Math.Clamp(confidence, 0.0, 1.0), 4);
            rules.Add(new PlaybookRule(
                pattern.PatternId,
                $"When a {pattern.EntityType ?? "workspace"} insight is about \"{pattern.Theme}\"",
                action,
                confidence,
                pattern.Support,
                agreement));
        }

        rules.Sort((a, b) => a.Confidence != b.Confidence ? b.Confidence.CompareTo(a.Confidence) : a.PatternId.CompareTo(b.PatternId));
        return rules;
    }

    /// <summary>The most backed action (capitalised) and how many contents back it; (null, 0) when no content gives advice.</summary>
    private static (string? Action, int Backing) ChooseAction(IReadOnlyList<string> contents, string? representative)
    {
        var representativeKeys = Advice(representative).Select(GroupKey).ToHashSet(StringComparer.Ordinal);
        var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        var seenSurfaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var content in contents)
        {
            seenKeys.Clear();
            seenSurfaces.Clear();
            foreach (var action in Advice(content))
            {
                var key = GroupKey(action);
                if (!groups.TryGetValue(key, out var group))
                {
                    group = new Group();
                    groups.Add(key, group);
                }

                if (seenKeys.Add(key))
                {
                    group.Backing++;
                }

                if (seenSurfaces.Add(action))
                {
                    group.Surfaces[action] = group.Surfaces.GetValueOrDefault(action) + 1;
                }
            }
        }

        string? best = null;
        var bestBacking = 0;
        var bestRepresentative = false;
        foreach (var (key, group) in groups)
        {
            var surface = group.Surfaces
                .OrderByDescending(s => s.Value)
                .ThenBy(s => s.Key, StringComparer.Ordinal)
                .First().Key;
            var fromRepresentative = representativeKeys.Contains(key);
            if (group.Backing > bestBacking
                || (group.Backing == bestBacking && fromRepresentative && !bestRepresentative)
                || (group.Backing == bestBacking && fromRepresentative == bestRepresentative && string.CompareOrdinal(surface, best) < 0))
            {
                best = surface;
                bestBacking = group.Backing;
                bestRepresentative = fromRepresentative;
            }
        }

        return best is null ? (null, 0) : (Capitalise(best), bestBacking);
    }

    /// <summary>
    /// The canonical action phrases in <paramref name="content"/>: for each sentence or comma-separated clause with a recommendation cue,
    /// the lower-case text from the cue verb (or the verb after should / must / need to / recommend) to the end of the clause, without
    /// trailing punctuation.
    /// </summary>
    internal static IEnumerable<string> Advice(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            yield break;
        }

        var lower = content.ToLowerInvariant();
        var clauseStart = 0;
        for (var i = 0; i <= lower.Length; i++)
        {
            if (i < lower.Length && !EndsSentence(lower, i) && lower[i] != ',')
            {
                continue;
            }

            var action = AdviceInClause(lower, clauseStart, i);
            if (action is not null)
            {
                yield return action;
            }

            clauseStart = i + 1;
        }
    }

    private static string? AdviceInClause(string text, int start, int end)
    {
        var words = Words(text, start, end);
        for (var w = 0; w < words.Count; w++)
        {
            if (Matches(text, words, w, ModalCues) is { } modalLength)
            {
                var first = w + modalLength;
                while (first < words.Count && Fillers.Contains(Word(text, words[first])))
                {
                    first++;
                }

                if (first < words.Count && Phrase(text, words, first) is { } action)
                {
                    return action;
                }

                w += modalLength - 1;
                continue;
            }

            if (Matches(text, words, w, VerbCues) is not null && Phrase(text, words, w) is { } verbAction)
            {
                return verbAction;
            }
        }

        return null;
    }

    /// <summary>Words [first..] up to a clause break, joined by single spaces, with the clause's inner punctuation kept.</summary>
    private static string? Phrase(string text, List<(int Start, int Length)> words, int first)
    {
        var last = first;
        while (last + 1 < words.Count && !ClauseBreaks.Contains(Word(text, words[last + 1])))
        {
            last++;
        }

        var raw = text.AsSpan(words[first].Start, words[last].Start + words[last].Length - words[first].Start);
        var builder = new StringBuilder(raw.Length);
        var pendingSpace = false;
        foreach (var c in raw)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
        }

        var phrase = builder.ToString().Trim();
        return phrase.Length == 0 ? null : phrase;
    }

    private static int? Matches(string text, List<(int Start, int Length)> words, int at, string[][] cues)
    {
        foreach (var cue in cues)
        {
            if (at + cue.Length > words.Count)
            {
                continue;
            }

            var all = true;
            for (var k = 0; k < cue.Length && all; k++)
            {
                all = text.AsSpan(words[at + k].Start, words[at + k].Length).SequenceEqual(cue[k]);
            }

            if (all)
            {
                return cue.Length;
            }
        }

        return null;
    }

    private static List<(int Start, int Length)> Words(string text, int start, int end)
    {
        var words = new List<(int, int)>();
        var wordStart = -1;
        for (var i = start; i <= end; i++)
        {
            var inWord = i < end && char.IsLetterOrDigit(text[i]);
            if (inWord && wordStart < 0)
            {
                wordStart = i;
            }
            else if (!inWord && wordStart >= 0)
            {
                words.Add((wordStart, i - wordStart));
                wordStart = -1;
            }
        }

        return words;
    }

    private static string Word(string text, (int Start, int Length) word) => text.Substring(word.Start, word.Length);

    /// <summary>
    /// Actions that say the same thing share a key: their distinct tokens (<see cref="TextNormalizer"/>: stemmed, stop words
    /// dropped, negations kept), sorted, so "not reduce prices" and "reduce prices" stay apart.
    /// </summary>
    internal static string GroupKey(string action)
    {
        var tokens = TextNormalizer.Tokens(action).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return tokens.Count == 0 ? "=" + action : string.Join(' ', tokens);
    }

    /// <summary>Whether a character ends a sentence (a '.' between two digits, as in 3.5, does not).</summary>
    private static bool EndsSentence(string text, int index)
    {
        var c = text[index];
        if (c is '!' or '?' or ';' or '\n' or '\r')
        {
            return true;
        }
        return c == '.' && !(index > 0 && index + 1 < text.Length && char.IsDigit(text[index - 1]) && char.IsDigit(text[index + 1]));
    }

    private static string Quote(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= MaxQuote ? flat : flat[..MaxQuote].TrimEnd() + "…";
    }

    private static string Capitalise(string text) =>
        text.Length == 0 ? text : string.Concat(text[..1].ToUpper(CultureInfo.InvariantCulture), text.AsSpan(1));

    private sealed class Group
    {
        public int Backing { get; set; }

        public Dictionary<string, int> Surfaces { get; } = new(StringComparer.Ordinal);
    }
}
