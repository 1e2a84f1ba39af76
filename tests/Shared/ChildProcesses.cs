using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Nexus.Jobs.Testing;

/// <summary>What everything that starts the service (or its CLI) as a child process needs; linked into the test projects and the benchmarks.</summary>
internal static class ChildProcesses
{
    /// <summary>The dotnet host running these tests (so the child uses the same runtimes), else dotnet on PATH.</summary>
    public static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    /// <summary>A loopback port free right now (the child binds it a moment later).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// How to start the service (<c>dotnet Nexus.Jobs.Api.dll --urls ... --ConnectionStrings:Jobs=... --Key=value</c>) in
    /// Production (no inherited environment, URLs or connection string), its output redirected.
    /// </summary>
    public static ProcessStartInfo Service(string workingDirectory, int port, string connectionString, IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(typeof(Nexus.Jobs.Api.NexusJobsApp).Assembly.Location);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.ArgumentList.Add($"--ConnectionStrings:Jobs={connectionString}");
        start.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }
        foreach (var variable in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ConnectionStrings__Jobs", "Nexus__LocalDatabase__Folder", "ASPNETCORE_URLS" })
        {
            start.Environment.Remove(variable);
        }
        start.Environment["NO_COLOR"] = "1";
        return start;
    }
}
