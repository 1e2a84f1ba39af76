using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Jobs.Auth;
using Nexus.Jobs.Storage;
using Npgsql;
using Nexus.Jobs.Testing;

namespace Nexus.Jobs.BrowserTests.Infrastructure;

/// <summary>
/// The service as an operator runs it: a child process (<c>dotnet Nexus.Jobs.Api.dll</c>) in the Production environment
/// on a free loopback port, over real HTTP, on a throwaway PostgreSQL cluster of its own (the service's own embedded
/// mechanism). A browser needs a real socket, which WebApplicationFactory's in-memory server does not have.
/// </summary>
public sealed class NexusService : IAsyncDisposable
{
    private readonly Process _process;
    private readonly LocalPostgres _cluster;
    private readonly string _folder;
    private readonly ConcurrentQueue<string> _output = new();

    private NexusService(Process process, LocalPostgres cluster, string folder, int port)
    {
        _process = process;
        _cluster = cluster;
        _folder = folder;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    public string BaseUrl { get; }

    public string ConnectionString => _cluster.ConnectionString;

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string Output => string.Join('\n', _output.TakeLast(60));

    /// <summary>Starts a cluster and the service on it (settings as <c>--Key=value</c>), and waits until it is ready.</summary>
    public static async Task<NexusService> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"nexus-browser-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var cluster = await LocalPostgres.StartAsync(Path.Combine(folder, "postgres"), new LocalPostgresSettings(Durable: false, MaxConnections: 100), NullLogger.Instance);
        var port = ChildProcesses.FreeLoopbackPort();
        // Production, as deployed: no Development conveniences such as the dashboard's open loopback access.
        var start = ChildProcesses.Service(folder, port, cluster.ConnectionString, settings);
        var process = new Process { StartInfo = start };
        var service = new NexusService(process, cluster, folder, port);
        process.OutputDataReceived += (_, e) => service.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => service.Keep(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
        return service;
    }

    /// <summary>A client of a new workspace with a key that holds every scope.</summary>
    public async Task<ApiClient> ClientAsync(long workspace)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        var (_, key) = await new ApiKeys(dataSource).CreateAsync(workspace, Scopes.All);
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new ApiClient(http, workspace);
    }

    public async Task<T> QueryAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return (await Dapper.SqlMapper.ExecuteScalarAsync<T>(connection, sql, args))!;
    }

    private async Task WaitUntilReadyAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (_process.HasExited)
            {
                throw new ShouldAssertException($"The service exited with {_process.ExitCode} before it was ready:\n{Output}");
            }
            try
            {
                // Ready: migrated, and (worker role) its Hangfire server has a heartbeat.
                using var response = await http.GetAsync($"{BaseUrl}/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new ShouldAssertException($"The service was not ready within {within.TotalSeconds} s:\n{Output}");
            }
            await Task.Delay(100);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        while (_output.Count > 300 && _output.TryDequeue(out _))
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        _process.Dispose();
        await _cluster.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // best effort: the folder is under the temp directory
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>One workspace's view of the public API: dispatch and status, as a client would use them.</summary>
public sealed class ApiClient(HttpClient http, long workspace) : IDisposable
{
    public long Workspace { get; } = workspace;

    /// <summary>Dispatches <c>{type, params, priority}</c> and returns the job's public id (asserting 202).</summary>
    public async Task<string> DispatchAsync(string type, object parameters, string priority = "normal")
    {
        using var response = await http.PostAsJsonAsync("/api/ai-jobs", new { type, @params = parameters, priority });
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("id").GetString()!;
    }

    /// <summary>Dispatches a batch of <c>{type, params}</c> jobs and returns its id and its jobs' ids in order (asserting 202).</summary>
    public async Task<(string BatchId, string[] Jobs)> DispatchBatchAsync(bool sequential, params (string Type, object Params)[] jobs)
    {
        using var response = await http.PostAsJsonAsync("/api/ai-jobs/batch", new { jobs = jobs.Select(j => new { type = j.Type, @params = j.Params }), sequential });
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body);
        var data = JsonDocument.Parse(body).RootElement.GetProperty("data");
        return (data.GetProperty("batch_id").GetString()!, data.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()!).ToArray());
    }

    /// <summary>Ingests insights (feedback about one product each) into the workspace (asserting 200).</summary>
    public async Task IngestAsync(params string[] contents)
    {
        using var response = await http.PostAsJsonAsync("/v1/insights", new
        {
            insights = contents.Select((content, i) => new
            {
                content,
                type = "feedback",
                entities = new[] { new { id = $"SKU-{i}", name = $"Product {i}", type = "product" } },
                confidence = 0.5,
            }),
        });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Triggers a compounding pipeline and polls the run until it has <paramref name="status"/>; the run's id.</summary>
    public async Task<string> RunPipelineAsync(string jobType, string status, TimeSpan within)
    {
        using var response = await http.PostAsJsonAsync("/v1/compounding/trigger", new { job_type = jobType });
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body);
        var root = JsonDocument.Parse(body).RootElement;
        var id = (root.TryGetProperty("data", out var data) ? data : root).GetProperty("job_run_id").GetString()!;
        var deadline = DateTime.UtcNow + within;
        string? last;
        do
        {
            last = await http.GetStringAsync($"/v1/compounding/jobs/{id}");
            var run = JsonDocument.Parse(last).RootElement;
            if ((run.TryGetProperty("data", out var d) ? d : run).GetProperty("status").GetString() == status)
            {
                return id;
            }
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        throw new ShouldAssertException($"Run {id} did not reach '{status}' within {within.TotalSeconds} s; last: {last}");
    }

    /// <summary>Polls the job's public status until it is <paramref name="status"/>; fails with the last body on the deadline.</summary>
    public async Task<JsonElement> ShouldReachStatus(string id, string status, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        JsonElement job;
        do
        {
            var body = await http.GetStringAsync($"/api/ai-jobs/{id}");
            job = JsonDocument.Parse(body).RootElement.GetProperty("data");
            if (job.GetProperty("status").GetString() == status)
            {
                return job;
            }
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        throw new ShouldAssertException($"Job {id} did not reach '{status}' within {within.TotalSeconds} s; last: {job}");
    }

    public void Dispose() => http.Dispose();
}
