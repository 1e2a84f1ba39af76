namespace Nexus.Jobs.Compounding;

/// <summary>Realistic demo insights for a store: recurring themes across many products, paraphrased duplicates, advice.</summary>
/// <remarks>Deterministic for a seed, so a demo workspace looks the same on every machine.</remarks>
public static class DemoInsights
{
    private static readonly string[] Categories = ["kettle", "blender", "toaster", "coffee grinder", "rice cooker", "air fryer", "desk lamp", "backpack", "water bottle", "yoga mat"];
    /// <summary>Words that make the demo product names (and competitors' titles) varied.</summary>
    internal static readonly string[] Adjectives = ["blue", "steel", "compact", "deluxe", "classic", "pro", "mini", "travel"];

    /// <summary>The demo store's product <paramref name="i"/> (1-based); the demo commerce data uses the same products.</summary>
    public static (string Sku, string Name, string Category) Product(int i)
    {
        var category = Categories[i % Categories.Length];
        return ($"SKU-{i:D4}", $"{Adjectives[i % Adjectives.Length]} {category}", category);
    }

    // Each theme: observations (with paraphrases of the same fact) and the advice people attach to it.
    private static readonly (string Theme, string[] Observations, string[] Advice)[] Themes =
    [
        ("late delivery",
            ["Customers complain about late delivery of the {p}", "late delivery of the {p}: customers are complaining",
             "The {p} keeps arriving late, customers report late delivery", "Several buyers mention late delivery for the {p}"],
            ["We should switch to a faster carrier.", "Recommend switching to a faster carrier for this region.", "We should switch to a faster carrier."]),
        ("damaged packaging",
            ["The {p} often arrives with damaged packaging", "Damaged packaging reported again on the {p}",
             "Buyers say the packaging of the {p} was damaged on arrival"],
            ["We should add extra padding to the box.", "Consider adding extra padding to the box."]),
        ("battery drains",
            ["Reviewers say the battery drains quickly on the {p}", "The battery drains within hours on the {p}",
             "Battery drains fast according to {p} reviews"],
            ["We should update the product listing with realistic battery times.", "Consider a larger battery in the next revision."]),
        ("price higher than competitors",
            ["The {p} price is higher than competitors on the marketplace", "Competitors sell the {p} cheaper; our price is higher than competitors",
             "Shoppers note the {p} costs more than competitors"],
            ["We should lower the price to match competitors.", "Recommend lowering the price to match competitors.", "Consider a bundle instead of a discount."]),
        ("size runs small",
            ["Customers say the {p} size runs small", "The {p} runs small compared to the size chart", "Size runs small on the {p}, many exchanges"],
            ["We should update the size chart.", "Recommend updating the size chart with measurements."]),
        ("gift wrapping",
            ["Shoppers ask for gift wrapping on the {p}", "Gift wrapping requested by several {p} buyers"],
            ["We should offer gift wrapping at checkout.", "Offer gift wrapping during the holidays."]),
    ];

    private static readonly string[] Noise =
    [
        "The {p} photos were viewed more often this week", "A customer asked whether the {p} ships to Canada",
        "The {p} listing was edited by the catalog team", "One buyer praised the colour of the {p}",
        "Return requested for the {p} because the order was duplicated", "Traffic to the {p} page rose after the newsletter",
    ];

    /// <summary>About <paramref name="count"/> insights over <paramref name="products"/> products.</summary>
    public static IReadOnlyList<NewInsight> Generate(int count, int products = 80, int seed = 42)
    {
        var random = new Random(seed);
        var catalog = Enumerable.Range(1, products).Select(i =>
        {
            var (sku, name, _) = Product(i);
            return new InsightEntity(sku, name, "product");
        }).ToList();
        var result = new List<NewInsight>(count);
        while (result.Count < count)
        {
            var product = catalog[random.Next(catalog.Count)];
            var roll = random.NextDouble();
            string text;
            if (roll < 0.25)
            {
                text = Noise[random.Next(Noise.Length)];
            }
            else
            {
                var (_, observations, advice) = Themes[random.Next(Themes.Length)];
                text = observations[random.Next(observations.Length)];
                if (random.NextDouble() < 0.45)
                {
                    text += ". " + advice[random.Next(advice.Length)];
                }
            }
            text = text.Replace("{p}", product.Name, StringComparison.Ordinal);
            if (random.NextDouble() < 0.08)
            {
                text = Typo(text, random);
            }
            var confidence = Math.Round(0.4 + random.NextDouble() * 0.5, 2);
            result.Add(new NewInsight(text, roll < 0.25 ? "observation" : "feedback", [product], confidence));
        }
        return result;
    }

    // A swapped pair of adjacent letters: the kind of small edit consolidation must see through.
    private static string Typo(string text, Random random)
    {
        var chars = text.ToCharArray();
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var i = random.Next(1, chars.Length - 2);
            if (char.IsLetter(chars[i]) && char.IsLetter(chars[i + 1]))
            {
                (chars[i], chars[i + 1]) = (chars[i + 1], chars[i]);
                break;
            }
        }
        return new string(chars);
    }
}
