using System.Collections.Frozen;

namespace Nexus.Jobs.Language;

/// <summary>
/// The small closed word lists <see cref="FactGuard"/> reads: opposite poles, negative verbs, number words, and the
/// closed classes of terms (countries, months, departments...) where one member never stands for another. Every entry is
/// stored in the form <see cref="TextNormalizer.Tokens"/> gives it, so look-ups take the normaliser's tokens as they are.
/// </summary>
internal static class FactLexicon
{
    /// <summary>A word's place on a scale: which scale, and which end (+1 or -1).</summary>
    public readonly record struct Pole(int Scale, int Sign);

    // Each scale: the words at its high end | the words at its low end. Verbs are listed once; their inflections are
    // generated. A word may sit on several scales ("hard": difficulty and firmness); "cheaper" and "less expensive"
    // both land on the low end of price, so they agree.
    private static readonly string[] Scales =
    [
        // amount and change
        "increase rise rose risen grow grew grown growth climb jump soar surge spike gain boost expand expansion raise hike higher highest high up above over"
            + " | decrease fall fell fallen drop decline shrink shrank shrunk reduce reduction cut lower lowest low dip plunge slump slash halve sink sank down below under",
        "more most extra additional | less least fewer fewest",
        "big bigger biggest large larger largest huge giant wide wider widest | small smaller smallest tiny narrow narrower narrowest",
        "long longer longest lengthy | short shorter shortest brief",
        "expensive pricey pricier priciest costly overpriced | cheap cheaper cheapest inexpensive affordable",
        "fast faster fastest quick quicker quickest quickly rapid rapidly speedy | slow slower slowest slowly sluggish",
        "late later latest delay overdue behind | early earlier earliest ahead",
        "heavy heavier heaviest | light lighter lightest lightweight",
        "hard harder hardest difficult tough complicated challenging demanding tricky fiddly awkward | easy easier easiest easily simple simpler simplest straightforward",
        "hard harder hardest firm firmer firmest stiff rigid | soft softer softest",
        "hot hotter hottest warm warmer | cold colder coldest cool cooler",
        "good better best great excellent improve improvement positive superb | bad worse worst poor poorer terrible awful worsen deteriorate negative",
        "happy happier pleased satisfied glad delighted like love enjoy praise thrilled"
            + " | unhappy sad dissatisfied unsatisfied disappointed upset angry annoyed frustrated dislike hate complain complaint criticise criticize worried concerned",
        "accept approve agree confirm allow permit | reject decline refuse deny veto forbid prohibit ban",
        "buy bought purchase | sell sold",
        "import | export",
        "add | remove delete",
        "enable activate | disable deactivate",
        "permanent | temporary",
        "fulltime | parttime",
        "public | private",
        "inbound incoming | outbound outgoing",
        "support favour favor endorse | oppose resist",
        "polite courteous friendly | rude impolite unfriendly",
        "keen eager willing | reluctant hesitant unwilling",
        "peak | bottom trough",
        "trust | suspicious distrust mistrust",
        "after | before",
        "hire recruit | fire lay laid layoff dismiss",
        "open launch start begin | close shut shutdown discontinue",
        "work succeed success successful | fail failure break broken crash malfunction",
        "safe safer safest secure | unsafe dangerous risky insecure",
        "busy busier busiest crowded | quiet quieter quietest empty",
        "loud louder loudest noisy noisier noisiest | quiet quieter quietest silent",
        "strong stronger strongest robust sturdy | weak weaker weakest fragile flimsy",
        "optimistic confident | pessimistic sceptical skeptical doubtful worried concerned",
        "profit profitable | loss unprofitable",
        "win won | lose lost",
        "include | exclude",
        "maximum | minimum",
        "first | last final",
        "new newer newest modern | old older oldest outdated legacy",
        "right correct accurate | wrong incorrect inaccurate",
        "full | empty",
        "online | offline",
        "always often frequently regularly usually constantly | rarely seldom occasionally",
        "renew extend upgrade subscribe | cancel churn downgrade unsubscribe terminate",
        "clean | dirty stained",
        "bright | dark dim",
        "thick | thin",
    ];

    // Words that negate without saying "not": "the page lacks prices" says what "the page has no prices" says. They only
    // balance an explicit negation on the other side (see FactGuard), never make a difference on their own.
    private static readonly string[] NegativeVerbs = ["lack", "lacking", "missing", "miss", "fail", "failure", "absent", "unable", "neglect", "ignore", "outside"];

    // Verbs that negate the word after them as "not" does: "stopped working" is "does not work".
    private static readonly string[] NegatingVerbs = ["stop", "cease", "quit"];

