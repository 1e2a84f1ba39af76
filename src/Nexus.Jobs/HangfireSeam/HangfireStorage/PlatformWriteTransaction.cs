using System.Globalization;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Nexus.Jobs.Platform;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Jobs.HangfireSeam.HangfireStorage;

/// <summary>
/// Hangfire's write transaction as one <see cref="NpgsqlBatch"/>: one round trip, one commit. A job's new state and its
/// expiry go out as one statement, all counters as one, and a Succeeded job's queue entry is removed in the same commit.
/// </summary>
/// <remarks>The statements are Hangfire.PostgreSql 1.21's, over the same tables, so its dashboard and expiration read them as their own.</remarks>
internal sealed class PlatformWriteTransaction(PlatformConnection connection) : JobStorageTransaction
{
    // The new state row and the job's pointer to it (Hangfire.PostgreSql's statement), with the job's expiry in the
    // same update: $6 is 0 to leave it, 1 to expire in $7, 2 to persist. The variants below add the transaction's
    // counters and a Succeeded job's queue entry as further CTEs of the same statement (different tables, no row touched
    // twice), so a Succeeded transaction is one statement.
    private const string SetStateCte = """
        with s as (
            insert into hangfire.state (jobid, name, reason, createdat, data)
            values ($1, $2, $3, $4, $5::jsonb) returning id
        ), j as (
            update hangfire.job j
            set stateid = s.id, statename = $2,
                expireat = case $6 when 0 then j.expireat when 1 then now() + $7::interval else null end
            from s where j.id = $1
            returning 1
        )
        """;

    private const string CountersCte = """
        , c as (
            insert into hangfire.counter (key, value, expireat)
            select c.key, c.value, now() + c.seconds * interval '1 second'
            from unnest($8::text[], $9::bigint[], $10::bigint[]) as c(key, value, seconds)
            returning 1
        )
        """;

    private const string SetStateSql = SetStateCte + "select count(*) from j";

    private const string SetStateCountSql = SetStateCte + CountersCte + "select count(*) from j";

    private const string SetStateAcknowledgeSql = SetStateCte + """
        , q as (delete from hangfire.jobqueue where id = $8 and fetchedat = $9 returning 1)
        select count(*) from j
        """;

    private const string SetStateCountAcknowledgeSql = SetStateCte + CountersCte + """
        , q as (delete from hangfire.jobqueue where id = $11 and fetchedat = $12 returning 1)
        select count(*) from j
        """;

    private const string AddStateSql = """
        insert into hangfire.state (jobid, name, reason, createdat, data) values ($1, $2, $3, $4, $5::jsonb)
        """;

    private const string ExpireJobSql = "update hangfire.job set expireat = case $2 when 1 then now() + $3::interval else null end where id = $1";

    private const string CountersSql = """
        insert into hangfire.counter (key, value, expireat)
        select c.key, c.value, now() + c.seconds * interval '1 second'
        from unnest($1::text[], $2::bigint[], $3::bigint[]) as c(key, value, seconds)
        """;

    private const string EnqueueSql = "insert into hangfire.jobqueue (jobid, queue) values ($1, $2)";

    // QueueWakeUp's enqueue: the notification goes out only if the transaction commits.
    private const string EnqueueAndNotifySql = """
        with queued as (insert into hangfire.jobqueue (jobid, queue) values ($1, $2) returning 1)
        select pg_notify($3, $4) from queued
        """;

    private const string AddToSetSql = """
        insert into hangfire.set (key, value, score) values ($1, $2, $3)
        on conflict (key, value) do update set score = excluded.score
        """;

    private const string RemoveFromSetSql = "delete from hangfire.set where key = $1 and value = $2";

    private const string AddRangeToSetSql = "insert into hangfire.set (key, value, score) select $1, v, 0.0 from unnest($2::text[]) as v";

    private const string RemoveSetSql = "delete from hangfire.set where key = $1";

    private const string InsertToListSql = "insert into hangfire.list (key, value) values ($1, $2)";

    private const string RemoveFromListSql = "delete from hangfire.list where key = $1 and value = $2";

    private const string TrimListSql = """
        delete from hangfire.list as source
        where key = $1 and id not in (
            select id from hangfire.list as keep where keep.key = source.key order by id offset $2 limit $3
        )
        """;

    private const string SetHashFieldSql = """
        with updated as (
            update hangfire.hash set value = $3 where key = $1 and field = $2 returning 1
        )
        insert into hangfire.hash (key, field, value)
        select $1, $2, $3 where not exists (select 1 from updated)
        """;

    private const string RemoveHashSql = "delete from hangfire.hash where key = $1";

