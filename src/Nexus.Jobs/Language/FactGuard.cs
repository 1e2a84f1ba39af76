using System.Globalization;
using System.Text.RegularExpressions;

namespace Nexus.Jobs.Language;

/// <summary>Why two alike sentences state different facts, if they do.</summary>
public enum FactConflict
{
    /// <summary>Nothing found: the sentences may state one fact.</summary>
    None,

    /// <summary>One negates what the other affirms ("works" / "doesn't work", "compatible" / "incompatible").</summary>
    Negation,

    /// <summary>Each names a number the other does not ("3 days" / "5 days").</summary>
    Number,

    /// <summary>They sit at opposite ends of one scale ("higher" / "lower", "cheaper" / "more expensive").</summary>
    Antonym,

    /// <summary>Each names a specific term the other does not: another product, place, department, role, month...</summary>
    Term,
}

/// <summary>What <see cref="FactGuard"/> compares of one text, computed once per text.</summary>
public sealed class FactProfile
{
    internal FactProfile(
        HashSet<string> words, HashSet<string> strong, string? weak, List<(FactLexicon.TermClass Class, string Term)> classed,
        HashSet<double> cardinals, HashSet<int> ordinals, int negations, int implicitNegations, List<PoleMark> poles)
    {
        ImplicitNegations = implicitNegations;
        Prefixed = FactGuard.PrefixedWords(words);
        Words = words;
        Strong = strong;
        Weak = weak;
        Classed = classed;
        Cardinals = cardinals;
        Ordinals = ordinals;
        Negations = negations;
        Poles = poles;
    }

    /// <summary>A profile of no words: marks a text whose own profile is still to be computed.</summary>
    internal static FactProfile Empty { get; } = new([], [], null, [], [], [], 0, 0, []);

    /// <summary>Every comparable word: the normaliser's tokens, with aliases ("Dutch", "weekly") in their canonical form.</summary>
    internal HashSet<string> Words { get; }

    /// <summary>Names by their form: acronyms, capitalised words inside a sentence, codes, known places.</summary>
    internal HashSet<string> Strong { get; }

    /// <summary>A capitalised first word that may be a name ("Slack is ..."), or null.</summary>
    internal string? Weak { get; }

    internal List<(FactLexicon.TermClass Class, string Term)> Classed { get; }

    internal HashSet<double> Cardinals { get; }

    internal HashSet<int> Ordinals { get; }

    /// <summary>Explicit negations ("not", "never", "n't", "stopped") that do not sit before a scale word (those flip it instead).</summary>
    internal int Negations { get; }

    /// <summary>Words that negate without saying so ("lacks", "missing", "fails").</summary>
    internal int ImplicitNegations { get; }

    /// <summary>Words that may carry a negating prefix, with the word without it ("incompatible", "compatible"), or null.</summary>
    internal List<(string Word, string Bare)>? Prefixed { get; }

    internal List<PoleMark> Poles { get; }

    /// <summary>A scale word as written, with its sign after grading ("less expensive": price, -1).</summary>
    internal readonly record struct PoleMark(string Word, int Scale, int Sign);
}

/// <summary>
/// Keeps apart sentences that share most of their words but state another fact, which embeddings alone do not: cosine
/// puts "rates are higher" and "rates are lower", or "the CTO decides" and "the CFO decides", closer together than many
/// true paraphrases. Pure.
/// </summary>
/// <remarks>
/// The guard looks only at what differs between the two texts, so what they share never matters, and a paraphrase that
/// rewords freely passes. Four rules, each about a difference that changes the fact: an odd number of negations on one
/// side only (explicit, "n't", "lacks", or a prefix: "incompatible" against "compatible"); a number on each side that
/// the other lacks; opposite ends of one scale (a compact list of antonym scales; "not", "less" and "more" before a
/// scale word move it, so "cheaper" and "less expensive" agree); and a specific term on each side that the other lacks:
/// names by their form (acronyms, capitalised words inside a sentence, codes), or members of one closed class
/// (countries, weekdays, months, seasons, colours, departments, roles, currencies, units, materials, compass points). A term on one side
/// only is a detail, not a different fact ("the CFO" / "the chief financial officer").
/// </remarks>
public static partial class FactGuard
{
    // Prefixes that negate the word they precede when the bare word stands on the other side.
    private static readonly string[] NegatingPrefixes = ["un", "non", "dis", "in", "im", "il", "ir"];

