using System.Net;
using System.Net.Sockets;

namespace Nexus.Jobs.Callbacks;

/// <summary>What a <c>callback_url</c> may be, and which addresses count as public. Pure.</summary>
public static class CallbackUrls
{
    public const int MaxLength = 2048;

    /// <summary>Why <paramref name="value"/> is not an acceptable callback URL, or null when it is.</summary>
    /// <param name="allowPrivateNetworks">When false, URLs naming a non-public address literal or <c>localhost</c> are refused too
    /// (names are checked again at connect time, where DNS has answered).</param>
    public static string? Problem(string value, bool allowPrivateNetworks)
    {
        if (value.Length == 0)
        {
            return "must not be empty";
        }
        if (value.Length > MaxLength)
        {
            return $"must be at most {MaxLength} characters";
        }
        // Uri would quietly escape or trim these; a URL that is not sent as written is refused instead.
        if (value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return "must not contain spaces or control characters";
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host) || !value.StartsWith(uri.Scheme + "://", StringComparison.OrdinalIgnoreCase))
        {
            return "must be an absolute http or https URL";
        }
        if (uri.UserInfo.Length > 0)
        {
            return "must not contain user information (user:password@)";
        }
        if (!allowPrivateNetworks && !IsPublicHost(uri))
        {
            return "must name a public address (this service does not call loopback, private or link-local addresses)";
        }
        return null;
    }

    /// <summary>False for <c>localhost</c> and for non-public address literals; names are resolved later, at connect time.</summary>
    private static bool IsPublicHost(Uri uri)
    {
        if (uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6)
            || !IPAddress.TryParse(uri.DnsSafeHost, out var address) || IsPublic(address);
    }

    /// <summary>Whether an address is routable on the public internet (not loopback, private, link-local, CGNAT, multicast...).</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 or >= 224 // this network, private, loopback, multicast and reserved
                || (b[0] == 100 && b[1] is >= 64 and <= 127) // carrier-grade NAT
                || (b[0] == 169 && b[1] == 254) // link-local, cloud metadata services
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2) // IETF protocol assignments, documentation
                || (b[0] == 198 && b[1] is 18 or 19) // benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal
                || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // documentation
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)); // NAT64 into any IPv4, private ones included
        }
        return false;
    }
}
