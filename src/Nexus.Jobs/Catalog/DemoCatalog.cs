namespace Nexus.Jobs.Catalog;

/// <summary>Realistic demo commerce data matching the demo insights' products (SKU-0001.., same names).</summary>
/// <remarks>
/// Sales follow a constant-elasticity demand curve per SKU (so pricing has a real optimum to find), competitors
/// undercut some SKUs, reviews mix praise and complaints, and a few SKUs have a recent spike in returns.
/// Deterministic for a seed.
/// </remarks>
public static class DemoCatalog
{
    private static readonly string[] Competitors = ["HomeMart", "KitchenKing", "ValueHub"];
    private static readonly string[] Praise = ["I love this {c}, works great", "Excellent quality, fast and quiet", "Great value, would buy again", "Very sturdy and easy to clean"];
    private static readonly string[] Complaints = ["Arrived late and the box was damaged", "Stopped working after two weeks, very disappointed", "Not as described, smaller than the photos", "Poor quality, the handle broke"];
    private static readonly string[] Reasons = ["Stopped working after a week", "Arrived damaged, box crushed", "Sent the wrong item", "Not as described in the listing", "Too small, doesn't fit", "Changed my mind", "Found it cheaper elsewhere"];

    public sealed record Data(List<Product> Products, List<DailySale> Sales, List<Offer> Offers, List<Review> Reviews, List<ReturnLine> Returns);

    public static Data Generate(int products = 80, int days = 120, int seed = 42, DateTime? today = null)
    {
        var random = new Random(seed);
        var now = today ?? DateTime.UtcNow;
        var data = new Data([], [], [], [], []);
        for (var i = 1; i <= products; i++)
        {
            var (sku, name, category) = Compounding.DemoInsights.Product(i);
            var cost = Math.Round((decimal)(8 + random.NextDouble() * 30), 2);
            var basePrice = Math.Round(cost * (decimal)(1.6 + random.NextDouble() * 0.8), 2);
            data.Products.Add(new Product(sku, "amazon_us", $"Nexus {name}", i % 3 == 0 ? null : $"A dependable {name} for everyday use.",
                i % 4 == 0 ? [] : [$"Durable {category}", "Easy to clean", "1-year warranty"], "Nexus", category, basePrice, cost, "USD"));

            // Demand q = A p^e with e in [-3, -1.5]: elastic, so a margin optimum exists.
            var elasticity = -1.5 - random.NextDouble() * 1.5;
            var scale = 40 / Math.Pow((double)basePrice, elasticity);
            for (var d = days; d >= 1; d--)
            {
                // The price moves every two weeks, so the history has distinct prices to fit on.
                var step = (d / 14) % 4;
                var price = Math.Round(basePrice * (decimal)(0.9 + 0.07 * step), 2);
                var expected = scale * Math.Pow((double)price, elasticity);
                var units = Math.Max(0, (int)Math.Round(expected * (0.85 + random.NextDouble() * 0.3)));
                data.Sales.Add(new DailySale(sku, DateOnly.FromDateTime(now.AddDays(-d)), units, price));
            }

            foreach (var competitor in Competitors)
            {
                var price = Math.Round(basePrice * (decimal)(0.85 + random.NextDouble() * 0.3), 2);
                data.Offers.Add(new Offer(sku, competitor, price, now.AddDays(-random.Next(1, 10)).Date, $"{competitor} {name} {Compounding.DemoInsights.Adjectives[random.Next(Compounding.DemoInsights.Adjectives.Length)]} edition"));
            }

            var reviews = random.Next(8, 25);
            for (var r = 0; r < reviews; r++)
            {
                var good = random.NextDouble() < 0.65;
                var text = (good ? Praise[random.Next(Praise.Length)] : Complaints[random.Next(Complaints.Length)]).Replace("{c}", category, StringComparison.Ordinal);
                data.Reviews.Add(new Review($"R-{i:D4}-{r:D3}", sku, good ? random.Next(4, 6) : random.Next(1, 3), text, now.AddDays(-random.Next(1, days))));
            }

            // Every fifth SKU has a recent spike in returns: the anomaly return_classify should flag.
            var spike = i % 5 == 0;
            var returns = random.Next(2, 6) + (spike ? 25 : 0);
            for (var r = 0; r < returns; r++)
            {
                var recent = spike && r >= returns - 25;
                data.Returns.Add(new ReturnLine(sku, $"ORD-{i:D4}-{r:D4}", Reasons[random.Next(Reasons.Length)], 1,
                    now.AddDays(recent ? -random.Next(1, 25) : -random.Next(31, days))));
            }
        }
        return data;
    }
}
