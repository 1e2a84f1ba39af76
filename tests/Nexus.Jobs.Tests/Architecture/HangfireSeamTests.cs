using System.Text;
using System.Text.RegularExpressions;

namespace Nexus.Jobs.Tests.Architecture;

/// <summary>
/// Every use of Hangfire's client, storage and filters sits in one folder, <c>src/Nexus.Jobs/HangfireSeam/</c>; the
/// operator pages in <c>src/Nexus.Jobs.Api/Dashboard/</c> may use <c>Hangfire.Dashboard</c>, on whose page classes they are built.
/// </summary>
public sealed class HangfireSeamTests
{
    private const string Seam = "src/Nexus.Jobs/HangfireSeam/";
    private const string DashboardPages = "src/Nexus.Jobs.Api/Dashboard/";

    [Fact]
    public void NoSourceFileOutsideTheSeam_MentionsAHangfireNamespace()
    {
        var root = RepositoryRoot();
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .ToList();
        var seamFiles = files.Count(f => f.StartsWith(Seam, StringComparison.Ordinal));

        var offenders = files
            .Where(f => !f.StartsWith(Seam, StringComparison.Ordinal))
            .Select(f => (File: f, Mentions: Forbidden(f, HangfireMentions.In(File.ReadAllText(Path.Combine(root, f))))))
            .Where(x => x.Mentions.Count > 0)
            .Select(x => $"{x.File}: {string.Join(", ", x.Mentions)}")
            .ToList();

        seamFiles.ShouldBeGreaterThan(10, "the seam folder holds the storage path, the filters and the entry points; finding fewer means it moved");
        offenders.ShouldBeEmpty("Hangfire is used only in " + Seam + " (move the code there, or call a seam type)");
    }

    [Fact]
    public void Mentions_FindsUsingsQualifiedNamesAndGlobalNames_ButNotCommentsStringsOrOurOwnNames()
    {
        const string source = """"
            using Hangfire;
            using Hangfire.States;
            using static Hangfire.JobCancellationToken;
            using Nexus.Jobs.HangfireSeam;
            // using Hangfire.Server; in a comment
            /* Hangfire.Storage in a block comment */
            /// <summary>Hangfire.PostgreSql's table, in a doc comment.</summary>
            class C
            {
                Hangfire.Common.Job? job;
                global::Hangfire.IBackgroundJobClient? client;
                long HangfireJobId = 0;
                string text = "Hangfire.Dashboard in a string";
                string raw = $"""use Hangfire.Client {1}""";
                string verbatim = @"a ""quoted"" Hangfire.Logging";
                char quote = '"';
                Nexus.Jobs.HangfireSeam.PlatformJobs? jobs;
            }
            """";

        HangfireMentions.In(source).ShouldBe(["Hangfire", "Hangfire.States", "Hangfire.JobCancellationToken", "Hangfire.Common.Job", "Hangfire.IBackgroundJobClient"]);
    }

    [Fact]
    public void TheDashboardPages_MayUseHangfireDashboard_ButNothingElseOfHangfire()
    {
        string[] mentions = ["Hangfire.Dashboard", "Hangfire.Dashboard.Pages", "Hangfire", "Hangfire.DashboardOptions"];

        Forbidden(DashboardPages + "OperatorPage.cs", mentions).ShouldBe(["Hangfire", "Hangfire.DashboardOptions"]);
        Forbidden("src/Nexus.Jobs.Api/Operations/Observability.cs", mentions).ShouldBe(mentions);
    }

    private static List<string> Forbidden(string file, IEnumerable<string> mentions) =>
        mentions.Where(m => !(file.StartsWith(DashboardPages, StringComparison.Ordinal)
                              && (m == "Hangfire.Dashboard" || m.StartsWith("Hangfire.Dashboard.", StringComparison.Ordinal))))
            .Distinct()
            .ToList();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nexus.Jobs.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Nexus.Jobs.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>Finds the Hangfire namespaces a C# file names in its code (not in its comments or strings).</summary>
internal static partial class HangfireMentions
{
    /// <summary>Each mention as written, without <c>global::</c> and spaces: <c>Hangfire</c>, <c>Hangfire.States</c>, <c>Hangfire.Common.Job</c>.</summary>
    public static List<string> In(string source) =>
        Name().Matches(CodeOnly(source)).Select(m => Regex.Replace(m.Groups["name"].Value, @"\s", "")).ToList();

    // 'Hangfire' as a whole name of its own (not the end of Nexus.Jobs.HangfireSeam, not HangfireJobId), with what follows it.
    [GeneratedRegex(@"(?<![\w.])(?:global::\s*)?(?<name>Hangfire(?![\w])(?:\s*\.\s*[A-Za-z_]\w*)*)")]
    private static partial Regex Name();

    /// <summary>The source with comments, string and character literals blanked out (line breaks kept).</summary>
    internal static string CodeOnly(string source)
    {
        var code = new StringBuilder(source.Length);
        var i = 0;
        while (i < source.Length)
        {
            var start = i;
            if (At(source, i, "//"))
            {
                while (i < source.Length && source[i] != '\n')
                {
                    i++;
                }
            }
            else if (At(source, i, "/*"))
            {
                var end = source.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? source.Length : end + 2;
            }
            else if (source[i] is '"' or '$' or '@' && StringAt(source, i) is { } literalEnd)
            {
                i = literalEnd;
            }
            else if (source[i] == '\'')
            {
                i++;
                while (i < source.Length && source[i] != '\'')
                {
                    i += source[i] == '\\' ? 2 : 1;
                }
                i++;
            }
            else
            {
                code.Append(source[i]);
                i++;
                continue;
            }
            i = Math.Min(i, source.Length);
            code.Append(Blank(source.AsSpan(start, i - start)));
        }
        return code.ToString();
    }

    /// <summary>Where the string literal starting at <paramref name="i"/> (with its <c>$</c>/<c>@</c> prefix) ends; null if none starts there.</summary>
    private static int? StringAt(string source, int i)
    {
        var p = i;
        var verbatim = false;
        while (p < source.Length && source[p] is '$' or '@')
        {
            verbatim |= source[p] == '@';
            p++;
        }
        if (p >= source.Length || source[p] != '"')
        {
            return null;
        }
        var quotes = 0;
        while (p + quotes < source.Length && source[p + quotes] == '"')
        {
            quotes++;
        }
        if (quotes >= 3)
        {
            // A raw string literal ends at the first run of as many quotes.
            var end = source.IndexOf(new string('"', quotes), p + quotes, StringComparison.Ordinal);
            return end < 0 ? source.Length : end + quotes;
        }
        if (quotes == 2)
        {
            return p + 2; // ""
        }
        p++;
        while (p < source.Length)
        {
            if (verbatim && At(source, p, "\"\""))
            {
                p += 2;
            }
            else if (source[p] == '"')
            {
                return p + 1;
            }
            else
            {
                p += !verbatim && source[p] == '\\' ? 2 : 1;
            }
        }
        return source.Length;
    }

    private static bool At(string source, int i, string text) => string.CompareOrdinal(source, i, text, 0, text.Length) == 0;

    private static string Blank(ReadOnlySpan<char> text)
    {
        var blank = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            blank.Append(c == '\n' ? '\n' : ' ');
        }
        return blank.ToString();
    }
}
