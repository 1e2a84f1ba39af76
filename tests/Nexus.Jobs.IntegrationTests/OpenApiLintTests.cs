using System.Text.Json.Nodes;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>The served OpenAPI document passes Redocly's recommended rules (tests/openapi/redocly.yaml) with nothing to report.</summary>
public sealed class OpenApiLintTests
{
    [Fact]
    public async Task ServedDocument_PassesRedoclyRecommended_WithNoErrorsOrWarnings()
    {
        var document = await ServedDocumentAsync();

        var problems = await Redocly.LintAsync(document);

        problems.ShouldBeEmpty(string.Join("\n", problems));
    }

    [Fact]
    public async Task Lint_ReportsARegression_SoTheCheckAboveCanFail()
    {
        // The served document with two defects the issue found: an operation without operationId and a trailing-slash server.
        var document = JsonNode.Parse(await ServedDocumentAsync())!;
        document["paths"]!["/api/ai-jobs"]!["post"]!.AsObject().Remove("operationId");
        document["servers"] = new JsonArray(new JsonObject { ["url"] = "https://jobs.nexus.dev/" });

        var problems = await Redocly.LintAsync(document.ToJsonString());

        problems.Select(p => p.Rule).ShouldBe(["no-server-trailing-slash", "operation-operationId"], ignoreOrder: true, string.Join("\n", problems));
    }

    private static async Task<string> ServedDocumentAsync()
    {
        var app = await NexusApp.SharedAsync();
        using var http = app.CreateClient();
        return await http.GetStringAsync("/openapi/v1.json");
    }
}
