using System.Globalization;
using System.Text;
using System.Text.Json;
using Nexus.Jobs.AiJobs;
using Nexus.Jobs.Api.Callbacks;
using Nexus.Jobs.Api.Http;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Api.AiJobs;

/// <summary>Turns request bodies and query strings into validated engine requests, naming every bad field.</summary>
public static partial class AiJobRequests
{
    public const int MaxBatch = 20;
    private static readonly string[] JobFields = ["type", "params", "priority"];
    private static readonly string[] DispatchFields = [.. JobFields, CallbackRequests.Field];
    private static readonly string[] BatchFields = ["jobs", "sequential", CallbackRequests.Field];

    /// <summary>Errors and whether any of them is an unknown job type (which earns INVALID_JOB_TYPE).</summary>
    public sealed class Errors
    {
        public Dictionary<string, string[]> Fields { get; } = new(StringComparer.Ordinal);

        public bool UnknownType { get; set; }
    }

    /// <summary>The body of <c>POST /api/ai-jobs</c>: one job and an optional <c>callback_url</c>.</summary>
    public static (JobRequest? Job, string? CallbackUrl) ParseDispatch(JsonElement body, Errors errors, bool allowPrivateNetworks)
    {
        var fields = new JsonFields(body, "", DispatchFields, errors.Fields);
        return (ParseJob(fields, errors), CallbackRequests.OptionalUrl(fields, allowPrivateNetworks));
    }

    /// <summary>One job of a batch (no callback of its own: the batch's applies).</summary>
    public static JobRequest? ParseJob(JsonElement body, string path, Errors errors) => ParseJob(new JsonFields(body, path, JobFields, errors.Fields), errors);

    private static JobRequest? ParseJob(JsonFields fields, Errors errors)
    {
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
    public static (List<JobRequest> Jobs, bool Sequential, string? CallbackUrl) ParseBatch(JsonElement body, Errors errors, bool allowPrivateNetworks, out bool tooLarge)
    {
        tooLarge = false;
        var fields = new JsonFields(body, "", BatchFields, errors.Fields);
        var sequential = fields.OptionalBool("sequential", false);
        var callbackUrl = CallbackRequests.OptionalUrl(fields, allowPrivateNetworks);
        var jobs = new List<JobRequest>();
        if (!fields.TryGet("jobs", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            errors.Fields["jobs"] = ["is required"];
            return (jobs, sequential, callbackUrl);
        }
        if (array.ValueKind != JsonValueKind.Array)
        {
            errors.Fields["jobs"] = ["must be an array of jobs"];
            return (jobs, sequential, callbackUrl);
        }
        var count = array.GetArrayLength();
        if (count > MaxBatch)
        {
            tooLarge = true;
            errors.Fields["jobs"] = [$"holds {count} jobs; a batch holds at most {MaxBatch}"];
            return (jobs, sequential, callbackUrl);
        }
        if (count == 0)
        {
            errors.Fields["jobs"] = [$"must hold 1 to {MaxBatch} jobs"];
            return (jobs, sequential, callbackUrl);
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
        return (jobs, sequential, callbackUrl);
    }

    /// <summary>Parses the list query; errors are keyed by parameter name.</summary>
    public static JobListQuery? ParseList(IQueryCollection query, Errors errors)
    {
        string? Single(string name) => QueryValues.Single(query, name, errors.Fields);

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

        var limit = QueryValues.Limit(query, 20, 100, errors.Fields);

        var from = ParseDate(Single("start_date"), "start_date", endOfDay: false, errors);
        var before = ParseDate(Single("end_date"), "end_date", endOfDay: true, errors);
        if (from is not null && before is not null && from >= before)
        {
            errors.Fields["end_date"] = ["must not be before start_date"];
        }

        (DateTime, string)? after = QueryValues.Cursor(query, errors.Fields, PublicIds.IsJobId);
        return errors.Fields.Count > 0 ? null : new JobListQuery(type, status, from, before, limit, after);
    }

    /// <summary>A date (the whole day) or an ISO 8601 date-time with offset, as a UTC bound; both bounds inclusive for the client.</summary>
    private static DateTime? ParseDate(string? value, string name, bool endOfDay, Errors errors) =>
        Dates.Parse(value, name, endOfDay, errors.Fields);

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
