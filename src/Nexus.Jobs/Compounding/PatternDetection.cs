using System.Runtime.InteropServices;

namespace Nexus.Jobs.Compounding;

/// <summary>Finds themes (terms and two-word phrases) that recur across many recent insights about several entities.</summary>
public static class PatternDetection
{
    /// <summary>A bigram must have at least this share of a unigram's support (4/5 = 80 %) for the unigram to be dropped as subsumed.</summary>
    private const int SubsumeNumerator = 4;
    private const int SubsumeDenominator = 5;

    /// <summary>
    /// Detects recurring themes among the active insights reinforced within <see cref="PatternOptions.EffectiveWindow"/> before
    /// <paramref name="now"/>. A theme is a (stemmed) term or a pair of adjacent terms of one sentence; it is a pattern when it occurs in at
    /// least <see cref="PatternOptions.MinSupport"/> insights about at least <see cref="PatternOptions.MinDistinctEntities"/> distinct entities.
    /// A term is left out when a reported phrase containing it has at least 80 % of its support. Results are ordered by support (descending),
    /// then theme (ordinal); the input order does not matter.
    /// </summary>
    public static IReadOnlyList<DetectedPattern> Detect(IReadOnlyList<InsightRecord> insights, DateTime now, PatternOptions options)
    {
        ArgumentNullException.ThrowIfNull(insights);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);

        var docs = Select(insights, now, options.EffectiveWindow);
        if (docs.Count == 0)
        {
            return [];
        }

        var vocabulary = new Vocabulary();
        var tokens = new int[docs.Count][];
        var buffer = new List<int>();
        for (var i = 0; i < docs.Count; i++)
        {
            tokens[i] = vocabulary.Tokenize(docs[i].Content, buffer);
        }

        // Pass 1: support of every stem (once per insight), then of the bigrams whose two stems both have enough support (a bigram
        // cannot have more support than either of its words), without keeping postings for the many rare themes.
        var minSupport = options.MinSupport;
        var stemSupport = new int[vocabulary.StemCount];
        var stemLastDoc = new int[vocabulary.StemCount];
        for (var i = 0; i < docs.Count; i++)
        {
            foreach (var surface in tokens[i])
            {
                if (surface >= 0)
                {
                    var stem = vocabulary.StemOf(surface);
                    if (stemLastDoc[stem] != i + 1)
                    {
                        stemLastDoc[stem] = i + 1;
                        stemSupport[stem]++;
                    }
                }
            }
        }

        var bigramCounts = new Dictionary<long, ThemeCount>(MixedKeyComparer.Instance);
        for (var i = 0; i < docs.Count; i++)
        {
            var previous = -1;
            foreach (var surface in tokens[i])
            {
                var stem = surface < 0 ? -1 : vocabulary.StemOf(surface);
                if (stem >= 0 && previous >= 0 && stemSupport[previous] >= minSupport && stemSupport[stem] >= minSupport)
                {
                    ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(bigramCounts, Key(previous, stem), out _);
                    if (count.LastDoc != i + 1)
                    {
                        count.LastDoc = i + 1;
                        count.Support++;
                    }
                }

                previous = stem;
            }
        }

        // Pass 2: postings and surface forms of the themes with enough support.
        var candidateOf = new Dictionary<long, int>(MixedKeyComparer.Instance);
        var candidateKeys = new List<long>();
        for (var stem = 0; stem < stemSupport.Length; stem++)
        {
            if (stemSupport[stem] >= minSupport)
            {
                candidateOf[Key(stem, -1)] = candidateKeys.Count;
                candidateKeys.Add(Key(stem, -1));
            }
        }

        foreach (var (key, count) in bigramCounts)
        {
            if (count.Support >= minSupport)
            {
                candidateOf[key] = candidateKeys.Count;
                candidateKeys.Add(key);
            }
        }

        bigramCounts.Clear();
        bigramCounts.TrimExcess();
        if (candidateKeys.Count == 0)
        {
            return [];
        }

