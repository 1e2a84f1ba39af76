using System.Globalization;

namespace Nexus.Jobs.Client;

/// <summary>A bound of a date filter: a whole day (<see cref="DateOnly"/>) or a moment (<see cref="DateTimeOffset"/>).</summary>
/// <remarks>
/// The API takes either form: a date covers its whole day (as an end bound it includes that day), a moment is sent in
/// UTC with its full precision. Both convert implicitly, so a query reads <c>StartDate = DateOnly.FromDateTime(...)</c>
/// or <c>StartDate = DateTimeOffset.UtcNow.AddHours(-1)</c>.
/// </remarks>
public readonly record struct DateBound
{
    private DateBound(DateOnly? date, DateTimeOffset? moment)
    {
        Date = date;
        Moment = moment;
    }

    /// <summary>The whole day, when this bound is a date.</summary>
    public DateOnly? Date { get; }

    /// <summary>The moment, when this bound is one.</summary>
    public DateTimeOffset? Moment { get; }

    /// <summary>A bound covering the whole of <paramref name="date"/>.</summary>
    public static DateBound FromDate(DateOnly date) => new(date, null);

    /// <summary>A bound at <paramref name="moment"/>.</summary>
    public static DateBound FromMoment(DateTimeOffset moment) => new(null, moment);

    /// <summary>A bound covering the whole of <paramref name="date"/>.</summary>
    public static implicit operator DateBound(DateOnly date) => FromDate(date);

    /// <summary>A bound at <paramref name="moment"/>.</summary>
    public static implicit operator DateBound(DateTimeOffset moment) => FromMoment(moment);

    /// <summary>The query-string form: <c>2026-03-12</c> or <c>2026-03-12T14:32:01.0000000Z</c>.</summary>
    public string ToQueryValue() => Date is { } date
        ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
        : (Moment ?? default).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override string ToString() => ToQueryValue();
}
