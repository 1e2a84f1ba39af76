using System.Net;
using System.Net.Http.Headers;

namespace Nexus.Jobs.Client.Tests;

public sealed class ProblemParsingTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 12, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ValidationProblem_CarriesCodeTitleDetailTraceAndEveryFieldsMessages()
    {
        const string body = """
            {"type":"https://tools.ietf.org/html/rfc9110#section-15.5.21","title":"Validation failed","status":422,
             "detail":"params.skus: is required","instance":"/api/ai-jobs","code":"VALIDATION_FAILED","trace_id":"0HN1:0001",
             "errors":{"params.skus":["is required"],"jobs[1].type":["'x' is not a job type","another"]}}
            """;

        var e = NexusApiException.FromResponse((HttpStatusCode)422, body, null, Now);

        e.Status.ShouldBe((HttpStatusCode)422);
        e.Code.ShouldBe(NexusErrorCodes.ValidationFailed);
        e.Title.ShouldBe("Validation failed");
        e.Detail.ShouldBe("params.skus: is required");
        e.TraceId.ShouldBe("0HN1:0001");
        e.Errors["params.skus"].ShouldBe(["is required"]);
        e.Errors["jobs[1].type"].ShouldBe(["'x' is not a job type", "another"]);
        e.RetryAfter.ShouldBeNull();
        e.IsTransient.ShouldBeFalse();
        e.Message.ShouldBe("422 VALIDATION_FAILED: params.skus: is required");
    }

    [Fact]
    public void Problem_WithoutErrors_HasAnEmptyErrorMap()
    {
        var e = NexusApiException.FromResponse(HttpStatusCode.NotFound, """{"status":404,"title":"Not found","code":"JOB_NOT_FOUND"}""", null, Now);
        e.Code.ShouldBe(NexusErrorCodes.JobNotFound);
        e.Errors.ShouldBeEmpty();
        e.Detail.ShouldBeNull();
        e.Message.ShouldBe("404 JOB_NOT_FOUND: Not found");
    }

    [Fact]
    public void ErrorsGivenAsAString_AreOneMessage()
    {
        var e = NexusApiException.FromResponse((HttpStatusCode)422, """{"code":"VALIDATION_FAILED","errors":{"limit":"too big","n":5}}""", null, Now);
        e.Errors["limit"].ShouldBe(["too big"]);
        e.Errors["n"].ShouldBe(["5"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("[1,2]")]
    public void NoProblemBody_GivesTheStatusAsCode(string? body)
    {
        var e = NexusApiException.FromResponse(HttpStatusCode.BadGateway, body, null, Now);
        e.Code.ShouldBe("HTTP_502");
        e.Errors.ShouldBeEmpty();
    }

    [Fact]
    public void HtmlFromAProxy_IsKeptAsDetail_Shortened()
    {
        var html = "<html>" + new string('x', 1000) + "</html>";
        var e = NexusApiException.FromResponse(HttpStatusCode.BadGateway, html, null, Now);
        e.Code.ShouldBe("HTTP_502");
        e.Detail!.Length.ShouldBe(500);
    }

    [Fact]
    public void QueueFull_CarriesRetryAfterSeconds_AndIsTransient()
    {
        var e = NexusApiException.FromResponse(HttpStatusCode.TooManyRequests, """{"code":"QUEUE_FULL"}""",
            new RetryConditionHeaderValue(TimeSpan.FromSeconds(30)), Now);
        e.RetryAfter.ShouldBe(TimeSpan.FromSeconds(30));
        e.IsTransient.ShouldBeTrue();
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE", true)]
    [InlineData(HttpStatusCode.TooManyRequests, "RATE_LIMITED", true)]
    [InlineData(HttpStatusCode.Conflict, "IDEMPOTENCY_IN_FLIGHT", true)]
    [InlineData(HttpStatusCode.Conflict, "JOB_NOT_CANCELLABLE", false)]
    [InlineData(HttpStatusCode.Unauthorized, "UNAUTHENTICATED", false)]
    public void IsTransient_OnlyForAnswersThatMayChangeBySendingAgain(HttpStatusCode status, string code, bool transient) =>
        NexusApiException.FromResponse(status, $$"""{"code":"{{code}}"}""", null, Now).IsTransient.ShouldBe(transient);

    [Fact]
    public void RetryAfter_AsADate_IsTheTimeUntilThen_NeverNegative()
    {
        NexusApiException.RetryAfterFrom(new RetryConditionHeaderValue(Now.AddSeconds(90)), Now).ShouldBe(TimeSpan.FromSeconds(90));
        NexusApiException.RetryAfterFrom(new RetryConditionHeaderValue(Now.AddSeconds(-5)), Now).ShouldBe(TimeSpan.Zero);
        NexusApiException.RetryAfterFrom(null, Now).ShouldBeNull();
    }
}
