global using Nexus.Jobs.IntegrationTests.Infrastructure;
global using System.Net;
