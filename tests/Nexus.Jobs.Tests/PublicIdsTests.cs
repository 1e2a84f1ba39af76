using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Tests;

public class PublicIdsTests
{
    // 26 characters of canonical (upper-case Crockford base32) ULID.
    private const string ValidUlid = "01JABCDEFGHJKMNPQRSTVWXYZ0";

    private const string JobIdPattern = "^job_[0-9A-HJKMNP-TV-Z]{26}$";
    private const string BatchIdPattern = "^batch_[0-9A-HJKMNP-TV-Z]{26}$";
    private const string KeyIdPattern = "^key_[0-9A-HJKMNP-TV-Z]{26}$";

    [Fact]
    public void NewJobId_MatchesPrefixAndCanonicalUlid()
    {
        for (var i = 0; i < 200; i++)
        {
            PublicIds.NewJobId().ShouldMatch(JobIdPattern);
        }
    }

    [Fact]
    public void NewBatchId_MatchesPrefixAndCanonicalUlid()
    {
        PublicIds.NewBatchId().ShouldMatch(BatchIdPattern);
    }

    [Fact]
    public void NewKeyId_MatchesPrefixAndCanonicalUlid()
    {
        PublicIds.NewKeyId().ShouldMatch(KeyIdPattern);
    }

    [Fact]
    public void NewJobId_ReturnsDistinctIds()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => PublicIds.NewJobId()).ToList();
        ids.Distinct(StringComparer.Ordinal).Count().ShouldBe(ids.Count);
    }

    [Fact]
    public void IsJobId_ReturnsTrue_ForNewJobId()
    {
        PublicIds.IsJobId(PublicIds.NewJobId()).ShouldBeTrue();
    }

    [Fact]
    public void IsBatchId_ReturnsTrue_ForNewBatchId()
    {
        PublicIds.IsBatchId(PublicIds.NewBatchId()).ShouldBeTrue();
    }

    [Fact]
    public void IsKeyId_ReturnsTrue_ForNewKeyId()
    {
        PublicIds.IsKeyId(PublicIds.NewKeyId()).ShouldBeTrue();
    }

    [Theory]
    [InlineData("job_" + ValidUlid)]
    [InlineData("job_00000000000000000000000000")]
    [InlineData("job_7ZZZZZZZZZZZZZZZZZZZZZZZZZ")]
    public void IsJobId_ReturnsTrue_ForCanonicalUlid(string value)
    {
        PublicIds.IsJobId(value).ShouldBeTrue();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("job_")]
    [InlineData(ValidUlid)]
    [InlineData("batch_" + ValidUlid)]
    [InlineData("key_" + ValidUlid)]
    [InlineData("JOB_" + ValidUlid)]
    [InlineData("job-" + ValidUlid)]
    [InlineData(" job_" + ValidUlid)]
    [InlineData("job_01jabcdefghjkmnpqrstvwxyz0")]
    [InlineData("job_01JABCDEFGHJKMNPQRSTVWXYz0")]
    [InlineData("job_01JABCDEFGHJKMNPQRSTVWXYZ")] // 25 characters
    [InlineData("job_01JABCDEFGHJKMNPQRSTVWXYZ00")] // 27 characters
    [InlineData("job_01JABCDEFGHJKMNPQRSTVWXYZ\u00e9")] // non-ASCII
    public void IsJobId_ReturnsFalse_WhenNotAJobId(string? value)
    {
        PublicIds.IsJobId(value).ShouldBeFalse();
    }

    [Fact]
    public void IsBatchId_ReturnsFalse_ForJobId()
    {
        PublicIds.IsBatchId(PublicIds.NewJobId()).ShouldBeFalse();
    }

    [Fact]
    public void IsJobId_ReturnsFalse_ForBatchIdAndKeyId()
    {
        PublicIds.IsJobId(PublicIds.NewBatchId()).ShouldBeFalse();
        PublicIds.IsJobId(PublicIds.NewKeyId()).ShouldBeFalse();
    }

    [Fact]
    public void IsKeyId_ReturnsFalse_ForLowerCaseUlid()
    {
        PublicIds.IsKeyId("key_" + ValidUlid.ToLowerInvariant()).ShouldBeFalse();
    }

    [Theory]
    [InlineData('U')]
    [InlineData('I')]
    [InlineData('L')]
    [InlineData('O')]
    [InlineData('-')]
    [InlineData('_')]
    [InlineData(' ')]
    [InlineData('!')]
    [InlineData('\0')]
    public void IsJobId_ReturnsFalse_WhenUlidHasCharacterOutsideCrockfordBase32(char invalid)
    {
        PublicIds.IsJobId("job_" + ValidUlid[..20] + invalid + ValidUlid[21..]).ShouldBeFalse();
    }

    [Fact]
    public void IsJobId_ReturnsFalse_WhenFirstUlidCharacterOverflows128Bits()
    {
        PublicIds.IsJobId("job_8ZZZZZZZZZZZZZZZZZZZZZZZZZ").ShouldBeFalse();
    }

    [Fact]
    public void Ids_SortByCreationTime_WhenCreatedAtIncreasingMilliseconds()
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        long[] offsetsMs = [0, 1, 2, 255, 256, 257, 1000, 65_535, 65_536, 86_400_000, 31_536_000_000, 315_360_000_000];
        var ids = offsetsMs.Select(ms => PublicIds.JobPrefix + Ulid.NewUlid(start.AddMilliseconds(ms))).ToList();

        for (var i = 1; i < ids.Count; i++)
        {
            string.CompareOrdinal(ids[i - 1], ids[i]).ShouldBeLessThan(0, $"{ids[i - 1]} should sort before {ids[i]}");
        }
        ids.ForEach(id => PublicIds.IsJobId(id).ShouldBeTrue());
    }

    [Fact]
    public void NewJobId_SortsByEmbeddedTimestamp()
    {
        var ids = Enumerable.Range(0, 5000).Select(_ => PublicIds.NewJobId()).ToList();
        ids.Sort(StringComparer.Ordinal);

        var times = ids.Select(id => Ulid.Parse(id[PublicIds.JobPrefix.Length..]).Time).ToList();
        for (var i = 1; i < times.Count; i++)
        {
            times[i].ShouldBeGreaterThanOrEqualTo(times[i - 1]);
        }
    }
}
