using System.Security.Cryptography;
using System.Text;
using Dapper;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.Auth;

/// <summary>A key as an operator sees it: never the secret.</summary>
public sealed record ApiKeyInfo(string Id, long WorkspaceId, IReadOnlyList<string> Scopes, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>An authenticated caller.</summary>
public sealed record ApiPrincipal(string KeyId, long WorkspaceId, IReadOnlyList<string> Scopes);

/// <summary>Issues, lists, revokes and checks API keys. Only a hash of each secret is stored.</summary>
/// <remarks>
/// Format: <c>nxj_</c> + the key id's ULID + <c>_</c> + 43 characters of base64url (32 random bytes).
/// The id half finds the row; the secret half is compared by hash in constant time.
/// </remarks>
public sealed class ApiKeys(NpgsqlDataSource dataSource)
{
    public const string Prefix = "nxj_";
    private const int SecretBytes = 32;
    private const int SecretChars = 43; // base64url of 32 bytes, unpadded

    private const string InsertSql = """
        insert into nexus.api_keys (id, workspace_id, secret_hash, scopes)
        values (@Id, @WorkspaceId, @Hash, @Scopes)
        """;

    private const string FindSql = """
        select workspace_id as WorkspaceId, secret_hash as Hash, scopes as Scopes, revoked_at as RevokedAt
        from nexus.api_keys where id = @Id
        """;

    private const string ListSql = """
        select id as Id, workspace_id as WorkspaceId, scopes as Scopes, created_at as CreatedAt, revoked_at as RevokedAt
        from nexus.api_keys where workspace_id = @WorkspaceId order by created_at, id
        """;

    private const string RevokeSql = """
        update nexus.api_keys set revoked_at = coalesce(revoked_at, now()) where id = @Id
        """;

    /// <summary>Creates a key and returns it with its plaintext, which is never stored.</summary>
    public async Task<(ApiKeyInfo Info, string Plaintext)> CreateAsync(long workspaceId, IReadOnlyList<string> scopes, CancellationToken ct = default)
    {
        var unknown = scopes.Where(s => !Auth.Scopes.IsKnown(s)).ToList();
        if (unknown.Count > 0 || scopes.Count == 0)
        {
            throw new ArgumentException($"Unknown scopes: {string.Join(", ", unknown)}. Known: {string.Join(", ", Auth.Scopes.All)}", nameof(scopes));
        }
        if (workspaceId <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(workspaceId), "Workspace ids are positive integers.");
        }
        var id = PublicIds.NewKeyId();
        var secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        var plaintext = Prefix + id[PublicIds.KeyPrefix.Length..] + "_" + secret;
        var distinctScopes = scopes.Distinct(StringComparer.Ordinal).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(InsertSql,
            new { Id = id, WorkspaceId = workspaceId, Hash = Hash(secret), Scopes = distinctScopes }, cancellationToken: ct));
        return (new ApiKeyInfo(id, workspaceId, distinctScopes, DateTime.UtcNow, null), plaintext);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(long workspaceId, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<KeyRow>(new CommandDefinition(ListSql, new { WorkspaceId = workspaceId }, cancellationToken: ct));
        return rows.Select(r => new ApiKeyInfo(r.Id, r.WorkspaceId, r.Scopes, r.CreatedAt, r.RevokedAt)).ToList();
    }

    /// <returns>False when no key has that id.</returns>
    public async Task<bool> RevokeAsync(string keyId, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(RevokeSql, new { Id = keyId }, cancellationToken: ct)) == 1;
    }

    /// <summary>The principal for a presented key, or null when it is malformed, unknown or revoked.</summary>
    public async Task<ApiPrincipal?> AuthenticateAsync(string presented, CancellationToken ct = default)
    {
        if (!TryParse(presented, out var keyId, out var secret))
        {
            return null;
        }
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<SecretRow>(new CommandDefinition(FindSql, new { Id = keyId }, cancellationToken: ct));
        // Hash and compare even when there is no row, so timing does not tell whether an id exists.
        var expected = row?.Hash ?? new byte[32];
        var matches = CryptographicOperations.FixedTimeEquals(Hash(secret), expected);
        if (row is null || !matches || row.RevokedAt is not null)
        {
            return null;
        }
        return new ApiPrincipal(keyId, row.WorkspaceId, row.Scopes);
    }

    /// <summary>Splits a presented key into its id and secret; false when it is not of our format.</summary>
    public static bool TryParse(string presented, out string keyId, out string secret)
    {
        keyId = secret = "";
        const int ulidLength = 26;
        if (presented.Length != Prefix.Length + ulidLength + 1 + SecretChars
            || !presented.StartsWith(Prefix, StringComparison.Ordinal)
            || presented[Prefix.Length + ulidLength] != '_')
        {
            return false;
        }
        keyId = PublicIds.KeyPrefix + presented.Substring(Prefix.Length, ulidLength);
        secret = presented[(Prefix.Length + ulidLength + 1)..];
        return PublicIds.IsKeyId(keyId) && secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // Classes rather than positional records: Npgsql reports text[] as System.Array, which Dapper's
    // constructor matching refuses, while property assignment converts it.
    private sealed class SecretRow
    {
        public long WorkspaceId { get; init; }
        public byte[] Hash { get; init; } = [];
        public string[] Scopes { get; init; } = [];
        public DateTime? RevokedAt { get; init; }
    }

    private sealed class KeyRow
    {
        public string Id { get; init; } = "";
        public long WorkspaceId { get; init; }
        public string[] Scopes { get; init; } = [];
        public DateTime CreatedAt { get; init; }
        public DateTime? RevokedAt { get; init; }
    }
}