        var postings = new List<int>[candidateKeys.Count];
        for (var c = 0; c < postings.Length; c++)
        {
            postings[c] = [];
        }

        var surfaceCounts = new Dictionary<(int Candidate, long Surface), int>(MixedKeyComparer.Instance);
        for (var i = 0; i < docs.Count; i++)
        {
            var previous = -1;
            foreach (var surface in tokens[i])
            {
                if (surface < 0)
                {
                    previous = -1;
                    continue;
                }

                var stem = vocabulary.StemOf(surface);
                if (stemSupport[stem] >= minSupport)
                {
                    Collect(Key(stem, -1), Key(surface, -1), i);
                    if (previous >= 0 && stemSupport[vocabulary.StemOf(previous)] >= minSupport)
                    {
                        Collect(Key(vocabulary.StemOf(previous), stem), Key(previous, surface), i);
                    }
                }

                previous = surface;
            }
        }

        void Collect(long key, long surface, int doc)
        {
            if (!candidateOf.TryGetValue(key, out var c))
            {
                return;
            }

            var list = postings[c];
            if (list.Count == 0 || list[^1] != doc)
            {
                list.Add(doc); // docs are sorted by id, so postings are too
            }

            CollectionsMarshal.GetValueRefOrAddDefault(surfaceCounts, (c, surface), out _)++;
        }

        // Entities: interned ids and types, deduplicated by id within each insight.
        var entities = new EntityTable(docs);

        var accepted = new List<Candidate>();
        var entityStamp = new int[entities.IdCount];
        var typeCounts = new int[entities.TypeCount];
        var touchedTypes = new List<int>();
        for (var c = 0; c < candidateKeys.Count; c++)
        {
            var distinct = 0;
            foreach (var doc in postings[c])
            {
                foreach (var (entityId, _) in entities.Of(doc))
                {
                    if (entityStamp[entityId] != c + 1)
                    {
                        entityStamp[entityId] = c + 1;
                        distinct++;
                    }
                }
            }

            if (distinct < options.MinDistinctEntities)
            {
                continue;
            }

            foreach (var doc in postings[c])
            {
                foreach (var (_, typeId) in entities.Of(doc))
                {
                    if (typeId >= 0)
                    {
                        if (typeCounts[typeId]++ == 0)
                        {
                            touchedTypes.Add(typeId);
                        }
                    }
                }
            }

            string? entityType = null;
            var best = 0;
            foreach (var typeId in touchedTypes)
            {
                var type = entities.Type(typeId);
                if (typeCounts[typeId] > best || (typeCounts[typeId] == best && string.CompareOrdinal(type, entityType) < 0))
                {
                    best = typeCounts[typeId];
                    entityType = type;
                }

                typeCounts[typeId] = 0;
            }

            touchedTypes.Clear();
            accepted.Add(new Candidate(c, candidateKeys[c], postings[c].Count, distinct, entityType));
        }

        // Subsumption: a term goes when a reported phrase containing it has >= 80 % of its support.
        var bestPhraseSupport = new Dictionary<int, int>();
        foreach (var candidate in accepted)
        {
            var (first, second) = Split(candidate.Key);
            if (second < 0)
            {
                continue;
            }

            Raise(bestPhraseSupport, first, candidate.Support);
            Raise(bestPhraseSupport, second, candidate.Support);
        }

