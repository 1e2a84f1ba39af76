using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Nexus.Jobs.Client;

/// <summary>Checks a callback's <c>X-Nexus-Signature-256</c>: <c>sha256=</c> and the hex HMAC-SHA256 of the raw request body,
/// keyed with the UTF-8 bytes of the workspace's secret (<see cref="CallbacksApi.RotateSecretAsync"/>). Pure.</summary>
/// <remarks>
/// Check the bytes as received, before parsing them (re-serialised JSON is other bytes). The signed body carries
/// <c>delivery_id</c> and <c>occurred_at</c>, and a retry sends the same bytes: dedupe on <c>delivery_id</c>, so that a
/// replayed body can only repeat a delivery already handled.
/// </remarks>
public static class CallbackSignature
{
    /// <summary>What the header's value starts with.</summary>
    public const string Prefix = "sha256=";

    private const int MacBytes = 32;

    /// <summary>The header value the platform sends for <paramref name="rawBody"/>: <c>sha256=</c> and 64 lower-case hex digits.</summary>
    public static string Compute(string secret, ReadOnlySpan<byte> rawBody)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        Span<byte> mac = stackalloc byte[MacBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), rawBody, mac);
        return Prefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>Whether <paramref name="signatureHeader"/> is the signature of <paramref name="rawBody"/> under <paramref name="secret"/>,
    /// compared in constant time. A missing or malformed header is not valid.</summary>
    /// <param name="secret">The workspace's callback secret, as <see cref="CallbacksApi.RotateSecretAsync"/> answered it.</param>
    /// <param name="rawBody">The request body exactly as received.</param>
    /// <param name="signatureHeader">The <c>X-Nexus-Signature-256</c> header's value (<see cref="CallbackHeaders.Signature"/>); null when absent.</param>
    /// <exception cref="ArgumentException">The secret is null or empty: a receiver without its secret cannot check anything.</exception>
    public static bool IsValid(string secret, ReadOnlySpan<byte> rawBody, string? signatureHeader)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (signatureHeader is null)
        {
            return false;
        }
        var header = signatureHeader.AsSpan().Trim();
        if (!header.StartsWith(Prefix, StringComparison.Ordinal) || header.Length != Prefix.Length + 2 * MacBytes)
        {
            return false;
        }
        Span<byte> given = stackalloc byte[MacBytes];
        if (Convert.FromHexString(header[Prefix.Length..], given, out _, out var written) != OperationStatus.Done || written != MacBytes)
        {
            return false;
        }
        Span<byte> expected = stackalloc byte[MacBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), rawBody, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