    /// <summary>The profile of <paramref name="text"/>, for repeated comparisons.</summary>
    public static FactProfile Profile(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new HashSet<string>(StringComparer.Ordinal);
        var classed = new List<(FactLexicon.TermClass, string)>();
        foreach (var token in TextNormalizer.Tokens(text))
        {
            if (FactLexicon.ClassTerms.TryGetValue(token, out var term))
            {
                words.Add(term.Canonical);
                classed.Add(term);
            }
            else
            {
                words.Add(token);
            }
        }

        var raw = Scan(text);
        var strong = new HashSet<string>(StringComparer.Ordinal);
        var weak = ReadNames(text, raw, words, strong, classed);
        var (cardinals, ordinals) = ReadNumbers(text, raw);
        var (negations, implicitNegations, poles) = ReadPolarity(raw);
        return new FactProfile(words, strong, weak, classed, cardinals, ordinals, negations, implicitNegations, poles);
    }

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> state different facts, and by which rule.</summary>
    public static FactConflict Compare(string a, string b) => Compare(Profile(a), Profile(b));

    /// <summary>Whether the texts of two profiles state different facts, and by which rule.</summary>
    public static FactConflict Compare(FactProfile a, FactProfile b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        List<(string Replaced, FactProfile.PoleMark Mark)>? extraA = null, extraB = null;
        // "lacks" balances "has no", but "misses deadlines" against "delivers late" is no negation: implicit negations
        // count only when they make the two sides agree, so a difference needs both counts to differ.
        var negationsA = a.Negations + PrefixNegations(a, b, ref extraA);
        var negationsB = b.Negations + PrefixNegations(b, a, ref extraB);
        if (negationsA % 2 != negationsB % 2 && (negationsA + a.ImplicitNegations) % 2 != (negationsB + b.ImplicitNegations) % 2)
        {
            return FactConflict.Negation;
        }
        if (EachHasOwn(a.Cardinals, b.Cardinals) || EachHasOwn(a.Ordinals, b.Ordinals))
        {
            return FactConflict.Number;
        }
        if (OppositePoles(a, extraA, b, extraB) || OppositePrefixes(a, b))
        {
            return FactConflict.Antonym;
        }
        if (TermSubstituted(a, b))
        {
            return FactConflict.Term;
        }
        return FactConflict.None;
    }

    /// <summary>
    /// How many words the texts do not share: the larger of the two sides' counts of words the other lacks (0 for the
    /// same words, 1 for a minimal pair such as "teacher" / "student" in otherwise equal sentences).
    /// </summary>
    public static int Difference(FactProfile a, FactProfile b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int onlyA = 0, onlyB = 0;
        foreach (var word in a.Words)
        {
            onlyA += b.Words.Contains(word) ? 0 : 1;
        }
        foreach (var word in b.Words)
        {
            onlyB += a.Words.Contains(word) ? 0 : 1;
        }
        return Math.Max(onlyA, onlyB);
    }

    /// <summary>
    /// Whether the two texts use the same words, whatever their order, case, punctuation or inflection, allowing a typo
    /// (one edit) in words of five letters or more that name no scale, number or class term.
    /// </summary>
    public static bool SameWords(FactProfile a, FactProfile b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        List<string>? onlyA = null;
        foreach (var word in a.Words)
        {
            if (!b.Words.Contains(word))
            {
                (onlyA ??= []).Add(word);
            }
        }
        var onlyB = 0;
        foreach (var word in b.Words)
        {
            onlyB += a.Words.Contains(word) ? 0 : 1;
        }
        if ((onlyA?.Count ?? 0) != onlyB)
        {
            return false;
        }
        if (onlyB == 0)
        {
            return true;
        }
        foreach (var x in onlyA!)
        {
            if (!Typeable(x) || !b.Words.Any(y => !a.Words.Contains(y) && Typeable(y) && WithinOneEdit(x, y)))
            {
                return false;
            }
        }
        return true;

        static bool Typeable(string word) =>
            word.Length >= 5 && !FactLexicon.PolesByWord.ContainsKey(word) && !FactLexicon.ClassTerms.ContainsKey(word)
            && !word.Any(char.IsDigit);
    }

