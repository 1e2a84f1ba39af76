using System.Globalization;
using System.Text;
using System.Text.Json;
using Nexus.Jobs.AiJobs;
using Nexus.Jobs.Api.Http;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Api.AiJobs;

/// <summary>Turns request bodies and query strings into validated engine requests, naming every bad field.</summary>
public static partial class AiJobRequests
{
    public const int MaxBatch = 20;
    private static readonly string[] JobFields = ["type", "params", "priority"];
    private static readonly string[] BatchFields = ["jobs", "sequential"];

    /// <summary>Errors and whether any of them is an unknown job type (which earns INVALID_JOB_TYPE).</summary>
    public sealed class Errors
    {
        public Dictionary<string, string[]> Fields { get; } = new(StringComparer.Ordinal);

        public bool UnknownType { get; set; }
    }

    public static JobRequest? ParseJob(JsonElement body, string path, Errors errors)
    {
        var fields = new JsonFields(body, path, JobFields, errors.Fields);
        var typeName = fields.RequiredString("type");
        JobType? type = null;
        if (typeName is not null && !JobTypes.TryGet(typeName, out type))
        {
            errors.Fields[fields.Field("type")] = [$"'{Truncate(typeName)}' is not a job type; known: {string.Join(", ", JobTypes.All.Select(t => t.Name))}"];
            errors.UnknownType = true;
        }

        var priority = Priority.Normal;
        var priorityName = fields.OptionalString("priority");
        if (priorityName is not null && !Queues.TryParse(priorityName, out priority))
        {
            errors.Fields[fields.Field("priority")] = ["must be one of low, normal, high"];
        }

        JsonElement parameters;
        if (!fields.TryGet("params", out parameters) || parameters.ValueKind == JsonValueKind.Null)
        {
            parameters = JsonDocument.Parse("{}").RootElement.Clone();
        }
        if (type is not null)
        {
            foreach (var (field, messages) in JobTypes.Validate(type, parameters, fields.Field("params")))
            {
                errors.Fields[field] = messages;
            }
        }
        return type is null ? null : new JobRequest(type, priority, parameters);
    }

    /// <summary>Parses a batch body; <paramref name="tooLarge"/> is set when it holds more than 20 jobs.</summary>
    public static (List<JobRequest> Jobs, bool Sequential) ParseBatch(JsonElement body, Errors errors, out bool tooLarge)
    {
        tooLarge = false;
        var fields = new JsonFields(body, "", BatchFields, errors.Fields);
        var sequential = fields.OptionalBool("sequential", false);
        var jobs = new List<JobRequest>();
        if (!fields.TryGet("jobs", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            errors.Fields["jobs"] = ["is required"];
            return (jobs, sequential);
        }
        if (array.ValueKind != JsonValueKind.Array)
        {
            errors.Fields["jobs"] = ["must be an array of jobs"];
            return (jobs, sequential);
        }
        var count = array.GetArrayLength();
        if (count > MaxBatch)
        {
            tooLarge = true;
            errors.Fields["jobs"] = [$"holds {count} jobs; a batch holds at most {MaxBatch}"];
            return (jobs, sequential);
        }
        if (count == 0)
        {
            errors.Fields["jobs"] = [$"must hold 1 to {MaxBatch} jobs"];
            return (jobs, sequential);
        }
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var path = $"jobs[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Fields[path] = ["must be a JSON object"];
                continue;
            }
            if (ParseJob(item, path, errors) is { } job)
            {
                jobs.Add(job);
            }
        }
        return (jobs, sequential);
    }

    /// <summary>Parses the list query; errors are keyed by parameter name.</summary>
    public static JobListQuery? ParseList(IQueryCollection query, Errors errors)
    {
        string? Single(string name)
        {
            var values = query[name];
            if (values.Count > 1)
            {
                errors.Fields[name] = ["must be given at most once"];
                return null;
            }
            return values.Count == 0 || string.IsNullOrEmpty(values[0]) ? null : values[0];
        }

        var type = Single("type");
        if (type is not null && !JobTypes.TryGet(type, out _))
        {
            errors.Fields["type"] = [$"'{Truncate(type)}' is not a job type"];
            errors.UnknownType = true;
        }

        JobStatus? status = null;
        if (Single("status") is { } s)
        {
            if (JobStatusNames.TryParse(s, out var parsed))
            {
                status = parsed;
            }
            else
            {
                errors.Fields["status"] = ["must be one of queued, running, completed, failed, cancelled"];
            }
        }

        var limit = 20;
        if (Single("limit") is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            errors.Fields["limit"] = ["must be a whole number from 1 to 100"];
        }

        var from = ParseDate(Single("start_date"), "start_date", endOfDay: false, errors);
        var before = ParseDate(Single("end_date"), "end_date", endOfDay: true, errors);
        if (from is not null && before is not null && from >= before)
        {
            errors.Fields["end_date"] = ["must not be before start_date"];
        }

        (DateTime, string)? after = null;
        if (Single("cursor") is { } cursor)
        {
            after = DecodeCursor(cursor);
            if (after is null)
            {
                errors.Fields["cursor"] = ["is not a cursor this API returned"];
            }
        }
        return errors.Fields.Count > 0 ? null : new JobListQuery(type, status, from, before, limit, after);
    }

    public static string EncodeCursor(DateTime createdAt, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{createdAt.Ticks.ToString(CultureInfo.InvariantCulture)}|{id}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (DateTime, string)? DecodeCursor(string cursor)
    {
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('|');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks && PublicIds.IsJobId(parts[1]))
            {
                return (new DateTime(ticks, DateTimeKind.Utc), parts[1]);
            }
        }
        catch (FormatException)
        {
            // not base64: reported by the caller
        }
        return null;
    }

    /// <summary>A date (the whole day) or an ISO 8601 date-time with offset, as a UTC bound; both bounds inclusive for the client.</summary>
    private static DateTime? ParseDate(string? value, string name, bool endOfDay, Errors errors) =>
        Dates.Parse(value, name, endOfDay, errors.Fields);

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
