using System.Transactions;
using Dapper;
using Nexus.Jobs.HangfireSeam;
using Nexus.Jobs.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Nexus.Jobs.Callbacks;

/// <summary>Subject kinds and event names of callbacks (the <c>event</c> member and <c>X-Nexus-Event</c>).</summary>
public static class CallbackEvents
{
    public const string Job = "ai_job";
    public const string Batch = "ai_job_batch";
    public const string Run = "compounding_run";

    public const string JobCompleted = "ai_job.completed";
    public const string JobFailed = "ai_job.failed";
    public const string JobCancelled = "ai_job.cancelled";
    public const string BatchCompleted = "ai_job_batch.completed";
    public const string RunCompleted = "compounding_run.completed";
    public const string RunFailed = "compounding_run.failed";
}

/// <summary>One row an AI-job outcome write changed: its Hangfire job, its batch, and the delivery it created (if any).</summary>
public sealed record JobOutcomeRow(long HangfireJobId, string? BatchId, Guid? DeliveryId);

/// <summary>An AI-job outcome write in its two forms; both yield <see cref="JobOutcomeRow"/>s.</summary>
/// <param name="Plain">The update alone, for jobs without a callback URL: exactly the statement it was before callbacks.</param>
/// <param name="WithDeliveries">The update and, in the same statement, the outbox insert.</param>
public sealed record JobOutcomeStatement(string Plain, string WithDeliveries)
{
    /// <summary>The form for a job whose <c>callback_url</c> (fixed at dispatch) is <paramref name="callbackUrl"/>.</summary>
    public string For(string? callbackUrl) => callbackUrl is null ? Plain : WithDeliveries;
}

/// <summary>
/// The callback outbox. Every terminal-outcome write of a subject with a callback URL is one statement that also inserts a
/// pending delivery, so the outcome and its delivery commit together; an AI job without a callback URL runs exactly the
/// statement it ran before (the URL is fixed at dispatch and read before the write anyway). Right after that commit <see cref="Enqueue"/> creates the
/// delivery's Hangfire job; should the process die in between, <see cref="Sweep"/> (run by every worker process) does it.
/// </summary>
/// <remarks>
/// A delivery gets exactly one Hangfire job: whoever creates it first holds the delivery row's lock and sets
/// <c>hangfire_job_id</c> in the same transaction as the job's creation; the other skips the row.
/// </remarks>
public sealed class CallbackOutbox(NpgsqlDataSource dataSource, IServiceProvider services, ILogger<CallbackOutbox> logger)
{
    /// <summary>
    /// <paramref name="update"/> (an <c>update nexus.ai_jobs ...</c> without a returning clause) as it is, for jobs without a
    /// callback URL (planning the outbox insert costs a few hundred microseconds a job, measured); and the same plus, in the
    /// same statement, a pending <paramref name="event"/> delivery for every changed row with a callback URL.
    /// </summary>
    public static JobOutcomeStatement JobOutcome(string update, string @event) => new(
        update + "\nreturning hangfire_job_id as HangfireJobId, batch_id as BatchId, null::uuid as DeliveryId",
        JobOutcomeSql(update, @event));

    private static string JobOutcomeSql(string update, string @event) => $"""
        with done as (
            {update}
            returning id, workspace_id, callback_url, completed_at, batch_id, hangfire_job_id
        ),
        queued as (
            insert into nexus.callback_deliveries (id, workspace_id, subject_kind, subject_id, event, url, occurred_at, next_attempt_at)
            select gen_random_uuid(), d.workspace_id, '{CallbackEvents.Job}', d.id, '{@event}', d.callback_url, d.completed_at, now()
            from done d where d.callback_url is not null
            on conflict (subject_id, event) do nothing
            returning id, subject_id
        )
        select d.hangfire_job_id as HangfireJobId, d.batch_id as BatchId, q.id as DeliveryId
        from done d left join queued q on q.subject_id = d.id
        """;

    /// <summary>The same for a compounding run's outcome (<c>update nexus.compounding_runs ...</c>); yields the delivery id, if any.</summary>
    public static string RunOutcomeSql(string update, string @event) => $"""
        with done as (
            {update}
            returning id, workspace_id, callback_url, completed_at
        )
        insert into nexus.callback_deliveries (id, workspace_id, subject_kind, subject_id, event, url, occurred_at, next_attempt_at)
        select gen_random_uuid(), d.workspace_id, '{CallbackEvents.Run}', d.id::text, '{@event}', d.callback_url, d.completed_at, now()
        from done d where d.callback_url is not null
        on conflict (subject_id, event) do nothing
        returning id
        """;

    // A batch with a callback whose jobs have all ended gets its one delivery. Run after the commit of a job outcome, so
    // of two jobs ending at once the one that commits last sees both ended; the unique (subject_id, event) keeps it one.
    private const string BatchDoneSql = """
        with complete as (
            select b.id, b.workspace_id, b.callback_url,
                   (select max(j.completed_at) from nexus.ai_jobs j where j.batch_id = b.id) as occurred_at
            from nexus.ai_batches b
            where b.id = any(@BatchIds) and b.callback_pending
              and not exists (select 1 from nexus.ai_jobs j where j.batch_id = b.id and j.outcome is null)
        ),
        cleared as (
            update nexus.ai_batches b set callback_pending = false from complete c where b.id = c.id
        )
        insert into nexus.callback_deliveries (id, workspace_id, subject_kind, subject_id, event, url, occurred_at, next_attempt_at)
        select gen_random_uuid(), c.workspace_id, 'ai_job_batch', c.id, 'ai_job_batch.completed', c.callback_url, coalesce(c.occurred_at, now()), now()
        from complete c
        on conflict (subject_id, event) do nothing
        returning id
        """;

