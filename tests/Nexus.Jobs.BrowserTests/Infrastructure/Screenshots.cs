using Microsoft.Playwright;

namespace Nexus.Jobs.BrowserTests.Infrastructure;

/// <summary>Full-page screenshots kept as test artifacts in <c>artifacts/screenshots/</c> at the repository root (git-ignored).</summary>
public static class Screenshots
{
    /// <summary>The folder, found from the test assembly's location (the root is where Nexus.Jobs.sln is).</summary>
    public static string Folder { get; } = FindFolder();

    /// <summary>Saves a full-page screenshot as <c>name.png</c> and returns its path.</summary>
    public static async Task<string> SaveAsync(IPage page, string name)
    {
        var path = Path.Combine(Folder, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    private static string FindFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Nexus.Jobs.sln")))
        {
            directory = directory.Parent;
        }
        var root = directory?.FullName ?? Path.Combine(Path.GetTempPath(), "nexus-jobs");
        var folder = Path.Combine(root, "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