    private const string ExpireSetSql = "update hangfire.set set expireat = $2 where key = $1";
    private const string ExpireListSql = "update hangfire.list set expireat = $2 where key = $1";
    private const string ExpireHashSql = "update hangfire.hash set expireat = $2 where key = $1";
    private const string PersistSetSql = "update hangfire.set set expireat = null where key = $1";
    private const string PersistListSql = "update hangfire.list set expireat = null where key = $1";
    private const string PersistHashSql = "update hangfire.hash set expireat = null where key = $1";

    // Built at commit (true: this is the transaction's only state change, which takes the counters and the acknowledge).
    private readonly List<Func<bool, NpgsqlBatchCommand?>> _commands = [];
    private readonly Dictionary<long, (int Mode, TimeSpan In)> _expiry = [];
    private readonly List<(string Key, long Value, long? Seconds)> _counters = [];
    private readonly List<Action> _afterCommit = [];
    private (NpgsqlBatchCommand Command, Action<NpgsqlDataReader> Read)? _first;
    private PlatformFetchedJob? _acknowledge;
    private PlatformFetchedJob? _acknowledgeDelete;
    private int _stateChanges;

    public override void ExpireJob(string jobId, TimeSpan expireIn) => _expiry[Id(jobId)] = (1, expireIn);

    public override void PersistJob(string jobId) => _expiry[Id(jobId)] = (2, TimeSpan.Zero);

