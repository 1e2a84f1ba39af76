using System.Security.Cryptography;
using System.Text;

namespace Nexus.Jobs.Example;

/// <summary>Checks a callback's X-Nexus-Signature-256 header against the workspace's secret.</summary>
public static class VerifyCallback
{
    /// <summary>True when <paramref name="signatureHeader"/> is the HMAC-SHA256 of the raw body under the secret.</summary>
    public static bool Verify(string secret, byte[] rawBody, string signatureHeader) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), rawBody))),
            Encoding.ASCII.GetBytes(signatureHeader));
}
