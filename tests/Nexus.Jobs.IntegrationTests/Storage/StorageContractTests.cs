using System.Diagnostics;
using System.Reflection;
using Dapper;
using Hangfire;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;
using Nexus.Jobs.HangfireSeam;
using Nexus.Jobs.Platform;
using Nexus.Jobs.HangfireSeam.HangfireStorage;
using Npgsql;

namespace Nexus.Jobs.IntegrationTests.Storage;

/// <summary>Jobs the contract tests create (never run by the service: the hosts here have no workers).</summary>
public static class ContractJobs
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Attempts = new(StringComparer.Ordinal);

    public static void Noop(string token) => _ = token;

    /// <summary>Throws on its first attempt, succeeds on the second.</summary>
    public static void FailsOnce(string token)
    {
        if (Attempts.AddOrUpdate(token, 1, (_, n) => n + 1) == 1)
        {
            throw new InvalidOperationException($"first attempt of {token}");
        }
    }
}

/// <summary>Two API-only hosts, each on a database of its own: one on the platform storage, one on stock Hangfire.PostgreSql.</summary>
public sealed class StorageFixture : IAsyncLifetime
{
    private readonly Dictionary<string, NexusApp> _apps = [];

    public async Task InitializeAsync()
    {
        foreach (var storage in new[] { WorkerOptions.PlatformStorageName, WorkerOptions.HangfirePostgreSqlStorageName })
        {
            var app = await NexusApp.IsolatedAsync(new()
            {
                ["Nexus:Roles"] = "api",
                ["Nexus:Workers:Storage"] = storage,
                // A fetch that returns long before this was woken, not polled.
                ["Nexus:Workers:QueuePollInterval"] = "00:00:30",
                ["Nexus:Workers:InvisibilityTimeout"] = "00:00:05",
                ["Nexus:Workers:DistributedLockTimeout"] = "00:00:05",
            });
            _ = app.Server;
            _apps[storage] = app;
        }
    }

    public NexusApp App(string storage) => _apps[storage];

    public async Task DisposeAsync()
    {
        foreach (var app in _apps.Values)
        {
            await app.DisposeAsync();
        }
    }
}

/// <summary>
/// What a Hangfire storage must do for the worker's path, checked against the platform storage and stock
/// Hangfire.PostgreSql alike (the behaviours Hangfire.PostgreSql's PostgreSqlJobQueueFacts, PostgreSqlFetchedJobFacts,
/// PostgreSqlConnectionFacts and PostgreSqlWriteOnlyTransactionFacts check for the parts the platform replaces).
/// </summary>
public sealed class StorageContractTests(StorageFixture fixture) : IClassFixture<StorageFixture>
{
    public static readonly TheoryData<string> Storages = new() { WorkerOptions.PlatformStorageName, WorkerOptions.HangfirePostgreSqlStorageName };

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private JobStorage Storage(string kind) => fixture.App(kind).Service<JobStorage>();

    private static string NewQueue() => $"t_{Guid.NewGuid():N}"[..20];

    private static string Create(JobStorage storage, string queue, string token = "x") =>
        new BackgroundJobClient(storage).Create(Job.FromExpression(() => ContractJobs.Noop(token), queue), new EnqueuedState(queue));

    private static IFetchedJob Fetch(IStorageConnection connection, params string[] queues)
    {
        using var cts = new CancellationTokenSource(Patience);
        return connection.FetchNextJob(queues, cts.Token);
    }