        var themes = BestSurfaces(surfaceCounts, vocabulary);
        var results = new List<DetectedPattern>();
        foreach (var candidate in accepted)
        {
            var (first, second) = Split(candidate.Key);
            if (second < 0
                && bestPhraseSupport.TryGetValue(first, out var phraseSupport)
                && (long)phraseSupport * SubsumeDenominator >= (long)candidate.Support * SubsumeNumerator)
            {
                continue;
            }

            var supporting = postings[candidate.Index];
            var firstSeen = DateTime.MaxValue;
            var lastSeen = DateTime.MinValue;
            var ids = new Guid[supporting.Count];
            for (var k = 0; k < supporting.Count; k++)
            {
                var doc = docs[supporting[k]];
                ids[k] = doc.Id;
                if (doc.CreatedAt < firstSeen)
                {
                    firstSeen = doc.CreatedAt;
                }

                if (doc.LastReinforcedAt > lastSeen)
                {
                    lastSeen = doc.LastReinforcedAt;
                }
            }

            results.Add(new DetectedPattern(
                themes[candidate.Index],
                candidate.Support,
                candidate.DistinctEntities,
                candidate.EntityType,
                Examples(supporting, docs, options.MaxExamples),
                ids,
                firstSeen,
                lastSeen));
        }

