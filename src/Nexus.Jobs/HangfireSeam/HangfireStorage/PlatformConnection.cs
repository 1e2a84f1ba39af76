using System.Globalization;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Jobs.HangfireSeam.HangfireStorage;

/// <summary>
/// The connection Hangfire gets for one worker iteration (or one dashboard request): one pinned PostgreSQL connection,
/// a job's state lock as a transaction-scoped advisory lock sent with the next statement, the job read with its
/// parameters, every other call delegated to Hangfire.PostgreSql.
/// </summary>
/// <remarks>
/// Hangfire takes a job's state lock, reads the job, applies the new state in a write transaction, then releases the
/// lock. Here the lock opens a transaction on the pinned connection (BEGIN and the lock go out with the job read, one
/// round trip), the write transaction's batch ends with COMMIT, which releases the lock; releasing the handle afterwards
/// costs nothing. A fetch opens the same kind of transaction: it claims the queue entry and locks the job in one
/// statement and reads the job in the next, so the Processing transaction that follows commits the claim, the lock and
/// the state together. A lock that is a transaction's cannot outlive its holder: a process that dies takes its
/// connection, its transaction and its locks with it, and an unclaimed fetch simply rolls back.
/// State changes nested inside another (a continuation started by its parent's Succeeded) join the open transaction;
/// only the outermost commits.
/// </remarks>
internal sealed class PlatformConnection(PlatformStorage storage) : JobStorageConnection
{
    private const string LockSql = $"select 1 from pg_advisory_xact_lock({PlatformStorage.JobLockClass}, hashtext($1))";

    // Hangfire.PostgreSql's fetch (its queue order, which ADR 0001 relies on, and its invisibility rule) as one
    // statement that also takes the job's state lock and names the job for the read that follows in the same batch.
    // The transaction it opens (fetch claim + Processing) commits without waiting for its WAL flush: if the database
    // crashed before a later commit flushed it, the job would be back in its queue and run again, which is what
    // at-least-once delivery promises anyway; Succeeded and everything after stay synchronous.
    private const string FetchSql = $"""
        with next as (
            select id from hangfire.jobqueue
            where queue = any($1) and (fetchedat is null or fetchedat < now() - $2::interval)
            order by fetchedat nulls first, queue, jobid
            limit 1
            for update skip locked
        )
        update hangfire.jobqueue q set fetchedat = now()
        from next where q.id = next.id
        returning q.id, q.jobid, q.queue, q.fetchedat,
            set_config('nexus.fetched_job', q.jobid::text, true) as named,
            set_config('synchronous_commit', 'off', true) as relaxed,
            (select true from pg_advisory_xact_lock({PlatformStorage.JobLockClass}, hashtext('job:' || q.jobid || ':state-lock'))) as locked
        """;

    // A statement of its own after the lock, so its snapshot is taken once the lock is held.
    private const string JobColumns = """
        select j.id, j.invocationdata, j.arguments, j.createdat, j.statename, p.names, p.pvalues
        from hangfire.job j
        left join lateral (
            select array_agg(jp.name order by jp.id) as names, array_agg(jp.value order by jp.id) as pvalues
            from hangfire.jobparameter jp where jp.jobid = j.id
        ) p on true
        """;

    // The fetched job also brings the platform's record of an AI job (nexus.ai_jobs, found by its Hangfire job), which the
    // job's run needs first (see JobRecordPrefetch): read under the same lock, it saves the run a statement of its own.
    private const string ReadFetchedSql = """
        select j.id, j.invocationdata, j.arguments, j.createdat, j.statename, p.names, p.pvalues,
               r.workspace_id, r.type, r.params::text, r.outcome, r.callback_url
        from hangfire.job j
        left join lateral (
            select array_agg(jp.name order by jp.id) as names, array_agg(jp.value order by jp.id) as pvalues
            from hangfire.jobparameter jp where jp.jobid = j.id
        ) p on true
        left join nexus.ai_jobs r on r.hangfire_job_id = j.id
        where j.id = nullif(current_setting('nexus.fetched_job', true), '')::bigint
        """;

    private const string ReadJobSql = JobColumns + "\nwhere j.id = $1";

    private const string StateSql = """
        select s.name, s.reason, s.data::text
        from hangfire.state s join hangfire.job j on j.stateid = s.id
        where j.id = $1
        """;

