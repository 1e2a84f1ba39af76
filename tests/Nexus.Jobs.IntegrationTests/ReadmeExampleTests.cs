using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Jobs.Client;
using Nexus.Jobs.Example;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>The documentation's C# is the example project's code, and that code works against the service.</summary>
public sealed partial class ReadmeExampleTests
{
    private static readonly string Root = FindRoot();

    /// <summary>Where each example file is shown: the client's README (also the package's) and the API reference.</summary>
    private static readonly Dictionary<string, string[]> ShownIn = new(StringComparer.Ordinal)
    {
        [Path.Combine("src", "Nexus.Jobs.Client", "README.md")] = ["Program.cs", "Registration.cs", "PushExample.cs"],
        [Path.Combine("docs", "api.md")] = ["VerifyCallback.cs"],
    };

    [Fact]
    public void EveryCSharpBlockOfTheDocumentation_IsAFileOfTheExampleProject_Verbatim()
    {
        var folder = Path.Combine(Root, "examples", "Nexus.Jobs.Example");
        Directory.GetFiles(folder, "*.cs").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)
            .ShouldBe(ShownIn.Values.SelectMany(f => f).Order(StringComparer.Ordinal), "every example file is shown somewhere");
        var documents = new[] { "README.md", Path.Combine("src", "Nexus.Jobs.Client", "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Root, f)));

        foreach (var document in documents)
        {
            var text = File.ReadAllText(Path.Combine(Root, document)).ReplaceLineEndings("\n");
            var blocks = CSharpBlock().Matches(text).Select(m => m.Groups[1].Value).ToList();
            var files = ShownIn.GetValueOrDefault(document, []);
            blocks.Count.ShouldBe(files.Length, $"{document}: one ```csharp block per example file it shows ({string.Join(", ", files)})");
            foreach (var name in files)
            {
                var content = File.ReadAllText(Path.Combine(folder, name)).ReplaceLineEndings("\n");
                blocks.ShouldContain(content, $"{document} shows {name} as it is (copy the file into its ```csharp block)");
            }
        }
    }

    [Fact]
    public async Task TheExample_DispatchesWaitsAndPrintsTheResult()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        var output = new StringWriter();

        var exit = await ReadmeExample.RunAsync(api.Client, output);

        exit.ShouldBe(0, output.ToString());
        var lines = output.ToString().ReplaceLineEndings("\n").TrimEnd().Split('\n');
        lines[0].ShouldMatch(@"^Dispatched job_[0-9A-HJKMNP-TV-Z]{26} \(queued\), expected by \d{4}-\d{2}-\d{2} ");
        lines[1].ShouldStartWith("Completed in ");
        lines[1].ShouldContain("\"sku\":\"SKU-001\"");
        var job = (await api.Client.AiJobs.ListAsync()).Data.Single();
        job.Priority.ShouldBe(JobPriority.High);
        job.Status.ShouldBe(JobStatus.Completed);
    }

    [Fact]
    public async Task TheExample_PrintsTheProblem_WhenTheApiRefuses()
    {
        var app = await NexusApp.SharedAsync();
        var reader = await app.ClientAsync("ai-jobs:read");
        var output = new StringWriter();

        var exit = await ReadmeExample.RunAsync(reader.Client, output);

        exit.ShouldBe(2);
        output.ToString().ShouldStartWith("403 INSUFFICIENT_SCOPE: ");
    }

    [Fact]
    public async Task TheExample_WithoutArguments_PrintsItsUsage()
    {
        (await ReadmeExample.Main([])).ShouldBe(64);
    }

    [Fact]
    public async Task TheRegistrationExample_GivesAClientThatReachesTheService()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var services = new ServiceCollection();
        services.AddNexusJobs(new Uri("http://localhost/"), api.Key).ConfigurePrimaryHttpMessageHandler(() => app.Server.CreateHandler());
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<NexusJobsClient>();
        var accepted = await client.AiJobs.DispatchAsync(new DispatchJobRequest(JobTypes.ReviewSentiment));

        (await api.Client.AiJobs.GetAsync(accepted.Id)).Type.ShouldBe(JobTypes.ReviewSentiment);
    }

    [Fact]
    public async Task ThePushExample_FollowsAJobToItsEnd()
    {
        var app = await NexusApp.SharedAsync();
        var api = await app.ClientAsync();
        var gate = $"block-{Guid.NewGuid():N}";
        var accepted = await api.Client.AiJobs.DispatchAsync(ApiClient.PricingRequest(gate));
        await api.ShouldReachStatus(accepted.Id, "running");
        var output = new StringWriter();

        var follow = PushExample.FollowAsync(api.Client, accepted.Id, output);
        var watcher = app.Service<Nexus.Jobs.Api.Events.StatusWatcher>();
        await Eventually.Until(() => Task.FromResult(watcher.SubscribersOf(accepted.Id)), n => n == 1, TimeSpan.FromSeconds(10), "the stream to subscribe");
        ScriptedHandler.Release(gate);
        var last = await follow.WaitAsync(TimeSpan.FromSeconds(30));

        last!.Status.ShouldBe(JobStatus.Completed);
        output.ToString().ReplaceLineEndings("\n").TrimEnd().Split('\n').ShouldBe([$"{accepted.Id}: running", $"{accepted.Id}: completed"]);
    }

    [Fact]
    public async Task ThePushExample_HandlesASignedCallback_AndRefusesAnyOther()
    {
        var api = await (await NexusApp.SharedAsync()).ClientAsync();
        await using var receiver = await CallbackReceiver.StartAsync();
        var secret = (await api.Client.Callbacks.RotateSecretAsync()).Secret;
        var url = receiver.Url("ok");
        var batch = await api.Client.AiJobs.DispatchBatchAsync(new DispatchBatchRequest([ApiClient.PricingRequest("ok-example-callback")], CallbackUrl: url));
        var received = await receiver.ShouldReceive(url, count: 2);
        var output = new StringWriter();

        foreach (var callback in received.OrderBy(c => c.Event, StringComparer.Ordinal))
        {
            (await PushExample.HandleCallbackAsync(secret, callback.Body, callback.Headers[CallbackHeaders.Signature], output)).ShouldBe(200);
        }
        var forged = received[0].Body.ToArray();
        forged[^2] ^= 1;
        (await PushExample.HandleCallbackAsync(secret, forged, received[0].Headers[CallbackHeaders.Signature], output)).ShouldBe(401);
        (await PushExample.HandleCallbackAsync(secret, received[0].Body, null, output)).ShouldBe(401);

        var lines = output.ToString().ReplaceLineEndings("\n").TrimEnd().Split('\n');
        lines.Length.ShouldBe(2);
        lines[0].ShouldBe($"ai_job.completed {received.Single(c => c.Event == "ai_job.completed").DeliveryId}: job {batch.Jobs[0].Id}");
        lines[1].ShouldBe($"ai_job_batch.completed {received.Single(c => c.Event == "ai_job_batch.completed").DeliveryId}: batch {batch.BatchId} (completed)");
    }

    /// <summary>The repository's root: the folder holding Nexus.Jobs.sln, above the test binaries.</summary>
    internal static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nexus.Jobs.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Nexus.Jobs.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
