using Nexus.Jobs.Auth;

namespace Nexus.Jobs.Tests;

public class ApiKeyFormatTests
{
    private const string Ulid26 = "01JABCDEFGHJKMNPQRSTVWXYZ0";
    private const string Secret43 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN-_9";

    private static string Key(string ulid = Ulid26, string secret = Secret43, string prefix = "nxj_", string separator = "_") =>
        prefix + ulid + separator + secret;

    [Fact]
    public void TestData_HasTheDocumentedLengths()
    {
        Ulid26.Length.ShouldBe(26);
        Secret43.Length.ShouldBe(43);
        Key().Length.ShouldBe(4 + 26 + 1 + 43);
    }

    [Fact]
    public void TryParse_ReturnsKeyIdAndSecret_WhenKeyIsWellFormed()
    {
        ApiKeys.TryParse(Key(), out var keyId, out var secret).ShouldBeTrue();
        keyId.ShouldBe("key_" + Ulid26);
        secret.ShouldBe(Secret43);
    }

    [Fact]
    public void TryParse_AcceptsKeyBuiltFromFreshIdAndRandomSecret()
    {
        var ulid = Ulid.NewUlid().ToString();
        var secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        ApiKeys.TryParse(Key(ulid, secret), out var keyId, out var parsedSecret).ShouldBeTrue();
        keyId.ShouldBe("key_" + ulid);
        parsedSecret.ShouldBe(secret);
    }

    [Fact]
    public void TryParse_AcceptsSecretOfOnlySeparatorCharacters()
    {
        // '_' and '-' are base64url characters, so the secret part may contain them anywhere.
        ApiKeys.TryParse(Key(secret: new string('_', 43)), out _, out var secret).ShouldBeTrue();
        secret.ShouldBe(new string('_', 43));
    }

    [Theory]
    [InlineData("nxk_")]
    [InlineData("NXJ_")]
    [InlineData("nxj-")]
    [InlineData("key_")]
    public void TryParse_ReturnsFalse_WhenPrefixIsWrong(string prefix)
    {
        ApiKeys.TryParse(Key(prefix: prefix), out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryParse_ReturnsFalse_WhenPrefixIsMissing()
    {
        ApiKeys.TryParse(Key(prefix: ""), out _, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData(42)]
    [InlineData(44)]
    [InlineData(0)]
    public void TryParse_ReturnsFalse_WhenSecretLengthIsWrong(int length)
    {
        ApiKeys.TryParse(Key(secret: new string('a', length)), out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryParse_ReturnsFalse_WhenUlidIsTooShort()
    {
        // Total length kept right by lengthening the secret: the separator is then in the wrong place.
        ApiKeys.TryParse(Key(ulid: Ulid26[..25], secret: Secret43 + "a"), out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryParse_ReturnsFalse_WhenUlidIsTooLong()
    {
        ApiKeys.TryParse(Key(ulid: Ulid26 + "0", secret: Secret43[..42]), out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryParse_ReturnsFalse_WhenUlidIsLowerCase()
    {
        ApiKeys.TryParse(Key(ulid: Ulid26.ToLowerInvariant()), out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryParse_ReturnsFalse_WhenSeparatorIsMissing()
    {
        ApiKeys.TryParse(Key(separator: ""), out _, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("a")]
    public void TryParse_ReturnsFalse_WhenSeparatorIsAnotherCharacter(string separator)
    {
        ApiKeys.TryParse(Key(separator: separator), out _, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData('+')]
    [InlineData('/')]
    [InlineData('=')]
    [InlineData(' ')]
    [InlineData('.')]
    [InlineData('\u00e9')]
    public void TryParse_ReturnsFalse_WhenSecretHasNonBase64UrlCharacter(char bad)
    {
        ApiKeys.TryParse(Key(secret: Secret43[..42] + bad), out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryParse_ReturnsFalse_WhenSecretIsPadded()
    {
        ApiKeys.TryParse(Key(secret: Secret43[..42] + "="), out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryParse_ReturnsFalse_WhenKeyIsEmpty()
    {
        ApiKeys.TryParse("", out var keyId, out var secret).ShouldBeFalse();
        keyId.ShouldBeEmpty();
        secret.ShouldBeEmpty();
    }

    [Fact]
    public void TryParse_ReturnsFalse_WhenKeyHasSurroundingWhitespace()
    {
        ApiKeys.TryParse(" " + Key(), out _, out _).ShouldBeFalse();
        ApiKeys.TryParse(Key() + "\n", out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryParse_ReturnsFalse_WhenUlidHasCharacterOutsideCrockfordBase32()
    {
        ApiKeys.TryParse(Key(ulid: "01JABCDEFGHJKMNPQRSTVWXY-U"), out _, out _).ShouldBeFalse();
    }
}
