global using Nexus.Jobs.IntegrationTests.Infrastructure;
global using System.Net;
global using Nexus.Jobs.Testing;
