using Microsoft.Playwright;
using SoraEmulator;
using SoraFunctions.EndToEnd.Tests.Support;
using SoraFunctions.Testing;

namespace SoraFunctions.Browser.Tests;

/// <summary>
/// Azurite, the emulator and one local host process on free loopback ports, and one headless Chromium, for the whole
/// suite. The browser is Debian's <c>chromium</c> (Playwright's own download cannot work offline): when it is missing
/// the tests fail, never pass silently.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Where the browser lives; <c>CHROMIUM_PATH</c> overrides it.</summary>
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    AzuriteServer? azurite;
    RunningEmulator? emulator;
    LocalHostProcess? host;
    IPlaywright? playwright;
    IBrowser? browser;

    public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public Uri BaseAddress => host?.BaseAddress ?? throw new InvalidOperationException("Not started.");

    public IBrowser Browser => browser ?? throw new InvalidOperationException("Not started.");

    internal string HostOutput => host?.RecentOutput ?? "";

    /// <summary>Screenshots of the page's main states, for people to look at: <c>tests/SoraFunctions.Browser.Tests/artifacts</c>.</summary>
    public static string Artifacts { get; } = Directory.CreateDirectory(RepoPaths.Combine("tests", "SoraFunctions.Browser.Tests", "artifacts")).FullName;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ChromiumPath}: install it with 'apt-get install -y chromium' (.ci/run does) or set CHROMIUM_PATH.");
        }

        // Never let Playwright try to fetch a browser of its own.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        azurite = await AzuriteServer.StartAsync();
        emulator = await RunningEmulator.StartAsync(new EmulatorOptions { RenderSeconds = 8 });
        host = await LocalHostProcess.StartAsync(
            new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["VideoStorage"] = azurite.ConnectionString,
                ["Sora__BaseUrl"] = emulator.ApiBaseUrl.AbsoluteUri.TrimEnd('/'),
                ["Sora__ApiKey"] = "browser-test-key",
                ["Pipeline__MinPollSeconds"] = "0.5",
                ["Pipeline__MaxPollSeconds"] = "1",
                ["DurableTask__HubName"] = "browser",
                ["DurableTask__MaxQueuePollingInterval"] = "00:00:00.500",
                ["DurableTask__PartitionCount"] = "1",
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_NOLOGO"] = "1",
            },
            Http);

        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio"],
        });
    }

    /// <summary>A fresh page (its own context) at the given viewport width.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 860, ColorScheme scheme = ColorScheme.Dark)
    {
        IBrowserContext context = await Browser.NewContextAsync(new()
        {
            BaseURL = BaseAddress.AbsoluteUri,
            ViewportSize = new() { Width = width, Height = height },
            ColorScheme = scheme,
        });
        IPage page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        return page;
    }

    public static Task ScreenshotAsync(IPage page, string name, bool fullPage = false) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, name + ".png"), FullPage = fullPage });

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        if (emulator is not null)
        {
            await emulator.DisposeAsync();
        }

        if (azurite is not null)
        {
            await azurite.DisposeAsync();
        }

        Http.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserGroup : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
