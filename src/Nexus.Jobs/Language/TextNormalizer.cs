using System.Buffers;
using System.Globalization;
using System.Text;

namespace Nexus.Jobs.Language;

/// <summary>Turns free text into comparable tokens: lower case, letters and digits only, no stop words, light English stemming. Pure.</summary>
public static partial class TextNormalizer
{
    // Function words that say nothing about the fact itself. Negations (no, not, nor, never, none, nothing, nobody,
    // without) and comparatives (more, less, few) are deliberately absent: "customer is happy" and "customer is not
    // happy" must never normalise to the same text. The one- and two-letter entries are what apostrophes leave behind
    // ("customer's" -> customer + s, "we'll" -> we + ll).
    private static readonly string[] StopWordList =
    [
        // articles and determiners
        "a", "an", "the", "this", "that", "these", "those", "some", "any", "each", "every", "all", "both", "either",
        "such", "own", "same", "other", "another", "much", "many",
        // pronouns
        "i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves", "you", "your", "yours", "yourself",
        "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself", "they",
        "them", "their", "theirs", "themselves", "who", "whom", "whose", "which", "what", "whatever", "whoever",
        // auxiliaries and modals
        "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do", "does", "did",
        "doing", "will", "would", "shall", "should", "can", "could", "may", "might", "must", "ought",
        // prepositions
        "about", "above", "across", "after", "against", "along", "among", "around", "at", "before", "behind", "below",
        "beneath", "beside", "besides", "between", "beyond", "by", "down", "during", "for", "from", "in", "inside",
        "into", "near", "of", "off", "on", "onto", "out", "outside", "over", "per", "since", "through", "throughout",
        "to", "toward", "towards", "under", "until", "up", "upon", "via", "with", "within",
        // conjunctions
        "and", "or", "but", "if", "because", "as", "so", "than", "then", "though", "although", "while", "whether",
        "yet", "unless", "once",
        // adverbs and fillers
        "very", "really", "quite", "rather", "just", "also", "too", "even", "again", "already", "still", "actually",
        "basically", "simply", "there", "here", "where", "when", "why", "how", "now", "only", "etc",
        // what apostrophes leave behind
        "s", "t", "d", "ll", "m", "re", "ve",
    ];

    // Ordinal: the tokenizer looks words up after lower-casing them, and ordinal hashing is the cheaper one.
    private static readonly HashSet<string> StopWords = new(StopWordList, StringComparer.Ordinal);

    // Words that turn a statement into its opposite. They are kept as tokens and never stemmed.
    private static readonly HashSet<string> Negations = new(["no", "not", "nor", "never", "none", "nothing", "nobody", "neither", "without"], StringComparer.Ordinal);

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> NegationSpans =
        Negations.GetAlternateLookup<ReadOnlySpan<char>>();

    // Span lookups let the tokenizer drop stop words without allocating a string for each of them.
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> StopWordSpans =
        StopWords.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>True when <paramref name="token"/> is a negation the normaliser keeps ("not", "never", "without", ...).</summary>
    internal static bool IsNegation(ReadOnlySpan<char> token) => NegationSpans.Contains(token);

    /// <summary>True when <paramref name="lower"/>, already in lower case, is a function word the normaliser drops.</summary>
    internal static bool IsStopWordLower(ReadOnlySpan<char> lower) => StopWordSpans.Contains(lower);

    /// <summary>True when <paramref name="word"/> (any case) is an English function word the normaliser drops.</summary>
    public static bool IsStopWord(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return StopWords.Contains(word) || StopWords.Contains(word.ToLowerInvariant());
    }