    private static bool NothingToFetch(JobStorage storage, string queue)
    {
        using var connection = storage.GetConnection();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        try
        {
            using var fetched = connection.FetchNextJob([queue], cts.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private async Task<T> QueryAsync<T>(string kind, string sql, object? args = null) => await fixture.App(kind).QueryAsync<T>(sql, args);

    [Theory]
    [MemberData(nameof(Storages))]
    public void Fetch_TakesQueuesInPriorityOrder_AndWithinAQueueTheOldestFirst(string kind)
    {
        var storage = Storage(kind);
        var low = Create(storage, Queues.Low);
        var normal1 = Create(storage, Queues.Normal);
        var high = Create(storage, Queues.High);
        var normal2 = Create(storage, Queues.Normal);

        var order = new List<string>();
        using var connection = storage.GetConnection();
        for (var i = 0; i < 4; i++)
        {
            using var fetched = Fetch(connection, Queues.All);
            order.Add(fetched.JobId);
            fetched.RemoveFromQueue();
        }

        order.ShouldBe([high, normal1, normal2, low]);
    }

    // The platform path only. Hangfire.PostgreSql wakes a waiting fetch in its own process through one static
    // AutoResetEvent per queue name, shared by every storage in the process: in this test process, where many hosts
    // wait on "3_low", another host's worker can take the one signal and the fetch here sleep its 30 s poll (read from
    // its source; the likely cause of this test failing for that storage in one CI run). In a service there is one
    // storage per process; the stock path's wake-up across processes is held by
    // ScaleOutTests.AJobDispatchedInOneProcess_WakesAnIdleWorkerOfAnother_LongBeforeItsNextPoll.
    [Theory]
    [InlineData(WorkerOptions.PlatformStorageName)]
    public async Task AWaitingFetch_IsWokenByAnEnqueue_LongBeforeThePollInterval(string kind)
    {
        var storage = Storage(kind);
        var wakeUp = fixture.App(kind).Service<QueueWakeUp>();
        using var connection = storage.GetConnection();
        var fetching = Task.Run(() => Fetch(connection, Queues.Low));
        await Eventually.Until(() => Task.FromResult(wakeUp.Waiting), n => n > 0, Patience, "the fetch to wait");

        var watch = Stopwatch.StartNew();
        var id = Create(storage, Queues.Low);
        using var fetched = await fetching.WaitAsync(Patience);

        fetched.JobId.ShouldBe(id);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5), "the poll interval is 30 s");
        fetched.RemoveFromQueue();
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public void AFetchedJob_IsInvisibleToOtherWorkers_UntilRequeued(string kind)
    {
        var storage = Storage(kind);
        var queue = NewQueue();
        var id = Create(storage, queue);
        using var connection = storage.GetConnection();
        using var fetched = Fetch(connection, queue);
        fetched.JobId.ShouldBe(id);

        NothingToFetch(storage, queue).ShouldBeTrue("fetched by the first worker");
        fetched.Requeue();

        using var other = storage.GetConnection();
        using var again = Fetch(other, queue);
        again.JobId.ShouldBe(id);
        again.RemoveFromQueue();
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public void AFetchedJobDisposedWithoutRemoval_GoesBackToItsQueue_AndARemovedOneDoesNot(string kind)
    {
        var storage = Storage(kind);
        var queue = NewQueue();
        var kept = Create(storage, queue);
        using (var connection = storage.GetConnection())
        using (Fetch(connection, queue))
        {
        }
        using (var connection = storage.GetConnection())
        using (var fetched = Fetch(connection, queue))
        {
            fetched.JobId.ShouldBe(kept);
            fetched.RemoveFromQueue();
        }
        NothingToFetch(storage, queue).ShouldBeTrue("removed");
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task AnEntryWhoseFetchExpired_IsFetchedAgain_AndTheFirstWorkerCanNoLongerRemoveIt(string kind)
    {
        var storage = Storage(kind);
        var queue = NewQueue();
        var id = Create(storage, queue);
        using var first = storage.GetConnection();
        using var stale = Fetch(first, queue);
        // The platform storage's fetch is claimed when its transaction commits (with Processing, or when the lock is let go).
        first.AcquireDistributedJobLock(id, TimeSpan.FromSeconds(5)).Dispose();
        // As if the first worker had died long ago (a kill -9): its fetch is older than the invisibility timeout.
        await QueryAsync<int>(kind, "update hangfire.jobqueue set fetchedat = fetchedat - interval '1 minute' where jobid = @Id", new { Id = long.Parse(id) });

        using var second = storage.GetConnection();
        using var again = Fetch(second, queue);
        again.JobId.ShouldBe(id);
        stale.RemoveFromQueue();

        (await QueryAsync<long>(kind, "select count(*) from hangfire.jobqueue where jobid = @Id", new { Id = long.Parse(id) }))
            .ShouldBe(1, "the entry is the second worker's now");
        again.RemoveFromQueue();
        (await QueryAsync<long>(kind, "select count(*) from hangfire.jobqueue where jobid = @Id", new { Id = long.Parse(id) })).ShouldBe(0);
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task Succeeded_RemovesTheQueueEntryInItsOwnCommit_OnlyWhereTheStorageDeclaresIt(string kind)
    {
        var storage = Storage(kind);
        var queue = NewQueue();
        var id = Create(storage, queue);
        using var connection = storage.GetConnection();
        using var fetched = Fetch(connection, queue);
        var transactional = storage.HasFeature(JobStorageFeatures.Transaction.RemoveFromQueue(fetched.GetType()));
        transactional.ShouldBe(kind == WorkerOptions.PlatformStorageName);

        Worker.Change(storage, connection, id, Worker.Processing(), [EnqueuedState.StateName])!.Name.ShouldBe(ProcessingState.StateName);
        Worker.Change(storage, connection, id, new SucceededState(null, 1, 1), [ProcessingState.StateName], transactional ? fetched : null)!
            .Name.ShouldBe(SucceededState.StateName);

        var entries = await QueryAsync<long>(kind, "select count(*) from hangfire.jobqueue where jobid = @Id", new { Id = long.Parse(id) });
        entries.ShouldBe(transactional ? 0 : 1);
        fetched.RemoveFromQueue(); // what the Worker does next either way
        (await QueryAsync<long>(kind, "select count(*) from hangfire.jobqueue where jobid = @Id", new { Id = long.Parse(id) })).ShouldBe(0);
        (await QueryAsync<string>(kind, "select statename from hangfire.job where id = @Id", new { Id = long.Parse(id) })).ShouldBe(SucceededState.StateName);
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public void GetJobData_ReturnsTheJob_AndOnThePlatformStorageItsParameters(string kind)
    {
        var storage = Storage(kind);
        var id = Create(storage, NewQueue());
        using var connection = storage.GetConnection();
        connection.SetJobParameter(id, "Colour", "\"blue\"");

        var data = connection.GetJobData(id)!;

        data.State.ShouldBe(EnqueuedState.StateName);
        data.Job.Method.Name.ShouldBe(nameof(ContractJobs.Noop));
        connection.GetJobParameter(id, "Colour").ShouldBe("\"blue\"");
        connection.GetStateData(id)!.Name.ShouldBe(EnqueuedState.StateName);
        if (kind == WorkerOptions.PlatformStorageName)
        {
            data.ParametersSnapshot!["Colour"].ShouldBe("\"blue\"", "filters read parameters from the snapshot, not one by one");
        }
        else
        {
            data.ParametersSnapshot.ShouldBeNull();
        }
        connection.GetJobData("999999999").ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task ConcurrentStateChanges_OnlyOneMovesTheJobOutOfItsExpectedState(string kind)
    {
        var storage = Storage(kind);
        var ids = Enumerable.Range(0, 5).Select(_ => Create(storage, NewQueue())).ToList();
        foreach (var id in ids)
        {
            using var start = new ManualResetEventSlim();
            var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            {
                start.Wait();
                using var connection = storage.GetConnection();
                return Worker.Change(storage, connection, id, new DeletedState { Reason = $"attempt {i}" }, [EnqueuedState.StateName]);
            })).ToList();
            start.Set();
            var applied = await Task.WhenAll(attempts).WaitAsync(TimeSpan.FromSeconds(30));

            applied.Count(s => s is not null).ShouldBe(1, $"job {id}: the state lock lets one change see Enqueued");
            (await QueryAsync<long>(kind, "select count(*) from hangfire.state where jobid = @Id and name = 'Deleted'", new { Id = long.Parse(id) })).ShouldBe(1);
        }
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public void AContinuation_IsEnqueuedWhenItsParentSucceeds(string kind)
    {
        var storage = Storage(kind);
        var queue = NewQueue();
        var client = new BackgroundJobClient(storage);
        var parent = Create(storage, queue);
        var child = client.ContinueJobWith(parent, () => ContractJobs.Noop("child"));
        using var connection = storage.GetConnection();
        connection.GetJobData(child)!.State.ShouldBe(AwaitingState.StateName);

        using var fetched = Fetch(connection, queue);
        Worker.Change(storage, connection, parent, Worker.Processing(), [EnqueuedState.StateName]);
        Worker.Change(storage, connection, parent, new SucceededState(null, 1, 1), [ProcessingState.StateName]);
        fetched.RemoveFromQueue();

        connection.GetJobData(child)!.State.ShouldBe(EnqueuedState.StateName);
        using var continuation = Fetch(connection, "default");
        continuation.JobId.ShouldBe(child);
        continuation.RemoveFromQueue();
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task AJobThatFails_IsRetried_AndSucceedsOnItsSecondAttempt(string kind)
    {
        var storage = Storage(kind);
        var queue = NewQueue();
        var token = Guid.NewGuid().ToString("N");
        var id = new BackgroundJobClient(storage).Create(Job.FromExpression(() => ContractJobs.FailsOnce(token), queue), new EnqueuedState(queue));
        var options = new BackgroundJobServerOptions
        {
            Queues = [queue],
            WorkerCount = 1,
            SchedulePollingInterval = TimeSpan.FromMilliseconds(200),
            Activator = new JobActivator(),
            ServerName = $"contract-{Guid.NewGuid():N}"[..20],
        };
        var retry = new AutomaticRetryAttribute { Attempts = 1, DelaysInSeconds = [0] };
        var filters = new JobFilterCollection { retry, new ContinuationsSupportAttribute(), new StatisticsHistoryAttribute() };
#pragma warning disable CS0618 // the constructor that takes filters is the one that keeps them out of the static GlobalJobFilters
        using (new BackgroundJobServer(options, storage, [], filters, new JobActivator(), new BackgroundJobFactory(filters), new BackgroundJobPerformer(filters, new JobActivator()), new BackgroundJobStateChanger(filters)))
        {
            await Eventually.Until(() => QueryAsync<string>(kind, "select statename from hangfire.job where id = @Id", new { Id = long.Parse(id) }),
                s => s == SucceededState.StateName, TimeSpan.FromSeconds(30), "the retried job to succeed");
        }
#pragma warning restore CS0618

        var states = (await QueryAsync<string>(kind, "select string_agg(name, ',' order by id) from hangfire.state where jobid = @Id", new { Id = long.Parse(id) })).Split(',');
        // A retry without delay is enqueued at once (Hangfire skips Scheduled then).
        states.ShouldBe(["Enqueued", "Processing", "Failed", "Enqueued", "Processing", "Succeeded"]);
        using var connection = storage.GetConnection();
        connection.GetJobParameter(id, "RetryCount").ShouldBe("1");
        (await QueryAsync<long>(kind, "select count(*) from hangfire.jobqueue where jobid = @Id", new { Id = long.Parse(id) })).ShouldBe(0);
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task AFinalState_SetsTheJobToExpire_AndCountsIt_WhileProcessingKeepsIt(string kind)
    {
        var storage = Storage(kind);
        var queue = NewQueue();
        var id = Create(storage, queue);
        var jobId = new { Id = long.Parse(id) };
        using var connection = storage.GetConnection();
        using var fetched = Fetch(connection, queue);
        Worker.Change(storage, connection, id, Worker.Processing(), [EnqueuedState.StateName]);
        (await QueryAsync<DateTime?>(kind, "select expireat from hangfire.job where id = @Id", jobId)).ShouldBeNull();
        var succeededBefore = await QueryAsync<long>(kind, "select coalesce(sum(value), 0)::bigint from hangfire.counter where key = 'stats:succeeded'");

        Worker.Change(storage, connection, id, new SucceededState(null, 1, 1), [ProcessingState.StateName]);
        fetched.RemoveFromQueue();

        var expireAt = await QueryAsync<DateTime?>(kind, "select expireat from hangfire.job where id = @Id", jobId);
        expireAt.ShouldNotBeNull();
        expireAt.Value.ToUniversalTime().ShouldBeInRange(DateTime.UtcNow + storage.JobExpirationTimeout - TimeSpan.FromMinutes(1), DateTime.UtcNow + storage.JobExpirationTimeout + TimeSpan.FromMinutes(1));
        (await QueryAsync<long>(kind, "select coalesce(sum(value), 0)::bigint from hangfire.counter where key = 'stats:succeeded'")).ShouldBe(succeededBefore + 1);
        (await QueryAsync<long>(kind, "select count(*) from hangfire.counter where key like 'stats:succeeded:%' and expireat is not null")).ShouldBeGreaterThan(0);
        storage.GetMonitoringApi().JobDetails(id).History[0].StateName.ShouldBe(SucceededState.StateName, "the dashboard reads what was written");
    }

    [Fact]
    public async Task AProcessKilledWhileHoldingAJobLock_LeavesNothingThatBlocksTheJob()
    {
        var kind = WorkerOptions.PlatformStorageName;
        var storage = Storage(kind);
        var id = Create(storage, NewQueue());
        var resource = $"job:{id}:state-lock";
        // A separate process holding the job's state lock exactly as the storage takes it, in an open transaction.
        var psql = Path.Combine(Nexus.Jobs.Storage.LocalPostgres.FindBinaries(), "psql");
        var builder = new NpgsqlConnectionStringBuilder(fixture.App(kind).ConnectionString);
        var start = new ProcessStartInfo(psql) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-h", builder.Host!, "-p", builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", builder.Username!, "-d", builder.Database!, "-X", "-q", "-t", "-A" })
        {
            start.ArgumentList.Add(arg);
        }
        if (!string.IsNullOrEmpty(builder.Password))
        {
            start.Environment["PGPASSWORD"] = builder.Password;
        }
        using var holder = Process.Start(start)!;
        try
        {
            await holder.StandardInput.WriteLineAsync($"begin; select pg_advisory_xact_lock({PlatformStorage.JobLockClass}, hashtext('{resource}')); select 'held';");
            await holder.StandardInput.FlushAsync();
            string? line;
            do
            {
                line = await holder.StandardOutput.ReadLineAsync().WaitAsync(Patience);
            }
            while (line is not null && line.Trim() != "held");
            line.ShouldBe("held");

            // While it lives, the job's state cannot change (the lock times out after DistributedLockTimeout)...
            using (var connection = storage.GetConnection())
            {
                Should.Throw<DistributedLockTimeoutException>(() => Worker.Change(storage, connection, id, new DeletedState(), [EnqueuedState.StateName]));
            }

            holder.Kill(); // SIGKILL: no rollback, no unlock, the connection just drops
            await holder.WaitForExitAsync().WaitAsync(Patience);

            // ...and the moment it is gone, nothing is left that blocks it.
            var watch = Stopwatch.StartNew();
            IState? applied = null;
            await Eventually.Until(() =>
            {
                using var connection = storage.GetConnection();
                try
                {
                    applied = Worker.Change(storage, connection, id, new DeletedState(), [EnqueuedState.StateName]);
                }
                catch (DistributedLockTimeoutException)
                {
                    // PostgreSQL notices the dropped connection within moments
                }
                return Task.FromResult(applied);
            }, s => s is not null, TimeSpan.FromSeconds(20), "the state change after the holder died");
            applied!.Name.ShouldBe(DeletedState.StateName);
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), "no lock row waits for a timeout");
            (await QueryAsync<long>(kind, "select count(*) from hangfire.lock")).ShouldBe(0, "job locks leave no rows");
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill();
            }
        }
    }

    /// <summary>Hangfire's Worker, step by step: its state changer, its ProcessingState, its transactional acknowledge.</summary>
    private static class Worker
    {
        private static readonly ConstructorInfo WithCompleteJob = typeof(StateChangeContext)
            .GetConstructors(BindingFlags.NonPublic | BindingFlags.Instance)
            .Single(c => c.GetParameters().Any(p => p.ParameterType == typeof(IFetchedJob)));

        private static readonly object Profiler = typeof(JobStorage).Assembly.GetType("Hangfire.Profiling.EmptyProfiler")!
            .GetField("Instance", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!.GetValue(null)!;

        public static IState Processing() => (IState)typeof(ProcessingState)
            .GetConstructors(BindingFlags.NonPublic | BindingFlags.Instance).First(c => c.GetParameters().Length == 2)
            .Invoke(["contract-server", Guid.NewGuid().ToString()]);

        public static IState? Change(JobStorage storage, IStorageConnection connection, string id, IState state, string[] expected, IFetchedJob? complete = null)
        {
            var context = (StateChangeContext)WithCompleteJob.Invoke([storage, connection, null, id, state, expected, false, complete,
                CancellationToken.None, Profiler, "contract-server", null]);
            return new BackgroundJobStateChanger(JobFilterProviders.Providers).ChangeState(context);
        }
    }
}
