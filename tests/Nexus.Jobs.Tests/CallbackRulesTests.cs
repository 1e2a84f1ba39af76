using System.Net;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Execution;
using Nexus.Jobs.HangfireSeam;

namespace Nexus.Jobs.Tests;

public class CallbackRulesTests
{
    // ---- CallbackUrls.Problem ----

    [Theory]
    [InlineData("https://hooks.example.com/nexus")]
    [InlineData("http://hooks.example.com:8080/a/b?token=x&y=1")]
    [InlineData("HTTPS://Hooks.Example.com/")]
    [InlineData("https://[2606:4700::1111]/hook")]
    [InlineData("https://8.8.8.8/hook")]
    [InlineData("http://127.0.0.1:5000/hook")] // allowed while private networks are
    public void Problem_IsNull_ForAbsoluteHttpUrls(string url)
    {
        CallbackUrls.Problem(url, allowPrivateNetworks: true).ShouldBeNull();
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("/relative/path", "must be an absolute http or https URL")]
    [InlineData("hooks.example.com/nexus", "must be an absolute http or https URL")]
    [InlineData("ftp://hooks.example.com/x", "must be an absolute http or https URL")]
    [InlineData("file:///etc/passwd", "must be an absolute http or https URL")]
    [InlineData("javascript:alert(1)", "must be an absolute http or https URL")]
    [InlineData("https://", "must be an absolute http or https URL")]
    [InlineData("https:hooks.example.com", "must be an absolute http or https URL")]
    [InlineData("https://user:pw@hooks.example.com/", "must not contain user information (user:password@)")]
    [InlineData("https://user@hooks.example.com/", "must not contain user information (user:password@)")]
    [InlineData("https://hooks.example.com/a b", "must not contain spaces or control characters")]
    [InlineData(" https://hooks.example.com/", "must not contain spaces or control characters")]
    [InlineData("https://hooks.example.com/\n", "must not contain spaces or control characters")]
    public void Problem_NamesWhatIsWrong(string url, string expected)
    {
        CallbackUrls.Problem(url, allowPrivateNetworks: true).ShouldBe(expected);
    }

    [Fact]
    public void Problem_AllowsExactly2048Characters()
    {
        var prefix = "https://hooks.example.com/";
        CallbackUrls.Problem(prefix + new string('a', 2048 - prefix.Length), true).ShouldBeNull();
        CallbackUrls.Problem(prefix + new string('a', 2049 - prefix.Length), true).ShouldBe("must be at most 2048 characters");
    }

    [Theory]
    [InlineData("http://localhost/x")]
    [InlineData("http://LOCALHOST:8080/x")]
    [InlineData("http://api.localhost/x")]
    [InlineData("http://127.0.0.1/x")]
    [InlineData("http://10.1.2.3/x")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/x")]
    [InlineData("http://[fd00::1]/x")]
    [InlineData("http://[::ffff:192.168.1.1]/x")]
    public void Problem_RefusesNonPublicHosts_WhenPrivateNetworksAreOff(string url)
    {
        CallbackUrls.Problem(url, allowPrivateNetworks: false)!.ShouldContain("public address");
        CallbackUrls.Problem(url, allowPrivateNetworks: true).ShouldBeNull();
    }

    [Fact]
    public void Problem_LeavesNamesToTheConnectTimeCheck_WhenPrivateNetworksAreOff()
    {
        CallbackUrls.Problem("https://hooks.example.com/x", allowPrivateNetworks: false).ShouldBeNull();
    }

    // ---- CallbackUrls.IsPublic ----

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("1.1.1.1", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("100.128.0.1", true)]
    [InlineData("2606:4700::1111", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.255.255.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.0.1", false)]
    [InlineData("192.0.2.1", false)]
    [InlineData("198.18.0.1", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fc00::1", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::a00:1", false)]
    public void IsPublic_TellsRoutableAddressesFromPrivateOnes(string address, bool expected)
    {
        CallbackUrls.IsPublic(IPAddress.Parse(address)).ShouldBe(expected);
    }

    // ---- CallbackSecrets.Sign ----

    [Fact]
    public void Sign_IsTheLowerCaseHexHmacSha256OfTheBody_KeyedWithTheSecretsUtf8Bytes()
    {
        // The well-known HMAC-SHA256 vector: key "key", message "The quick brown fox jumps over the lazy dog".
        CallbackSecrets.Sign("key", "The quick brown fox jumps over the lazy dog"u8)
            .ShouldBe("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    }

    [Fact]
    public void Sign_ChangesWithTheSecretAndWithEveryByteOfTheBody()
    {
        var body = """{"delivery_id":"x","event":"ai_job.completed"}"""u8.ToArray();
        var signature = CallbackSecrets.Sign("whsec_a", body);
        CallbackSecrets.Sign("whsec_b", body).ShouldNotBe(signature);
        body[^2] ^= 1;
        CallbackSecrets.Sign("whsec_a", body).ShouldNotBe(signature);
    }

    // ---- CallbackOptions and the retry filter ----

    [Fact]
    public void RetryDelays_HasOneDelayPerRetry_TheLastRepeating()
    {
        new CallbackOptions().RetryDelays().ShouldBe([10, 30, 120, 600, 1800, 3600, 3600, 3600, 3600, 3600, 3600, 3600]);
        new CallbackOptions { Attempts = 3, DelaysSeconds = [5] }.RetryDelays().ShouldBe([5, 5, 5]);
        new CallbackOptions { Attempts = 0 }.RetryDelays().ShouldBe([10], "Hangfire indexes the first delay even with no retries");
    }

    [Fact]
    public void RetryFilter_IsHangfiresAutomaticRetry_WithTheConfiguredBackOff_NotRetryingPermanentFailures()
    {
        var filter = new CallbackRetryFilter(Options.Create(new CallbackOptions { Attempts = 4, DelaysSeconds = [1, 2] }));

        filter.Attribute.Attempts.ShouldBe(4);
        filter.Attribute.DelaysInSeconds.ShouldBe([1, 2, 2, 2]);
        filter.Attribute.ExceptOn.ShouldBe([typeof(PermanentJobFailureException)]);
        filter.Attribute.OnAttemptsExceeded.ShouldBe(Hangfire.AttemptsExceededAction.Fail);
    }

    [Fact]
    public void Validator_RefusesNegativeOrHugeDelays()
    {
        var validator = new CallbackOptionsValidator();
        validator.Validate(null, new CallbackOptions()).Succeeded.ShouldBeTrue();
        validator.Validate(null, new CallbackOptions { DelaysSeconds = [10, -1] }).FailureMessage!.ShouldContain("Nexus:Callbacks:DelaysSeconds");
        validator.Validate(null, new CallbackOptions { DelaysSeconds = [86_401] }).Failed.ShouldBeTrue();
    }
}