    /// <summary>The words of <paramref name="words"/> that look like a negating prefix on another word, with that word.</summary>
    internal static List<(string Word, string Bare)>? PrefixedWords(HashSet<string> words)
    {
        List<(string, string)>? found = null;
        foreach (var word in words)
        {
            foreach (var prefix in NegatingPrefixes)
            {
                // Short bare words make false pairs ("in" + "come"); the longer prefixes need longer stems still.
                if (word.StartsWith(prefix, StringComparison.Ordinal) && word.Length - prefix.Length >= (prefix is "un" or "non" ? 4 : 5))
                {
                    (found ??= []).Add((word, word[prefix.Length..]));
                    break;
                }
            }
        }
        return found;
    }

    // "incompatible" against "compatible": a negation on the prefixed side. When the bare word is a scale word
    // ("dislike" / "like") the prefixed word becomes that scale word with the sign turned instead.
    private static int PrefixNegations(FactProfile self, FactProfile other, ref List<(string Replaced, FactProfile.PoleMark Mark)>? extra)
    {
        if (self.Prefixed is null)
        {
            return 0;
        }
        var count = 0;
        foreach (var (word, bare) in self.Prefixed)
        {
            if (other.Words.Contains(word) || !other.Words.Contains(bare) || self.Words.Contains(bare))
            {
                continue;
            }
            if (FactLexicon.PolesByWord.TryGetValue(bare, out var scales))
            {
                extra ??= [];
                foreach (var scale in scales)
                {
                    extra.Add((word, new FactProfile.PoleMark(bare, scale.Scale, -scale.Sign)));
                }
            }
            else
            {
                count++;
            }
        }
        return count;
    }

    // Prefixes at opposite ends: "overpaid" / "underpaid", "upsell" / "downsell", "inflow" / "outflow".
    private static readonly (string High, string Low)[] OppositePrefixPairs = [("over", "under"), ("up", "down"), ("in", "out")];

