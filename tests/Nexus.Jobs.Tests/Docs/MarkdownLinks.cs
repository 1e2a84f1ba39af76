using System.Text;
using System.Text.RegularExpressions;

namespace Nexus.Jobs.Tests.Docs;

/// <summary>Finds the relative links of a Markdown document that point at no file, or at no heading of the file.</summary>
public static partial class MarkdownLinks
{
    /// <summary>Every link target of <paramref name="markdown"/> outside code, as written (inline, image and reference links).</summary>
    public static IReadOnlyList<string> Targets(string markdown)
    {
        var prose = InlineCode().Replace(FencedBlock().Replace(markdown.ReplaceLineEndings("\n"), ""), "");
        return InlineLink().Matches(prose).Select(m => m.Groups["target"].Value)
            .Concat(ReferenceDefinition().Matches(prose).Select(m => m.Groups["target"].Value))
            .Select(t => t.Trim().TrimStart('<').TrimEnd('>'))
            .ToList();
    }

    /// <summary>Whether a target leaves the repository (a scheme such as https: or mailto:), so only the web can check it.</summary>
    public static bool IsExternal(string target) => ExternalScheme().IsMatch(target);

    /// <summary>
    /// One message per relative link of <paramref name="documentPath"/> whose file does not exist, or whose <c>#anchor</c>
    /// names no heading of the Markdown file it points at.
    /// </summary>
    public static IReadOnlyList<string> DeadLinks(string documentPath, string markdown, Func<string, bool> exists, Func<string, string> read)
    {
        var dead = new List<string>();
        var folder = Path.GetDirectoryName(documentPath) ?? "";
        foreach (var target in Targets(markdown).Where(t => !IsExternal(t)))
        {
            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var pathPart = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
            var anchor = hash < 0 ? null : target[(hash + 1)..];
            var resolved = pathPart.Length == 0 ? documentPath : Path.GetFullPath(Path.Combine(folder, pathPart));
            if (!exists(resolved))
            {
                dead.Add($"{documentPath}: ({target}) -> {resolved} does not exist");
                continue;
            }
            if (!string.IsNullOrEmpty(anchor) && resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                && !Anchors(resolved == documentPath ? markdown : read(resolved)).Contains(anchor))
            {
                dead.Add($"{documentPath}: ({target}) -> no heading of {resolved} has the anchor #{anchor}");
            }
        }
        return dead;
    }

    /// <summary>The anchors GitHub gives the headings of <paramref name="markdown"/> (a repeated heading gets -1, -2, ...).</summary>
    public static IReadOnlySet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(FencedBlock().Replace(markdown.ReplaceLineEndings("\n"), "")))
        {
            var slug = Slug(heading.Groups["text"].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }
        return anchors;
    }

    /// <summary>GitHub's slug: lower case, letters, digits, '-' and '_' kept, spaces become '-', everything else dropped.</summary>
    public static string Slug(string heading)
    {
        var slug = new StringBuilder();
        foreach (var c in heading.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }
        return slug.ToString();
    }

    [GeneratedRegex(@"^(```|~~~).*?^\1[^\n]*$", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\((?<target><[^>]*>|[^)\s]*)(?:\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^\s{0,3}\[[^\]]+\]:\s*(?<target>\S+)", RegexOptions.Multiline)]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex ExternalScheme();

    [GeneratedRegex(@"^#{1,6}[ \t]+(?<text>.+?)[ \t#]*$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
