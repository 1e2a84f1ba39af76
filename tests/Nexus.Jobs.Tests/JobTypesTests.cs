using System.Text.Json;
using Nexus.Jobs.AiJobs;

namespace Nexus.Jobs.Tests;

public class JobTypesTests
{
    private static JobType Type(string name)
    {
        JobTypes.TryGet(name, out var type).ShouldBeTrue();
        return type;
    }

    private static Dictionary<string, string[]> Validate(string typeName, string json, string path = "params")
    {
        using var document = JsonDocument.Parse(json);
        return JobTypes.Validate(Type(typeName), document.RootElement, path);
    }

    private static string Skus(IEnumerable<string> skus) => JsonSerializer.Serialize(skus);

    private static void ShouldHaveSingleError(Dictionary<string, string[]> errors, string field, string containing)
    {
        errors.Keys.ShouldBe([field]);
        errors[field].Length.ShouldBe(1);
        errors[field][0].ShouldContain(containing);
    }

    // ---- the catalogue ----

    [Fact]
    public void All_HoldsTheSixJobTypes()
    {
        JobTypes.All.Select(t => t.Name).ShouldBe(
            ["pricing_recalculate", "review_sentiment", "return_classify", "llm_visibility_score", "competitor_scan", "listing_optimize"],
            ignoreOrder: true);
    }

    [Theory]
    [InlineData("pricing_recalculate")]
    [InlineData("review_sentiment")]
    [InlineData("return_classify")]
    [InlineData("llm_visibility_score")]
    [InlineData("competitor_scan")]
    [InlineData("listing_optimize")]
    public void TryGet_ReturnsType_WhenNameIsKnown(string name)
    {
        JobTypes.TryGet(name, out var type).ShouldBeTrue();
        type.Name.ShouldBe(name);
    }

    [Theory]
    [InlineData("unknown_type")]
    [InlineData("Pricing_Recalculate")]
    [InlineData("")]
    [InlineData(null)]
    public void TryGet_ReturnsFalse_WhenNameIsUnknown(string? name)
    {
        JobTypes.TryGet(name, out _).ShouldBeFalse();
    }

    [Fact]
    public void TypicalDuration_IsMidpointOfSeedRange()
    {
        Type("pricing_recalculate").TypicalDuration.ShouldBe(TimeSpan.FromSeconds(35));
        Type("llm_visibility_score").TypicalDuration.ShouldBe(TimeSpan.FromSeconds(180));
    }

    // ---- Validate: pricing_recalculate ----

    [Fact]
    public void Validate_ReturnsNoErrors_WhenPricingParamsAreValid()
    {
        Validate("pricing_recalculate", """{"skus":["SKU-1","SKU-2"],"marketplace":"amazon_us","apply":true}""").ShouldBeEmpty();
    }

    [Fact]
    public void Validate_ReturnsNoErrors_WhenOptionalApplyIsAbsent()
    {
        Validate("pricing_recalculate", """{"skus":["SKU-1"],"marketplace":"etsy"}""").ShouldBeEmpty();
    }

    [Fact]
    public void Validate_ReturnsRequiredError_WhenSkusAreMissing()
    {
        ShouldHaveSingleError(Validate("pricing_recalculate", """{"marketplace":"amazon_us"}"""), "params.skus", "required");
    }

    [Fact]
    public void Validate_ReturnsErrorsForEveryRequiredParam_WhenParamsAreEmpty()
    {
        var errors = Validate("pricing_recalculate", "{}");
        errors.Keys.ShouldBe(["params.skus", "params.marketplace"], ignoreOrder: true);
        errors.Values.ShouldAllBe(v => v.Single().Contains("required"));
    }

    [Fact]
    public void Validate_ReturnsError_WhenSkusArrayIsEmpty()
    {
        ShouldHaveSingleError(Validate("pricing_recalculate", """{"skus":[],"marketplace":"amazon_us"}"""), "params.skus", "1 to 1000");
    }

