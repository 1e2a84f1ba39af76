using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Nexus.Jobs.AiJobs;
using Nexus.Jobs.Api.AiJobs;
using Nexus.Jobs.Api.Auth;
using Nexus.Jobs.Api.Compounding;
using Nexus.Jobs.Api.Errors;
using Nexus.Jobs.Api.Http;
using Nexus.Jobs.Catalog;

namespace Nexus.Jobs.Api.Catalog;

/// <summary>Commerce data the built-in AI job handlers work on: bulk upserts (up to 1,000 rows) and reads.</summary>
[ApiController]
[Route("v1/catalog")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, Problems.ContentType)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, Problems.ContentType)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, Problems.ContentType)]
public sealed partial class CatalogController(CatalogStore store) : ControllerBase
{
    /// <summary>Upsert products</summary>
    /// <remarks>
    /// <c>{"products":[{sku, marketplace, title, description?, bullet_points?, brand?, category?, price, cost?, currency}]}</c>,
    /// 1..1,000 rows keyed by (sku, marketplace). Scope <c>catalog.write</c>.
    /// </remarks>
    [HttpPost("products")]
    [Authorize(Policy = Policies.CatalogWrite)]
    [Idempotent]
    [ProducesResponseType<UpsertResult>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("upsertProducts")]
    public Task<IActionResult> Products() => UpsertAsync("products", ProductFields, (f, e) => new Product(
        e.Str(f, "sku")!, e.Str(f, "marketplace")!, e.Str(f, "title")!, e.Str(f, "description"), e.List(f, "bullet_points"), e.Str(f, "brand"),
        e.Str(f, "category"), e.Money(f, "price")!.Value, e.Money(f, "cost"), e.Str(f, "currency")!), store.UpsertProductsAsync);

    /// <summary>Upsert daily sales</summary>
    /// <remarks><c>{"daily_sales":[{sku, date (yyyy-MM-dd), units, price}]}</c>, keyed by (sku, date). Scope <c>catalog.write</c>.</remarks>
    [HttpPost("daily-sales")]
    [Authorize(Policy = Policies.CatalogWrite)]
    [Idempotent]
    [ProducesResponseType<UpsertResult>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("upsertDailySales")]
    public Task<IActionResult> DailySales() => UpsertAsync("daily_sales", SaleFields, (f, e) => new DailySale(
        e.Str(f, "sku")!, e.Date(f, "date")!.Value, (int)e.Int(f, "units")!.Value, e.Money(f, "price")!.Value), store.UpsertSalesAsync);

    /// <summary>Upsert competitor offers</summary>
    /// <remarks><c>{"competitor_offers":[{sku, competitor, price, observed_at, title?}]}</c>. Scope <c>catalog.write</c>.</remarks>
    [HttpPost("competitor-offers")]
    [Authorize(Policy = Policies.CatalogWrite)]
    [Idempotent]
    [ProducesResponseType<UpsertResult>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("upsertCompetitorOffers")]
    public Task<IActionResult> Offers() => UpsertAsync("competitor_offers", OfferFields, (f, e) => new Offer(
        e.Str(f, "sku")!, e.Str(f, "competitor")!, e.Money(f, "price")!.Value, e.Moment(f, "observed_at")!.Value, e.Str(f, "title")), store.UpsertOffersAsync);

    /// <summary>Upsert reviews</summary>
    /// <remarks><c>{"reviews":[{review_id, sku, rating (1..5), text, created_at}]}</c>. A review whose text changes is scored again. Scope <c>catalog.write</c>.</remarks>
    [HttpPost("reviews")]
    [Authorize(Policy = Policies.CatalogWrite)]
    [Idempotent]
    [ProducesResponseType<UpsertResult>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("upsertReviews")]
    public Task<IActionResult> Reviews() => UpsertAsync("reviews", ReviewFields, (f, e) => new Review(
        e.Str(f, "review_id")!, e.Str(f, "sku")!, (int)e.Int(f, "rating")!.Value, e.Str(f, "text")!, e.Moment(f, "created_at")!.Value), store.UpsertReviewsAsync);