    private const string ParameterSql = "select value from hangfire.jobparameter where jobid = $1 and name = $2";

    // Hangfire.PostgreSql's upsert (the table has no unique key on job and name to conflict on).
    internal const string SetParameterSql = """
        with updated as (
            update hangfire.jobparameter set value = $3 where jobid = $1 and name = $2 returning 1
        )
        insert into hangfire.jobparameter (jobid, name, value)
        select $1, $2, $3 where not exists (select 1 from updated)
        """;

    private const string ReclaimSql = """
        update hangfire.jobqueue set fetchedat = now()
        where id = $1 and (fetchedat is null or fetchedat < now() - $2::interval)
        returning fetchedat
        """;

    private readonly Lock _sync = new();
    private readonly Stack<Session> _sessions = new([new Session()]);
    private JobStorageConnection? _inner;

    // The session statements go to: the outermost one, or a nested state change's own (see AcquireDistributedLock).
    private Session S => _sessions.Peek();

    internal PlatformStorage Storage => storage;

    /// <summary>Hangfire.PostgreSql's connection, for everything this class does not serve itself.</summary>
    private JobStorageConnection Inner => _inner ??= (JobStorageConnection)storage.Inner.GetConnection();

    // The dispatcher creates jobs inside its TransactionScope; Hangfire.PostgreSql enlists there, the hot path does not.
    private static bool Ambient => System.Transactions.Transaction.Current is not null;

    internal static bool IsJobLock(string resource) =>
        resource.StartsWith("job:", StringComparison.Ordinal) && resource.EndsWith(":state-lock", StringComparison.Ordinal);

    public override IWriteOnlyTransaction CreateWriteTransaction() =>
        Ambient ? Inner.CreateWriteTransaction() : new PlatformWriteTransaction(this);

    public override IDisposable AcquireDistributedLock(string resource, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (!IsJobLock(resource))
        {
            return Inner.AcquireDistributedLock(resource, timeout);
        }
        if (Ambient)
        {
            AmbientJobLock(resource);
            return NoRelease.Instance;
        }
        lock (_sync)
        {
            if (S.JobLocks > 0 && !S.LockedInTransaction.Contains(resource) && !S.PendingLocks.Contains(resource))
            {
                // A state change inside another's (a continuation started by its parent's transition): Hangfire.PostgreSql
                // commits it on its own and releases its lock at once, and the parent's filters may change that job
                // again through another connection; so it gets a transaction (and a connection) of its own.
                _sessions.Push(new Session());
            }
            var session = S;
            session.JobLocks++;
            if (!session.LockedInTransaction.Contains(resource) && !session.PendingLocks.Contains(resource))
            {
                session.PendingLocks.Add(resource);
            }
            return new JobLock(this, session);
        }
    }

