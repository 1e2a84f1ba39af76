using Nexus.Jobs.Api;
using Nexus.Jobs.Api.Cli;

if (Cli.IsCommand(args))
{
    return await Cli.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
await using var database = await builder.AddNexusJobsAsync();
var app = builder.Build();
app.MapNexusJobs();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