        results.Sort((a, b) => a.Support != b.Support ? b.Support.CompareTo(a.Support) : string.CompareOrdinal(a.Theme, b.Theme));
        return results;
    }

    private static void Raise(Dictionary<int, int> maxima, int key, int value)
    {
        ref var current = ref CollectionsMarshal.GetValueRefOrAddDefault(maxima, key, out _);
        current = Math.Max(current, value);
    }

    private static void Validate(PatternOptions options)
    {
        if (options.MinSupport < 1)
        {
            throw new ArgumentException("MinSupport must be at least 1.", nameof(options));
        }

        if (options.MinDistinctEntities < 0)
        {
            throw new ArgumentException("MinDistinctEntities must not be negative.", nameof(options));
        }

        if (options.EffectiveWindow < TimeSpan.Zero)
        {
            throw new ArgumentException("Window must not be negative.", nameof(options));
        }

        if (options.MaxExamples < 0)
        {
            throw new ArgumentException("MaxExamples must not be negative.", nameof(options));
        }
    }

    /// <summary>Active insights reinforced within [now - window, now], sorted by id (ties broken further, so the order is total).</summary>
    private static List<InsightRecord> Select(IReadOnlyList<InsightRecord> insights, DateTime now, TimeSpan window)
    {
        var selected = new List<InsightRecord>();
        foreach (var insight in insights)
        {
            if (insight is null || !string.Equals(insight.Status, InsightStatus.Active, StringComparison.Ordinal))
            {
                continue;
            }

            var age = now - insight.LastReinforcedAt;
            if (age >= TimeSpan.Zero && age <= window)
            {
                selected.Add(insight);
            }
        }

        selected.Sort(static (a, b) =>
        {
            var byId = a.Id.CompareTo(b.Id);
            if (byId != 0)
            {
                return byId;
            }

            var byTime = a.LastReinforcedAt.CompareTo(b.LastReinforcedAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.Content, b.Content);
        });
        return selected;
    }

    private static long Key(int first, int second) => ((long)(first + 1) << 32) | (uint)(second + 1);

    private static (int First, int Second) Split(long key) => ((int)(key >> 32) - 1, (int)(uint)key - 1);

    /// <summary>Per candidate, its most frequent surface form (ties: ordinal smallest).</summary>
    private static string[] BestSurfaces(Dictionary<(int Candidate, long Surface), int> surfaceCounts, Vocabulary vocabulary)
    {
        var best = new Dictionary<int, (string Text, int Count)>();
        foreach (var ((candidate, surface), count) in surfaceCounts)
        {
            var (first, second) = Split(surface);
            var text = second < 0 ? vocabulary.Surface(first) : vocabulary.Surface(first) + " " + vocabulary.Surface(second);
            if (!best.TryGetValue(candidate, out var current)
                || count > current.Count
                || (count == current.Count && string.CompareOrdinal(text, current.Text) < 0))
            {
                best[candidate] = (text, count);
            }
        }

        var result = new string[best.Count == 0 ? 0 : best.Keys.Max() + 1];
        foreach (var (candidate, (text, _)) in best)
        {
            result[candidate] = text;
        }

        return result;
    }

    /// <summary>Up to <paramref name="max"/> supporting ids, most recently reinforced first, then by id.</summary>
    private static Guid[] Examples(List<int> supporting, List<InsightRecord> docs, int max)
    {
        if (max == 0)
        {
            return [];
        }

        // supporting is in id order, so on equal times the earlier entry has the smaller id and stays ahead.
        var top = new List<int>(Math.Min(max, supporting.Count) + 1);
        foreach (var doc in supporting)
        {
            var time = docs[doc].LastReinforcedAt;
            if (top.Count == max && time <= docs[top[^1]].LastReinforcedAt)
            {
                continue;
            }

            var at = top.Count;
            while (at > 0 && docs[top[at - 1]].LastReinforcedAt < time)
            {
                at--;
            }

            top.Insert(at, doc);
            if (top.Count > max)
            {
                top.RemoveAt(top.Count - 1);
            }
        }

        return top.Select(doc => docs[doc].Id).ToArray();
    }

    /// <summary>
    /// Hashes packed (int, int) keys well: long.GetHashCode xors the halves, so (a, b) keys of small ids would crowd into a few thousand
    /// buckets and make the dictionaries quadratic.
    /// </summary>
    private sealed class MixedKeyComparer : IEqualityComparer<long>, IEqualityComparer<(int, long)>
    {
        public static readonly MixedKeyComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long obj) => Mix((ulong)obj);

        public bool Equals((int, long) x, (int, long) y) => x.Item1 == y.Item1 && x.Item2 == y.Item2;

        public int GetHashCode((int, long) obj) => Mix((ulong)obj.Item2 ^ ((ulong)(uint)obj.Item1 * 0x9E3779B97F4A7C15UL));

        private static int Mix(ulong z) // splitmix64 finaliser
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (int)(z ^ (z >> 31));
        }
    }

    private struct ThemeCount
    {
        public int Support;
        public int LastDoc; // index + 1 of the last insight counted, so an insight counts once
    }

    private sealed record Candidate(int Index, long Key, int Support, int DistinctEntities, string? EntityType);

    /// <summary>Surface forms and stems, interned to small integers.</summary>
    private sealed class Vocabulary
    {
        private readonly Dictionary<string, int> _surfaceIndex = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _stemIndex = new(StringComparer.Ordinal);
        private readonly List<string> _surfaces = [];
        private readonly List<int> _stemOfSurface = [];
        private char[] _lower = new char[64];

        public string Surface(int surface) => _surfaces[surface];

        public int StemOf(int surface) => _stemOfSurface[surface];

        public int StemCount => _stemIndex.Count;

        /// <summary>The kept tokens of <paramref name="text"/> as surface ids, with -1 between sentences.</summary>
        public int[] Tokenize(string? text, List<int> buffer)
        {
            buffer.Clear();
            if (string.IsNullOrEmpty(text))
            {
                return [];
            }

            var lookup = _surfaceIndex.GetAlternateLookup<ReadOnlySpan<char>>();
            ThemeTokens.Scan(text, (start, length) =>
            {
                if (length < 0)
                {
                    if (buffer.Count > 0 && buffer[^1] >= 0)
                    {
                        buffer.Add(-1);
                    }

                    return;
                }

                if (length < ThemeTokens.MinLength)
                {
                    return;
                }

                if (_lower.Length < length)
                {
                    _lower = new char[Math.Max(length, _lower.Length * 2)];
                }

                var lower = _lower.AsSpan(0, length);
                text.AsSpan(start, length).ToLowerInvariant(lower);
                if (!lookup.TryGetValue(lower, out var surface))
                {
                    var word = lower.ToString();
                    surface = _surfaces.Count;
                    _surfaces.Add(word);
                    _stemOfSurface.Add(ThemeTokens.IsStopWord(word) ? -1 : InternStem(ThemeTokens.Stem(word)));
                    _surfaceIndex.Add(word, surface);
                }

                if (_stemOfSurface[surface] >= 0)
                {
                    buffer.Add(surface);
                }
            });

            if (buffer.Count > 0 && buffer[^1] < 0)
            {
                buffer.RemoveAt(buffer.Count - 1);
            }

            return buffer.ToArray();
        }

        private int InternStem(string stem)
        {
            if (!_stemIndex.TryGetValue(stem, out var id))
            {
                id = _stemIndex.Count;
                _stemIndex.Add(stem, id);
            }

            return id;
        }
    }

    /// <summary>Entity ids and types of the selected insights, interned; each insight's entities deduplicated by id.</summary>
    private sealed class EntityTable
    {
        private readonly (int Id, int Type)[][] _byDoc;
        private readonly List<string> _types = [];

        public EntityTable(List<InsightRecord> docs)
        {
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            var types = new Dictionary<string, int>(StringComparer.Ordinal);
            _byDoc = new (int, int)[docs.Count][];
            var seen = new HashSet<int>();
            var row = new List<(int, int)>();
            for (var i = 0; i < docs.Count; i++)
            {
                seen.Clear();
                row.Clear();
                foreach (var entity in docs[i].Entities ?? [])
                {
                    if (entity is null || string.IsNullOrEmpty(entity.Id))
                    {
                        continue;
                    }

                    if (!ids.TryGetValue(entity.Id, out var id))
                    {
                        id = ids.Count;
                        ids.Add(entity.Id, id);
                    }

                    if (!seen.Add(id))
                    {
                        continue;
                    }

                    var type = -1;
                    if (!string.IsNullOrEmpty(entity.Type) && !types.TryGetValue(entity.Type, out type))
                    {
                        type = types.Count;
                        types.Add(entity.Type, type);
                        _types.Add(entity.Type);
                    }

                    row.Add((id, type));
                }

                _byDoc[i] = [.. row];
            }

            IdCount = ids.Count;
        }

        public int IdCount { get; }

        public int TypeCount => _types.Count;

        public (int Id, int Type)[] Of(int doc) => _byDoc[doc];

        public string Type(int type) => _types[type];
    }
}