    private const string ClaimSql = """
        select id as Id, event as Event, subject_id as SubjectId, workspace_id as WorkspaceId
        from nexus.callback_deliveries where id = any(@Ids) and hangfire_job_id is null
        for update skip locked
        """;

    private const string SetJobSql = "update nexus.callback_deliveries set hangfire_job_id = @HangfireJobId where id = @Id";

    private const string StrandedSql = """
        select id from nexus.callback_deliveries
        where hangfire_job_id is null and created_at < now() - make_interval(secs => @AfterSeconds)
        order by created_at limit 500
        """;

    private const string EndedBatchesSql = """
        select b.id from nexus.ai_batches b
        where b.callback_pending and not exists (select 1 from nexus.ai_jobs j where j.batch_id = b.id and j.outcome is null)
          and (select max(j.completed_at) from nexus.ai_jobs j where j.batch_id = b.id) < now() - make_interval(secs => @AfterSeconds)
        limit 500
        """;

    /// <summary>After an AI-job outcome write committed: queue the deliveries it created, and its batch's if that batch just ended.</summary>
    /// <remarks>Never throws: the deliveries are already committed, and <see cref="Sweep"/> queues any this could not.</remarks>
    public void AfterJobOutcomes(IReadOnlyCollection<JobOutcomeRow> rows)
    {
        // Jobs without a callback URL created no delivery: nothing to do, not even the batch check.
        var deliveries = rows.Where(r => r.DeliveryId is not null).Select(r => r.DeliveryId!.Value).ToList();
        if (deliveries.Count == 0)
        {
            return;
        }
        Safely(() =>
        {
            var batches = rows.Where(r => r.DeliveryId is not null && r.BatchId is not null).Select(r => r.BatchId!).Distinct().ToArray();
            if (batches.Length > 0)
            {
                using var connection = dataSource.OpenConnection();
                deliveries.AddRange(connection.Query<Guid>(BatchDoneSql, new { BatchIds = batches }));
            }
            Enqueue(deliveries);
        });
    }

    /// <summary>After a run outcome write committed: queue its delivery. Never throws (see <see cref="AfterJobOutcomes"/>).</summary>
    public void AfterRunOutcome(Guid? deliveryId)
    {
        if (deliveryId is { } id)
        {
            Safely(() => Enqueue([id]));
        }
    }

    /// <summary>Creates the Hangfire delivery job of each delivery that has none yet; returns how many it created.</summary>
    public int Enqueue(IReadOnlyCollection<Guid> deliveryIds)
    {
        if (deliveryIds.Count == 0)
        {
            return 0;
        }
        var jobs = services.GetRequiredService<PlatformJobs>();
        // As in JobDispatcher: Hangfire joins the ambient transaction on the same backend, so the claim, the job and the
        // hangfire_job_id commit together. Connections are closed before every Hangfire call (ADR 0002).
        using var scope = TransactionalJobs.Begin();
        List<Pending> pending;
        using (var connection = dataSource.OpenConnection())
        {
            pending = connection.Query<Pending>(ClaimSql, new { Ids = deliveryIds.ToArray() }).AsList();
        }
        if (pending.Count == 0)
        {
            return 0;
        }
        var created = pending.Select(p => new
        {
            p.Id,
            HangfireJobId = jobs.CreateDelivery(p.Id, p.Event, p.SubjectId, p.WorkspaceId),
        }).ToList();
        using (var connection = dataSource.OpenConnection())
        {
            connection.Execute(SetJobSql, created);
        }
        scope.Complete();
        return created.Count;
    }

    /// <summary>
    /// Queues what a process that died between an outcome commit and <see cref="Enqueue"/> left behind: deliveries older than
    /// <paramref name="after"/> without a Hangfire job, and batches whose jobs all ended more than <paramref name="after"/> ago
    /// without the batch's delivery.
    /// </summary>
    public int Sweep(TimeSpan after)
    {
        List<Guid> ids;
        using (var connection = dataSource.OpenConnection())
        {
            var ended = connection.Query<string>(EndedBatchesSql, new { AfterSeconds = after.TotalSeconds }).ToArray();
            ids = connection.Query<Guid>(StrandedSql, new { AfterSeconds = after.TotalSeconds }).AsList();
            if (ended.Length > 0)
            {
                ids.AddRange(connection.Query<Guid>(BatchDoneSql, new { BatchIds = ended }));
            }
        }
        var queued = Enqueue(ids.Distinct().ToList());
        if (queued > 0)
        {
            logger.LogWarning("Queued {Count} callback deliveries left without a delivery job", queued);
        }
        return queued;
    }

    private void Safely(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            // The outcome and its deliveries are committed; failing the caller (a job, a state change) would not help.
            logger.LogWarning(e, "Could not queue callback deliveries now; the outbox sweeper will");
        }
    }

    private sealed record Pending(Guid Id, string Event, string SubjectId, long WorkspaceId);
}
