using Npgsql;
using Xunit.Abstractions;

namespace Nexus.Jobs.IntegrationTests.Hostile;

/// <summary>A host of its own (API role only, so no worker touches data) and a client with every scope, for the corpus rows.</summary>
public sealed class HostileHost : IAsyncLifetime
{
    public NexusApp App { get; private set; } = null!;

    public ApiClient Client { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public HostileContext Context { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        Client = await App.ClientAsync();
        Anonymous = App.CreateClient();
        Context = new HostileContext(Client.Workspace, Client.Key);
    }

    public async Task DisposeAsync()
    {
        Anonymous.Dispose();
        Client.Http.Dispose();
        await App.DisposeAsync();
    }
}

/// <summary>
/// Every hostile request of <see cref="HostileCorpus"/>, one row each: a 4xx (never a 5xx), an
/// application/problem+json body with status, title, detail and a contract code that goes with the status.
/// </summary>
public sealed class HostileRequestTests(HostileHost host) : IClassFixture<HostileHost>
{
    public static IEnumerable<object[]> Passing => HostileCorpus.Passing;

    public static IEnumerable<object[]> Failing => HostileCorpus.Failing;

    [Theory]
    [MemberData(nameof(Passing))]
    public async Task HostileRequest_IsRejectedPerContract(Label request, string expected)
    {
        var c = HostileCorpus.All[request.Text];
        c.Expected.ShouldBe(expected);

        var result = await HostileRunner.SendAsync(c, host.Client.Http, host.Anonymous, host.Context);

        var violations = HostileRunner.Violations(c, result);
        violations.ShouldBeEmpty(HostileRunner.Describe(c, result, violations));
    }

    // Cases a newly found product bug breaks go in HostileCorpus.KnownBugRules (with a skipped theory over
    // HostileCorpus.Failing) until the product is fixed; today there are none.

    [Fact]
    public void Corpus_HasAtLeast300Cases_WithUniqueNames_AndEveryKnownBugMatchesSome()
    {
        HostileCorpus.All.Count.ShouldBeGreaterThanOrEqualTo(300);
        HostileCorpus.All.Keys.Distinct().Count().ShouldBe(HostileCorpus.All.Count);
        foreach (var bug in HostileCorpus.KnownBugRules)
        {
            HostileCorpus.KnownBugs.Values.ShouldContain(bug, $"{bug.Id} matches no case of the corpus any more");
        }
    }
}

/// <summary>The whole corpus against one isolated database: nothing in it may change any data, and the service still works after it.</summary>
public sealed class HostileCorpusDatabaseTests(ITestOutputHelper output)
{
    [Fact]
    public async Task WholeCorpus_LeavesTheDatabaseUnchanged_AndTheServiceStillAnswers()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        var client = await app.ClientAsync();
        using var anonymous = app.CreateClient();
        var context = new HostileContext(client.Workspace, client.Key);
        (await client.GetAsync("/api/ai-jobs")).Status.ShouldBe(HttpStatusCode.OK); // warm up: the key row exists, the host is started
        var before = await CountRowsAsync(app.ConnectionString);

        // Every case, the known product bugs included: whatever they answer, they must not change data either.
        var failures = new List<string>();
        var fixedBugs = new List<string>();
        foreach (var c in HostileCorpus.All.Values)
        {
            var result = await HostileRunner.SendAsync(c, client.Http, anonymous, context);
            var violations = HostileRunner.Violations(c, result);
            if (HostileCorpus.KnownBugs.TryGetValue(c.Name, out var bug))
            {
                if (violations.Count == 0)
                {
                    fixedBugs.Add($"{bug.Id}: {c.Name}");
                }
                // The bug explains some violations; anything else is a new failure.
                violations = violations.Where(v => !bug.Explains.Any(e => v.Contains(e, StringComparison.Ordinal))).ToList();
            }
            if (violations.Count > 0)
            {
                failures.Add(HostileRunner.Describe(c, result, violations));
            }
        }
        output.WriteLine($"{HostileCorpus.All.Count} cases sent, {HostileCorpus.KnownBugs.Count} of them known product bugs.");
        foreach (var line in fixedBugs)
        {
            output.WriteLine($"known bug no longer reproduces (remove it from KnownBugRules): {line}");
        }

        var after = await CountRowsAsync(app.ConnectionString);
        var changed = before.Keys.Union(after.Keys)
            .Where(t => before.GetValueOrDefault(t, -1) != after.GetValueOrDefault(t, -1))
            .Select(t => $"{t}: {before.GetValueOrDefault(t, -1)} -> {after.GetValueOrDefault(t, -1)}")
            .ToList();
        changed.ShouldBeEmpty($"the corpus changed rows ({before.Count} tables compared)");
        before.Keys.ShouldContain("nexus.ai_jobs");
        before.Keys.ShouldContain("hangfire.job");

        (await client.GetAsync("/api/ai-jobs")).Status.ShouldBe(HttpStatusCode.OK);
        (await client.PostAsync("/api/ai-jobs", ApiClient.Pricing("after-hostile"))).Status.ShouldBe(HttpStatusCode.Accepted);

        failures.ShouldBeEmpty(string.Join("\n", failures));
    }

    /// <summary>Row counts of every nexus.* table and of hangfire.job.</summary>
    private static async Task<Dictionary<string, long>> CountRowsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
                         """
                         select table_schema || '.' || table_name from information_schema.tables
                         where table_type = 'BASE TABLE' and (table_schema = 'nexus' or (table_schema = 'hangfire' and table_name = 'job'))
                         order by 1
                         """, connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var parts = table.Split('.');
            await using var count = new NpgsqlCommand($"select count(*) from \"{parts[0]}\".\"{parts[1]}\"", connection);
            counts[table] = (long)(await count.ExecuteScalarAsync())!;
        }
        return counts;
    }
}
