namespace Nexus.Jobs.Platform;

/// <summary>UTC now, truncated to PostgreSQL's microsecond precision so values round-trip exactly.</summary>
public static class Clock
{
    public static DateTime UtcNowMicros()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }
}