    /// <summary>Inside the dispatcher's TransactionScope: the same advisory lock, held by the scope's transaction.</summary>
    private void AmbientJobLock(string resource)
    {
        // The shared data source enlists, and Npgsql hands the scope's one physical connection to it.
        using var connection = storage.Shared.OpenConnection();
        using var command = new NpgsqlCommand(LockSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = resource });
        command.ExecuteNonQuery();
    }

    public override IFetchedJob FetchNextJob(string[] queues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queues);
        using var waiter = storage.WakeUp.Wait(queues);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryFetch(queues) is { } fetched)
            {
                return fetched;
            }
            waiter.WaitOne(storage.Settings.QueuePollInterval, cancellationToken);
        }
    }

    private PlatformFetchedJob? TryFetch(string[] queues)
    {
        lock (_sync)
        {
            if (S.TransactionOpen || S.JobLocks > 0)
            {
                throw new InvalidOperationException("A fetch cannot join a transaction that is already open on this connection.");
            }
            using var batch = new NpgsqlBatch(Pinned());
            batch.BatchCommands.Add(new NpgsqlBatchCommand("begin"));
            var fetch = new NpgsqlBatchCommand(FetchSql);
            fetch.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = queues, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            fetch.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = storage.Settings.InvisibilityTimeout });
            batch.BatchCommands.Add(fetch);
            batch.BatchCommands.Add(new NpgsqlBatchCommand(ReadFetchedSql));
            S.TransactionOpen = true;
            PlatformFetchedJob? fetched = null;
            JobData? data = null;
            JobRecord? record = null;
            Run(() =>
            {
                using var reader = batch.ExecuteReader();
                if (reader.Read())
                {
                    fetched = new PlatformFetchedJob(this, reader.GetInt64(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture),
                        reader.GetString(2), reader.GetDateTime(3));
                }
                reader.NextResult();
                if (reader.Read())
                {
                    data = ToJobData(reader);
                    record = reader.IsDBNull(7) ? null : new JobRecord(reader.GetInt64(7), reader.GetString(8), reader.GetString(9),
                        reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
                        data.ParametersSnapshot is { } snapshot && snapshot.TryGetValue("RetryCount", out var retries) ? retries : null);
                }
            });
            if (fetched is null)
            {
                EndTransaction(commit: false);
                return null;
            }
            S.LockedInTransaction.Add($"job:{fetched.JobId}:state-lock");
            S.UncommittedFetch = fetched;
            if (data is not null)
            {
                S.FetchedRead = (fetched.JobId, data, record);
            }
            return fetched;
        }
    }

    public override JobData? GetJobData(string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        if (Ambient)
        {
            return Inner.GetJobData(jobId);
        }
        lock (_sync)
        {
            if (S.TransactionOpen && S.FetchedRead is { } read && read.JobId == jobId)
            {
                return read.Data; // read under this transaction's lock, nothing written since
            }
            using var batch = new NpgsqlBatch(Pinned());
            var skip = SendPendingLocks(batch);
            var command = new NpgsqlBatchCommand(ReadJobSql);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = long.Parse(jobId, CultureInfo.InvariantCulture) });
            batch.BatchCommands.Add(command);
            JobData? data = null;
            Run(() =>
            {
                using var reader = Reader(batch, skip);
                if (reader.Read())
                {
                    data = ToJobData(reader);
                }
            });
            return data;
        }
    }

    /// <summary>The platform's record of the AI job this connection fetched and still holds locked, read with the job; null otherwise.</summary>
    internal JobRecord? FetchedRecord(string jobId)
    {
        lock (_sync)
        {
            return S.TransactionOpen && S.FetchedRead is { } read && read.JobId == jobId ? read.Record : null;
        }
    }

    public override StateData? GetStateData(string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        if (Ambient)
        {
            return Inner.GetStateData(jobId);
        }
        lock (_sync)
        {
            using var batch = new NpgsqlBatch(Pinned());
            var skip = SendPendingLocks(batch);
            var command = new NpgsqlBatchCommand(StateSql);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = long.Parse(jobId, CultureInfo.InvariantCulture) });
            batch.BatchCommands.Add(command);
            StateData? state = null;
            Run(() =>
            {
                using var reader = Reader(batch, skip);
                if (reader.Read())
                {
                    state = new StateData
                    {
                        Name = reader.GetString(0),
                        Reason = reader.IsDBNull(1) ? null : reader.GetString(1),
                        Data = reader.IsDBNull(2) ? [] : SerializationHelper.Deserialize<Dictionary<string, string>>(reader.GetString(2)),
                    };
                }
            });
            return state;
        }
    }

    public override string? GetJobParameter(string id, string name)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(name);
        if (Ambient)
        {
            return Inner.GetJobParameter(id, name);
        }
        lock (_sync)
        {
            if (S.TransactionOpen && S.FetchedRead is { } read && read.JobId == id && read.Data.ParametersSnapshot is { } snapshot)
            {
                return snapshot.TryGetValue(name, out var cached) ? cached : null;
            }
            using var batch = new NpgsqlBatch(Pinned());
            var skip = SendPendingLocks(batch);
            var command = new NpgsqlBatchCommand(ParameterSql);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = long.Parse(id, CultureInfo.InvariantCulture) });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            batch.BatchCommands.Add(command);
            string? value = null;
            Run(() =>
            {
                using var reader = Reader(batch, skip);
                if (reader.Read() && !reader.IsDBNull(0))
                {
                    value = reader.GetString(0);
                }
            });
            return value;
        }
    }

    public override void SetJobParameter(string id, string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(name);
        if (Ambient)
        {
            Inner.SetJobParameter(id, name, value);
            return;
        }
        lock (_sync)
        {
            using var batch = new NpgsqlBatch(Pinned());
            SendPendingLocks(batch);
            batch.BatchCommands.Add(SetParameterCommand(id, name, value));
            S.FetchedRead = null; // a cached snapshot would no longer be the truth
            Run(() => batch.ExecuteNonQuery());
        }
    }

    internal static NpgsqlBatchCommand SetParameterCommand(string id, string name, string? value)
    {
        var command = new NpgsqlBatchCommand(SetParameterSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = long.Parse(id, CultureInfo.InvariantCulture) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return command;
    }

    /// <summary>
    /// Sends a write transaction's commands as one batch: after any lock still to be taken, inside the open transaction
    /// if there is one, ending with COMMIT unless an outer state change still holds a lock in the same transaction.
    /// </summary>
    /// <remarks><paramref name="readFirst"/>, when given, reads the rows of the first of <paramref name="commands"/>.</remarks>
    internal void Write(IReadOnlyList<NpgsqlBatchCommand> commands, List<Action> afterCommit, Action<NpgsqlDataReader>? readFirst = null)
    {
        lock (_sync)
        {
            using var batch = new NpgsqlBatch(Pinned());
            var skip = SendPendingLocks(batch);
            foreach (var command in commands)
            {
                batch.BatchCommands.Add(command);
            }
            var commits = !S.TransactionOpen || S.JobLocks <= 1;
            if (S.TransactionOpen && commits)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
            }
            S.FetchedRead = null;
            S.AfterCommit.AddRange(afterCommit);
            if (batch.BatchCommands.Count == 0)
            {
                if (!S.TransactionOpen)
                {
                    // Nothing to send and no transaction to end: what waits for a commit can run now.
                    Committed();
                }
                return;
            }
            if (readFirst is null)
            {
                Run(() => batch.ExecuteNonQuery());
            }
            else
            {
                Run(() =>
                {
                    using var reader = Reader(batch, skip);
                    readFirst(reader);
                    while (reader.NextResult())
                    {
                    }
                });
            }
            if (commits)
            {
                Committed();
            }
        }
    }

    /// <summary>Removes a fetched job's queue entry (outside a Succeeded transaction: the job was not run here).</summary>
    internal void Remove(PlatformFetchedJob job, NpgsqlBatchCommand delete) => Write([delete], []);

    /// <summary>Puts a fetched job back: an unclaimed fetch is rolled back, a claimed one has its fetch cleared.</summary>
    internal void Requeue(PlatformFetchedJob job, Func<NpgsqlBatchCommand> clear)
    {
        lock (_sync)
        {
            if (ReferenceEquals(S.UncommittedFetch, job))
            {
                S.UncommittedFetch = null;
                EndTransaction(commit: false);
                return;
            }
        }
        Write([clear()], []);
    }

    private void ReleaseJobLock(Session session)
    {
        lock (_sync)
        {
            session.JobLocks--;
            if (session.JobLocks > 0)
            {
                return;
            }
            if (!ReferenceEquals(session, S))
            {
                throw new InvalidOperationException("Job locks must be released in the reverse order of their acquisition.");
            }
            session.PendingLocks.Clear(); // taken and released without a statement in between: nothing to undo
            try
            {
                if (session.TransactionOpen)
                {
                    // Ended without a write that committed (the job was not in an expected state, the change failed,
                    // or it was nested): commit what the transaction holds and release the lock.
                    EndTransaction(commit: true);
                }
            }
            finally
            {
                if (_sessions.Count > 1)
                {
                    _sessions.Pop();
                    session.Pinned?.Dispose();
                }
            }
        }
    }

    /// <summary>Adds the locks still to be taken (and BEGIN); returns how many result sets they add before the caller's.</summary>
    private int SendPendingLocks(NpgsqlBatch batch)
    {
        var locks = S.PendingLocks.Count;
        if (locks == 0)
        {
            return 0;
        }
        if (!S.TransactionOpen)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("begin"));
            S.TransactionOpen = true;
        }
        foreach (var resource in S.PendingLocks)
        {
            var command = new NpgsqlBatchCommand(LockSql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = resource });
            batch.BatchCommands.Add(command);
            S.LockedInTransaction.Add(resource);
        }
        S.PendingLocks.Clear();
        return locks;
    }

    private static NpgsqlDataReader Reader(NpgsqlBatch batch, int skip)
    {
        var reader = batch.ExecuteReader();
        for (var i = 0; i < skip; i++)
        {
            reader.NextResult();
        }
        return reader;
    }

    private void EndTransaction(bool commit)
    {
        if (!S.TransactionOpen)
        {
            return;
        }
        using var command = new NpgsqlCommand(commit ? "commit" : "rollback", Pinned());
        Run(() => command.ExecuteNonQuery());
        if (commit)
        {
            Committed();
        }
        else
        {
            Reset();
        }
    }

    private void Committed()
    {
        var fetched = S.UncommittedFetch;
        var actions = S.AfterCommit.ToArray();
        Reset();
        fetched?.Claimed();
        foreach (var action in actions)
        {
            action();
        }
    }

    private void Reset()
    {
        S.TransactionOpen = false;
        S.LockedInTransaction.Clear();
        S.PendingLocks.Clear();
        S.AfterCommit.Clear();
        S.FetchedRead = null;
        S.UncommittedFetch = null;
    }

    /// <summary>Runs a statement; on failure rolls back what the transaction held, re-claims a fetch it undid, rethrows.</summary>
    private void Run(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
        {
            var fetched = S.UncommittedFetch;
            Reset();
            try
            {
                if (S.Pinned is { State: System.Data.ConnectionState.Open } open)
                {
                    using var rollback = new NpgsqlCommand("rollback", open);
                    rollback.ExecuteNonQuery();
                }
            }
            catch (Exception rollbackFailure) when (rollbackFailure is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
            {
                DropPinned();
            }
            if (S.Pinned is not { State: System.Data.ConnectionState.Open })
            {
                DropPinned();
            }
            fetched?.Reclaim();
            if (e is PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable })
            {
                throw new DistributedLockTimeoutException("job state lock");
            }
            throw;
        }
    }

    /// <summary>After a rolled-back fetch: claims the entry again if nobody else has; returns its new fetch time.</summary>
    internal DateTime? Reclaim(long queueEntryId)
    {
        using var connection = storage.HotPath.OpenConnection();
        using var command = new NpgsqlCommand(ReclaimSql, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = queueEntryId });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = storage.Settings.InvisibilityTimeout });
        return command.ExecuteScalar() is DateTime at ? at : null;
    }

    /// <summary>
    /// Runs the hot path's reads and a write once, inside a transaction rolled back, so the first job a process takes
    /// does not pay for preparing them (measured: a fresh process's first pickup took over a second).
    /// </summary>
    internal static void WarmUp(PlatformStorage storage)
    {
        using var connection = storage.HotPath.OpenConnection();
        using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("begin"));
        var fetch = new NpgsqlBatchCommand(FetchSql);
        fetch.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ["nexus-warm-up"], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        fetch.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = storage.Settings.InvisibilityTimeout });
        batch.BatchCommands.Add(fetch);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(ReadFetchedSql));
        var lockCommand = new NpgsqlBatchCommand(LockSql);
        lockCommand.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "nexus-warm-up" });
        batch.BatchCommands.Add(lockCommand);
        foreach (var sql in new[] { ReadJobSql, StateSql })
        {
            var read = new NpgsqlBatchCommand(sql);
            read.Parameters.Add(new NpgsqlParameter<long> { TypedValue = -1 });
            batch.BatchCommands.Add(read);
        }
        foreach (var command in PlatformWriteTransaction.WarmUpCommands())
        {
            batch.BatchCommands.Add(command);
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand("rollback"));
        using var reader = batch.ExecuteReader();
        while (reader.NextResult())
        {
        }
    }

    private NpgsqlConnection Pinned()
    {
        if (S.Pinned is null)
        {
            S.Pinned = storage.HotPath.OpenConnection();
        }
        return S.Pinned;
    }

    private void DropPinned()
    {
        S.Pinned?.Dispose();
        S.Pinned = null;
    }

    private static JobData ToJobData(NpgsqlDataReader reader)
    {
        var invocationData = SerializationHelper.Deserialize<InvocationData>(reader.GetString(1));
        invocationData.Arguments = reader.IsDBNull(2) ? null : reader.GetString(2);
        Job? job = null;
        JobLoadException? loadException = null;
        try
        {
            job = invocationData.DeserializeJob();
        }
        catch (JobLoadException e)
        {
            loadException = e;
        }
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!reader.IsDBNull(5))
        {
            var names = reader.GetFieldValue<string[]>(5);
            var values = reader.GetFieldValue<string?[]>(6);
            for (var i = 0; i < names.Length; i++)
            {
                parameters[names[i]] = values[i]!;
            }
        }
        return new JobData
        {
            Job = job,
            InvocationData = invocationData,
            State = reader.IsDBNull(4) ? null : reader.GetString(4),
            CreatedAt = reader.GetDateTime(3),
            LoadException = loadException,
            ParametersSnapshot = parameters,
        };
    }

    public override void Dispose()
    {
        lock (_sync)
        {
            if (S.TransactionOpen && S.Pinned is not null)
            {
                try
                {
                    EndTransaction(commit: false);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
                {
                    // the connection is dropped below either way
                }
            }
            DropPinned();
            while (_sessions.Count > 1)
            {
                _sessions.Pop();
                DropPinned();
            }
        }
        _inner?.Dispose();
        base.Dispose();
    }

    // Everything below is Hangfire.PostgreSql's: servers, sets, hashes, lists, counters, job creation.

    public override string CreateExpiredJob(Job job, IDictionary<string, string> parameters, DateTime createdAt, TimeSpan expireIn) =>
        Inner.CreateExpiredJob(job, parameters, createdAt, expireIn);

    public override void AnnounceServer(string serverId, ServerContext context) => Inner.AnnounceServer(serverId, context);

    public override void RemoveServer(string serverId) => Inner.RemoveServer(serverId);

    public override void Heartbeat(string serverId) => Inner.Heartbeat(serverId);

    public override int RemoveTimedOutServers(TimeSpan timeOut) => Inner.RemoveTimedOutServers(timeOut);

    public override HashSet<string> GetAllItemsFromSet(string key) => Inner.GetAllItemsFromSet(key);

    public override string GetFirstByLowestScoreFromSet(string key, double fromScore, double toScore) =>
        Inner.GetFirstByLowestScoreFromSet(key, fromScore, toScore);

    public override List<string> GetFirstByLowestScoreFromSet(string key, double fromScore, double toScore, int count) =>
        Inner.GetFirstByLowestScoreFromSet(key, fromScore, toScore, count);

    public override void SetRangeInHash(string key, IEnumerable<KeyValuePair<string, string>> keyValuePairs) => Inner.SetRangeInHash(key, keyValuePairs);

    public override Dictionary<string, string> GetAllEntriesFromHash(string key) => Inner.GetAllEntriesFromHash(key);

    public override long GetSetCount(string key) => Inner.GetSetCount(key);

    public override List<string> GetRangeFromSet(string key, int startingFrom, int endingAt) => Inner.GetRangeFromSet(key, startingFrom, endingAt);

    public override TimeSpan GetSetTtl(string key) => Inner.GetSetTtl(key);

    public override string GetValueFromHash(string key, string name) => Inner.GetValueFromHash(key, name);

    public override long GetHashCount(string key) => Inner.GetHashCount(key);

    public override TimeSpan GetHashTtl(string key) => Inner.GetHashTtl(key);

    public override long GetListCount(string key) => Inner.GetListCount(key);

    public override List<string> GetAllItemsFromList(string key) => Inner.GetAllItemsFromList(key);

    public override List<string> GetRangeFromList(string key, int startingFrom, int endingAt) => Inner.GetRangeFromList(key, startingFrom, endingAt);

    public override TimeSpan GetListTtl(string key) => Inner.GetListTtl(key);

    public override long GetCounter(string key) => Inner.GetCounter(key);

    private sealed class JobLock(PlatformConnection owner, Session session) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.ReleaseJobLock(session);
            }
        }
    }

    /// <summary>One PostgreSQL connection and what its open transaction holds.</summary>
    private sealed class Session
    {
        public readonly List<string> PendingLocks = [];
        public readonly HashSet<string> LockedInTransaction = new(StringComparer.Ordinal);
        public readonly List<Action> AfterCommit = [];
        public NpgsqlConnection? Pinned;
        public bool TransactionOpen;
        public int JobLocks;
        public (string JobId, JobData Data, JobRecord? Record)? FetchedRead;
        public PlatformFetchedJob? UncommittedFetch;
    }

    private sealed class NoRelease : IDisposable
    {
        public static readonly NoRelease Instance = new();

        public void Dispose()
        {
        }
    }
}
