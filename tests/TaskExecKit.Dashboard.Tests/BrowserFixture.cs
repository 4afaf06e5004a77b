using Microsoft.Playwright;

namespace TaskExecKit.Dashboard.Tests;

/// <summary>
/// One headless system Chromium (from the Debian package, <c>/usr/bin/chromium</c>) driven by Playwright for all
/// browser tests; no browser is downloaded.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    internal const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    internal IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"The browser tests need Chromium at {ChromiumPath}: apt-get install -y chromium (.ci/run does it).");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>Saves a screenshot of the page as <c>docs/images/dashboard-&lt;name&gt;.png</c> in the repository.</summary>
    internal static async Task ScreenshotAsync(IPage page, string name)
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "TaskExecKit.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        if (dir is null)
        {
            return; // Not run from a checkout: nothing to keep the picture in.
        }

        string images = Path.Combine(dir, "docs", "images");
        Directory.CreateDirectory(images);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(images, $"dashboard-{name}.png"), FullPage = true });
    }
}

[CollectionDefinition("browser")]
public sealed class BrowserGroup : ICollectionFixture<BrowserFixture>
{
}