    [Theory]
    [InlineData("\"SKU-1\"")]
    [InlineData("{\"sku\":\"SKU-1\"}")]
    [InlineData("42")]
    [InlineData("null")]
    public void Validate_ReturnsError_WhenSkusIsNotAnArray(string skus)
    {
        ShouldHaveSingleError(Validate("pricing_recalculate", $$"""{"skus":{{skus}},"marketplace":"amazon_us"}"""), "params.skus", "must be an array");
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("[\"SKU-1\", null]")]
    [InlineData("[[\"SKU-1\"]]")]
    public void Validate_ReturnsError_WhenSkuIsNotAString(string skus)
    {
        ShouldHaveSingleError(Validate("pricing_recalculate", $$"""{"skus":{{skus}},"marketplace":"amazon_us"}"""), "params.skus", "only strings");
    }

    [Fact]
    public void Validate_ReturnsError_WhenSkuIsListedTwice()
    {
        ShouldHaveSingleError(Validate("pricing_recalculate", """{"skus":["A","B","A"],"marketplace":"amazon_us"}"""), "params.skus", "lists A more than once");
    }

    [Fact]
    public void Validate_ReturnsNoErrors_WhenSkusDifferOnlyByCase()
    {
        Validate("pricing_recalculate", """{"skus":["a","A"],"marketplace":"amazon_us"}""").ShouldBeEmpty();
    }

    [Fact]
    public void Validate_ReturnsError_WhenMoreThan1000Skus()
    {
        var skus = Skus(Enumerable.Range(0, 1001).Select(i => $"SKU-{i}"));
        ShouldHaveSingleError(Validate("pricing_recalculate", $$"""{"skus":{{skus}},"marketplace":"amazon_us"}"""), "params.skus", "1 to 1000");
    }

    [Fact]
    public void Validate_ReturnsNoErrors_WhenExactly1000Skus()
    {
        var skus = Skus(Enumerable.Range(0, 1000).Select(i => $"SKU-{i}"));
        Validate("pricing_recalculate", $$"""{"skus":{{skus}},"marketplace":"amazon_us"}""").ShouldBeEmpty();
    }

    [Fact]
    public void Validate_ReturnsError_WhenSkuHas65Characters()
    {
        var skus = Skus([new string('X', 65)]);
        ShouldHaveSingleError(Validate("pricing_recalculate", $$"""{"skus":{{skus}},"marketplace":"amazon_us"}"""), "params.skus", "1 to 64 characters");
    }

    [Fact]
    public void Validate_ReturnsNoErrors_WhenSkuHas64Characters()
    {
        var skus = Skus([new string('X', 64)]);
        Validate("pricing_recalculate", $$"""{"skus":{{skus}},"marketplace":"amazon_us"}""").ShouldBeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData(" SKU-1")]
    [InlineData("SKU-1 ")]
    [InlineData("SKU\n1")]
    [InlineData("SKU\u00001")]
    public void Validate_ReturnsError_WhenSkuIsEmptyPaddedOrHasControlCharacters(string sku)
    {
        var skus = Skus([sku]);
        ShouldHaveSingleError(Validate("pricing_recalculate", $$"""{"skus":{{skus}},"marketplace":"amazon_us"}"""), "params.skus", "characters");
    }

    [Theory]
    [InlineData("\"amazon_mars\"")]
    [InlineData("\"AMAZON_US\"")]
    [InlineData("\"\"")]
    public void Validate_ReturnsError_WhenMarketplaceIsUnknown(string marketplace)
    {
        ShouldHaveSingleError(Validate("pricing_recalculate", $$"""{"skus":["A"],"marketplace":{{marketplace}}}"""), "params.marketplace", "must be one of");
    }

    [Fact]
    public void Validate_ReturnsError_WhenMarketplaceIsNotAString()
    {
        ShouldHaveSingleError(Validate("pricing_recalculate", """{"skus":["A"],"marketplace":7}"""), "params.marketplace", "must be a string");
    }

    [Theory]
    [InlineData("\"yes\"")]
    [InlineData("\"true\"")]
    [InlineData("1")]
    [InlineData("null")]
    public void Validate_ReturnsError_WhenApplyIsNotABoolean(string apply)
    {
        ShouldHaveSingleError(Validate("pricing_recalculate", $$"""{"skus":["A"],"marketplace":"amazon_us","apply":{{apply}}}"""), "params.apply", "true or false");
    }

