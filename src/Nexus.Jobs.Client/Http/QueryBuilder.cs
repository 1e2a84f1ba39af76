using System.Globalization;
using System.Text;

namespace Nexus.Jobs.Client;

/// <summary>Builds a path with its query string, leaving out every parameter that has no value. Pure.</summary>
internal sealed class QueryBuilder(string path)
{
    private readonly StringBuilder _text = new(path);
    private bool _any;

    public QueryBuilder Add(string name, string? value)
    {
        if (value is null)
        {
            return this;
        }
        _text.Append(_any ? '&' : '?').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        _any = true;
        return this;
    }

    public QueryBuilder Add(string name, int? value) => Add(name, value?.ToString(CultureInfo.InvariantCulture));

    public QueryBuilder Add(string name, DateBound? value) => Add(name, value?.ToQueryValue());

    public override string ToString() => _text.ToString();

    /// <summary>The <c>last</c> filter of insights: the span in the largest whole unit, <c>2d</c>, <c>3h</c> or <c>45m</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The span is not a positive whole number of minutes.</exception>
    public static string Lookback(TimeSpan span)
    {
        if (span <= TimeSpan.Zero || span.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(span), span, "The API takes a positive whole number of minutes, hours or days.");
        }
        return span.Ticks % TimeSpan.TicksPerDay == 0 ? $"{span.Ticks / TimeSpan.TicksPerDay}d"
            : span.Ticks % TimeSpan.TicksPerHour == 0 ? $"{span.Ticks / TimeSpan.TicksPerHour}h"
            : $"{span.Ticks / TimeSpan.TicksPerMinute}m";
    }
}