    private static bool OppositePrefixes(FactProfile a, FactProfile b)
    {
        foreach (var x in a.Words)
        {
            if (b.Words.Contains(x))
            {
                continue;
            }
            foreach (var (high, low) in OppositePrefixPairs)
            {
                var (from, to) = x.StartsWith(high, StringComparison.Ordinal) ? (high, low)
                    : x.StartsWith(low, StringComparison.Ordinal) ? (low, high)
                    : (null, null);
                if (from is null || x.Length - from.Length < 3)
                {
                    continue;
                }
                var opposite = string.Concat(to, x.AsSpan(from.Length));
                if (b.Words.Contains(opposite) && !a.Words.Contains(opposite))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static bool EachHasOwn<T>(HashSet<T> a, HashSet<T> b)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            return false;
        }
        return a.Any(x => !b.Contains(x)) && b.Any(x => !a.Contains(x));
    }

    private static bool OppositePoles(FactProfile a, List<(string Replaced, FactProfile.PoleMark Mark)>? extraA, FactProfile b, List<(string Replaced, FactProfile.PoleMark Mark)>? extraB)
    {
        var polesA = Poles(a, extraA);
        var polesB = Poles(b, extraB);
        if (polesA.Count == 0 || polesB.Count == 0)
        {
            return false;
        }
        // A scale word both texts use alike says nothing about a difference; only the rest is compared.
        foreach (var x in polesA)
        {
            if (polesB.Contains(x))
            {
                continue;
            }
            foreach (var y in polesB)
            {
                if (x.Scale == y.Scale && x.Sign != y.Sign && !polesA.Contains(y))
                {
                    return true;
                }
            }
        }
        return false;

        // A prefixed word read as a scale word replaces its own reading ("dislike" is no longer a word of its own).
        static List<FactProfile.PoleMark> Poles(FactProfile profile, List<(string Replaced, FactProfile.PoleMark Mark)>? extra) =>
            extra is null ? profile.Poles : [.. profile.Poles.Where(p => !extra.Any(e => e.Replaced == p.Word)), .. extra.Select(e => e.Mark)];
    }

    private static bool TermSubstituted(FactProfile a, FactProfile b)
    {
        foreach (var (termClass, _) in a.Classed)
        {
            if (HasOwn(a, termClass, b) && HasOwn(b, termClass, a))
            {
                return true;
            }
        }
        if (a.Strong.Count + b.Strong.Count == 0)
        {
            return false;
        }

        // A name the other text lacks is its own, unless the other text has it misspelt ("Salesforce" / "Salesfroce").
        var ownA = a.Strong.Any(term => IsOwn(term, b));
        var ownB = b.Strong.Any(term => IsOwn(term, a));
        var weakA = a.Weak is { } wa && IsOwn(wa, b);
        var weakB = b.Weak is { } wb && IsOwn(wb, a);
        return (ownA && (ownB || weakB)) || (ownB && weakA);

        // Names of three letters or fewer are acronyms, where one letter is another name ("CTO" / "CFO"), and in codes one
        // character is another product ("KX20" / "KX30").
        static bool IsOwn(string term, FactProfile other) =>
            !other.Words.Contains(term)
            && (term.Length < 4 || term.Any(char.IsDigit) || !other.Words.Any(word => word.Length >= 4 && WithinOneEdit(term, word)));

        static bool HasOwn(FactProfile self, FactLexicon.TermClass termClass, FactProfile other)
        {
            foreach (var (c, term) in self.Classed)
            {
                if (c == termClass && !other.Words.Contains(term))
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Whether one insertion, deletion, substitution or swap of neighbours turns one word into the other.</summary>
    internal static bool WithinOneEdit(string x, string y)
    {
        if (Math.Abs(x.Length - y.Length) > 1)
        {
            return false;
        }
        var i = 0;
        while (i < x.Length && i < y.Length && x[i] == y[i])
        {
            i++;
        }
        if (i == x.Length && i == y.Length)
        {
            return true;
        }
        if (x.Length == y.Length)
        {
            return x.AsSpan(i + 1).SequenceEqual(y.AsSpan(i + 1))
                || (i + 1 < x.Length && x[i] == y[i + 1] && x[i + 1] == y[i] && x.AsSpan(i + 2).SequenceEqual(y.AsSpan(i + 2)));
        }
        return x.Length > y.Length ? x.AsSpan(i + 1).SequenceEqual(y.AsSpan(i)) : x.AsSpan(i).SequenceEqual(y.AsSpan(i + 1));
    }

    private static (int Negations, int ImplicitNegations, List<FactProfile.PoleMark> Poles) ReadPolarity(List<RawWord> raw)
    {
        var negations = 0;
        var implicitNegations = 0;
        var poles = new List<FactProfile.PoleMark>();
        for (var i = 0; i < raw.Count; i++)
        {
            var token = raw[i].Token;
            if (token is null)
            {
                // Some scale and negating words are function words the normaliser drops ("behind", "up", "outside").
                var function = raw[i].Lower;
                implicitNegations += FactLexicon.Negatives.Contains(function) ? 1 : 0;
                if (FactLexicon.PolesByWord.TryGetValue(function, out var functionPoles))
                {
                    poles.AddRange(functionPoles.Select(p => new FactProfile.PoleMark(function, p.Scale, p.Sign)));
                }
                continue;
            }
            var negating = TextNormalizer.IsNegation(token) || FactLexicon.Negators.Contains(token);
            var grade = negating ? 0 : FactLexicon.Grading(token);
            var next = negating || grade != 0 ? ModifiedWord(raw, i) : -1;
            var nextPoles = next < 0 ? null : FactLexicon.PolesByWord.GetValueOrDefault(raw[next].Token!);
            if (negating)
            {
                if (nextPoles is not null)
                {
                    // "not happy" is the low end of the happy scale, not a negation of the whole sentence.
                    poles.AddRange(nextPoles.Select(p => new FactProfile.PoleMark(raw[next].Token!, p.Scale, -p.Sign)));
                    i = next;
                }
                else
                {
                    negations++;
                }
                continue;
            }
            if (grade != 0 && nextPoles is not null)
            {
                poles.AddRange(nextPoles.Select(p => new FactProfile.PoleMark(raw[next].Token!, p.Scale, grade * p.Sign)));
                i = next;
                continue;
            }
            if (FactLexicon.PolesByWord.TryGetValue(token, out var own))
            {
                poles.AddRange(own.Select(p => new FactProfile.PoleMark(token, p.Scale, p.Sign)));
            }
            if (FactLexicon.Negatives.Contains(token))
            {
                implicitNegations++;
            }
        }
        return (negations, implicitNegations, poles);
    }

    // Words that may stand between "not" (or "less") and the word it modifies: "not very happy", "isn't at all safe".
    private static readonly HashSet<string> Fillers = new(
        ["very", "really", "quite", "rather", "too", "so", "as", "be", "been", "being", "at", "all", "that", "even", "much", "any", "ever", "just", "actually", "still", "fully"],
        StringComparer.Ordinal);

    /// <summary>The position of the word a modifier at <paramref name="i"/> applies to, or -1 when other words intervene.</summary>
    private static int ModifiedWord(List<RawWord> raw, int i)
    {
        for (var j = i + 1; j < raw.Count; j++)
        {
            if (raw[j].Token is not null)
            {
                return j;
            }
            if (!Fillers.Contains(raw[j].Lower))
            {
                return -1;
            }
        }
        return -1;
    }

    /// <summary>
    /// Reads names from the text as written: acronyms, mixed case and codes anywhere; capitalised words inside a sentence
    /// (unless the text capitalises most words, as titles do); known places anywhere. Adds them to the words and returns
    /// the capitalised first word, which may be a name or just the start of the sentence.
    /// </summary>
    private static string? ReadNames(string text, List<RawWord> raw, HashSet<string> words, HashSet<string> strong, List<(FactLexicon.TermClass, string)> classed)
    {
        var shouting = true;
        foreach (var c in text)
        {
            if (char.IsLower(c))
            {
                shouting = false;
                break;
            }
        }
        int withLetters = 0, capitalised = 0;
        foreach (var word in raw)
        {
            if (word.HasLetter)
            {
                withLetters++;
                capitalised += char.IsUpper(word.Text[0]) ? 1 : 0;
            }
        }
        var titleCase = withLetters >= 4 && capitalised * 10 >= withLetters * 6;
        string? weak = null;
        foreach (var word in raw)
        {
            var w = word.Text;
            if (word.Joined)
            {
                words.Add(word.Lower);
            }
            if (!word.HasLetter || (word.Token is null && !char.IsUpper(w[0])))
            {
                continue;
            }
            var lower = word.Lower;
            var initialCapital = char.IsUpper(w[0]);
            if (initialCapital && FactLexicon.PlaceAliases.TryGetValue(lower, out var place))
            {
                Add(place, (FactLexicon.TermClass.Place, place));
                continue;
            }
            if (initialCapital && FactLexicon.CapitalisedClassTerms.TryGetValue(lower, out var month))
            {
                Add(month.Canonical, month);
                continue;
            }
            bool anyLower = false, upperAfterFirst = false, anyDigit = false;
            var letters = 0;
            for (var k = 0; k < w.Length; k++)
            {
                anyLower |= char.IsLower(w[k]);
                upperAfterFirst |= k > 0 && char.IsUpper(w[k]);
                anyDigit |= char.IsDigit(w[k]);
                letters += char.IsLetter(w[k]) ? 1 : 0;
            }
            // Function words are no names however they are written ("On", "THEIR"), except two acronyms that read as them
            // and a capital letter standing alone inside a sentence ("plan B"; not "A" and "I", which are words).
            var letterName = w.Length == 1 && char.IsUpper(w[0]) && w[0] is not ('A' or 'I') && !word.StartsSentence;
            var functionWord = word.Token is null && lower is not ("us" or "it") && !letterName;
            var acronym = !shouting && letters >= 2 && !anyLower && !functionWord;
            var mixed = anyLower && upperAfterFirst && !functionWord;
            var code = anyDigit && !QuantityPattern().IsMatch(lower);
            var capital = initialCapital && !shouting && !titleCase && (w.Length >= 2 || letterName) && !functionWord;
            if (code || acronym || mixed || (capital && !word.StartsSentence))
            {
                var canonical = word.Token ?? lower;
                if (FactLexicon.ClassTerms.TryGetValue(canonical, out var term))
                {
                    Add(term.Canonical, term);
                }
                else
                {
                    Add(canonical, null);
                }
            }
            else if (capital && weak is null && word.Token is not null && !anyDigit && w.Length >= 3)
            {
                weak = FactLexicon.ClassTerms.TryGetValue(word.Token, out var term) ? term.Canonical : word.Token;
            }
        }
        return weak;

        void Add(string canonical, (FactLexicon.TermClass, string)? term)
        {
            strong.Add(canonical);
            words.Add(canonical);
            if (term is { } t && !classed.Contains(t))
            {
                classed.Add(t);
            }
        }
    }

    /// <summary>A word as written, with what the normaliser makes of it.</summary>
    /// <param name="Text">As written, hyphens removed ("WiFi" for "Wi-Fi").</param>
    /// <param name="Token">Its normalised token, or null for a function word the normaliser drops.</param>
    /// <param name="Parts">The parts of a hyphenated word, lower case.</param>
    private readonly record struct RawWord(string Text, string Lower, string? Token, bool StartsSentence, bool Joined, bool HasLetter, string[]? Parts);

    // Words seen before, with their tokens: stemming is cheap, but not allocating for every word of every text is cheaper.
    // Capped, so that a stream of new words (names, typos) cannot grow it without bound.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> Tokens = new(StringComparer.Ordinal);
    private const int MaxCachedTokens = 200_000;

    private static string? TokenOf(string lower)
    {
        if (Tokens.TryGetValue(lower, out var cached))
        {
            return cached;
        }
        var token = lower == "cannot" ? "not"
            : TextNormalizer.IsStopWordLower(lower) ? null
            : TextNormalizer.IsNegation(lower) ? lower
            : TextNormalizer.Stem(lower).ToString();
        if (Tokens.Count < MaxCachedTokens)
        {
            Tokens.TryAdd(lower, token);
        }
        return token;
    }

    /// <summary>
    /// The words of the text as written, in order: letters and digits, hyphenated compounds as one word, "n't" as "not",
    /// each with the token <see cref="TextNormalizer"/> gives it (stop words kept, marked by a null token).
    /// </summary>
    private static List<RawWord> Scan(string text)
    {
        var result = new List<RawWord>();
        var startsSentence = true;
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsLetterOrDigit(text[i]))
            {
                if (text[i] is '.' or '!' or '?' or ':' or ';' or '\n' or '\u2022' or '*' or '"' or '(' or '[')
                {
                    startsSentence = true;
                }
                i++;
                continue;
            }
            var start = i;
            var hyphens = 0;
            while (i < text.Length && (char.IsLetterOrDigit(text[i])
                       || (text[i] is '-' or '\u2010' && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]) && i > start)))
            {
                hyphens += char.IsLetterOrDigit(text[i]) ? 0 : 1;
                i++;
            }
            var written = text[start..i];
            var parts = hyphens > 0 ? written.ToLowerInvariant().Split('-', '\u2010') : null;
            var plain = hyphens > 0 ? written.Replace("-", "", StringComparison.Ordinal).Replace("\u2010", "", StringComparison.Ordinal) : written;
            var lower = plain.ToLowerInvariant();

            // "doesn't", "won't": as in the normaliser, the auxiliary goes and "not" stays.
            if (i + 1 < text.Length && text[i] is '\'' or '\u2019' && text[i + 1] is 't' or 'T' && lower.EndsWith('n')
                && (i + 2 == text.Length || !char.IsLetterOrDigit(text[i + 2])))
            {
                result.Add(new RawWord("not", "not", "not", startsSentence, false, true, null));
                startsSentence = false;
                i += 2;
                continue;
            }
            var hasLetter = false;
            foreach (var c in plain)
            {
                hasLetter |= char.IsLetter(c);
            }
            var token = TokenOf(lower);
            result.Add(new RawWord(plain, lower, token, startsSentence, hyphens > 0, hasLetter, parts));
            startsSentence = false;
            if (i < text.Length && text[i] is '\'' or '\u2019')
            {
                // "customer's": what follows the apostrophe belongs to the same word, not a new one.
                i++;
                while (i < text.Length && char.IsLetter(text[i]))
                {
                    i++;
                }
            }
        }
        return result;
    }