    // Words before a scale word that do not negate but grade it: "less expensive" is cheap, "more expensive" expensive.
    private static readonly FrozenDictionary<string, int> GradingWords = new Dictionary<string, int>
    {
        ["more"] = 1, ["most"] = 1, ["less"] = -1, ["least"] = -1, ["fewer"] = -1,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, double> CardinalWords = new Dictionary<string, double>
    {
        ["zero"] = 0, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7, ["eight"] = 8,
        ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["thirteen"] = 13, ["fourteen"] = 14, ["fifteen"] = 15,
        ["sixteen"] = 16, ["seventeen"] = 17, ["eighteen"] = 18, ["nineteen"] = 19, ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40,
        ["fifty"] = 50, ["sixty"] = 60, ["seventy"] = 70, ["eighty"] = 80, ["ninety"] = 90, ["dozen"] = 12,
        ["once"] = 1, ["twice"] = 2, ["thrice"] = 3, ["single"] = 1, ["double"] = 2, ["triple"] = 3,
        ["half"] = 0.5,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, double> Multipliers = new Dictionary<string, double>
    {
        ["hundred"] = 100, ["thousand"] = 1_000, ["million"] = 1_000_000, ["billion"] = 1_000_000_000,
        ["k"] = 1_000, ["m"] = 1_000_000, ["bn"] = 1_000_000_000,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, int> OrdinalWords = new Dictionary<string, int>
    {
        ["first"] = 1, ["second"] = 2, ["third"] = 3, ["fourth"] = 4, ["fifth"] = 5, ["sixth"] = 6, ["seventh"] = 7, ["eighth"] = 8,
        ["ninth"] = 9, ["tenth"] = 10, ["1st"] = 1, ["2nd"] = 2, ["3rd"] = 3, ["4th"] = 4, ["5th"] = 5,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Closed classes: a member of one on each side of two otherwise alike sentences is a different fact.</summary>
    public enum TermClass
    {
        Place,
        Weekday,
        Month,
        Season,
        Colour,
        Department,
        Role,
        Currency,
        Unit,
        Material,
        Direction,
        TimeOfDay,
        RelativeTime,
    }

    // Class members, each "canonical:alias alias..." where aliases (other spellings, adjectives) count as the canonical.
    private static readonly (TermClass Class, string Members)[] ClassLists =
    [
        (TermClass.Direction, "north:northern south:southern east:eastern west:western"),
        (TermClass.Weekday, "monday tuesday wednesday thursday friday saturday sunday weekday weekend"),
        (TermClass.TimeOfDay, "morning afternoon evening night midday:noon midnight lunchtime"),
        (TermClass.RelativeTime, "next previous:prior last coming:upcoming following"),
        (TermClass.Month, "january february april june july september october november december"),
        (TermClass.Season, "spring summer autumn winter"),
        (TermClass.Colour, "red blue green yellow black white grey:gray pink purple orange brown silver gold beige navy teal violet"),
        (TermClass.Department, "sales marketing finance hr it legal engineering operations:ops support procurement accounting security logistics compliance research"),
        (TermClass.Role, "ceo cfo cto coo cmo cio ciso cro vp svp evp president director manager head founder cofounder owner chairman supervisor intern assistant"),
        (TermClass.Currency, "usd:dollar:$ eur:euro:€ gbp:sterling:£ jpy:yen chf:franc inr:rupee cny:yuan:rmb sek:krona nok:krone"),
        (TermClass.Unit, "minute hour:hourly day:daily week:weekly fortnight month:monthly year:yearly:annual:annually decade"
            + " kg:kilogram gram tonne:ton km:kilometre:kilometer mile metre:meter cm:centimetre:centimeter mm inch litre:liter gallon gb mb tb"),
        (TermClass.Material, "steel plastic wood:wooden glass leather fabric cotton linen wool velvet suede denim nylon polyester canvas aluminium:aluminum"
            + " ceramic porcelain metal iron copper brass marble stone concrete rubber silicone bamboo cardboard"),
    ];

    // Places are only read as places when capitalised ("Turkey", not "turkey"; "Polish", not "polish").
    private const string Places =
        "us:usa:america:american:americans uk:britain:british england:english scotland:scottish:scots wales:welsh germany:german:germans"
        + " france:french spain:spanish italy:italian netherlands:holland:dutch belgium:belgian switzerland:swiss austria:austrian"
        + " poland:polish portugal:portuguese ireland:irish sweden:swedish:swede:swedes norway:norwegian denmark:danish:dane"
        + " finland:finnish greece:greek turkey:turkish russia:russian ukraine:ukrainian czechia:czech hungary:hungarian"
        + " romania:romanian china:chinese japan:japanese korea:korean india:indian canada:canadian mexico:mexican brazil:brazilian"
        + " argentina:argentinian:argentine chile:chilean australia:australian:aussie zealand:kiwi singapore:singaporean"
        + " indonesia:indonesian vietnam:vietnamese thailand:thai philippines:filipino egypt:egyptian nigeria:nigerian"
        + " kenya:kenyan israel:israeli europe:european asia:asian africa:african scandinavia:scandinavian nordics:nordic"
        + " texas:texan california:californian ontario quebec bavaria:bavarian";

    // Months that are also everyday words count only when capitalised.
    private const string CapitalisedMonths = "may march august";

    public static FrozenDictionary<string, Pole[]> PolesByWord { get; }

    public static FrozenSet<string> Negatives { get; }

    public static FrozenSet<string> Negators { get; }

    public static FrozenDictionary<string, (TermClass Class, string Canonical)> ClassTerms { get; }

    public static FrozenDictionary<string, string> PlaceAliases { get; }

    public static FrozenDictionary<string, (TermClass Class, string Canonical)> CapitalisedClassTerms { get; }

    static FactLexicon()
    {
        var poles = new Dictionary<string, List<Pole>>(StringComparer.Ordinal);
        for (var scale = 0; scale < Scales.Length; scale++)
        {
            var ends = Scales[scale].Split('|');
            for (var end = 0; end < 2; end++)
            {
                foreach (var word in ends[end].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    foreach (var form in Forms(word))
                    {
                        var list = poles.TryGetValue(form, out var existing) ? existing : poles[form] = [];
                        var pole = new Pole(scale, end == 0 ? 1 : -1);
                        if (!list.Contains(pole))
                        {
                            list.Add(pole);
                        }
                    }
                }
            }
        }
        PolesByWord = poles.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        Negatives = NegativeVerbs.SelectMany(Forms).ToFrozenSet(StringComparer.Ordinal);
        Negators = NegatingVerbs.SelectMany(Forms).ToFrozenSet(StringComparer.Ordinal);

        var classTerms = new Dictionary<string, (TermClass, string)>(StringComparer.Ordinal);
        foreach (var (termClass, members) in ClassLists)
        {
            foreach (var member in members.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var names = member.Split(':');
                foreach (var name in names)
                {
                    classTerms[name] = (termClass, names[0]);
                    foreach (var token in TextNormalizer.Tokens(name))
                    {
                        classTerms.TryAdd(token, (termClass, names[0]));
                    }
                }
            }
        }
        ClassTerms = classTerms.ToFrozenDictionary(StringComparer.Ordinal);

        var places = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in Places.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var names = member.Split(':');
            foreach (var name in names)
            {
                places[name] = names[0];
            }
        }
        PlaceAliases = places.ToFrozenDictionary(StringComparer.Ordinal);
        CapitalisedClassTerms = CapitalisedMonths.Split(' ').ToFrozenDictionary(m => m, m => (TermClass.Month, m), StringComparer.Ordinal);
    }

    /// <summary>+1 or -1 when <paramref name="token"/> grades the scale word after it ("more", "less"), else 0.</summary>
    public static int Grading(string token) => GradingWords.GetValueOrDefault(token);

    public static bool TryCardinal(string word, out double value) => CardinalWords.TryGetValue(word, out value);

    public static bool TryMultiplier(string word, out double value) => Multipliers.TryGetValue(word, out value);

    public static bool TryOrdinal(string word, out int value) => OrdinalWords.TryGetValue(word, out value);

    /// <summary>The normalised tokens of a word's inflections: the word, -s/-es, -ed/-d, -ing (with a dropped e or a doubled consonant).</summary>
    private static IEnumerable<string> Forms(string word)
    {
        var surface = new List<string> { word, word + "s", word + "es", word + "ed", word + "d", word + "ing" };
        if (word.EndsWith('e'))
        {
            surface.Add(word[..^1] + "ing");
        }
        if (word.EndsWith('y') && word.Length > 2)
        {
            surface.Add(word[..^1] + "ies");
            surface.Add(word[..^1] + "ied");
        }
        if (word.Length >= 3 && !"aeiouwxy".Contains(word[^1]) && "aeiou".Contains(word[^2]) && !"aeiou".Contains(word[^3]))
        {
            surface.Add(word + word[^1] + "ed");
            surface.Add(word + word[^1] + "ing");
        }
        return surface.SelectMany(TextNormalizer.Tokens).Distinct(StringComparer.Ordinal);
    }
}