    public override void SetJobState(string jobId, IState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var id = Id(jobId);
        var (name, reason, data, createdAt) = (state.Name, state.Reason, SerializationHelper.Serialize(state.SerializeData()), DateTime.UtcNow);
        _stateChanges++;
        _commands.Add(fuse =>
        {
            // The expiry the state machine set in this transaction, whichever it called first, goes with the state.
            var (mode, expireIn) = _expiry.Remove(id, out var e) ? e : (0, TimeSpan.Zero);
            var counters = fuse && _counters.Count > 0;
            var acknowledge = fuse ? _acknowledgeDelete : null;
            var sql = (counters, acknowledge is not null) switch
            {
                (false, false) => SetStateSql,
                (true, false) => SetStateCountSql,
                (false, true) => SetStateAcknowledgeSql,
                (true, true) => SetStateCountAcknowledgeSql,
            };
            var command = StateCommand(sql, id, name, reason, data, createdAt);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = mode });
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = expireIn });
            if (counters)
            {
                AddCounterParameters(command.Parameters);
                _counters.Clear();
            }
            if (acknowledge is { } job)
            {
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = job.Id });
                command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = job.FetchedAt!.Value });
                _acknowledgeDelete = null;
            }
            return command;
        });
    }

    public override void AddJobState(string jobId, IState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var command = StateCommand(AddStateSql, Id(jobId), state.Name, state.Reason, SerializationHelper.Serialize(state.SerializeData()), DateTime.UtcNow);
        _commands.Add(_ => command);
    }

    public override void AddToQueue(string queue, string jobId)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var wakeUp = connection.Storage.WakeUp;
        NpgsqlBatchCommand command;
        if (wakeUp.Notifies && Queues.All.Contains(queue, StringComparer.Ordinal))
        {
            command = Command(EnqueueAndNotifySql, Id(jobId), queue, QueueWakeUp.Channel, $"{wakeUp.SenderId}:{queue}:{jobId}");
        }
        else
        {
            command = Command(EnqueueSql, Id(jobId), queue);
        }
        _commands.Add(_ => command);
        _afterCommit.Add(() => wakeUp.WakeOneLocal(queue));
    }

    public override void IncrementCounter(string key) => _counters.Add((key, 1, null));

    public override void IncrementCounter(string key, TimeSpan expireIn) => _counters.Add((key, 1, (long)expireIn.TotalSeconds));

    public override void DecrementCounter(string key) => _counters.Add((key, -1, null));

    public override void DecrementCounter(string key, TimeSpan expireIn) => _counters.Add((key, -1, (long)expireIn.TotalSeconds));

    public override void AddToSet(string key, string value) => AddToSet(key, value, 0.0);

    public override void AddToSet(string key, string value, double score) => Add(Command(AddToSetSql, key, value, score));

    public override void RemoveFromSet(string key, string value) => Add(Command(RemoveFromSetSql, key, value));

    public override void AddRangeToSet(string key, IList<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Add(Command(AddRangeToSetSql, key, items.ToArray()));
    }

    public override void RemoveSet(string key) => Add(Command(RemoveSetSql, key));

    public override void InsertToList(string key, string value) => Add(Command(InsertToListSql, key, value));

    public override void RemoveFromList(string key, string value) => Add(Command(RemoveFromListSql, key, value));

    public override void TrimList(string key, int keepStartingFrom, int keepEndingAt) =>
        Add(Command(TrimListSql, key, keepStartingFrom, keepEndingAt - keepStartingFrom + 1));

    public override void SetRangeInHash(string key, IEnumerable<KeyValuePair<string, string>> keyValuePairs)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(keyValuePairs);
        foreach (var (field, value) in keyValuePairs)
        {
            Add(Command(SetHashFieldSql, key, field, value));
        }
    }

    public override void RemoveHash(string key) => Add(Command(RemoveHashSql, key));

    public override void ExpireSet(string key, TimeSpan expireIn) => Add(Command(ExpireSetSql, key, DateTime.UtcNow.Add(expireIn)));

    public override void ExpireList(string key, TimeSpan expireIn) => Add(Command(ExpireListSql, key, DateTime.UtcNow.Add(expireIn)));

    public override void ExpireHash(string key, TimeSpan expireIn) => Add(Command(ExpireHashSql, key, DateTime.UtcNow.Add(expireIn)));

    public override void PersistSet(string key) => Add(Command(PersistSetSql, key));

    public override void PersistList(string key) => Add(Command(PersistListSql, key));

    public override void PersistHash(string key) => Add(Command(PersistHashSql, key));

    /// <summary>
    /// A statement of the platform's own that commits with this transaction: sent first, its rows read by
    /// <paramref name="read"/>, <paramref name="afterCommit"/> run once the transaction committed (one such statement).
    /// </summary>
    internal void AddFirst(NpgsqlBatchCommand command, Action<NpgsqlDataReader> read, Action afterCommit)
    {
        if (_first is not null)
        {
            throw new InvalidOperationException("A write transaction takes one statement of the platform's own.");
        }
        _first = (command, read);
        _afterCommit.Add(afterCommit);
    }

    /// <summary>Transactional acknowledge: the queue entry goes in the same commit as the job's final state.</summary>
    public override void RemoveFromQueue(IFetchedJob fetchedJob)
    {
        if (fetchedJob is not PlatformFetchedJob job)
        {
            throw new NotSupportedException($"The platform storage removes only its own fetched jobs in a transaction, not {fetchedJob?.GetType().Name}.");
        }
        _acknowledge = job;
    }

    public override void Commit()
    {
        if (_acknowledge is not { } job)
        {
            connection.Write(Build(), _afterCommit, _first?.Read);
            return;
        }
        // The keep-alive must not move the token between reading it here and this commit.
        lock (job.Sync)
        {
            if (job.Removable)
            {
                _acknowledgeDelete = job;
                _afterCommit.Add(job.MarkRemoved);
            }
            connection.Write(Build(), _afterCommit, _first?.Read);
        }
    }

    private List<NpgsqlBatchCommand> Build()
    {
        var fuse = _stateChanges == 1;
        var commands = new List<NpgsqlBatchCommand>(_commands.Count + 4);
        if (_first is { } first)
        {
            commands.Add(first.Command);
        }
        foreach (var build in _commands)
        {
            if (build(fuse) is { } command)
            {
                commands.Add(command);
            }
        }
        foreach (var (id, (mode, expireIn)) in _expiry)
        {
            commands.Add(Command(ExpireJobSql, id, mode, expireIn));
        }
        if (_counters.Count > 0)
        {
            var counters = new NpgsqlBatchCommand(CountersSql);
            AddCounterParameters(counters.Parameters);
            commands.Add(counters);
        }
        if (_acknowledgeDelete is { } unfused)
        {
            commands.Add(unfused.DeleteCommand());
        }
        return commands;
    }

    private void Add(NpgsqlBatchCommand command) => _commands.Add(_ => command);

    private void AddCounterParameters(NpgsqlParameterCollection parameters)
    {
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _counters.Select(c => c.Key).ToArray() });
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = _counters.Select(c => c.Value).ToArray() });
        parameters.Add(new NpgsqlParameter<long?[]> { TypedValue = _counters.Select(c => c.Seconds).ToArray() });
    }

    /// <summary>The hot path's writes against rows that do not exist (see <see cref="PlatformConnection.WarmUp"/>).</summary>
    internal static IEnumerable<NpgsqlBatchCommand> WarmUpCommands()
    {
        var update = new NpgsqlBatchCommand(ExpireJobSql);
        update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = -1 });
        update.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1 });
        update.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = TimeSpan.FromDays(1) });
        yield return update;
        var counters = new NpgsqlBatchCommand(CountersSql);
        counters.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [] });
        counters.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [] });
        counters.Parameters.Add(new NpgsqlParameter<long?[]> { TypedValue = [] });
        yield return counters;
        var delete = new NpgsqlBatchCommand("delete from hangfire.jobqueue where id = $1 and fetchedat = $2");
        delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = -1 });
        delete.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.UtcNow });
        yield return delete;
    }

    private static long Id(string jobId) => long.Parse(jobId, CultureInfo.InvariantCulture);

    private static NpgsqlBatchCommand StateCommand(string sql, long id, string name, string? reason, string data, DateTime createdAt)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = createdAt });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = data });
        return command;
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                string[] texts => new NpgsqlParameter { Value = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                _ => new NpgsqlParameter { Value = value },
            });
        }
        return command;
    }
}
