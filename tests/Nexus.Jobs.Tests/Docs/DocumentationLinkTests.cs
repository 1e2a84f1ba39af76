namespace Nexus.Jobs.Tests.Docs;

/// <summary>Text moved between the README and docs/ leaves no link pointing at a file or heading that is gone.</summary>
public sealed class DocumentationLinkTests
{
    [Fact]
    public void EveryRelativeLink_OfTheReadmeTheDocsAndTheClientReadme_PointsAtAFileAndHeadingThatExist()
    {
        var root = RepositoryRoot();
        var documents = new[] { Path.Combine(root, "README.md"), Path.Combine(root, "src", "Nexus.Jobs.Client", "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories))
            .ToList();
        var relative = 0;
        var dead = new List<string>();

        foreach (var document in documents)
        {
            var markdown = File.ReadAllText(document);
            relative += MarkdownLinks.Targets(markdown).Count(t => !MarkdownLinks.IsExternal(t));
            dead.AddRange(MarkdownLinks.DeadLinks(document, markdown, p => File.Exists(p) || Directory.Exists(p), File.ReadAllText));
        }

        relative.ShouldBeGreaterThan(40, "the README and docs/ link to each other; finding fewer means the link parser broke");
        dead.ShouldBeEmpty();
    }

    [Fact]
    public void DeadLinks_NamesAMissingFile_AndAnAnchorNoHeadingHas_ButNotLinksThatResolve()
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["/repo/README.md"] = """
                # Nexus Jobs
                ## Walk-through
                See [the API](docs/api.md#push-callbacks-and-event-streams), [errors](docs/api.md#errors),
                [the walk-through](#walk-through), ![chart](docs/chart.svg), [gone](docs/operations.md)
                and [no such heading](docs/api.md#push) and [Hangfire](https://www.hangfire.io/).
                ```bash
                # [not a link](nowhere.md) inside code
                ```
                `[nor this](nowhere.md)`

                [ref]: docs/missing.md
                """,
            ["/repo/docs/api.md"] = "# API\n## Push: callbacks and event streams\n## Errors\n",
            ["/repo/docs/chart.svg"] = "<svg/>",
        };

        var dead = MarkdownLinks.DeadLinks("/repo/README.md", files["/repo/README.md"], files.ContainsKey, p => files[p]);

        dead.Count.ShouldBe(3, string.Join("\n", dead));
        dead[0].ShouldContain("(docs/operations.md)");
        dead[1].ShouldContain("#push");
        dead[2].ShouldContain("(docs/missing.md)");
    }

    [Theory]
    [InlineData("Push: callbacks and event streams", "push-callbacks-and-event-streams")]
    [InlineData("Health, metrics, traces, logs", "health-metrics-traces-logs")]
    [InlineData("`Nexus.Jobs.Client` and its README", "nexusjobsclient-and-its-readme")]
    [InlineData("Job types, statuses and priorities", "job-types-statuses-and-priorities")]
    public void Slug_IsGitHubsAnchorForTheHeading(string heading, string anchor) => MarkdownLinks.Slug(heading).ShouldBe(anchor);

    [Fact]
    public void Anchors_NumberARepeatedHeading_AndIgnoreCommentsInCode()
    {
        var anchors = MarkdownLinks.Anchors("# A\n## Notes\n```bash\n# not a heading\n```\n## Notes\n");

        anchors.OrderBy(a => a, StringComparer.Ordinal).ShouldBe(["a", "notes", "notes-1"]);
    }

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
