using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Nexus.Jobs.Api.Auth;
using Nexus.Jobs.Api.Errors;
using Nexus.Jobs.Api.Http;
using Nexus.Jobs.Compounding;

namespace Nexus.Jobs.Api.Compounding;

/// <summary>Insights: what compounding works on.</summary>
[ApiController]
[Route("v1/insights")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, Problems.ContentType)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, Problems.ContentType)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, Problems.ContentType)]
public sealed partial class InsightsController(InsightStore store) : ControllerBase
{
    public const int MaxBatch = 1000;
    private static readonly string[] BodyFields = ["insights"];
    private static readonly string[] InsightFields = ["content", "type", "entities", "confidence"];
    private static readonly string[] EntityFields = ["id", "name", "type"];

    /// <summary>Ingest insights</summary>
    /// <remarks>
    /// 1 to 1,000 insights: <c>content</c> (1..10,000 characters), <c>type</c> (1..64), <c>entities</c> (up to 100
    /// <c>{id, name, type}</c>), <c>confidence</c> 0..1 (default 0.5). All are validated before any is stored. An insight that
    /// states the same fact as an existing one (same text after normalising case, punctuation, stop words and word order,
    /// same type and entities) reinforces it instead: its count goes up, confidences combine, and it is active again.
    /// Scope <c>insight.write</c>. Honours <c>Idempotency-Key</c>.
    /// </remarks>
    [HttpPost]
    [Authorize(Policy = Policies.InsightWrite)]
    [Idempotent]
    [Consumes(typeof(IngestRequest), "application/json")]
    [ProducesResponseType<IngestResult>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, Problems.ContentType)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, Problems.ContentType)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("ingestInsights")]
    public async Task<IActionResult> Ingest()
    {
        var (body, problem) = await RequestJson.ObjectAsync(HttpContext);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var items = Parse(body, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, errors);
        }
        var results = await store.IngestAsync(User.WorkspaceId(), items, HttpContext.RequestAborted);
        return Ok(new IngestResult(results.Select(r => new IngestedDto(r.Id, r.Created ? "created" : "reinforced")).ToList(),
            results.Count(r => r.Created), results.Count(r => !r.Created)));
    }

    /// <summary>List insights</summary>
    /// <remarks>
    /// Newest first. <c>last</c> (e.g. <c>30m</c>, <c>2h</c>, <c>1d</c>; up to 365 days) or <c>from</c>/<c>to</c> (a date or an
    /// ISO 8601 date-time with offset; <c>to</c> as a date includes that day), <c>limit</c> 1..1000 (default 100), <c>cursor</c>.
    /// Scope <c>insight.read</c>.
    /// </remarks>
    [HttpGet]
    [Authorize(Policy = Policies.InsightRead)]
    [ProducesResponseType<InsightPage>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status422UnprocessableEntity, Problems.ContentType)]
    [EndpointName("listInsights")]
    public async Task<IActionResult> List(
        [FromQuery] string? last, [FromQuery, Format("date-time")] string? from, [FromQuery, Format("date-time")] string? to,
        [FromQuery, Integer(1, 1000, Default = 100)] string? limit, [FromQuery] string? cursor)
    {
        _ = (last, from, to, limit, cursor);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var lastText = QueryValues.Single(Request.Query, "last", errors);
        var fromText = QueryValues.Single(Request.Query, "from", errors);
        var toText = QueryValues.Single(Request.Query, "to", errors);
        DateTime? start = null;
        if (lastText is not null)
        {
            if (fromText is not null)
            {
                errors["last"] = ["give either last or from, not both"];
            }
            var match = LastPattern().Match(lastText);
            if (!match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            {
                errors["last"] = ["must be a number and a unit: 30m, 2h, 7d"];
            }
            else
            {
                var span = match.Groups[2].Value switch { "m" => TimeSpan.FromMinutes(n), "h" => TimeSpan.FromHours(n), _ => TimeSpan.FromDays(n) };
                if (span > TimeSpan.FromDays(365))
                {
                    errors["last"] = ["must be at most 365 days"];
                }
                else
                {
                    start = DateTime.UtcNow - span;
                }
            }
        }
        start ??= Dates.Parse(fromText, "from", endOfDay: false, errors);
        var end = Dates.Parse(toText, "to", endOfDay: true, errors);
        if (start is not null && end is not null && start >= end)
        {
            errors["to"] = ["must be after from"];
        }
        var take = QueryValues.Limit(Request.Query, 100, 1000, errors);
        var after = QueryValues.GuidCursor(Request.Query, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(HttpContext, ErrorCodes.ValidationFailed, errors);
        }
        var (insights, more) = await store.ListAsync(User.WorkspaceId(), new InsightQuery(start, end, take, after), HttpContext.RequestAborted);
        return Ok(new InsightPage(insights.Select(InsightDto.From).ToList(), more ? QueryValues.EncodeCursor(insights[^1].CreatedAt, insights[^1].Id.ToString("D")) : null));
    }

    private static List<NewInsight> Parse(JsonElement body, Dictionary<string, string[]> errors)
    {
        var result = new List<NewInsight>();
        var fields = new JsonFields(body, "", BodyFields, errors);
        if (!fields.TryGet("insights", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            errors["insights"] = ["is required: an array of 1 to 1000 insights"];
            return result;
        }
        var count = array.GetArrayLength();
        if (count is 0 or > MaxBatch)
        {
            errors["insights"] = [$"holds {count} insights; send 1 to {MaxBatch}"];
            return result;
        }
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var path = $"insights[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors[path] = ["must be a JSON object"];
                continue;
            }
            var f = new JsonFields(item, path, InsightFields, errors);
            var content = Text(f, "content", 10_000, required: true);
            var type = Text(f, "type", 64, required: true);
            var confidence = 0.5;
            if (f.TryGet("confidence", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                if (c.ValueKind != JsonValueKind.Number || !c.TryGetDouble(out confidence) || confidence is < 0 or > 1 || double.IsNaN(confidence))
                {
                    errors[f.Field("confidence")] = ["must be a number from 0 to 1"];
                }
            }
            var entities = new List<InsightEntity>();
            if (f.TryGet("entities", out var list) && list.ValueKind != JsonValueKind.Null)
            {
                if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > 100)
                {
                    errors[f.Field("entities")] = ["must be an array of at most 100 {id, name, type} objects"];
                }
                else
                {
                    var j = 0;
                    foreach (var e in list.EnumerateArray())
                    {
                        var epath = $"{path}.entities[{j++}]";
                        if (e.ValueKind != JsonValueKind.Object)
                        {
                            errors[epath] = ["must be a JSON object"];
                            continue;
                        }
                        var ef = new JsonFields(e, epath, EntityFields, errors);
                        var id = Text(ef, "id", 200, required: true);
                        var name = Text(ef, "name", 500, required: true);
                        var etype = Text(ef, "type", 64, required: true);
                        if (id is not null && name is not null && etype is not null)
                        {
                            entities.Add(new InsightEntity(id, name, etype));
                        }
                    }
                }
            }
            if (content is not null && type is not null)
            {
                result.Add(new NewInsight(content, type, entities, confidence));
            }
        }
        return result;
    }

    private static string? Text(JsonFields fields, string name, int max, bool required)
    {
        var value = required ? fields.RequiredString(name) : fields.OptionalString(name);
        if (value is null)
        {
            return null;
        }
        if (value.Trim().Length == 0 || value.Length > max || value.Any(ch => char.IsControl(ch) && ch is not '\n' and not '\t' and not '\r'))
        {
            fields.Errors[fields.Field(name)] = [$"must be 1 to {max} characters, not blank, without control characters"];
            return null;
        }
        return value.Trim();
    }

    [GeneratedRegex("^([0-9]{1,6})([mhd])$")]
    private static partial Regex LastPattern();
}
