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

    /// <summary>
    /// Takes a screenshot of the page (so the page really rendered). It is kept in the test output
    /// folder, and as <c>docs/images/dashboard-&lt;name&gt;.png</c> in the repository only when
    /// <c>TASKEXECKIT_UPDATE_SCREENSHOTS=1</c>, so that a test run leaves the checkout clean.
    /// </summary>
    internal static async Task ScreenshotAsync(IPage page, string name)
    {
        byte[] png = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
        Assert.True(png.Length > 0, $"The {name} page rendered no screenshot.");
        string output = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(output);
        await File.WriteAllBytesAsync(Path.Combine(output, $"dashboard-{name}.png"), png);
        if (Environment.GetEnvironmentVariable("TASKEXECKIT_UPDATE_SCREENSHOTS") != "1")
        {
            return;
        }

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
        await File.WriteAllBytesAsync(Path.Combine(images, $"dashboard-{name}.png"), png);
    }
}

[CollectionDefinition("browser")]
public sealed class BrowserGroup : ICollectionFixture<BrowserFixture>
{
}
