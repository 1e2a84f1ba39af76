using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Execution;
using Nexus.Jobs.Language;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Tests;

public class JobExecutorsTests
{
    private static readonly JobExecution Job = new("job_1", "review_sentiment", 1, [], 1);

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, true, false)]
    [InlineData(HttpStatusCode.Unauthorized, false, true)] // a wrong key stays wrong: not retried
    public async Task AFailingEmbeddingEndpoint_FailsTheJobWithProviderError(HttpStatusCode status, bool transient, bool permanent)
    {
        var executors = With(new EmbeddingEndpointException("endpoint said no", status, transient));

        var error = await Should.ThrowAsync<JobFailureException>(() => executors.ExecuteAsync(Job, CancellationToken.None));

        error.Code.ShouldBe(JobErrorCodes.ProviderError);
        error.Message.ShouldBe("endpoint said no");
        (error is PermanentJobFailureException).ShouldBe(permanent);
    }

    [Fact]
    public async Task AnEmbeddingEndpointThatDoesNotAnswerInTime_FailsTheJobWithProviderTimeout()
    {
        var executors = With(new EmbeddingEndpointException("no answer", null, isTransient: true, new TaskCanceledException()));

        var error = await Should.ThrowAsync<JobFailureException>(() => executors.ExecuteAsync(Job, CancellationToken.None));

        error.Code.ShouldBe(JobErrorCodes.ProviderTimeout);
        error.ShouldNotBeOfType<PermanentJobFailureException>();
    }

    [Fact]
    public async Task OtherHandlerFailures_PassThroughUnchanged()
    {
        var failure = new JobFailureException("SOMETHING", "as the handler said");

        var error = await Should.ThrowAsync<JobFailureException>(() => With(failure).ExecuteAsync(Job, CancellationToken.None));

        error.ShouldBeSameAs(failure);
    }

    private static JobExecutors With(Exception failure) =>
        new([new Throwing(failure)], new RemoteWorkerExecutor(new HttpClient()), new Fixed(new AiJobsOptions()));

    private sealed class Throwing(Exception failure) : IJobHandler
    {
        public string Type => "review_sentiment";

        public Task<JsonObject> ExecuteAsync(JobExecution job, CancellationToken cancellationToken) => Task.FromException<JsonObject>(failure);
    }

    private sealed class Fixed(AiJobsOptions value) : IOptionsMonitor<AiJobsOptions>
    {
        public AiJobsOptions CurrentValue => value;

        public AiJobsOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<AiJobsOptions, string?> listener) => null;
    }
}