/// <summary>
/// Tokenisation for theme detection and playbook synthesis: lower-case (invariant), split on anything that is not a letter or digit,
/// English stop words and tokens shorter than three characters dropped, light suffix stemming so that "delays", "delayed" and
/// "delaying" share the stem "delay". Deliberately private to the compounding pipelines (not the shared text normaliser).
/// </summary>
internal static class ThemeTokens
{
    public const int MinLength = 3;

    private const int MinStem = 3;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "above", "across", "after", "again", "against", "all", "almost", "also", "although", "always", "am", "among", "an",
        "and", "another", "any", "anyone", "anything", "are", "around", "as", "at", "be", "because", "been", "before", "being", "below",
        "between", "both", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "done", "don", "down", "during", "each",
        "either", "else", "enough", "etc", "even", "ever", "every", "few", "for", "from", "further", "get", "gets", "got", "had", "has",
        "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "into", "is",
        "isn", "it", "its", "itself", "just", "least", "less", "let", "like", "many", "may", "me", "might", "more", "most", "much", "must",
        "my", "myself", "neither", "no", "nor", "not", "now", "of", "off", "often", "on", "once", "one", "only", "or", "other", "others",
        "our", "ours", "ourselves", "out", "over", "own", "per", "quite", "rather", "really", "same", "shall", "she", "should", "since",
        "so", "some", "still", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they",
        "this", "those", "though", "through", "thus", "to", "too", "under", "until", "up", "upon", "us", "very", "via", "was", "wasn",
        "we", "were", "what", "when", "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within",
        "without", "won", "would", "yet", "you", "your", "yours", "yourself", "yourselves",
    };

    /// <summary>Whether <paramref name="lowerWord"/> (already lower-case) is an English stop word.</summary>
    public static bool IsStopWord(string lowerWord) => StopWords.Contains(lowerWord);

    /// <summary>Whether a character ends a sentence (a '.' between two digits, as in 3.5, does not).</summary>
    public static bool EndsSentence(string text, int index)
    {
        var c = text[index];
        if (c is '!' or '?' or ';' or '\n' or '\r')
        {
            return true;
        }

        return c == '.'
            && !(index > 0 && index + 1 < text.Length && char.IsDigit(text[index - 1]) && char.IsDigit(text[index + 1]));
    }

    /// <summary>
    /// Walks <paramref name="text"/>, calling <paramref name="visit"/>(start, length) for every run of letters or digits and
    /// (start, -1) at every sentence end.
    /// </summary>
    public static void Scan(string text, Action<int, int> visit)
    {
        var start = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsLetterOrDigit(text[i]))
            {
                if (start < 0)
                {
                    start = i;
                }

                continue;
            }

            if (start >= 0)
            {
                visit(start, i - start);
                start = -1;
            }

            if (EndsSentence(text, i))
            {
                visit(i, -1);
            }
        }

        if (start >= 0)
        {
            visit(start, text.Length - start);
        }
    }

    /// <summary>The kept, stemmed tokens of <paramref name="text"/> (all sentences together), in order.</summary>
    public static List<string> Stems(string text)
    {
        var stems = new List<string>();
        Scan(text, (start, length) =>
        {
            if (length < MinLength)
            {
                return;
            }

            var word = text.Substring(start, length).ToLowerInvariant();
            if (!IsStopWord(word))
            {
                stems.Add(Stem(word));
            }
        });
        return stems;
    }

    /// <summary>
    /// Light suffix stemming of a lower-case word: plurals (ies → y, sses → ss, es after s/x/z/ch/sh, s), then ied → y, ing, ed
    /// (undoubling a final double consonant, as in shipping → ship), then a final e, keeping stems of at least three characters.
    /// </summary>
    public static string Stem(string word)
    {
        if (word.Length < 4)
        {
            return word;
        }

        var s = word;
        if (s.EndsWith("ies", StringComparison.Ordinal) && s.Length >= 5)
        {
            s = string.Concat(s.AsSpan(0, s.Length - 3), "y");
        }
        else if (s.EndsWith("sses", StringComparison.Ordinal))
        {
            s = s[..^2];
        }
        else if (s.Length >= 5 && s.EndsWith("es", StringComparison.Ordinal)
            && (s[^3] is 's' or 'x' or 'z' || s.EndsWith("ches", StringComparison.Ordinal) || s.EndsWith("shes", StringComparison.Ordinal)))
        {
            s = s[..^2];
        }
        else if (s[^1] == 's' && !s.EndsWith("ss", StringComparison.Ordinal) && !s.EndsWith("us", StringComparison.Ordinal)
            && !s.EndsWith("is", StringComparison.Ordinal))
        {
            s = s[..^1];
        }

        if (s.Length >= 5 && s.EndsWith("ied", StringComparison.Ordinal))
        {
            s = string.Concat(s.AsSpan(0, s.Length - 3), "y");
        }
        else if (s.EndsWith("ing", StringComparison.Ordinal) && s.Length - 3 >= MinStem && HasVowel(s.AsSpan(0, s.Length - 3)))
        {
            s = Undouble(s[..^3]);
        }
        else if (s.EndsWith("ed", StringComparison.Ordinal) && !s.EndsWith("eed", StringComparison.Ordinal)
            && s.Length - 2 >= MinStem && HasVowel(s.AsSpan(0, s.Length - 2)))
        {
            s = Undouble(s[..^2]);
        }

        if (s.Length > MinStem && s[^1] == 'e')
        {
            s = s[..^1];
        }

        return s;
    }

    private static bool HasVowel(ReadOnlySpan<char> s) => s.IndexOfAny("aeiouy") >= 0;

    private static string Undouble(string s) =>
        s.Length >= 2 && s[^1] == s[^2] && s[^1] is >= 'a' and <= 'z' && "aeioulsz".IndexOf(s[^1], StringComparison.Ordinal) < 0
            ? s[..^1]
            : s;
}
