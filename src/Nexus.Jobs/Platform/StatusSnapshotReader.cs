using System.Text;
using Dapper;
using Nexus.Jobs.Compounding;
using Npgsql;

namespace Nexus.Jobs.Platform;

/// <summary>Jobs, batches (with their jobs) and compounding runs, as the read models see them.</summary>
public sealed record StatusSnapshot(IReadOnlyList<JobView> Jobs, IReadOnlyList<BatchView> Batches, IReadOnlyList<RunView> Runs);

/// <summary>Reads many subjects by id in one round trip, whatever their workspace: for watchers that checked tenancy when they began.</summary>
/// <remarks>The same selects as <see cref="JobStatusReader"/> and <see cref="CompoundingReader"/>, so the same status rule.</remarks>
public sealed class StatusSnapshotReader(NpgsqlDataSource dataSource)
{
    private const string BatchesSql = """
        select id as Id, workspace_id as WorkspaceId, sequential as Sequential, created_at as CreatedAt, callback_url as CallbackUrl
        from nexus.ai_batches where id = any(@BatchIds);
        """;

    public async Task<StatusSnapshot> ReadAsync(string[] jobIds, string[] batchIds, Guid[] runIds, CancellationToken ct)
    {
        var sql = new StringBuilder();
        if (jobIds.Length > 0)
        {
            sql.Append(JobStatusReader.Select).AppendLine(" where j.id = any(@JobIds);");
        }
        if (batchIds.Length > 0)
        {
            sql.AppendLine(BatchesSql).Append(JobStatusReader.Select).AppendLine(" where j.batch_id = any(@BatchIds) order by j.batch_id, j.batch_position;");
        }
        if (runIds.Length > 0)
        {
            sql.Append(CompoundingReader.Select).AppendLine(" where r.id = any(@RunIds);");
        }
        if (sql.Length == 0)
        {
            return new StatusSnapshot([], [], []);
        }
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        using var reader = await connection.QueryMultipleAsync(new CommandDefinition(sql.ToString(),
            new { JobIds = jobIds, BatchIds = batchIds, RunIds = runIds }, cancellationToken: ct));
        var jobs = jobIds.Length > 0 ? (await reader.ReadAsync<JobView>()).AsList() : [];
        var batches = new List<BatchView>();
        if (batchIds.Length > 0)
        {
            var rows = (await reader.ReadAsync<JobStatusReader.BatchRow>()).AsList();
            var members = (await reader.ReadAsync<JobView>()).ToLookup(j => j.BatchId);
            batches.AddRange(rows.Select(b => new BatchView(b.Id, b.WorkspaceId, b.Sequential, b.CreatedAt, members[b.Id].ToList(), b.CallbackUrl)));
        }
        var runs = runIds.Length > 0 ? (await reader.ReadAsync<RunView>()).AsList() : [];
        return new StatusSnapshot(jobs, batches, runs);
    }
}
