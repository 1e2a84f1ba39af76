using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Nexus.Jobs.Callbacks;

/// <summary>A workspace's callback signing secret, as shown once to its owner.</summary>
public sealed record CallbackSecret(string Secret, DateTime CreatedAt);

/// <summary>Per-workspace signing secrets: created or rotated on request, read by the sender for every attempt.</summary>
/// <remarks>
/// The secret is stored as is: the platform needs it to sign, so a hash would not do. It is 32 random bytes, shown to the
/// client only in the answer that creates it, and never logged. Rotation replaces it at once; attempts from then on are
/// signed with the new one.
/// </remarks>
public sealed class CallbackSecrets(NpgsqlDataSource dataSource)
{
    public const string Prefix = "whsec_";

    private const string RotateSql = """
        insert into nexus.callback_secrets (workspace_id, secret, created_at) values (@WorkspaceId, @Secret, @CreatedAt)
        on conflict (workspace_id) do update set secret = excluded.secret, created_at = excluded.created_at
        """;

    private const string GetSql = "select secret from nexus.callback_secrets where workspace_id = @WorkspaceId";

    /// <summary>Creates the workspace's secret, or replaces it.</summary>
    public async Task<CallbackSecret> RotateAsync(long workspaceId, CancellationToken ct)
    {
        var secret = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var createdAt = Platform.Clock.UtcNowMicros();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(RotateSql, new { WorkspaceId = workspaceId, Secret = secret, CreatedAt = createdAt }, cancellationToken: ct));
        return new CallbackSecret(secret, createdAt);
    }

    public async Task<bool> ExistsAsync(long workspaceId, CancellationToken ct) => await GetAsync(workspaceId, ct) is not null;

    /// <summary>The current secret, or null when the workspace has none.</summary>
    public async Task<string?> GetAsync(long workspaceId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(GetSql, new { WorkspaceId = workspaceId }, cancellationToken: ct));
    }

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of <paramref name="body"/>, keyed with the UTF-8 bytes of the secret.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
