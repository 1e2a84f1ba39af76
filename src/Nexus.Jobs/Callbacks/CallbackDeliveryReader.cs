using Dapper;
using Npgsql;

namespace Nexus.Jobs.Callbacks;

/// <summary>One attempt at a delivery.</summary>
public sealed record CallbackAttemptView(int Attempt, DateTime AttemptedAt, int? ResponseStatus, string? Error, int DurationMs);

/// <summary>A delivery and its attempts, oldest first.</summary>
public sealed record CallbackDeliveryView(Guid DeliveryId, string Event, string Url, string Status, DateTime? NextAttemptAt, IReadOnlyList<CallbackAttemptView> Attempts);

/// <summary>Reads a subject's deliveries with their attempts, in one round trip.</summary>
public sealed class CallbackDeliveryReader(NpgsqlDataSource dataSource)
{
    private const string Sql = """
        select id as DeliveryId, event as Event, url as Url, status as Status, next_attempt_at as NextAttemptAt
        from nexus.callback_deliveries
        where subject_id = @SubjectId and workspace_id = @WorkspaceId
        order by occurred_at, created_at;

        select a.delivery_id as DeliveryId,
               (row_number() over (partition by a.delivery_id order by a.id))::int as Attempt,
               a.attempted_at as AttemptedAt, a.response_status as ResponseStatus, a.error as Error, a.duration_ms as DurationMs
        from nexus.callback_attempts a join nexus.callback_deliveries d on d.id = a.delivery_id
        where d.subject_id = @SubjectId and d.workspace_id = @WorkspaceId
        order by a.delivery_id, a.id;
        """;

    /// <summary>The deliveries of a job, batch or run (its id as text) in the workspace; empty when it has none.</summary>
    public async Task<IReadOnlyList<CallbackDeliveryView>> ForSubjectAsync(long workspaceId, string subjectId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        using var reader = await connection.QueryMultipleAsync(new CommandDefinition(Sql, new { SubjectId = subjectId, WorkspaceId = workspaceId }, cancellationToken: ct));
        var deliveries = (await reader.ReadAsync<DeliveryRow>()).AsList();
        var attempts = (await reader.ReadAsync<AttemptRow>()).ToLookup(a => a.DeliveryId);
        return deliveries.Select(d => new CallbackDeliveryView(d.DeliveryId, d.Event, d.Url, d.Status, d.NextAttemptAt,
            attempts[d.DeliveryId].Select(a => new CallbackAttemptView(a.Attempt, a.AttemptedAt, a.ResponseStatus, a.Error, a.DurationMs)).ToList())).ToList();
    }

    private sealed record DeliveryRow(Guid DeliveryId, string Event, string Url, string Status, DateTime? NextAttemptAt);

    private sealed record AttemptRow(Guid DeliveryId, int Attempt, DateTime AttemptedAt, int? ResponseStatus, string? Error, int DurationMs);
}
