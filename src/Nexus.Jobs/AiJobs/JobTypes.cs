using System.Text.Json;

namespace Nexus.Jobs.AiJobs;

/// <summary>One AI job type: its name, the seed's typical duration, and the shape of its params.</summary>
public sealed record JobType(string Name, string Description, TimeSpan TypicalMin, TimeSpan TypicalMax, IReadOnlyList<ParamSpec> Params)
{
    /// <summary>The prior for duration estimates: the middle of the seed's typical range.</summary>
    public TimeSpan TypicalDuration => (TypicalMin + TypicalMax) / 2;
}

/// <summary>Kinds of values a job parameter can hold.</summary>
public enum ParamKind
{
    SkuList,
    Marketplace,
    Boolean,
    PositiveInt,
    StringList,
}

/// <summary>One parameter of a job type.</summary>
public sealed record ParamSpec(string Name, ParamKind Kind, bool Required, string Description, int Max = 0);

/// <summary>The six job types of the AI Jobs API and their parameter rules. Pure.</summary>
public static class JobTypes
{
    public const int MaxSkus = 1000;
    public const int MaxSkuLength = 64;

    /// <summary>Marketplaces the platform knows.</summary>
    public static readonly IReadOnlySet<string> Marketplaces = new HashSet<string>(StringComparer.Ordinal)
    {
        "amazon_us", "amazon_ca", "amazon_mx", "amazon_uk", "amazon_de", "amazon_fr", "amazon_it", "amazon_es",
        "amazon_jp", "walmart_us", "ebay_us", "ebay_uk", "shopify", "etsy",
    };

    private static readonly ParamSpec Skus = new("skus", ParamKind.SkuList, true, $"SKUs to work on (1..{MaxSkus})");
    private static readonly ParamSpec OptionalSkus = Skus with { Required = false, Description = "SKUs to work on; all of the workspace's SKUs when absent" };
    private static readonly ParamSpec Marketplace = new("marketplace", ParamKind.Marketplace, true, "Marketplace code, e.g. amazon_us");
    private static readonly ParamSpec OptionalMarketplace = Marketplace with { Required = false };
    private static readonly ParamSpec Apply = new("apply", ParamKind.Boolean, false, "Write the outcome back (default false)");

    public static readonly IReadOnlyList<JobType> All =
    [
        new("pricing_recalculate", "Recompute optimal prices for SKUs", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60),
            [Skus, Marketplace, Apply]),
        new("review_sentiment", "Run NLP sentiment on new reviews", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(120),
            [OptionalSkus, OptionalMarketplace, new("since_days", ParamKind.PositiveInt, false, "Only reviews of the last N days", 3650)]),
        new("return_classify", "Classify return reasons and detect anomalies", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(90),
            [OptionalSkus, OptionalMarketplace, new("window_days", ParamKind.PositiveInt, false, "Days of returns to examine", 3650)]),
        new("llm_visibility_score", "Query LLM assistants for visibility scoring", TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(300),
            [Skus, OptionalMarketplace, new("assistants", ParamKind.StringList, false, "Configured assistants to ask (default: all)", 20)]),
        new("competitor_scan", "Fetch competitor prices for SKUs", TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(60),
            [Skus, Marketplace]),
        new("listing_optimize", "Generate listing improvement proposals", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(120),
            [Skus, Marketplace, Apply]),
    ];

    private static readonly Dictionary<string, JobType> ByName = All.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static bool TryGet(string? name, out JobType type)
    {
        type = null!;
        return name is not null && ByName.TryGetValue(name, out type!);
    }

    /// <summary>Checks <paramref name="parameters"/> against the type's rules.</summary>
    /// <param name="type">The job type.</param>
    /// <param name="parameters">The <c>params</c> object as sent.</param>
    /// <param name="path">Field path prefix for error keys, e.g. <c>params</c> or <c>jobs[2].params</c>.</param>
    /// <returns>Errors keyed by field path; empty when valid.</returns>
    public static Dictionary<string, string[]> Validate(JobType type, JsonElement parameters, string path)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            errors[path] = ["must be a JSON object"];
            return errors;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in parameters.EnumerateObject())
        {
            var field = $"{path}.{property.Name}";
            if (!seen.Add(property.Name))
            {
                errors[field] = ["appears more than once"];
                continue;
            }
            var spec = type.Params.FirstOrDefault(p => p.Name == property.Name);
            if (spec is null)
            {
                errors[field] = [$"is not a parameter of {type.Name}; known: {string.Join(", ", type.Params.Select(p => p.Name))}"];
                continue;
            }
            if (CheckValue(spec, property.Value) is { } problem)
            {
                errors[field] = [problem];
            }
        }

        foreach (var spec in type.Params.Where(p => p.Required && !seen.Contains(p.Name)))
        {
            errors[$"{path}.{spec.Name}"] = ["is required"];
        }
        return errors;
    }

    private static string? CheckValue(ParamSpec spec, JsonElement value)
    {
        switch (spec.Kind)
        {
            case ParamKind.Boolean:
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "must be true or false";

            case ParamKind.Marketplace:
                if (value.ValueKind != JsonValueKind.String)
                {
                    return "must be a string";
                }
                return Marketplaces.Contains(value.GetString()!)
                    ? null
                    : $"must be one of {string.Join(", ", Marketplaces.Order(StringComparer.Ordinal))}";

            case ParamKind.PositiveInt:
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= 1 && n <= spec.Max
                    ? null
                    : $"must be a whole number from 1 to {spec.Max}";

            case ParamKind.SkuList:
                return CheckStrings(value, MaxSkus, MaxSkuLength, "SKU");

            case ParamKind.StringList:
                return CheckStrings(value, spec.Max, 100, "name");

            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, null);
        }
    }

    private static string? CheckStrings(JsonElement value, int maxItems, int maxLength, string noun)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return $"must be an array of {noun} strings";
        }
        var count = value.GetArrayLength();
        if (count == 0 || count > maxItems)
        {
            return $"must hold 1 to {maxItems} items";
        }
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return $"must hold only strings";
            }
            var s = item.GetString()!;
            if (s.Length == 0 || s.Length > maxLength || s.Trim().Length != s.Length || s.Any(char.IsControl))
            {
                return $"each {noun} must be 1 to {maxLength} characters without surrounding spaces or control characters";
            }
            if (!distinct.Add(s))
            {
                return $"lists {s} more than once";
            }
        }
        return null;
    }
}
