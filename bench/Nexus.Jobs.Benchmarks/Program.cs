using System.Globalization;
using System.Runtime.InteropServices;
using Nexus.Jobs.Benchmarks;

// dotnet run -c Release --project bench/Nexus.Jobs.Benchmarks [-- --quick] [--only ceiling,burn,pickup,service,embedding,consolidation,quality,dashboard]
var quick = args.Contains("--quick");
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault()?.Split(',') ?? ["ceiling", "burn", "pickup", "service", "embedding", "consolidation", "quality", "dashboard"];
var workers = args.SkipWhile(a => a != "--workers").Skip(1).Select(int.Parse).FirstOrDefault(20);
var settings = quick
    ? new BenchSettings(BurnDownJobs: 2_000, BurnDownRounds: 1, Workers: workers, IdleSamples: 100, SteadyRate: 300, SteadyFor: TimeSpan.FromSeconds(3),
        Clients: 8, LoadFor: TimeSpan.FromSeconds(3), SmallStore: 10_000, LargeStore: 100_000, SmallInsights: 2_000, LargeInsights: 20_000,
        ColdInsights: 2_000, EmbedSentences: 1_024, SingleSentences: 100, StoredVectors: 100_000)
    : new BenchSettings(BurnDownJobs: 10_000, BurnDownRounds: 3, Workers: workers, IdleSamples: 300, SteadyRate: 300, SteadyFor: TimeSpan.FromSeconds(10),
        Clients: 8, LoadFor: TimeSpan.FromSeconds(10), SmallStore: 10_000, LargeStore: 1_000_000, SmallInsights: 10_000, LargeInsights: 100_000,
        ColdInsights: 5_000, EmbedSentences: 2_048, SingleSentences: 300, StoredVectors: 100_000);

var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
var results = Path.GetFullPath(Path.Combine("results", stamp));
Directory.CreateDirectory(results);
Console.WriteLine($"Nexus Jobs benchmarks{(quick ? " (quick)" : "")}; results in {results}");

var report = new Report();
await using (var cluster = await BenchCluster.StartAsync(Path.GetFullPath(Path.Combine("results", "postgres"))))
{
    var scenarios = new Scenarios(cluster, settings, report);
    var ceiling = double.NaN;
    if (only.Contains("ceiling") || only.Contains("burn"))
    {
        ceiling = await scenarios.CeilingAsync();
    }
    if (only.Contains("burn"))
    {
        await scenarios.BurnDownAsync(ceiling);
    }
    if (only.Contains("pickup"))
    {
        await scenarios.PickupAsync();
    }
    if (only.Contains("service"))
    {
        await scenarios.ServiceAsync();
    }
    if (only.Contains("embedding"))
    {
        await scenarios.EmbeddingAsync();
    }
    if (only.Contains("consolidation"))
    {
        await scenarios.ConsolidationAsync();
    }
    if (only.Contains("quality"))
    {
        await scenarios.QualityAsync();
    }
    if (only.Contains("dashboard"))
    {
        await scenarios.DashboardAsync();
    }
}

var machine = new
{
    date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
    cores = Environment.ProcessorCount,
    memory_gb = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9, 1),
    os = RuntimeInformation.OSDescription,
    runtime = RuntimeInformation.FrameworkDescription,
    quick,
    settings,
};
var table = report.Table();
Console.WriteLine();
Console.WriteLine(table);
await File.WriteAllTextAsync(Path.Combine(results, "results.md"), $"Nexus Jobs benchmarks, {machine.date}, {machine.cores} cores, {machine.os}\n\n{table}");
await File.WriteAllTextAsync(Path.Combine(results, "results.json"), report.Json(machine));
await File.WriteAllTextAsync(Path.Combine(results, "chart.svg"), report.Svg($"Nexus Jobs benchmarks, {machine.date}, {machine.cores} cores"));
await File.WriteAllTextAsync(Path.Combine(results, "statements.md"), report.ProfilesMarkdown());
Console.WriteLine($"Wrote results.md, results.json, chart.svg and statements.md to {results}");
return 0;