    /// <summary>Numbers as digits ("3.5", "2,000", "$40k", "10%") and as words ("twelve", "twenty-five", "twice"); ordinals apart.</summary>
    private static (HashSet<double> Cardinals, HashSet<int> Ordinals) ReadNumbers(string text, List<RawWord> raw)
    {
        var cardinals = new HashSet<double>();
        var ordinals = new HashSet<int>();
        if (text.AsSpan().IndexOfAnyInRange('0', '9') >= 0)
        {
            foreach (Match match in DigitsPattern().Matches(text))
            {
                var digits = match.Groups["int"].Value.Replace(",", "", StringComparison.Ordinal);
                var fraction = match.Groups["frac"].Success ? "." + match.Groups["frac"].Value : "";
                var unit = match.Groups["unit"].Value.ToLowerInvariant();
                if (!double.TryParse(digits + fraction, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    continue;
                }
                if (unit is "st" or "nd" or "rd" or "th")
                {
                    ordinals.Add((int)value);
                    continue;
                }
                if (match.Groups["scale"].Success && FactLexicon.TryMultiplier(match.Groups["scale"].Value.ToLowerInvariant(), out var multiplier))
                {
                    value *= multiplier;
                }
                cardinals.Add(value);
            }
        }

        // Number words, combined as they are read: "twenty five" is 25, "two hundred" 200, "three thousand" 3,000.
        double total = 0, current = 0;
        var inNumber = false;
        foreach (var word in raw)
        {
            if (word.Parts is null)
            {
                Read(word.Lower);
                continue;
            }
            foreach (var part in word.Parts)
            {
                Read(part);
            }
        }
        Flush();
        return (cardinals, ordinals);

        void Read(string word)
        {
            if (FactLexicon.TryCardinal(word, out var value))
            {
                current += value;
                inNumber = true;
            }
            else if (inNumber && word.Length > 2 && FactLexicon.TryMultiplier(word, out var multiplier))
            {
                current = Math.Max(current, 1) * multiplier;
                if (multiplier >= 1_000)
                {
                    total += current;
                    current = 0;
                }
            }
            else if (!(inNumber && word == "and"))
            {
                Flush();
                if (FactLexicon.TryOrdinal(word, out var ordinal))
                {
                    ordinals.Add(ordinal);
                }
            }
        }

        void Flush()
        {
            if (inNumber)
            {
                cardinals.Add(total + current);
            }
            total = 0;
            current = 0;
            inNumber = false;
        }
    }

    [GeneratedRegex(@"(?<![\p{L}\p{N}.,])(?<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?<frac>\d+))?(?:(?<scale>k|m|bn)\b|\s?(?<scale>thousand|million|billion)\b|(?<unit>\p{L}{1,3})?(?![\p{L}\p{N}]))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DigitsPattern();

    // A number with its unit or scale written on ("40k", "3rd", "5kg", "10pm") is a quantity, not a code like "DW400".
    [GeneratedRegex(@"^\d+(?:[.,]\d+)?(?:k|m|bn|st|nd|rd|th|am|pm|kg|g|km|cm|mm|m|ml|l|gb|mb|tb|x|h|hrs?|mins?|s|yrs?|d|w)$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();

}
