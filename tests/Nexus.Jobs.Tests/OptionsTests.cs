using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Tests;

public class OptionsTests
{
    private static readonly AiJobsOptionsValidator Validator = new();

    // ---- WorkerOptions.Storage ----

    [Theory]
    [InlineData("platform", true)]
    [InlineData("hangfire-postgresql", true)]
    [InlineData("Platform", false)]
    [InlineData("hangfire", false)]
    [InlineData("", false)]
    public void WorkerStorage_AcceptsOnlyThePlatformPathOrStockHangfirePostgreSql(string value, bool valid)
    {
        var options = new WorkerOptions { Storage = value };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true).ShouldBe(valid);
        if (!valid)
        {
            results.ShouldContain(r => r.MemberNames.Contains(nameof(WorkerOptions.Storage)));
        }
    }

    [Fact]
    public void WorkerStorage_IsThePlatformPath_ByDefault()
    {
        new WorkerOptions().UsesPlatformStorage.ShouldBeTrue();
    }

    // ---- NexusOptions.ParseRoles ----

    [Theory]
    [InlineData("api", Roles.Api)]
    [InlineData("worker", Roles.Worker)]
    [InlineData("api,worker", Roles.Api | Roles.Worker)]
    [InlineData("worker,api", Roles.Api | Roles.Worker)]
    [InlineData(" API , worker ", Roles.Api | Roles.Worker)]
    [InlineData("Worker", Roles.Worker)]
    [InlineData("api,api", Roles.Api)]
    [InlineData("api,,worker", Roles.Api | Roles.Worker)]
    public void ParseRoles_ReturnsRoles_WhenValueListsKnownRoles(string value, Roles expected)
    {
        NexusOptions.ParseRoles(value).ShouldBe(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(",")]
    [InlineData("foo")]
    [InlineData("api,foo")]
    [InlineData("api;worker")]
    [InlineData(null)]
    public void ParseRoles_ReturnsNull_WhenValueIsEmptyOrHasUnknownRole(string? value)
    {
        NexusOptions.ParseRoles(value).ShouldBeNull();
    }

    [Fact]
    public void ParsedRoles_ReturnsBoth_ByDefault()
    {
        new NexusOptions().ParsedRoles().ShouldBe(Roles.Api | Roles.Worker);
    }

    [Fact]
    public void ParsedRoles_Throws_WhenRolesAreInvalid()
    {
        Should.Throw<InvalidOperationException>(() => new NexusOptions { Roles = "api,foo" }.ParsedRoles())
            .Message.ShouldContain("api,foo");
    }

    // ---- AiJobsOptionsValidator ----

    [Fact]
    public void Validate_Succeeds_WithDefaultOptions()
    {
        var result = Validator.Validate(null, new AiJobsOptions());
        result.Succeeded.ShouldBeTrue(result.FailureMessage);
    }

    [Fact]
    public void Validate_Fails_WhenRetryKeyIsNotAJobType()
    {
        var options = new AiJobsOptions { Retry = { ["not_a_type"] = new RetryPolicy() } };
        var result = Validator.Validate(null, options);
        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("'not_a_type' is not a job type");
    }

    [Fact]
    public void Validate_Succeeds_WhenRetryKeyIsAJobType()
    {
        var options = new AiJobsOptions { Retry = { ["pricing_recalculate"] = new RetryPolicy { Attempts = 5, DelaysSeconds = [1, 2, 3] } } };
        var result = Validator.Validate(null, options);
        result.Succeeded.ShouldBeTrue(result.FailureMessage);
    }

    [Fact]
    public void Validate_Fails_WhenRemoteWorkerKeyIsNotAJobType()
    {
        var options = new AiJobsOptions { RemoteWorkers = { ["nope"] = new RemoteWorkerOptions { Url = "http://127.0.0.1:9/x" } } };
        var result = Validator.Validate(null, options);
        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("'nope'");
    }

    [Theory]
    [InlineData("ftp://x")]
    [InlineData("relative/path")]
    [InlineData("")]
    [InlineData("file:///tmp/worker")]
    public void Validate_Fails_WhenRemoteWorkerUrlIsNotAbsoluteHttp(string url)
    {
        var options = new AiJobsOptions { RemoteWorkers = { ["review_sentiment"] = new RemoteWorkerOptions { Url = url } } };
        var result = Validator.Validate(null, options);
        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("AiJobs:RemoteWorkers:review_sentiment:Url must be an absolute http(s) URL");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(3601)]
    public void Validate_Fails_WhenRemoteWorkerTimeoutIsOutOfRange(int seconds)
    {
        var options = new AiJobsOptions
        {
            RemoteWorkers = { ["review_sentiment"] = new RemoteWorkerOptions { Url = "http://127.0.0.1:9/x", TimeoutSeconds = seconds } },
        };
        var result = Validator.Validate(null, options);
        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("TimeoutSeconds must be 1..3600");
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/x")]
    [InlineData("https://workers.example.com/run")]
    public void Validate_Succeeds_WhenRemoteWorkerConfigIsValid(string url)
    {
        var options = new AiJobsOptions
        {
            RemoteWorkers = { ["review_sentiment"] = new RemoteWorkerOptions { Url = url, TimeoutSeconds = 3600 } },
        };
        var result = Validator.Validate(null, options);
        result.Succeeded.ShouldBeTrue(result.FailureMessage);
    }

    [Theory]
    [InlineData(101)]
    [InlineData(-1)]
    public void Validate_Fails_WhenAttemptsAreOutOfRange(int attempts)
    {
        var options = new AiJobsOptions { Retry = { ["competitor_scan"] = new RetryPolicy { Attempts = attempts } } };
        var result = Validator.Validate(null, options);
        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("AiJobs:Retry:competitor_scan:Attempts must be 0..100");
    }

    [Fact]
    public void Validate_Fails_WhenDefaultRetryAttemptsAreOutOfRange()
    {
        var options = new AiJobsOptions { DefaultRetry = new RetryPolicy { Attempts = 101 } };
        var result = Validator.Validate(null, options);
        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("DefaultRetry:Attempts must be 0..100");
    }

    [Fact]
    public void Validate_Succeeds_WhenAttemptsAreSetAndDelaysAreEmpty()
    {
        // Empty delays mean RetryPolicy.DefaultDelaysSeconds, so retries without configured delays are fine.
        var options = new AiJobsOptions { Retry = { ["competitor_scan"] = new RetryPolicy { Attempts = 2, DelaysSeconds = [] } } };
        var result = Validator.Validate(null, options);
        result.Succeeded.ShouldBeTrue(result.FailureMessage);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(86_401)]
    public void Validate_Fails_WhenADelayIsOutOfRange(int delay)
    {
        var options = new AiJobsOptions { Retry = { ["competitor_scan"] = new RetryPolicy { Attempts = 2, DelaysSeconds = [10, delay] } } };
        var result = Validator.Validate(null, options);
        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("AiJobs:Retry:competitor_scan:DelaysSeconds");
    }

    [Fact]
    public void Validate_Fails_WhenADefaultRetryDelayIsOutOfRange()
    {
        var options = new AiJobsOptions { DefaultRetry = new RetryPolicy { DelaysSeconds = [-5] } };
        var result = Validator.Validate(null, options);
        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("AiJobs:Retry:DefaultRetry:DelaysSeconds");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(86_400)]
    public void Validate_Succeeds_WhenDelayIsAtTheBoundary(int delay)
    {
        var options = new AiJobsOptions { Retry = { ["competitor_scan"] = new RetryPolicy { Attempts = 1, DelaysSeconds = [delay] } } };
        var result = Validator.Validate(null, options);
        result.Succeeded.ShouldBeTrue(result.FailureMessage);
    }

    [Fact]
    public void Validate_Succeeds_WhenNoRetriesAndNoDelays()
    {
        var options = new AiJobsOptions { Retry = { ["competitor_scan"] = new RetryPolicy { Attempts = 0, DelaysSeconds = [] } } };
        var result = Validator.Validate(null, options);
        result.Succeeded.ShouldBeTrue(result.FailureMessage);
    }

    [Fact]
    public void Validate_ReportsEveryFailure()
    {
        var options = new AiJobsOptions
        {
            Retry = { ["not_a_type"] = new RetryPolicy { Attempts = 101 } },
            RemoteWorkers = { ["competitor_scan"] = new RemoteWorkerOptions { Url = "ftp://x", TimeoutSeconds = 0 } },
        };
        var result = Validator.Validate(null, options);
        result.Failures.ShouldNotBeNull();
        result.Failures.Count().ShouldBe(4);
    }

    // ---- AiJobsOptions.RetryFor ----

    [Fact]
    public void RetryFor_ReturnsOverride_WhenTypeHasOne()
    {
        var custom = new RetryPolicy { Attempts = 7, DelaysSeconds = [5] };
        var options = new AiJobsOptions { Retry = { ["pricing_recalculate"] = custom } };
        options.RetryFor("pricing_recalculate").ShouldBeSameAs(custom);
    }

    [Fact]
    public void RetryFor_ReturnsDefault_WhenTypeHasNoOverride()
    {
        var options = new AiJobsOptions { Retry = { ["pricing_recalculate"] = new RetryPolicy { Attempts = 7 } } };
        options.RetryFor("review_sentiment").ShouldBeSameAs(options.DefaultRetry);
    }

    [Fact]
    public void RetryFor_IsCaseSensitive()
    {
        var options = new AiJobsOptions { Retry = { ["pricing_recalculate"] = new RetryPolicy { Attempts = 7 } } };
        options.RetryFor("PRICING_RECALCULATE").ShouldBeSameAs(options.DefaultRetry);
    }

    [Fact]
    public void DefaultRetry_HasTwoAttemptsWithDefaultDelays()
    {
        var policy = new AiJobsOptions().DefaultRetry;
        policy.Attempts.ShouldBe(2);
        policy.DelaysSeconds.ShouldBeEmpty();
        policy.EffectiveDelaysSeconds.ShouldBe([10, 60]);
    }

    [Fact]
    public void EffectiveDelaysSeconds_ReturnsConfiguredDelays_WhenAnyAreSet()
    {
        new RetryPolicy { DelaysSeconds = [3] }.EffectiveDelaysSeconds.ShouldBe([3]);
    }
}
