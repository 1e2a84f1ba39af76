namespace Nexus.Jobs.Client.Tests;

public sealed class QueryStringTests
{
    [Fact]
    public void NoFilters_IsThePathAlone()
    {
        AiJobsApi.ListPath(new JobListQuery()).ShouldBe("api/ai-jobs");
        CompoundingApi.RunsPath(new RunListQuery()).ShouldBe("v1/compounding/jobs");
        InsightsApi.ListPath(new InsightQuery()).ShouldBe("v1/insights");
    }

    [Fact]
    public void JobList_TakesEveryFilter_InTheApisNames()
    {
        var query = new JobListQuery
        {
            Type = JobTypes.PricingRecalculate, Status = JobStatus.Queued, StartDate = new DateOnly(2026, 3, 1),
            EndDate = new DateTimeOffset(2026, 3, 12, 16, 30, 0, TimeSpan.FromHours(2)), Limit = 50, Cursor = "NjM4_abc-x",
        };

        AiJobsApi.ListPath(query).ShouldBe(
            "api/ai-jobs?type=pricing_recalculate&status=queued&start_date=2026-03-01&end_date=2026-03-12T14%3A30%3A00.0000000Z&limit=50&cursor=NjM4_abc-x");
    }

    [Fact]
    public void Values_AreEscaped()
    {
        new QueryBuilder("x").Add("a", "b c&d=e/f+g").Add("n", (int?)null).Add("z", "ü").ToString().ShouldBe("x?a=b%20c%26d%3De%2Ff%2Bg&z=%C3%BC");
    }

    [Fact]
    public void RunList_TakesJobTypeStatusLimitAndCursor()
    {
        CompoundingApi.RunsPath(new RunListQuery { JobType = CompoundingJobTypes.Metrics, Status = RunStatus.Completed, Limit = 1, Cursor = "c" })
            .ShouldBe("v1/compounding/jobs?job_type=metrics&status=completed&limit=1&cursor=c");
    }

    [Fact]
    public void Insights_TakeLastFromToLimitAndCursor()
    {
        InsightsApi.ListPath(new InsightQuery { Last = TimeSpan.FromHours(2), Limit = 3 }).ShouldBe("v1/insights?last=2h&limit=3");
        InsightsApi.ListPath(new InsightQuery { From = new DateOnly(2026, 1, 1), To = new DateOnly(2026, 1, 31), Cursor = "k" })
            .ShouldBe("v1/insights?from=2026-01-01&to=2026-01-31&cursor=k");
    }

    [Theory]
    [InlineData(30, "30m")]
    [InlineData(90, "90m")]
    [InlineData(120, "2h")]
    [InlineData(1440, "1d")]
    [InlineData(2160, "36h")]
    [InlineData(525600, "365d")]
    public void Lookback_IsTheSpanInItsLargestWholeUnit(int minutes, string expected) =>
        QueryBuilder.Lookback(TimeSpan.FromMinutes(minutes)).ShouldBe(expected);

    [Theory]
    [InlineData(0)]
    [InlineData(-60)]
    [InlineData(30)]
    [InlineData(90.5 * 60)]
    public void Lookback_RefusesWhatTheApiCannotSay(double seconds) =>
        Should.Throw<ArgumentOutOfRangeException>(() => QueryBuilder.Lookback(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void DateBound_DateIsTheDay_MomentIsUtcWithFullPrecision()
    {
        ((DateBound)new DateOnly(2026, 3, 12)).ToQueryValue().ShouldBe("2026-03-12");
        ((DateBound)new DateTimeOffset(2026, 3, 12, 0, 30, 1, TimeSpan.FromHours(1)).AddTicks(5)).ToQueryValue().ShouldBe("2026-03-11T23:30:01.0000005Z");
    }

    [Theory]
    [InlineData("http://host", "http://host/api/ai-jobs")]
    [InlineData("http://host/", "http://host/api/ai-jobs")]
    [InlineData("https://host:8443/nexus", "https://host:8443/nexus/api/ai-jobs")]
    [InlineData("https://host/nexus/?x=1#f", "https://host/nexus/api/ai-jobs")]
    public void BaseAddress_KeepsItsPathPrefix(string address, string expected) =>
        new Uri(NexusHttp.NormaliseBase(new Uri(address)), "api/ai-jobs").ToString().ShouldBe(expected);

    [Theory]
    [InlineData("/relative")]
    [InlineData("ftp://host/")]
    public void BaseAddress_MustBeAbsoluteHttp(string address) =>
        Should.Throw<ArgumentException>(() => NexusHttp.NormaliseBase(new Uri(address, UriKind.RelativeOrAbsolute)));

    [Fact]
    public void Ids_AreEscapedAsOneSegment()
    {
        NexusHttp.Segment("job_../../x?y").ShouldBe("job_..%2F..%2Fx%3Fy");
        Should.Throw<ArgumentException>(() => NexusHttp.Segment(""));
    }
}
