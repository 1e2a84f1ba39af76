using System.Collections.Concurrent;
using System.Diagnostics;
using Dapper;
using Hangfire.States;
using Hangfire.Storage;
using Npgsql;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>What <see cref="AiJobRunner"/> needs of a job's record before it runs the job.</summary>
public sealed record JobRecord(long WorkspaceId, string Type, string Params, string? Outcome, string? CallbackUrl, string? RetryCount);

/// <summary>
/// Starts reading an AI job's record the moment a worker of this process has taken the job (Processing applied, the
/// job's state lock held), so the read runs while Hangfire commits Processing and releases the lock rather than after;
/// the runner then takes the finished read instead of making its own round trip.
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

    private readonly ConcurrentDictionary<long, (long StartedAt, string JobId, Task<JobRecord?> Read)> _reads = new();
    private long _taken;

    /// <summary>Test seam: how many runs took a read started here.</summary>
    internal long Taken => Interlocked.Read(ref _taken);

    /// <summary>Test seam: reads started and not yet taken or dropped.</summary>
    internal int Pending => _reads.Count;

    /// <summary>How long a read waits to be taken before it is dropped (a run starts milliseconds after its read).</summary>
    internal TimeSpan AbandonAfter { get; init; } = TimeSpan.FromMinutes(1);

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState.Name != ProcessingState.StateName
            || JobArguments.AiJob(context.BackgroundJob.Job) is not { JobId: var jobId }
            || !long.TryParse(context.BackgroundJob.Id, System.Globalization.CultureInfo.InvariantCulture, out var hangfireId))
        {
            return;
        }
        DropAbandoned();
        _reads[hangfireId] = (Stopwatch.GetTimestamp(), jobId, LoadAsync(jobId, hangfireId, CancellationToken.None));
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }

    /// <summary>The read started when this process took the job, or a fresh one.</summary>
    public Task<JobRecord?> TakeAsync(string jobId, long hangfireId, CancellationToken cancellationToken)
    {
        if (_reads.TryRemove(hangfireId, out var read) && read.JobId == jobId)
        {
            Interlocked.Increment(ref _taken);
            return read.Read;
        }
        return LoadAsync(jobId, hangfireId, cancellationToken);
    }

    private async Task<JobRecord?> LoadAsync(string jobId, long hangfireId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<JobRecord>(new CommandDefinition(LoadSql, new { Id = jobId, HangfireId = hangfireId }, cancellationToken: cancellationToken));
    }

    private void DropAbandoned()
    {
        var now = Stopwatch.GetTimestamp();
        var abandoned = (long)(AbandonAfter.TotalSeconds * Stopwatch.Frequency);
        foreach (var (hangfireId, read) in _reads)
        {
            if (now - read.StartedAt >= abandoned && _reads.TryRemove(hangfireId, out var dropped))
            {
                // Nobody awaits it: observe a failure so it is not reported as unobserved.
                _ = dropped.Read.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }
}
