using System.Diagnostics;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace SoraFunctions.Browser.Tests;

/// <summary>What a person does on the page, in headless Chromium against the local host with the emulator.</summary>
[Collection(BrowserGroup.Name)]
public class WebPageTests(BrowserFixture fixture)
{
    static async Task<IPage> OpenAsync(BrowserFixture fixture, int width = 1280, int height = 860, ColorScheme scheme = ColorScheme.Dark)
    {
        IPage page = await fixture.NewPageAsync(width, height, scheme);
        await page.GotoAsync("/");
        // The selects are filled from GET /api/models.
        await page.Locator("#model option").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }

    static async Task<ILocator> SubmitAsync(IPage page, string prompt)
    {
        await page.GetByLabel("Prompt").FillAsync(prompt);
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
        ILocator card = page.Locator(".job", new() { HasText = prompt }).First;
        await card.WaitForAsync();
        return card;
    }

    [Fact]
    public async Task SubmitPrompt_ProgressBarMovesAndTheVideoPlays()
    {
        IPage page = await OpenAsync(fixture);
        await Assertions.Expect(page.Locator("#loading")).ToBeHiddenAsync();
        await BrowserFixture.ScreenshotAsync(page, "01-start");
        string prompt = $"A red fox running through fresh snow at dawn, low tracking shot {Guid.NewGuid():N}";
        ILocator card = await SubmitAsync(page, prompt);
        ILocator bar = card.GetByRole(AriaRole.Progressbar);

        // Record what the bar shows while the emulator renders (8 s).
        var seen = new List<int>();
        var clock = Stopwatch.StartNew();
        bool screenshotTaken = false;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            int value = int.Parse(await bar.GetAttributeAsync("aria-valuenow") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            if (seen.Count == 0 || seen[^1] != value)
            {
                seen.Add(value);
            }

            if (!screenshotTaken && value is > 20 and < 90)
            {
                await BrowserFixture.ScreenshotAsync(page, "02-rendering");
                screenshotTaken = true;
            }

            if (await card.GetAttributeAsync("data-status") == "completed")
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.True(await card.GetAttributeAsync("data-status") == "completed", $"The job did not complete; progress seen: {string.Join(", ", seen)}{Environment.NewLine}{fixture.HostOutput}");
        int[] between = [.. seen.Where(v => v is > 0 and < 100)];
        Assert.True(between.Length >= 2, $"The progress bar should move through values between 0 and 100; it showed {string.Join(", ", seen)}");
        Assert.Equal([.. between.Order()], between);
        Assert.Equal("100", await bar.GetAttributeAsync("aria-valuenow"));
        await Assertions.Expect(card.Locator(".badge")).ToHaveTextAsync("Ready");
        await BrowserFixture.ScreenshotAsync(page, "03-completed");

        await card.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true }).ClickAsync();
        ILocator player = page.Locator("#player");
        await Assertions.Expect(page.Locator("#player-dialog")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync(
            "() => { const v = document.getElementById('player'); return v.readyState >= 2 && v.duration > 0; }",
            null,
            new() { Timeout = 30_000 });
        double duration = await player.EvaluateAsync<double>("v => v.duration");
        Assert.True(duration > 0);
        await page.WaitForFunctionAsync("() => document.getElementById('player').currentTime > 0", null, new() { Timeout = 15_000 });
        await BrowserFixture.ScreenshotAsync(page, "04-player");

        // A click on the dialog's own padding keeps it open; one on the backdrop closes it.
        ILocator dialog = page.Locator("#player-dialog");
        await dialog.ClickAsync(new() { Position = new() { X = 4, Y = 4 } });
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await page.Mouse.ClickAsync(3, 3);
        await Assertions.Expect(dialog).ToBeHiddenAsync();

        // The download link points at the job's content.
        string? href = await card.GetByRole(AriaRole.Link, new() { Name = "Download" }).GetAttributeAsync("href");
        Assert.EndsWith("/content", href);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Gallery" }).ClickAsync();
        await Assertions.Expect(page.Locator("#gallery video").First).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "05-gallery");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task CancelButton_CancelsARunningJob()
    {
        IPage page = await OpenAsync(fixture);
        string prompt = $"[[render=120]] A slow aerial shot over a misty forest {Guid.NewGuid():N}";
        ILocator card = await SubmitAsync(page, prompt);
        ILocator cancel = card.GetByRole(AriaRole.Button, new() { Name = "Cancel" });
        await Assertions.Expect(cancel).ToBeVisibleAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "in_progress", new() { Timeout = 30_000 });
        await BrowserFixture.ScreenshotAsync(page, "06-before-cancel");

        await cancel.ClickAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "canceled", new() { Timeout = 45_000 });
        await Assertions.Expect(card.Locator(".badge")).ToHaveTextAsync("Canceled");
        await Assertions.Expect(cancel).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "07-canceled");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task OverLongPrompt_ShowsTheApiMessageAtThePrompt()
    {
        IPage page = await OpenAsync(fixture);
        await page.GetByLabel("Prompt").FillAsync(new string('a', 10_001));
        await Assertions.Expect(page.Locator("#prompt-count")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("over"));
        // The count is not read at every keystroke; passing the limit is announced once.
        Assert.False(await page.Locator("#prompt-count").EvaluateAsync<bool>("c => c.hasAttribute('aria-live')"));
        await Assertions.Expect(page.Locator("#announcer")).ToContainTextAsync("over the limit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();

        ILocator message = page.Locator("#prompt-error");
        await Assertions.Expect(message).ToBeVisibleAsync();
        await Assertions.Expect(message).ToContainTextAsync("10000");
        await Assertions.Expect(page.GetByLabel("Prompt")).ToHaveAttributeAsync("aria-invalid", "true");
        await BrowserFixture.ScreenshotAsync(page, "08-prompt-too-long");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task PhoneWidth_FormAndListFitWithoutSideways()
    {
        IPage page = await fixture.NewPageAsync(375, 812);
        // A daily budget makes the usage pills their longest.
        await page.RouteAsync("**/api/usage", route => route.FulfillAsync(new()
        {
            ContentType = "application/json",
            Body = """
                {"today":{"costUsd":1234.56,"videos":1234},"month":{"costUsd":98765.43,"videos":12345},
                 "callerDailyUsd":2500,"dailyUsd":10000}
                """,
        }));
        await page.GotoAsync("/");
        await page.Locator("#model option").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("#usage-today")).ToContainTextAsync("of $2,500.00");
        int[] widths = await page.EvaluateAsync<int[]>("() => [document.scrollingElement.scrollWidth, innerWidth]");
        Assert.True(widths[0] <= widths[1], $"The page is {widths[0]} px wide at {widths[1]} px");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Generate" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "09-phone", fullPage: true);
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData(ColorScheme.Dark)]
    [InlineData(ColorScheme.Light)]
    public async Task Page_HasNoAccessibilityViolations(ColorScheme scheme)
    {
        IPage page = await OpenAsync(fixture, scheme: scheme);
        await Assertions.Expect(page.Locator("#loading")).ToBeHiddenAsync();
        // A field error and the counter's warning state are part of what must stay readable.
        await page.GetByLabel("Prompt").FillAsync(new string('b', 10_001));
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
        await Assertions.Expect(page.Locator("#prompt-error")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, $"10-{scheme.ToString().ToLowerInvariant()}");

        AxeResult result = await page.RunAxe();
        string violations = string.Join(
            Environment.NewLine,
            result.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target.ToString()))}"));
        Assert.True(result.Violations.Length == 0, violations);
        await page.Context.CloseAsync();
    }
}