    /// <summary>Upsert returns</summary>
    /// <remarks><c>{"returns":[{sku, order_ref, reason, units, created_at}]}</c>, keyed by (order_ref, sku). Scope <c>catalog.write</c>.</remarks>
    [HttpPost("returns")]
    [Authorize(Policy = Policies.CatalogWrite)]
    [Idempotent]
    [ProducesResponseType<UpsertResult>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("upsertReturns")]
    public Task<IActionResult> Returns() => UpsertAsync("returns", ReturnFields, (f, e) => new ReturnLine(
        e.Str(f, "sku")!, e.Str(f, "order_ref")!, e.Str(f, "reason")!, (int)e.Int(f, "units")!.Value, e.Moment(f, "created_at")!.Value), store.UpsertReturnsAsync);

    /// <summary>Read commerce data</summary>
    /// <remarks>
    /// <c>kind</c>: products, daily-sales, competitor-offers, reviews or returns. Optional <c>sku</c>; <c>limit</c> 1..1000 (default
    /// 100); <c>offset</c>. Reviews include their stored sentiment, returns their class. Scope <c>catalog.read</c>.
    /// </remarks>
    [HttpGet("{kind}")]
    [Authorize(Policy = Policies.CatalogRead)]
    [ProducesResponseType<ListOf<JsonElement>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, Problems.ContentType)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("readCatalog")]
    public async Task<IActionResult> Read(
        [OneOf(ValueSet.CatalogKind)] string kind, [FromQuery] string? sku, [FromQuery, Integer(1, 1000, Default = 100)] string? limit,
        [FromQuery, Integer(0, 1_000_000, Default = 0)] string? offset)
    {
        _ = (sku, limit, offset);
        CatalogKind? parsed = kind switch
        {
            "products" => CatalogKind.Products,
            "daily-sales" => CatalogKind.DailySales,
            "competitor-offers" => CatalogKind.CompetitorOffers,
            "reviews" => CatalogKind.Reviews,
            "returns" => CatalogKind.Returns,
            _ => null,
        };
        if (parsed is null)
        {
            return Problems.NotFound(HttpContext, "Catalog data is products, daily-sales, competitor-offers, reviews or returns.");
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var skuFilter = QueryValues.Single(Request.Query, "sku", errors);
        var take = QueryValues.Limit(Request.Query, 100, 1000, errors);
        var skip = 0;
        if (QueryValues.Single(Request.Query, "offset", errors) is { } o && (!int.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out skip) || skip > 1_000_000))
        {
            errors["offset"] = ["must be a whole number from 0 to 1000000"];
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, errors);
        }
        var rows = await store.ReadAsync(User.WorkspaceId(), parsed.Value, skuFilter, take, skip, HttpContext.RequestAborted);
        return Ok(new ListOf<JsonElement>(rows.Select(JobDto.Parse).ToList()));
    }

    private async Task<IActionResult> UpsertAsync<T>(string member, IReadOnlyList<Field> spec, Func<Dictionary<string, JsonElement>, RowReader, T> build,
        Func<long, IReadOnlyList<T>, CancellationToken, Task<int>> save)
    {
        var (body, problem) = await RequestJson.ObjectAsync(HttpContext);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var rows = new List<T>();
        var top = new JsonFields(body, "", [member], errors);
        if (!top.TryGet(member, out var array) || array.ValueKind != JsonValueKind.Array || array.GetArrayLength() is 0 or > CatalogStore.MaxBatch)
        {
            errors[member] = [$"is required: an array of 1 to {CatalogStore.MaxBatch} rows"];
        }
        else
        {
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var path = $"{member}[{i++}]";
                var reader = new RowReader(path, errors);
                if (reader.Check(item, spec) is { } fields)
                {
                    rows.Add(build(fields, reader));
                }
            }
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, errors);
        }
        var count = await save(User.WorkspaceId(), rows, HttpContext.RequestAborted);
        return Ok(new UpsertResult(count));
    }

    /// <summary>The body an upsert action takes, from the same field specs that validate it (for the OpenAPI document): the
    /// member holding the rows, the row's name, and its schema. Null for actions that take no rows.</summary>
    internal static (string Member, string Row, OpenApiSchema Schema)? RowsOf(string action) => action switch
    {
        nameof(Products) => ("products", "CatalogProduct", RowSchema(ProductFields)),
        nameof(DailySales) => ("daily_sales", "CatalogDailySale", RowSchema(SaleFields)),
        nameof(Offers) => ("competitor_offers", "CatalogCompetitorOffer", RowSchema(OfferFields)),
        nameof(Reviews) => ("reviews", "CatalogReview", RowSchema(ReviewFields)),
        nameof(Returns) => ("returns", "CatalogReturn", RowSchema(ReturnFields)),
        _ => null,
    };

    private static OpenApiSchema RowSchema(Field[] spec) => new()
    {
        Type = JsonSchemaType.Object,
        Required = spec.Where(f => f.Required).Select(f => f.Name).ToHashSet(),
        Properties = spec.ToDictionary(f => f.Name, f => (IOpenApiSchema)(f.Kind switch
        {
            Kind.Text => new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = f.Max },
            Kind.Marketplace => new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = JobTypes.Marketplaces.Order(StringComparer.Ordinal).Select(m => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(m)).ToList(),
            },
            Kind.Currency => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[A-Z]{3}$", Description = "ISO 4217, e.g. USD." },
            Kind.Money => new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double", Minimum = "0", Maximum = "1000000000" },
            Kind.Int => new OpenApiSchema
            {
                Type = JsonSchemaType.Integer, Format = "int64",
                Minimum = f.Min.ToString(CultureInfo.InvariantCulture), Maximum = f.Max.ToString(CultureInfo.InvariantCulture),
            },
            Kind.Date => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date" },
            Kind.Moment => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "With its offset, e.g. 2026-03-12T14:32:01Z." },
            Kind.TextList => new OpenApiSchema
            {
                Type = JsonSchemaType.Array, MaxItems = (int)f.Min, Items = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = f.Max },
            },
            _ => throw new ArgumentOutOfRangeException(nameof(spec), f.Kind, null),
        })),
    };

    private enum Kind { Text, Marketplace, Money, Int, Date, Moment, TextList, Currency }

    private sealed record Field(string Name, Kind Kind, bool Required, int Max = 0, long Min = 0);

    private static readonly Field[] ProductFields =
    [
        new("sku", Kind.Text, true, JobTypes.MaxSkuLength), new("marketplace", Kind.Marketplace, true), new("title", Kind.Text, true, 500),
        new("description", Kind.Text, false, 5000), new("bullet_points", Kind.TextList, false, 1000, 10), new("brand", Kind.Text, false, 200),
        new("category", Kind.Text, false, 200), new("price", Kind.Money, true), new("cost", Kind.Money, false), new("currency", Kind.Currency, true),
    ];

    private static readonly Field[] SaleFields =
        [new("sku", Kind.Text, true, JobTypes.MaxSkuLength), new("date", Kind.Date, true), new("units", Kind.Int, true, 10_000_000), new("price", Kind.Money, true)];

    private static readonly Field[] OfferFields =
    [
        new("sku", Kind.Text, true, JobTypes.MaxSkuLength), new("competitor", Kind.Text, true, 200), new("price", Kind.Money, true),
        new("observed_at", Kind.Moment, true), new("title", Kind.Text, false, 500),
    ];

    private static readonly Field[] ReviewFields =
    [
        new("review_id", Kind.Text, true, 200), new("sku", Kind.Text, true, JobTypes.MaxSkuLength), new("rating", Kind.Int, true, 5, 1),
        new("text", Kind.Text, true, 10_000), new("created_at", Kind.Moment, true),
    ];

    private static readonly Field[] ReturnFields =
    [
        new("sku", Kind.Text, true, JobTypes.MaxSkuLength), new("order_ref", Kind.Text, true, 200), new("reason", Kind.Text, true, 2000),
        new("units", Kind.Int, true, 10_000, 1), new("created_at", Kind.Moment, true),
    ];

    /// <summary>Checks one row against its field specs and reads the typed values out of it.</summary>
    private sealed partial class RowReader(string path, Dictionary<string, string[]> errors)
    {
        public Dictionary<string, JsonElement>? Check(JsonElement item, IReadOnlyList<Field> spec)
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors[path] = ["must be a JSON object"];
                return null;
            }
            var fields = new JsonFields(item, path, spec.Select(s => s.Name).ToArray(), errors);
            var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            var before = errors.Count;
            foreach (var field in spec)
            {
                var name = fields.Field(field.Name);
                if (!fields.TryGet(field.Name, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    if (field.Required)
                    {
                        errors[name] = ["is required"];
                    }
                    continue;
                }
                if (Problem(field, value) is { } message)
                {
                    errors[name] = [message];
                    continue;
                }
                values[field.Name] = value;
            }
            return errors.Count == before && !errors.Keys.Any(k => k.StartsWith(path + ".", StringComparison.Ordinal)) ? values : null;
        }

        public string? Str(Dictionary<string, JsonElement> f, string name) => f.TryGetValue(name, out var v) ? v.GetString()!.Trim() : null;

        public decimal? Money(Dictionary<string, JsonElement> f, string name) => f.TryGetValue(name, out var v) ? Math.Round(v.GetDecimal(), 2) : null;

        public long? Int(Dictionary<string, JsonElement> f, string name) => f.TryGetValue(name, out var v) ? v.GetInt64() : null;

        public DateOnly? Date(Dictionary<string, JsonElement> f, string name) =>
            f.TryGetValue(name, out var v) ? DateOnly.ParseExact(v.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null;

        public DateTime? Moment(Dictionary<string, JsonElement> f, string name) =>
            f.TryGetValue(name, out var v) ? DateTimeOffset.Parse(v.GetString()!, CultureInfo.InvariantCulture).UtcDateTime : null;

        public string[] List(Dictionary<string, JsonElement> f, string name) =>
            f.TryGetValue(name, out var v) ? v.EnumerateArray().Select(x => x.GetString()!.Trim()).ToArray() : [];

        private static string? Problem(Field field, JsonElement value)
        {
            switch (field.Kind)
            {
                case Kind.Text:
                    return value.ValueKind == JsonValueKind.String && IsText(value.GetString()!, field.Max)
                        ? null : $"must be a string of 1 to {field.Max} characters, not blank";
                case Kind.Marketplace:
                    return value.ValueKind == JsonValueKind.String && JobTypes.Marketplaces.Contains(value.GetString()!)
                        ? null : $"must be one of {string.Join(", ", JobTypes.Marketplaces.Order(StringComparer.Ordinal))}";
                case Kind.Currency:
                    return value.ValueKind == JsonValueKind.String && CurrencyCode().IsMatch(value.GetString()!)
                        ? null : "must be an ISO 4217 code such as USD";
                case Kind.Money:
                    return value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var m) && m >= 0 && m <= 1_000_000_000m
                        ? null : "must be a number from 0 to 1000000000";
                case Kind.Int:
                    return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= field.Min && n <= field.Max
                        ? null : $"must be a whole number from {field.Min} to {field.Max}";
                case Kind.Date:
                    return value.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                        ? null : "must be a date like 2026-03-12";
                case Kind.Moment:
                    return value.ValueKind == JsonValueKind.String && IsoMoment().IsMatch(value.GetString()!)
                        && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                        ? null : "must be an ISO 8601 date-time with offset, like 2026-03-12T14:32:01Z";
                case Kind.TextList:
                    return value.ValueKind == JsonValueKind.Array && value.GetArrayLength() <= field.Min
                        && value.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String && IsText(x.GetString()!, field.Max))
                        ? null : $"must be an array of at most {field.Min} strings of 1 to {field.Max} characters";
                default:
                    return "is not supported";
            }
        }

        private static bool IsText(string s, int max) =>
            s.Trim().Length > 0 && s.Length <= max && !s.Any(c => char.IsControl(c) && c is not '\n' and not '\t' and not '\r');

        [GeneratedRegex("^[A-Z]{3}$")]
        private static partial Regex CurrencyCode();

        [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
        private static partial Regex IsoMoment();
    }
}

/// <summary>How many rows an upsert wrote (inserted or updated).</summary>
public sealed record UpsertResult(int Upserted);
