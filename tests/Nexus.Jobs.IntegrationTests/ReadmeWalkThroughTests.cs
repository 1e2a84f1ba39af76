using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Nexus.Jobs.IntegrationTests.Faults;

namespace Nexus.Jobs.IntegrationTests;

/// <summary>
/// The README's walk-through works when pasted: its bash blocks, as written, run in bash against the service as a child
/// process. Only the address (the README's 127.0.0.1:5080), the folder of its scratch files (/tmp/) and its
/// <c>dotnet run --project src/Nexus.Jobs.Api --</c> (the same entry point, already built, on the test's database) differ.
/// </summary>
[Collection("faults")]
public sealed class ReadmeWalkThroughTests(FaultCluster cluster)
{
    private const string ReadmeAddress = "http://127.0.0.1:5080";

    [Fact]
    public async Task TheWalkThrough_DispatchesPollsListsBatchesCancelsAndShowsErrors_AsItsCommentsSay()
    {
        var db = await cluster.CreateDatabaseAsync();
        await using var service = await ServiceProcess.StartAsync("readme", db, new Dictionary<string, string>());

        var lines = await RunAsync(ReadmeBlock("## Walk-through"), service, db, TimeSpan.FromMinutes(2));

        // 2. Dispatch: 202 with the job queued, at high priority.
        var dispatched = lines[0].GetProperty("data");
        dispatched.GetProperty("status").GetString().ShouldBe("queued");
        dispatched.GetProperty("priority").GetString().ShouldBe("high");
        var jobId = dispatched.GetProperty("id").GetString()!;
        // 3. Polled to completion: workspace 42 has no products, so both SKUs are not_found.
        var done = lines[1].GetProperty("data");
        done.GetProperty("id").GetString().ShouldBe(jobId);
        done.GetProperty("status").GetString().ShouldBe("completed");
        done.GetProperty("result").GetProperty("not_found").EnumerateArray().Select(s => s.GetString()).ShouldBe(["SKU-001", "SKU-002"]);
        // 4. The list holds it.
        lines[2].GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()).ShouldContain(jobId);
        // 5. The batch: two jobs, sequential, and its status read back.
        var batch = lines[3].GetProperty("data");
        batch.GetProperty("sequential").GetBoolean().ShouldBeTrue();
        batch.GetProperty("jobs").GetArrayLength().ShouldBe(2);
        lines[4].GetProperty("data").GetProperty("batch_id").GetString().ShouldBe(batch.GetProperty("batch_id").GetString());
        // 6. Cancel: 204 while queued, else 409 JOB_NOT_CANCELLABLE with its problem body first.
        var next = 5;
        if (lines[next].ValueKind == JsonValueKind.Object)
        {
            lines[next].GetProperty("code").GetString().ShouldBe("JOB_NOT_CANCELLABLE");
            lines[++next].GetString().ShouldBe("HTTP 409");
        }
        else
        {
            lines[next].GetString().ShouldBe("HTTP 204");
        }
        // 7. A 422 naming the missing field, and a 401 for a key that is no key.
        var invalid = lines[++next];
        invalid.GetProperty("status").GetInt32().ShouldBe(422);
        invalid.GetProperty("code").GetString().ShouldBe("VALIDATION_FAILED");
        invalid.GetProperty("errors").TryGetProperty("params.skus", out _).ShouldBeTrue();
        var unauthenticated = lines[++next];
        unauthenticated.GetProperty("status").GetInt32().ShouldBe(401);
        unauthenticated.GetProperty("code").GetString().ShouldBe("UNAUTHENTICATED");
        lines.Count.ShouldBe(next + 1);
    }

    [Fact]
    public async Task TheDemoWorkspace_RunsEveryPipelineToCompletion_AndShowsWhatTheyProduced()
    {
        var db = await cluster.CreateDatabaseAsync();
        await using var service = await ServiceProcess.StartAsync("readme-demo", db, new Dictionary<string, string>());

        var lines = await RunAsync(ReadmeBlock("### Compounding on a demo workspace"), service, db, TimeSpan.FromMinutes(5));

        lines.Count.ShouldBe(7);
        var runs = lines.Take(5).ToList();
        runs.Select(r => r.GetProperty("job_type").GetString()).ShouldBe(["consolidation", "pattern_detection", "playbook_synthesis", "decay_sweep", "metrics"]);
        foreach (var run in runs)
        {
            run.GetProperty("status").GetString().ShouldBe("completed", run.ToString());
        }
        // The demo's paraphrased duplicates merge, and its recurring themes become patterns and rules.
        runs[0].GetProperty("insights_affected").GetInt32().ShouldBeGreaterThan(0);
        runs[1].GetProperty("candidates_created").GetInt32().ShouldBeGreaterThan(0);
        lines[5].GetProperty("data").GetArrayLength().ShouldBeGreaterThan(0, "active patterns");
        lines[6].GetProperty("data").GetArrayLength().ShouldBeGreaterThan(0, "playbooks");
    }

    /// <summary>The first ```bash block after <paramref name="heading"/> in README.md.</summary>
    private static string ReadmeBlock(string heading)
    {
        var readme = File.ReadAllText(Path.Combine(ReadmeExampleTests.FindRoot(), "README.md")).ReplaceLineEndings("\n");
        var at = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        at.ShouldBeGreaterThanOrEqualTo(0, $"README.md has the heading '{heading}'");
        var start = readme.IndexOf("```bash\n", at, StringComparison.Ordinal) + "```bash\n".Length;
        var end = readme.IndexOf("```", start, StringComparison.Ordinal);
        var block = readme[start..end];
        block.ShouldContain(ReadmeAddress);
        return block;
    }

    /// <summary>
    /// Runs <paramref name="block"/> in bash (errors stop it) and returns its output lines that are not empty: JSON
    /// documents parsed, anything else as a JSON string. Fails with the output if it fails or outlives <paramref name="deadline"/>.
    /// </summary>
    private static async Task<List<JsonElement>> RunAsync(string block, ServiceProcess service, string connectionString, TimeSpan deadline)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"nexus-readme-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var script = Path.Combine(folder, "walk-through.sh");
            await File.WriteAllTextAsync(script, Shim + block.Replace(ReadmeAddress, service.BaseUrl, StringComparison.Ordinal)
                .Replace("/tmp/", folder + "/", StringComparison.Ordinal));
            var start = new ProcessStartInfo("bash")
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            start.ArgumentList.Add(script);
            start.Environment["NEXUS_DOTNET"] = ChildProcesses.DotnetHost();
            start.Environment["NEXUS_API_DLL"] = typeof(Nexus.Jobs.Api.NexusJobsApp).Assembly.Location;
            start.Environment["NEXUS_JOBS_DB"] = connectionString;
            start.Environment["NO_COLOR"] = "1";
            foreach (var name in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ConnectionStrings__Jobs", "Nexus__LocalDatabase__Folder" })
            {
                start.Environment.Remove(name);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(deadline);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new ShouldAssertException($"The walk-through did not finish within {deadline}:\n{await stdout}\n{await stderr}\nservice:\n{service.Output}");
            }
            var output = await stdout;
            process.ExitCode.ShouldBe(0, $"The walk-through failed:\n{output}\n{await stderr}\nservice:\n{service.Output}");
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => line.StartsWith('{') ? JsonDocument.Parse(line).RootElement.Clone() : JsonSerializer.SerializeToElement(line))
                .ToList();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Errors stop the script; the README's <c>dotnet run --project src/Nexus.Jobs.Api -- &lt;command&gt;</c> runs the built
    /// entry point on the test's database instead (building the project again here would take minutes).
    /// </summary>
    private const string Shim = """
        set -euo pipefail
        dotnet() {
          if [ "$#" -lt 4 ] || [ "$1 $2 $3 $4" != "run --project src/Nexus.Jobs.Api --" ]; then
            echo "the walk-through ran an unexpected command: dotnet $*" >&2
            return 97
          fi
          shift 4
          "$NEXUS_DOTNET" "$NEXUS_API_DLL" "$@" "--ConnectionStrings:Jobs=$NEXUS_JOBS_DB"
        }

        """;
}
