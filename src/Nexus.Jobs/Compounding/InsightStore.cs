using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Transactions;
using Dapper;
using Nexus.Jobs.Language;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.Compounding;

/// <summary>One insight to ingest, already validated.</summary>
public sealed record NewInsight(string Content, string Type, IReadOnlyList<InsightEntity> Entities, double Confidence);

/// <summary>What ingesting one insight did: a new row, or a reinforcement of the row that states the same fact.</summary>
public sealed record IngestedInsight(Guid Id, bool Created);

/// <summary>An insight as the API shows it.</summary>
public sealed record InsightView(
    Guid Id, long WorkspaceId, string Content, string Type, string Entities, double Confidence, int ReinforcementCount,
    DateTime CreatedAt, DateTime LastReinforcedAt, string Status, Guid? MergedInto);

/// <summary>Filters of the insight list.</summary>
public sealed record InsightQuery(DateTime? From, DateTime? To, int Limit, (DateTime CreatedAt, Guid Id)? After);

/// <summary>Stores insights. The same fact ingested again reinforces the existing insight.</summary>
/// <remarks>
/// "The same fact" here is exact after normalisation (case, punctuation, stop words, word order) with the same
/// entities: a fingerprint. Near-duplicates (paraphrases, typos) are the consolidation pipeline's job.
/// </remarks>
public sealed class InsightStore(NpgsqlDataSource dataSource)
{
    private const string LockSql = "select pg_advisory_xact_lock(hashtext(@Key))";

    private const string FindSql = """
        select id as Id, fingerprint as Fingerprint, status as Status, merged_into as MergedInto
        from nexus.insights where workspace_id = @WorkspaceId and fingerprint = any(@Fingerprints)
        """;

    // Reinforcement: the count goes up, confidences combine as independent evidence, the decay clock restarts,
    // and a stale insight is active again.
    private const string ReinforceSql = """
        update nexus.insights
        set reinforcement_count = reinforcement_count + 1,
            confidence = least(1, 1 - (1 - confidence) * (1 - @Confidence)),
            base_confidence = least(1, 1 - (1 - confidence) * (1 - @Confidence)),
            last_reinforced_at = @Now,
            status = 'active'
        where id = @Id
        """;

    private const string InsertSql = """
        insert into nexus.insights (id, workspace_id, content, type, entities, confidence, base_confidence,
                                    reinforcement_count, created_at, last_reinforced_at, status, fingerprint)
        values (@Id, @WorkspaceId, @Content, @Type, @Entities::jsonb, @Confidence, @Confidence, 1, @Now, @Now, 'active', @Fingerprint)
        """;

    private const string Select = """
        select id as Id, workspace_id as WorkspaceId, content as Content, type as Type, entities::text as Entities,
               confidence as Confidence, reinforcement_count as ReinforcementCount, created_at as CreatedAt,
               last_reinforced_at as LastReinforcedAt, status as Status, merged_into as MergedInto
        from nexus.insights
        """;

    /// <summary>Ingests a batch in one transaction, in order (a fact repeated within the batch reinforces too).</summary>
    public async Task<IReadOnlyList<IngestedInsight>> IngestAsync(long workspaceId, IReadOnlyList<NewInsight> insights, CancellationToken ct)
    {
        var now = Clock.UtcNowMicros();
        var fingerprints = insights.Select(Fingerprint).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // One ingest per workspace at a time, so two requests with the same fact cannot both insert it.
        await connection.ExecuteAsync(new CommandDefinition(LockSql, new { Key = $"nexus.insights:{workspaceId}" }, tx, cancellationToken: ct));
        var existing = (await connection.QueryAsync<Existing>(new CommandDefinition(FindSql,
                new { WorkspaceId = workspaceId, Fingerprints = fingerprints.Distinct(new BytesComparer()).ToArray() }, tx, cancellationToken: ct)))
            .GroupBy(e => Convert.ToHexString(e.Fingerprint))
            // Prefer the live row; a merged row stands for its canonical insight.
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.Status == InsightStatus.Merged ? 1 : 0).First().Target);

        var results = new List<IngestedInsight>(insights.Count);
        for (var i = 0; i < insights.Count; i++)
        {
            var insight = insights[i];
            var key = Convert.ToHexString(fingerprints[i]);
            if (existing.TryGetValue(key, out var target))
            {
                await connection.ExecuteAsync(new CommandDefinition(ReinforceSql, new { Id = target, insight.Confidence, Now = now }, tx, cancellationToken: ct));
                results.Add(new IngestedInsight(target, Created: false));
                continue;
            }
            var id = Guid.CreateVersion7(now);
            await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
            {
                Id = id, WorkspaceId = workspaceId, insight.Content, insight.Type,
                Entities = JsonSerializer.Serialize(insight.Entities.Select(e => new { id = e.Id, name = e.Name, type = e.Type })),
                insight.Confidence, Now = now, Fingerprint = fingerprints[i],
            }, tx, cancellationToken: ct));
            existing[key] = id;
            results.Add(new IngestedInsight(id, Created: true));
        }
        await tx.CommitAsync(ct);
        return results;
    }

    /// <summary>A page of insights, newest first, and whether more follow.</summary>
    public async Task<(IReadOnlyList<InsightView> Insights, bool More)> ListAsync(long workspaceId, InsightQuery query, CancellationToken ct)
    {
        var sql = new StringBuilder(Select).Append(" where workspace_id = @WorkspaceId");
        if (query.From is not null)
        {
            sql.Append(" and created_at >= @From");
        }
        if (query.To is not null)
        {
            sql.Append(" and created_at < @To");
        }
        if (query.After is not null)
        {
            sql.Append(" and (created_at, id) < (@AfterCreatedAt, @AfterId)");
        }
        sql.Append(" order by created_at desc, id desc limit @Take");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<InsightView>(new CommandDefinition(sql.ToString(), new
        {
            WorkspaceId = workspaceId, query.From, query.To,
            AfterCreatedAt = query.After?.CreatedAt, AfterId = query.After?.Id, Take = query.Limit + 1,
        }, cancellationToken: ct))).AsList();
        var more = rows.Count > query.Limit;
        return (more ? rows.GetRange(0, query.Limit) : rows, more);
    }

    /// <summary>sha256 over the normalised content, the type and the sorted entity ids.</summary>
    public static byte[] Fingerprint(NewInsight insight)
    {
        var text = TextNormalizer.Normalize(insight.Content);
        var entities = string.Join('\u001f', insight.Entities.Select(e => e.Id).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        return SHA256.HashData(Encoding.UTF8.GetBytes($"{text}\u001e{insight.Type.ToLowerInvariant()}\u001e{entities}"));
    }

    private sealed record Existing(Guid Id, byte[] Fingerprint, string Status, Guid? MergedInto)
    {
        public Guid Target => Status == InsightStatus.Merged && MergedInto is { } canonical ? canonical : Id;
    }

    private sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => BitConverter.ToInt32(obj, 0);
    }
}
