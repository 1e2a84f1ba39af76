using System.Globalization;
using System.Text.RegularExpressions;

namespace Nexus.Jobs.Api.Http;

/// <summary>Date bounds for query strings: a date (a whole day) or an ISO 8601 date-time with offset.</summary>
public static partial class Dates
{
    public static DateTime? Parse(string? value, string name, bool endOfDay, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var start = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            return endOfDay ? (date == DateOnly.MaxValue ? DateTime.MaxValue : start.AddDays(1)) : start;
        }
        if (IsoDateTime().IsMatch(value) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var moment))
        {
            return endOfDay && moment.UtcDateTime < DateTime.MaxValue ? moment.UtcDateTime.AddTicks(1) : moment.UtcDateTime;
        }
        errors[name] = ["must be a date (2026-03-12) or an ISO 8601 date-time with offset (2026-03-12T14:32:01Z)"];
        return null;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex IsoDateTime();
}
