using Dapper;
using Hangfire.States;
using Hangfire.Storage;
using Nexus.Jobs.HangfireSeam.HangfireStorage;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>What <see cref="AiJobRunner"/> needs of a job's record before it runs the job.</summary>
public sealed record JobRecord(long WorkspaceId, string Type, string Params, string? Outcome, string? CallbackUrl, string? RetryCount);

/// <summary>
/// Has an AI job's record read the moment a worker of this process has taken the job (Processing applied, the job's state
/// lock held), so the read runs while Hangfire commits Processing and releases the lock rather than after; the runner
/// then takes the finished read instead of making its own round trip. On the platform storage there is no read to start:
/// the storage read the record with the job, in the statement after the fetch took the job's lock.
/// </summary>
/// <remarks>
/// Reading under the state lock sees what a read at the job's first line would: a record's outcome changes only by this
/// run itself or by a state change of the same job (failure, cancellation), and those take the same lock. A read that is
/// never taken (the Processing transaction failed to commit, so the job was not run here) is dropped after a minute.
/// </remarks>
public sealed class JobRecordPrefetch(NpgsqlDataSource dataSource) : IApplyStateFilter
{
    // One round trip: the record and Hangfire's retry counter (a job parameter, JSON text such as "2").
    private const string LoadSql = """
        select workspace_id as WorkspaceId, type as Type, params::text as Params, outcome as Outcome, callback_url as CallbackUrl,
               (select p.value from hangfire.jobparameter p where p.jobid = @HangfireId and p.name = 'RetryCount') as RetryCount
        from nexus.ai_jobs where id = @Id
        """;

    private readonly WorkerHandoff<Task<JobRecord?>> _reads = new();
    private long _taken;
    private long _fromStorage;

    /// <summary>Test seam: how many runs took a read started here.</summary>
    internal long Taken => Interlocked.Read(ref _taken);

    /// <summary>Test seam: how many of those reads the platform storage had made with the job's own read.</summary>
    internal long FromStorage => Interlocked.Read(ref _fromStorage);

    /// <summary>Test seam: reads started and not yet taken or dropped.</summary>
    internal int Pending => _reads.Pending;

    /// <summary>How long a read waits to be taken before it is dropped (a run starts milliseconds after its read).</summary>
    internal TimeSpan AbandonAfter
    {
        get => _reads.AbandonAfter;
        init => _reads.AbandonAfter = value;
    }

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState.Name != ProcessingState.StateName
            || JobArguments.AiJob(context.BackgroundJob.Job) is not { JobId: var jobId }
            || !long.TryParse(context.BackgroundJob.Id, System.Globalization.CultureInfo.InvariantCulture, out var hangfireId))
        {
            return;
        }
        Task<JobRecord?> read;
        if (context.Connection is PlatformConnection platform && platform.FetchedRecord(context.BackgroundJob.Id) is { } record)
        {
            Interlocked.Increment(ref _fromStorage);
            read = Task.FromResult<JobRecord?>(record);
        }
        else
        {
            read = LoadAsync(jobId, hangfireId, CancellationToken.None);
        }
        // Nobody awaits a dropped read: observe a failure so it is not reported as unobserved.
        _reads.Put(hangfireId, jobId, read, static dropped =>
            _ = dropped.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default));
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }

    /// <summary>The read started when this process took the job, or a fresh one.</summary>
    public Task<JobRecord?> TakeAsync(string jobId, long hangfireId, CancellationToken cancellationToken)
    {
        if (_reads.TryTake(hangfireId, jobId, out var read))
        {
            Interlocked.Increment(ref _taken);
            return read;
        }
        return LoadAsync(jobId, hangfireId, cancellationToken);
    }

    private async Task<JobRecord?> LoadAsync(string jobId, long hangfireId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<JobRecord>(new CommandDefinition(LoadSql, new { Id = jobId, HangfireId = hangfireId }, cancellationToken: cancellationToken));
    }
}
