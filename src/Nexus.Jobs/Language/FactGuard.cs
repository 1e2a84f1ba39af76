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
        Words = words;
        Strong = strong;
        Weak = weak;
        Classed = classed;
        Cardinals = cardinals;
        Ordinals = ordinals;
        Negations = negations;
        Poles = poles;
    }

    /// <summary>A profile of no words, a placeholder before the real one is computed.</summary>
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
/// (countries, weekdays, months, seasons, colours, departments, roles, currencies, units, materials). A term on one side
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
        var tokens = TextNormalizer.Tokens(text);
        var words = new HashSet<string>(StringComparer.Ordinal);
        var classed = new List<(FactLexicon.TermClass, string)>();
        foreach (var token in tokens)
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

        var strong = new HashSet<string>(StringComparer.Ordinal);
        var weak = ReadNames(text, words, strong, classed);
        var (cardinals, ordinals) = ReadNumbers(text);
        var (negations, implicitNegations, poles) = ReadPolarity(text);
        return new FactProfile(words, strong, weak, classed, cardinals, ordinals, negations, implicitNegations, poles);
    }

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> state different facts, and by which rule.</summary>
    public static FactConflict Compare(string a, string b) => Compare(Profile(a), Profile(b));

    /// <summary>Whether the texts of two profiles state different facts, and by which rule.</summary>
    public static FactConflict Compare(FactProfile a, FactProfile b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var polesA = new List<FactProfile.PoleMark>(a.Poles);
        var polesB = new List<FactProfile.PoleMark>(b.Poles);
        // "lacks" balances "has no", but "misses deadlines" against "delivers late" is no negation: implicit negations
        // count only when they make the two sides agree, so a difference needs both counts to differ.
        var negationsA = a.Negations + PrefixNegations(a, b, polesA);
        var negationsB = b.Negations + PrefixNegations(b, a, polesB);
        if (negationsA % 2 != negationsB % 2 && (negationsA + a.ImplicitNegations) % 2 != (negationsB + b.ImplicitNegations) % 2)
        {
            return FactConflict.Negation;
        }
        if (EachHasOwn(a.Cardinals, b.Cardinals) || EachHasOwn(a.Ordinals, b.Ordinals))
        {
            return FactConflict.Number;
        }
        if (OppositePoles(polesA, polesB))
        {
            return FactConflict.Antonym;
        }
        if (TermSubstituted(a, b))
        {
            return FactConflict.Term;
        }
        return FactConflict.None;
    }

    /// <summary>The Jaccard overlap of the two texts' comparable words (normalised tokens and names), 0 to 1.</summary>
    public static double Overlap(FactProfile a, FactProfile b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var shared = 0;
        foreach (var word in a.Words)
        {
            shared += b.Words.Contains(word) ? 1 : 0;
        }
        var union = a.Words.Count + b.Words.Count - shared;
        return union == 0 ? 1 : (double)shared / union;
    }

    // "incompatible" against "compatible": a negation on the prefixed side. When the bare word is a scale word
    // ("dislike" / "like") the prefixed word becomes that scale word with the sign turned instead.
    private static int PrefixNegations(FactProfile self, FactProfile other, List<FactProfile.PoleMark> poles)
    {
        var count = 0;
        foreach (var word in self.Words)
        {
            if (other.Words.Contains(word))
            {
                continue;
            }
            foreach (var prefix in NegatingPrefixes)
            {
                if (!word.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }
                var bare = word[prefix.Length..];
                // Short bare words make false pairs ("in" + "come"); the longer prefixes need longer stems still.
                if (bare.Length < (prefix is "un" or "non" ? 4 : 5) || !other.Words.Contains(bare) || self.Words.Contains(bare))
                {
                    continue;
                }
                if (FactLexicon.PolesByWord.TryGetValue(bare, out var scales))
                {
                    poles.RemoveAll(p => p.Word == word);
                    poles.AddRange(scales.Select(s => new FactProfile.PoleMark(bare, s.Scale, -s.Sign)));
                }
                else
                {
                    count++;
                }
                break;
            }
        }
        return count;
    }

    private static bool EachHasOwn<T>(HashSet<T> a, HashSet<T> b) => a.Any(x => !b.Contains(x)) && b.Any(x => !a.Contains(x));

    private static bool OppositePoles(List<FactProfile.PoleMark> a, List<FactProfile.PoleMark> b)
    {
        // A scale word both texts use alike says nothing about a difference; only the rest is compared.
        var ownA = a.Where(x => !b.Contains(x)).ToList();
        var ownB = b.Where(x => !a.Contains(x)).ToList();
        foreach (var x in ownA)
        {
            foreach (var y in ownB)
            {
                if (x.Scale == y.Scale && x.Sign != y.Sign)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static bool TermSubstituted(FactProfile a, FactProfile b)
    {
        foreach (var group in a.Classed.Concat(b.Classed).Select(c => c.Class).Distinct())
        {
            if (a.Classed.Any(c => c.Class == group && !b.Words.Contains(c.Term)) && b.Classed.Any(c => c.Class == group && !a.Words.Contains(c.Term)))
            {
                return true;
            }
        }

        var onlyA = a.Strong.Where(t => !b.Words.Contains(t)).ToList();
        var onlyB = b.Strong.Where(t => !a.Words.Contains(t)).ToList();
        // A misspelt name is still the name: "Salesforce" / "Salesfroce" pair up and drop out.
        foreach (var x in onlyA.ToList())
        {
            var typo = onlyB.FirstOrDefault(y => Math.Min(x.Length, y.Length) >= 5 && WithinOneEdit(x, y));
            if (typo is not null)
            {
                onlyA.Remove(x);
                onlyB.Remove(typo);
            }
        }
        var weakA = a.Weak is { } wa && !b.Words.Contains(wa);
        var weakB = b.Weak is { } wb && !a.Words.Contains(wb);
        return (onlyA.Count > 0 && (onlyB.Count > 0 || weakB)) || (onlyB.Count > 0 && weakA);
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

    private static (int Negations, int ImplicitNegations, List<FactProfile.PoleMark> Poles) ReadPolarity(string text)
    {
        var stream = Stream(text);
        var negations = 0;
        var implicitNegations = 0;
        var poles = new List<FactProfile.PoleMark>();
        for (var i = 0; i < stream.Count; i++)
        {
            var (token, stop) = stream[i];
            if (stop)
            {
                // Some scale and negating words are function words the normaliser drops ("behind", "up", "outside").
                implicitNegations += FactLexicon.Negatives.Contains(token) ? 1 : 0;
                if (FactLexicon.PolesByWord.TryGetValue(token, out var function))
                {
                    poles.AddRange(function.Select(p => new FactProfile.PoleMark(token, p.Scale, p.Sign)));
                }
                continue;
            }
            var next = ModifiedWord(stream, i);
            var nextPoles = next < 0 ? null : FactLexicon.PolesByWord.GetValueOrDefault(stream[next].Token);
            if (TextNormalizer.IsNegation(token) || FactLexicon.Negators.Contains(token))
            {
                if (nextPoles is not null)
                {
                    // "not happy" is the low end of the happy scale, not a negation of the whole sentence.
                    poles.AddRange(nextPoles.Select(p => new FactProfile.PoleMark(stream[next].Token, p.Scale, -p.Sign)));
                    i = next;
                }
                else
                {
                    negations++;
                }
                continue;
            }
            if (FactLexicon.Grading(token) is var grade and not 0 && nextPoles is not null)
            {
                poles.AddRange(nextPoles.Select(p => new FactProfile.PoleMark(stream[next].Token, p.Scale, grade * p.Sign)));
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
    private static int ModifiedWord(List<(string Token, bool Stop)> stream, int i)
    {
        for (var j = i + 1; j < stream.Count; j++)
        {
            if (!stream[j].Stop)
            {
                return j;
            }
            if (!Fillers.Contains(stream[j].Token))
            {
                return -1;
            }
        }
        return -1;
    }

    /// <summary>The normaliser's tokens in order, with the stop words it drops kept as such (lower case), to judge adjacency.</summary>
    private static List<(string Token, bool Stop)> Stream(string text)
    {
        var stream = new List<(string, bool)>();
        foreach (Match chunk in ChunkPattern().Matches(text))
        {
            var tokens = TextNormalizer.Tokens(chunk.Value);
            if (tokens.Count == 0)
            {
                stream.Add((chunk.Value.ToLowerInvariant(), true));
            }
            foreach (var token in tokens)
            {
                stream.Add((token, false));
            }
        }
        return stream;
    }

    /// <summary>
    /// Reads names from the text as written: acronyms, mixed case and codes anywhere; capitalised words inside a sentence
    /// (unless the text capitalises most words, as titles do); known places anywhere. Adds them to the words and returns
    /// the capitalised first word, which may be a name or just the start of the sentence.
    /// </summary>
    private static string? ReadNames(string text, HashSet<string> words, HashSet<string> strong, List<(FactLexicon.TermClass, string)> classed)
    {
        var raw = RawWords(text);
        var letters = raw.Where(w => w.Text.Any(char.IsLetter)).ToList();
        var shouting = !text.Any(char.IsLower);
        var capitalised = letters.Count(w => char.IsUpper(w.Text[0]));
        var titleCase = letters.Count >= 4 && capitalised * 10 >= letters.Count * 6;
        string? weak = null;
        foreach (var word in raw)
        {
            var w = word.Text;
            var lower = w.ToLowerInvariant();
            var hasLetter = w.Any(char.IsLetter);
            var hasDigit = w.Any(char.IsDigit);
            if (word.Joined is { } joined)
            {
                words.Add(joined);
            }
            if (!hasLetter)
            {
                continue;
            }
            if (FactLexicon.PlaceAliases.TryGetValue(lower, out var place) && char.IsUpper(w[0]))
            {
                Add(place, (FactLexicon.TermClass.Place, place));
                continue;
            }
            if (FactLexicon.CapitalisedClassTerms.TryGetValue(lower, out var month) && char.IsUpper(w[0]))
            {
                Add(month.Canonical, month);
                continue;
            }
            var upperAfterFirst = w.Skip(1).Any(char.IsUpper);
            var acronym = !shouting && w.Count(char.IsLetter) >= 2 && !w.Any(char.IsLower);
            var mixed = w.Any(char.IsLower) && upperAfterFirst;
            var code = hasDigit && !QuantityPattern().IsMatch(lower);
            var capital = char.IsUpper(w[0]) && !shouting && !titleCase && w.Length >= 2;
            if (code || acronym || mixed || (capital && !word.StartsSentence))
            {
                var canonical = Canonical(word.Joined ?? lower);
                Add(canonical, FactLexicon.ClassTerms.TryGetValue(canonical, out var term) ? term : null);
            }
            else if (capital && weak is null && !TextNormalizer.IsStopWord(lower) && !hasDigit && w.Length >= 3)
            {
                weak = Canonical(lower);
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

    // A name in the normaliser's form (stemmed, "Teams" -> "team"), or as written when the normaliser drops it ("IT").
    private static string Canonical(string lower)
    {
        var tokens = TextNormalizer.Tokens(lower);
        var token = tokens.Count == 1 ? tokens[0] : lower;
        return FactLexicon.ClassTerms.TryGetValue(token, out var term) ? term.Canonical : token;
    }

    private readonly record struct RawWord(string Text, bool StartsSentence, string? Joined);

    /// <summary>The words of the text as written (letters and digits), hyphenated compounds as one word ("Wi-Fi").</summary>
    private static List<RawWord> RawWords(string text)
    {
        var result = new List<RawWord>();
        var startsSentence = true;
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsLetterOrDigit(text[i]))
            {
                if (text[i] is '.' or '!' or '?' or ':' or ';' or '\n' or '•' or '*' or '"' or '(' or '[')
                {
                    startsSentence = true;
                }
                i++;
                continue;
            }
            var start = i;
            // Parts joined by hyphens or slashes without spaces make one word ("e-mail", "DW-400", "Wi-Fi").
            while (i < text.Length && (char.IsLetterOrDigit(text[i])
                       || (text[i] is '-' or '\u2010' && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]) && i > start)))
            {
                i++;
            }
            var word = text[start..i];
            var parts = word.Split('-', '\u2010');
            string? joined = parts.Length > 1 ? string.Concat(parts).ToLowerInvariant() : null;
            // An apostrophe ends the word ("customer's"); the part after it belongs to the same word, not a new sentence.
            result.Add(new RawWord(parts.Length > 1 ? string.Concat(parts) : word, startsSentence, joined));
            startsSentence = false;
            if (i < text.Length && text[i] is '\'' or '\u2019')
            {
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
    private static (HashSet<double> Cardinals, HashSet<int> Ordinals) ReadNumbers(string text)
    {
        var cardinals = new HashSet<double>();
        var ordinals = new HashSet<int>();
        foreach (Match match in DigitsPattern().Matches(text))
        {
            var digits = match.Groups["int"].Value.Replace(",", "", StringComparison.Ordinal);
            var fraction = match.Groups["frac"].Success ? "." + match.Groups["frac"].Value : "";
            if (!double.TryParse(digits + fraction, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                || match.Groups["unit"].Value.ToLowerInvariant() is "st" or "nd" or "rd" or "th")
            {
                continue;
            }
            if (match.Groups["scale"].Success && FactLexicon.TryMultiplier(match.Groups["scale"].Value.ToLowerInvariant(), out var multiplier))
            {
                value *= multiplier;
            }
            cardinals.Add(value);
        }
        foreach (Match match in OrdinalPattern().Matches(text.ToLowerInvariant()))
        {
            ordinals.Add(int.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture));
        }

        // Number words, combined as they are read: "twenty five" is 25, "two hundred" 200, "three thousand" 3,000.
        double total = 0, current = 0;
        var inNumber = false;
        foreach (var raw in WordPattern().Matches(text).Select(m => m.Value.ToLowerInvariant()))
        {
            if (FactLexicon.TryCardinal(raw, out var value))
            {
                current += value;
                inNumber = true;
            }
            else if (inNumber && FactLexicon.TryMultiplier(raw, out var multiplier) && raw.Length > 2)
            {
                current = Math.Max(current, 1) * multiplier;
                if (multiplier >= 1_000)
                {
                    total += current;
                    current = 0;
                }
            }
            else if (inNumber && raw == "and")
            {
                continue;
            }
            else
            {
                Flush();
                if (FactLexicon.TryOrdinal(raw, out var ordinal))
                {
                    ordinals.Add(ordinal);
                }
            }
        }
        Flush();
        return (cardinals, ordinals);

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

    [GeneratedRegex(@"\b(?<n>\d+)(?:st|nd|rd|th)\b", RegexOptions.CultureInvariant)]
    private static partial Regex OrdinalPattern();

    // A number with its unit or scale written on ("40k", "3rd", "5kg", "10pm") is a quantity, not a code like "DW400".
    [GeneratedRegex(@"^\d+(?:[.,]\d+)?(?:k|m|bn|st|nd|rd|th|am|pm|kg|g|km|cm|mm|m|ml|l|gb|mb|tb|x|h|hrs?|mins?|s|yrs?|d|w)$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();

    [GeneratedRegex(@"[\p{L}\p{N}'\u2019]+", RegexOptions.CultureInvariant)]
    private static partial Regex ChunkPattern();

    [GeneratedRegex(@"[\p{L}]+", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
