using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Nexus.Jobs.Api.Dashboard;

/// <summary>One dashboard operator: a name, a password hash (never the password) and whether it may only look.</summary>
public sealed class DashboardOperator
{
    [Required]
    public string Name { get; set; } = "";

    /// <summary>ASP.NET Core Identity v3 hash (PBKDF2); make one with <c>dashboard hash-password</c>.</summary>
    [Required]
    public string PasswordHash { get; set; } = "";

    public bool ReadOnly { get; set; }
}

/// <summary><c>Dashboard</c> section.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>Open to anyone on the loopback interface when the environment is Development.</summary>
    public bool OpenOnLoopbackInDevelopment { get; set; } = true;

    public List<DashboardOperator> Operators { get; set; } = [];
}

/// <summary>Who may see the Hangfire dashboard, and who may only look.</summary>
/// <remarks>
/// Development on loopback: open. Otherwise HTTP Basic with an operator from configuration, password checked against
/// its stored PBKDF2 hash; read-only operators see everything and can delete, requeue or trigger nothing.
/// </remarks>
public sealed class DashboardAccess(IOptionsMonitor<DashboardOptions> options, IHostEnvironment environment) : IDashboardAsyncAuthorizationFilter
{
    private const string ReadOnlyKey = "nexus.dashboard.readonly";
    private static readonly PasswordHasher<string> Hasher = new();

    public Task<bool> AuthorizeAsync(DashboardContext context)
    {
        var http = context.GetHttpContext();
        var settings = options.CurrentValue;
        if (settings.OpenOnLoopbackInDevelopment && environment.IsDevelopment() && IsLoopback(http))
        {
            return Task.FromResult(true);
        }
        if (Operator(http, settings) is { } op)
        {
            http.Items[ReadOnlyKey] = op.ReadOnly;
            return Task.FromResult(true);
        }
        http.Response.Headers.WWWAuthenticate = "Basic realm=\"Nexus Jobs dashboard\", charset=\"UTF-8\"";
        return Task.FromResult(false);
    }

    /// <summary>For <c>DashboardOptions.IsReadOnlyFunc</c>.</summary>
    public static bool IsReadOnly(DashboardContext context) =>
        context.GetHttpContext().Items.TryGetValue(ReadOnlyKey, out var value) && value is true;

    private static DashboardOperator? Operator(HttpContext http, DashboardOptions settings)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return null;
        }
        var (name, password) = (decoded[..colon], decoded[(colon + 1)..]);
        var op = settings.Operators.FirstOrDefault(o => o.Name == name);
        // Verify against a real hash even for unknown names, so timing does not reveal which names exist.
        var hash = op?.PasswordHash ?? UnknownOperatorHash;
        var verdict = Hasher.VerifyHashedPassword(name, hash, password);
        return op is not null && verdict != PasswordVerificationResult.Failed ? op : null;
    }

    private static readonly string UnknownOperatorHash = Hasher.HashPassword("", Guid.NewGuid().ToString());

    private static bool IsLoopback(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip);

    /// <summary>Hashes a password for the <c>Dashboard:Operators</c> configuration.</summary>
    public static string Hash(string password) => Hasher.HashPassword("", password);
}