    /// <summary>
    /// The content words of <paramref name="text"/> in order of appearance: lower case (invariant), Unicode letters and
    /// digits only (anything else separates words), stop words removed, English inflections stemmed
    /// ("delays", "delayed", "delaying" -> "delay"). "n't" becomes the word "not" so that negation survives.
    /// </summary>
    public static IReadOnlyList<string> Tokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        AddTokens(text, tokens);
        return tokens;
    }

    /// <summary>
    /// Every word of <paramref name="text"/> in order, lower case (invariant), nothing dropped or stemmed, with "’" read
    /// as "'" and the punctuation that ends a clause (. , ; ! ?) kept as tokens of its own. For learned word features,
    /// where function words carry meaning ("too small", "not even once"); <see cref="Tokens"/> is for comparing facts.
    /// </summary>
    public static IReadOnlyList<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lower = text.ToLowerInvariant();
        var matches = WordOrBreak().Matches(lower);
        var words = new List<string>(matches.Count);
        foreach (System.Text.RegularExpressions.Match match in matches)
        {
            words.Add(match.Value.Replace('\u2019', '\''));
        }
        return words;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"[\p{L}\p{N}]+(?:['\u2019]\p{L}+)?|[.,;!?]", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex WordOrBreak();

    /// <summary>The tokens of <paramref name="text"/> sorted ordinally and joined by single spaces, so word order does not matter.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        AddTokens(text, tokens);
        if (tokens.Count == 0)
        {
            return string.Empty;
        }
        tokens.Sort(StringComparer.Ordinal);
        return string.Join(' ', tokens);
    }

    private static void AddTokens(string text, List<string> tokens)
    {
        // NFKC so that "é" typed as e + combining accent, full-width letters and ligatures compare equal to their
        // plain forms. (Under invariant globalisation this is a no-op, which only costs those rare matches.)
        if (!Ascii.IsValid(text) && !text.IsNormalized(NormalizationForm.FormKC))
        {
            text = text.Normalize(NormalizationForm.FormKC);
        }

        // Lower-casing a rune yields at most two UTF-16 units, and every rune takes at least one.
        var rented = ArrayPool<char>.Shared.Rent(2 * text.Length + 2);
        var word = rented.AsSpan();
        var length = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c < 0x80)
            {
                // ASCII, nearly all text: no rune decoding, no table look-ups.
                if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
                {
                    word[length++] = c;
                    i++;
                    continue;
                }
                if (char.IsAsciiLetterUpper(c))
                {
                    word[length++] = (char)(c | 0x20);
                    i++;
                    continue;
                }
            }
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed);
            if (c >= 0x80 && IsWordRune(rune, length > 0))
            {
                length += Rune.ToLowerInvariant(rune).EncodeToUtf16(word[length..]);
                i += consumed;
                continue;
            }

            // "don't", "isn't", "can't", "won't": the auxiliary is a stop word, but the negation is the fact.
            if (rune.Value is '\'' or '\u2019' && length > 1 && word[length - 1] == 'n' && IsStandaloneT(text, i + consumed))
            {
                tokens.Add("not");
                length = 0;
                i += consumed + 1;
                continue;
            }

            AddWord(word[..length], tokens);
            length = 0;
            i += consumed;
        }
        AddWord(word[..length], tokens);
        ArrayPool<char>.Shared.Return(rented);
    }

    private static bool IsWordRune(Rune rune, bool inWord)
    {
        if (Rune.IsLetterOrDigit(rune))
        {
            return true;
        }
        // Combining marks belong to the letter before them (many scripts write vowels as marks); alone they are noise.
        return inWord && Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
    }

    private static bool IsStandaloneT(string text, int index)
    {
        if (index >= text.Length || (text[index] != 't' && text[index] != 'T'))
        {
            return false;
        }
        if (index + 1 >= text.Length)
        {
            return true;
        }
        Rune.DecodeFromUtf16(text.AsSpan(index + 1), out var next, out _);
        return !Rune.IsLetterOrDigit(next);
    }

    private static void AddWord(ReadOnlySpan<char> word, List<string> tokens)
    {
        if (word.IsEmpty || StopWordSpans.Contains(word))
        {
            return;
        }
        if (word.SequenceEqual("cannot"))
        {
            tokens.Add("not");
            return;
        }
        tokens.Add(NegationSpans.Contains(word) ? new string(word) : Stem(word).ToString());
    }

    // A light version of steps 1a and 1b of Porter's stemmer: plurals and -ed/-ing, nothing that changes the meaning
    // of a word. Only plain ASCII words are stemmed; the suffix rules are English and would mangle other languages.
    internal static ReadOnlySpan<char> Stem(ReadOnlySpan<char> word)
    {
        if (word.Length <= 3 || !IsAsciiLowerLetters(word))
        {
            return word;
        }
        return StemPastAndProgressive(StemPlural(word));
    }

    private static ReadOnlySpan<char> StemPlural(ReadOnlySpan<char> word)
    {
        if (word.EndsWith("ies"))
        {
            // deliveries -> delivery, but ties -> tie (a one-letter stem is not a word)
            return word.Length > 4 ? string.Concat(word[..^3], "y") : word[..^1];
        }
        if (word.EndsWith("sses") || word.EndsWith("shes") || word.EndsWith("ches") || word.EndsWith("xes") || word.EndsWith("zzes"))
        {
            // classes -> class, boxes -> box, watches -> watch
            return word[..^2];
        }
        if (word.EndsWith("ss") || word.EndsWith("us") || word.EndsWith("is"))
        {
            // class, status, analysis: not plurals
            return word;
        }
        if (word[^1] == 's')
        {
            // delays -> delay, prices -> price
            return word[..^1];
        }
        return word;
    }

    private static ReadOnlySpan<char> StemPastAndProgressive(ReadOnlySpan<char> word)
    {
        if (word.EndsWith("eed"))
        {
            // agreed -> agree; need, feed, seed stay
            return word.Length > 4 ? word[..^1] : word;
        }
        ReadOnlySpan<char> stem;
        if (word.EndsWith("ing"))
        {
            stem = word[..^3];
        }
        else if (word.EndsWith("ed"))
        {
            stem = word[..^2];
        }
        else
        {
            return word;
        }
        // sing, bring, thing, red, bed: what is left must be a plausible stem of its own
        if (stem.Length < 3 || !ContainsVowel(stem))
        {
            return word;
        }
        if (stem.EndsWith("at") || stem.EndsWith("bl") || stem.EndsWith("iz"))
        {
            // related -> relate, enabled -> enable
            return string.Concat(stem, "e");
        }
        if (stem.Length > 3 && stem[^1] == stem[^2] && IsConsonant(stem, stem.Length - 1) && stem[^1] is not ('l' or 's' or 'z'))
        {
            // shipped -> ship, stopping -> stop (but added -> add)
            return stem[..^1];
        }
        if (Measure(stem) == 1 && EndsConsonantVowelConsonant(stem))
        {
            // priced -> price, making -> make (so that they meet "price" and "make")
            return string.Concat(stem, "e");
        }
        return stem;
    }

    private static bool IsAsciiLowerLetters(ReadOnlySpan<char> word)
    {
        foreach (var c in word)
        {
            if (c is < 'a' or > 'z')
            {
                return false;
            }
        }
        return true;
    }

    private static bool ContainsVowel(ReadOnlySpan<char> word)
    {
        for (var i = 0; i < word.Length; i++)
        {
            if (!IsConsonant(word, i))
            {
                return true;
            }
        }
        return false;
    }

    // Porter's definition: y is a vowel after a consonant (fly), a consonant otherwise (yes, play).
    private static bool IsConsonant(ReadOnlySpan<char> word, int i) => word[i] switch
    {
        'a' or 'e' or 'i' or 'o' or 'u' => false,
        'y' => i == 0 || !IsConsonant(word, i - 1),
        _ => true,
    };

    // Porter's m: the number of vowel-consonant sequences, [C](VC)^m[V]. A short stem (m = 1) ending
    // consonant-vowel-consonant lost an "e" (hop-e-d); a longer one did not (visit-ed).
    private static int Measure(ReadOnlySpan<char> word)
    {
        var m = 0;
        var previousWasVowel = false;
        for (var i = 0; i < word.Length; i++)
        {
            var vowel = !IsConsonant(word, i);
            if (previousWasVowel && !vowel)
            {
                m++;
            }
            previousWasVowel = vowel;
        }
        return m;
    }

    private static bool EndsConsonantVowelConsonant(ReadOnlySpan<char> word)
    {
        var n = word.Length;
        return n >= 3
            && IsConsonant(word, n - 3) && !IsConsonant(word, n - 2) && IsConsonant(word, n - 1)
            && word[^1] is not ('w' or 'x' or 'y');
    }
}
