using System.Net;
using System.Net.Sockets;

namespace Nexus.Jobs.Testing;

/// <summary>What every test that starts the service (or its CLI) as a child process needs; linked into each test project.</summary>
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
}
