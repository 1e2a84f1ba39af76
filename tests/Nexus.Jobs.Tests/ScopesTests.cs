using Nexus.Jobs.Auth;

namespace Nexus.Jobs.Tests;

public class ScopesTests
{
    public static TheoryData<string> AllScopes => new(Scopes.All);

    [Theory]
    [MemberData(nameof(AllScopes))]
    public void Grants_ReturnsTrue_WhenExactScopeIsHeld(string scope)
    {
        Scopes.Grants([scope], scope).ShouldBeTrue();
    }

    [Theory]
    [InlineData(Scopes.RecordRead)]
    [InlineData(Scopes.InsightRead)]
    [InlineData(Scopes.CatalogRead)]
    [InlineData(Scopes.AiJobsRead)]
    public void Grants_ReturnsTrueForAiJobsRead_WhenAnyReadScopeIsHeld(string held)
    {
        Scopes.Grants([held], Scopes.AiJobsRead).ShouldBeTrue();
    }

    [Theory]
    [InlineData(Scopes.AiJobsWrite)]
    [InlineData(Scopes.RecordWrite)]
    [InlineData(Scopes.InsightWrite)]
    [InlineData(Scopes.CatalogWrite)]
    public void Grants_ReturnsFalseForAiJobsRead_WhenOnlyWriteScopeIsHeld(string held)
    {
        Scopes.Grants([held], Scopes.AiJobsRead).ShouldBeFalse();
    }

    [Fact]
    public void Grants_ReturnsFalseForAiJobsRead_WhenNoScopeIsHeld()
    {
        Scopes.Grants([], Scopes.AiJobsRead).ShouldBeFalse();
    }

    [Fact]
    public void Grants_ReturnsTrueForAiJobsRead_WhenReadScopeIsAmongWriteScopes()
    {
        Scopes.Grants([Scopes.RecordWrite, Scopes.CatalogRead], Scopes.AiJobsRead).ShouldBeTrue();
    }

    [Theory]
    [InlineData("reports:read")]
    [InlineData("reports.read")]
    public void Grants_ReturnsTrueForAiJobsRead_WhenAnyScopeEndingInReadIsHeld(string held)
    {
        // "or any read scope": both the dotted and the colon spelling count.
        Scopes.Grants([held], Scopes.AiJobsRead).ShouldBeTrue();
    }

    [Theory]
    [InlineData("reports:reader")]
    [InlineData("read")]
    [InlineData("reports-read")]
    public void Grants_ReturnsFalseForAiJobsRead_WhenScopeOnlyResemblesAReadScope(string held)
    {
        Scopes.Grants([held], Scopes.AiJobsRead).ShouldBeFalse();
    }

    [Fact]
    public void Grants_ReturnsFalseForAiJobsWrite_WhenAiJobsReadIsHeld()
    {
        Scopes.Grants([Scopes.AiJobsRead], Scopes.AiJobsWrite).ShouldBeFalse();
    }

    [Fact]
    public void Grants_ReturnsFalseForAiJobsWrite_WhenEveryReadScopeIsHeld()
    {
        Scopes.Grants([Scopes.RecordRead, Scopes.InsightRead, Scopes.CatalogRead, Scopes.AiJobsRead], Scopes.AiJobsWrite).ShouldBeFalse();
    }

    [Fact]
    public void Grants_ReturnsFalseForRecordWrite_WhenRecordReadIsHeld()
    {
        Scopes.Grants([Scopes.RecordRead], Scopes.RecordWrite).ShouldBeFalse();
    }

    [Theory]
    [InlineData(Scopes.RecordRead, Scopes.InsightRead)]
    [InlineData(Scopes.AiJobsRead, Scopes.RecordRead)]
    [InlineData(Scopes.AiJobsRead, Scopes.CatalogRead)]
    public void Grants_ReturnsFalse_WhenAReadScopeIsAskedForOtherThanAiJobsRead(string held, string required)
    {
        Scopes.Grants([held], required).ShouldBeFalse();
    }

    [Fact]
    public void Grants_IsCaseSensitive()
    {
        Scopes.Grants(["AI-JOBS:WRITE"], Scopes.AiJobsWrite).ShouldBeFalse();
    }

    [Fact]
    public void IsKnown_ReturnsTrueForEveryScopeAndFalseForOthers()
    {
        Scopes.All.ShouldAllBe(s => Scopes.IsKnown(s));
        Scopes.IsKnown("admin").ShouldBeFalse();
        Scopes.IsKnown("Record.Read").ShouldBeFalse();
    }
}