    [Fact]
    public void Validate_ReturnsError_WhenParamIsUnknown()
    {
        ShouldHaveSingleError(Validate("pricing_recalculate", """{"skus":["A"],"marketplace":"amazon_us","foo":1}"""), "params.foo", "is not a parameter of pricing_recalculate");
    }

    [Fact]
    public void Validate_ReturnsError_WhenParamAppearsTwice()
    {
        ShouldHaveSingleError(Validate("pricing_recalculate", """{"skus":["A"],"marketplace":"amazon_us","skus":["B"]}"""), "params.skus", "more than once");
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"skus\":[\"A\"]}]")]
    [InlineData("\"skus\"")]
    [InlineData("null")]
    [InlineData("42")]
    [InlineData("true")]
    public void Validate_ReturnsErrorOnParams_WhenParamsIsNotAnObject(string json)
    {
        ShouldHaveSingleError(Validate("pricing_recalculate", json), "params", "must be a JSON object");
    }

    [Fact]
    public void Validate_PrefixesErrorKeysWithPath()
    {
        var errors = Validate("pricing_recalculate", """{"skus":[],"foo":true}""", "jobs[2].params");
        errors.Keys.ShouldBe(["jobs[2].params.skus", "jobs[2].params.foo", "jobs[2].params.marketplace"], ignoreOrder: true);
    }

    [Fact]
    public void Validate_UsesPathAsKey_WhenParamsIsNotAnObject()
    {
        Validate("pricing_recalculate", "[]", "jobs[2].params").Keys.ShouldBe(["jobs[2].params"]);
    }

    // ---- Validate: optional params and positive integers ----

    [Fact]
    public void Validate_ReturnsNoErrors_WhenReviewSentimentParamsAreEmpty()
    {
        Validate("review_sentiment", "{}").ShouldBeEmpty();
    }

    [Fact]
    public void Validate_ReturnsNoErrors_WhenReviewSentimentHasAllParams()
    {
        Validate("review_sentiment", """{"skus":["A"],"marketplace":"ebay_uk","since_days":30}""").ShouldBeEmpty();
    }

    [Theory]
    [InlineData("1")]
    [InlineData("30")]
    [InlineData("3650")]
    public void Validate_ReturnsNoErrors_WhenSinceDaysIsInRange(string days)
    {
        Validate("review_sentiment", $$"""{"since_days":{{days}}}""").ShouldBeEmpty();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("3651")]
    [InlineData("1.5")]
    [InlineData("\"30\"")]
    [InlineData("99999999999")]
    public void Validate_ReturnsError_WhenSinceDaysIsOutOfRangeOrNotAnInteger(string days)
    {
        ShouldHaveSingleError(Validate("review_sentiment", $$"""{"since_days":{{days}}}"""), "params.since_days", "from 1 to 3650");
    }

    [Fact]
    public void Validate_ReturnsError_WhenParamOfAnotherTypeIsUsed()
    {
        // window_days belongs to return_classify, not review_sentiment.
        ShouldHaveSingleError(Validate("review_sentiment", """{"window_days":30}"""), "params.window_days", "is not a parameter of review_sentiment");
    }

    [Fact]
    public void Validate_ReturnsError_WhenOptionalSkusArrayIsEmpty()
    {
        ShouldHaveSingleError(Validate("return_classify", """{"skus":[]}"""), "params.skus", "1 to 1000");
    }

    // ---- Validate: string lists ----

    [Fact]
    public void Validate_ReturnsNoErrors_WhenAssistantsAreValid()
    {
        Validate("llm_visibility_score", """{"skus":["A"],"assistants":["chatgpt","claude"]}""").ShouldBeEmpty();
    }

    [Fact]
    public void Validate_ReturnsError_WhenMoreThan20Assistants()
    {
        var assistants = Skus(Enumerable.Range(0, 21).Select(i => $"a{i}"));
        ShouldHaveSingleError(Validate("llm_visibility_score", $$"""{"skus":["A"],"assistants":{{assistants}}}"""), "params.assistants", "1 to 20");
    }

    [Fact]
    public void Validate_ReturnsRequiredErrorForSkusOnly_WhenLlmVisibilityScoreHasNoSkus()
    {
        ShouldHaveSingleError(Validate("llm_visibility_score", "{}"), "params.skus", "required");
    }
}
