using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using Xunit.Abstractions;

namespace Nexus.Jobs.IntegrationTests.Hostile;

/// <summary>One case of the corpus as it was answered, and how long the answer took.</summary>
public sealed record HostileAnswer(HostileCase Case, HostileResult Result, TimeSpan Elapsed)
{
    /// <summary>The problem body's members, or null when the answer is not a problem object.</summary>
    public JsonElement? Problem
    {
        get
        {
            if (Result.ContentType != "application/problem+json")
            {
                return null;
            }
            try
            {
                var root = JsonDocument.Parse(Result.Body).RootElement.Clone();
                return root.ValueKind == JsonValueKind.Object ? root : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    public string? Code => Problem is { } p && p.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String ? code.GetString() : null;
}

/// <summary>
/// Sends the whole corpus once, on a database of its own (API role only, so no worker touches data), and keeps every
/// answer, the row counts before and after, and what the service answered afterwards, for the facts to judge.
/// </summary>
public sealed class HostileCorpusRun : IAsyncLifetime
{
    public HostileContext Context { get; private set; } = null!;

    public IReadOnlyList<HostileAnswer> Answers { get; private set; } = [];

    public IReadOnlyDictionary<string, long> RowsBefore { get; private set; } = null!;

    public IReadOnlyDictionary<string, long> RowsAfter { get; private set; } = null!;

    /// <summary>Statuses of a list and of a valid dispatch sent after the corpus.</summary>
    public (HttpStatusCode List, HttpStatusCode Dispatch) Afterwards { get; private set; }

    public TimeSpan Duration { get; private set; }

    public async Task InitializeAsync()
    {
        await using var app = await NexusApp.IsolatedAsync(new() { ["Nexus:Roles"] = "api" });
        var client = await app.ClientAsync();
        using var anonymous = app.CreateClient();
        Context = new HostileContext(client.Workspace, client.Key);
        (await client.GetAsync("/api/ai-jobs")).Status.ShouldBe(HttpStatusCode.OK); // warm up: the key row exists, the host is started
        RowsBefore = await CountRowsAsync(app.ConnectionString);

        var clock = Stopwatch.StartNew();
        var answers = new List<HostileAnswer>(HostileCorpus.All.Count);
        foreach (var c in HostileCorpus.All.Values)
        {
            var started = clock.Elapsed;
            var result = await HostileRunner.SendAsync(c, client.Http, anonymous, Context);
            answers.Add(new HostileAnswer(c, result, clock.Elapsed - started));
        }
        Duration = clock.Elapsed;
        Answers = answers;

        RowsAfter = await CountRowsAsync(app.ConnectionString);
        Afterwards = ((await client.GetAsync("/api/ai-jobs")).Status, (await client.PostAsync("/api/ai-jobs", ApiClient.Pricing("after-hostile"))).Status);
        client.Http.Dispose();
    }

    public Task DisposeAsync() => Task.CompletedTask;

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

/// <summary>
/// The hostile corpus (<see cref="HostileCorpus"/>), sent once; each fact judges a different property of the answers.
/// A failure names every case that breaks it.
/// </summary>
public sealed class HostileRequestTests(HostileCorpusRun run, ITestOutputHelper output) : IClassFixture<HostileCorpusRun>
{
    /// <summary>The answers each category of hostile input may earn (CONTRACT.md "Errors"), as status and code; a 2xx has no code.</summary>
    private static readonly IReadOnlyDictionary<string, string[]> CategoryAnswers = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["BrokenJson"] = ["400 MALFORMED_REQUEST", "422 VALIDATION_FAILED"], // not JSON, or JSON that is not an object
        ["InvalidUnicode"] = ["400 MALFORMED_REQUEST", "422 VALIDATION_FAILED"],
        ["ContentTypes"] = ["415 MALFORMED_REQUEST"],
        ["Oversized"] = ["413 PAYLOAD_TOO_LARGE", "415 MALFORMED_REQUEST"],
        ["FieldMatrix"] = ["422 VALIDATION_FAILED", "422 INVALID_JOB_TYPE", "422 BATCH_TOO_LARGE"],
        ["Injections"] = ["422 VALIDATION_FAILED"],
        ["UnknownFields"] = ["422 VALIDATION_FAILED"],
        ["Batches"] = ["422 VALIDATION_FAILED", "422 INVALID_JOB_TYPE", "422 BATCH_TOO_LARGE"],
        ["PathIds"] = ["404 JOB_NOT_FOUND"],
        ["WrongMethods"] = ["405 MALFORMED_REQUEST", "404 JOB_NOT_FOUND"],
        ["Queries"] = ["422 VALIDATION_FAILED", "422 INVALID_JOB_TYPE", "200"], // a type filter naming no type is INVALID_JOB_TYPE
        // Header abuse on every error path: credentials, tenant, idempotency key and content type each earn their own.
        ["Headers"] = ["401 UNAUTHENTICATED", "403 TENANT_MISMATCH", "422 VALIDATION_FAILED", "400 MALFORMED_REQUEST", "404 JOB_NOT_FOUND",
            "405 MALFORMED_REQUEST", "413 PAYLOAD_TOO_LARGE", "415 MALFORMED_REQUEST"],
        ["Anonymous"] = ["401 UNAUTHENTICATED"],
        ["CallbackSecret"] = ["400 MALFORMED_REQUEST", "422 VALIDATION_FAILED", "415 MALFORMED_REQUEST", "413 PAYLOAD_TOO_LARGE", "403 TENANT_MISMATCH"],
    };

    [Fact]
    public void EveryCase_IsAnsweredAsTheContractSays()
    {
        foreach (var bug in HostileCorpus.KnownBugRules)
        {
            HostileCorpus.KnownBugs.Values.ShouldContain(bug, $"{bug.Id} matches no case of the corpus any more");
        }
        var failures = new List<string>();
        foreach (var (c, result, _) in run.Answers)
        {
            var violations = HostileRunner.Violations(c, result);
            if (HostileCorpus.KnownBugs.TryGetValue(c.Name, out var bug))
            {
                if (violations.Count == 0)
                {
                    output.WriteLine($"known bug no longer reproduces (remove it from KnownBugRules): {bug.Id}: {c.Name}");
                }
                // The bug explains some violations; anything else is a new failure.
                violations = violations.Where(v => !bug.Explains.Any(e => v.Contains(e, StringComparison.Ordinal))).ToList();
            }
            if (violations.Count > 0)
            {
                failures.Add(HostileRunner.Describe(c, result, violations));
            }
        }
        output.WriteLine($"{run.Answers.Count} cases sent in {run.Duration.TotalSeconds:F1} s, {HostileCorpus.KnownBugs.Count} of them known product bugs.");

        run.Answers.Count.ShouldBe(HostileCorpus.All.Count, "every case was sent");
        failures.ShouldBeEmpty($"{failures.Count} of {run.Answers.Count} cases break the contract:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void TheCorpus_ChangesNoRow_AndTheServiceStillAnswers()
    {
        var changed = run.RowsBefore.Keys.Union(run.RowsAfter.Keys)
            .Where(t => run.RowsBefore.GetValueOrDefault(t, -1) != run.RowsAfter.GetValueOrDefault(t, -1))
            .Select(t => $"{t}: {run.RowsBefore.GetValueOrDefault(t, -1)} -> {run.RowsAfter.GetValueOrDefault(t, -1)}")
            .ToList();

        changed.ShouldBeEmpty($"the corpus changed rows ({run.RowsBefore.Count} tables compared)");
        run.RowsBefore.Keys.ShouldContain("nexus.ai_jobs");
        run.RowsBefore.Keys.ShouldContain("hangfire.job");
        run.Afterwards.List.ShouldBe(HttpStatusCode.OK);
        run.Afterwards.Dispatch.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public void EachCategory_EarnsOnlyTheAnswersItsKindOfInputCan()
    {
        CategoryAnswers.Keys.Order().ShouldBe(HostileCorpus.Categories.Order(), "every category has its answers stated");
        var wrong = run.Answers
            .Where(a => !a.Case.MayBeRefusedBeforeTheApp || a.Result.Status != 0)
            .Where(a => !CategoryAnswers[a.Case.Category].Contains(Answer(a)))
            .Select(a => $"{a.Case.Category}: {a.Case.Name} answered {Answer(a)}")
            .ToList();
        foreach (var category in run.Answers.GroupBy(a => a.Case.Category))
        {
            output.WriteLine($"{category.Key}: " + string.Join(", ", category.GroupBy(Answer).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}")));
        }

        wrong.ShouldBeEmpty(string.Join("\n", wrong));

        static string Answer(HostileAnswer a) => a.Code is null ? $"{a.Result.Status}" : $"{a.Result.Status} {a.Code}";
    }

    [Fact]
    public void TheCorpus_EarnsEveryErrorCodeThatBadInputCan()
    {
        // The other contract codes need state, not bad input: a running job (JOB_NOT_CANCELLABLE), a claimed key
        // (IDEMPOTENCY_*), a full queue, a key without the scope, a database that is down.
        string[] reachable = ["MALFORMED_REQUEST", "UNAUTHENTICATED", "TENANT_MISMATCH", "JOB_NOT_FOUND", "PAYLOAD_TOO_LARGE",
            "INVALID_JOB_TYPE", "VALIDATION_FAILED", "BATCH_TOO_LARGE"];
        int[] statuses = [400, 401, 403, 404, 405, 413, 415, 422];

        reachable.Except(run.Answers.Select(a => a.Code).OfType<string>()).ShouldBeEmpty("codes no case of the corpus earned");
        statuses.Except(run.Answers.Select(a => a.Result.Status)).ShouldBeEmpty("statuses no case of the corpus earned");
    }

    [Fact]
    public void EveryValidationFailure_NamesTheFieldsAtFault()
    {
        var bare = run.Answers.Where(a => a.Code == "VALIDATION_FAILED")
            .Where(a => a.Problem is not { } p || !p.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object
                || !errors.EnumerateObject().Any()
                || errors.EnumerateObject().Any(e => e.Value.ValueKind != JsonValueKind.Array || e.Value.GetArrayLength() == 0
                    || e.Value.EnumerateArray().Any(m => m.ValueKind != JsonValueKind.String || m.GetString()!.Length == 0)))
            .Select(a => $"{a.Case.Name}: {a.Result.Short}")
            .ToList();

        run.Answers.Count(a => a.Code == "VALIDATION_FAILED").ShouldBeGreaterThan(0);
        bare.ShouldBeEmpty("a 422 VALIDATION_FAILED carries errors: field -> messages (CONTRACT.md \"Errors\")\n" + string.Join("\n", bare));
    }

    [Fact]
    public void EveryProblem_CarriesItsOwnTraceId()
    {
        var problems = run.Answers.Where(a => a.Problem is not null).ToList();
        var missing = problems
            .Where(a => !a.Problem!.Value.TryGetProperty("trace_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString()!.Length == 0)
            .Select(a => a.Case.Name)
            .ToList();

        missing.ShouldBeEmpty(string.Join("\n", missing));
        var ids = problems.Select(a => a.Problem!.Value.GetProperty("trace_id").GetString()).ToList();
        ids.Distinct().Count().ShouldBe(ids.Count, "each request has its own trace_id");
    }

    [Fact]
    public void SqlInjection_IsNeverExecuted()
    {
        // "select pg_sleep(5)" in any field or parameter would hold its answer for 5 s if it ever reached SQL as code.
        var sleeper = HostileCorpus.SqlInjections.Single(s => s.Contains("pg_sleep", StringComparison.Ordinal));
        var carriers = run.Answers.Where(a => a.Case.Name.Contains(sleeper, StringComparison.Ordinal)).ToList();
        var slow = carriers.Where(a => a.Elapsed >= TimeSpan.FromSeconds(5)).Select(a => $"{a.Case.Name}: {a.Elapsed.TotalSeconds:F1} s").ToList();

        carriers.Count.ShouldBeGreaterThan(10, "the pg_sleep string is sent in many fields and parameters");
        slow.ShouldBeEmpty(string.Join("\n", slow));
    }

    [Fact]
    public void NoAnswer_EchoesTheApiKey()
    {
        var echoes = run.Answers.Where(a => a.Result.Body.Contains(run.Context.Key, StringComparison.Ordinal)).Select(a => a.Case.Name).ToList();

        echoes.ShouldBeEmpty(string.Join("\n", echoes));
    }
}
