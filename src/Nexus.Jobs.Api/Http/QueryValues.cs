using System.Globalization;
using System.Text;

namespace Nexus.Jobs.Api.Http;

/// <summary>Query-string values every list endpoint reads the same way: single values, limits, cursors.</summary>
public static class QueryValues
{
    /// <summary>The value of <paramref name="name"/>, null when absent or empty; an error when given more than once.</summary>
    public static string? Single(IQueryCollection query, string name, Dictionary<string, string[]> errors)
    {
        var values = query[name];
        if (values.Count > 1)
        {
            errors[name] = ["must be given at most once"];
            return null;
        }
        return values.Count == 0 || string.IsNullOrEmpty(values[0]) ? null : values[0];
    }

    public static int Limit(IQueryCollection query, int fallback, int max, Dictionary<string, string[]> errors)
    {
        var raw = Single(query, "limit", errors);
        if (raw is null)
        {
            return fallback;
        }
        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1 && limit <= max)
        {
            return limit;
        }
        errors["limit"] = [$"must be a whole number from 1 to {max}"];
        return fallback;
    }

    /// <summary>An opaque keyset cursor: the last row's time and key, base64url.</summary>
    public static string EncodeCursor(DateTime at, string key) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{at.Ticks.ToString(CultureInfo.InvariantCulture)}|{key}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The cursor's time and key, or null (with an error when one was sent but is not ours or its key is not valid).</summary>
    public static (DateTime At, string Key)? Cursor(IQueryCollection query, Dictionary<string, string[]> errors, Func<string, bool> isValidKey)
    {
        var raw = Single(query, "cursor", errors);
        if (raw is null)
        {
            return null;
        }
        try
        {
            var padded = raw.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('|');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks && isValidKey(parts[1]))
            {
                return (new DateTime(ticks, DateTimeKind.Utc), parts[1]);
            }
        }
        catch (FormatException)
        {
            // not base64: reported below
        }
        errors["cursor"] = ["is not a cursor this API returned"];
        return null;
    }

    /// <summary>A cursor whose key is a UUID (compounding runs, insights).</summary>
    public static (DateTime, Guid)? GuidCursor(IQueryCollection query, Dictionary<string, string[]> errors) =>
        Cursor(query, errors, k => Guid.TryParseExact(k, "D", out _)) is { } c ? (c.At, Guid.ParseExact(c.Key, "D")) : null;
}
