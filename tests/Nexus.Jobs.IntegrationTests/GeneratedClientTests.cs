using System.Reflection;
using System.Text.Json.Nodes;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>
/// A C# client generated with NSwag from the served OpenAPI document, compiled, and driven through the README's walk-through
/// against the running service: the document is typed well enough for a generated client to be used as it is.
/// </summary>
public sealed class GeneratedClientTests
{
    [Fact]
    public async Task ReadmeWalkthrough_RunsThroughAClientGeneratedFromTheServedDocument()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var document = await api.Http.GetStringAsync("/openapi/v1.json");

        var (assembly, errors) = GeneratedClient.Compile(("Client.cs", await GeneratedClient.GenerateAsync(document)), ("Walkthrough.cs", GeneratedClient.Walkthrough()));

        errors.ShouldBeEmpty(string.Join("\n", errors));
        var run = assembly!.GetType("Nexus.Jobs.Generated.Walkthrough.Walkthrough")!.GetMethod("RunAsync", BindingFlags.Public | BindingFlags.Static)!;
        await (Task)run.Invoke(null, [api.Http])!;
    }

    /// <summary>How the document could regress into the weak typing the issue found, and the walk-through line that then stops compiling.</summary>
    public static TheoryData<string> Regressions => ["limit is a string", "priority is a free string", "job status is a free string", "compounding job type is a free string"];

    [Theory]
    [MemberData(nameof(Regressions))]
    public async Task Walkthrough_DoesNotCompile_WhenTheDocumentLosesATypeItRelies_On(string regression)
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var document = JsonNode.Parse(await api.Http.GetStringAsync("/openapi/v1.json"))!;
        var schemas = document["components"]!["schemas"]!;
        var freeString = () => new JsonObject { ["type"] = "string" };
        switch (regression)
        {
            case "limit is a string":
                document["paths"]!["/api/ai-jobs"]!["get"]!["parameters"]!.AsArray().Single(p => (string?)p!["name"] == "limit")!["schema"] = freeString();
                break;
            case "priority is a free string":
                schemas["DispatchJobRequest"]!["properties"]!["priority"] = freeString();
                break;
            case "job status is a free string":
                schemas["JobDto"]!["properties"]!["status"] = freeString();
                break;
            case "compounding job type is a free string":
                schemas["TriggerRequest"]!["properties"]!["job_type"] = freeString();
                break;
        }

        var (assembly, errors) = GeneratedClient.Compile(("Client.cs", await GeneratedClient.GenerateAsync(document.ToJsonString())), ("Walkthrough.cs", GeneratedClient.Walkthrough()));

        assembly.ShouldBeNull(regression);
        // The generated client itself still compiles: what breaks is the code written against the typed one.
        errors.ShouldAllBe(e => e.Location.GetLineSpan().Path == "Walkthrough.cs", string.Join("\n", errors));
    }
}
