using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;
using SoraFunctions.EndToEnd.Tests.Support;

namespace SoraFunctions.Browser.Tests;

/// <summary>
/// What the page does with answers the real service seldom gives on cue: a failed poll, a short page with more after
/// it, a job outside the first page, a poster that cannot be loaded, a slow remix. Playwright routes fake those calls;
/// everything else goes to the local host.
/// </summary>
[Collection(BrowserGroup.Name)]
public class FakedAnswerTests(BrowserFixture fixture)
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    static readonly string[] RemixRefusal = ["Describe the change."];

    /// <summary>How often a faked call was made; read from the test while the page's calls come in.</summary>
    sealed class Calls
    {
        int count;

        public int Count => Volatile.Read(ref count);

        public int Add() => Interlocked.Increment(ref count);

        public async Task WaitForAsync(int atLeast, string what) =>
            await Poll.UntilAsync(_ => Task.FromResult(Count >= atLeast ? "" : null), Deadline, $"{what} ({Count} of {atLeast} calls)");
    }

    static bool IsJobList(string url)
    {
        var uri = new Uri(url);
        return uri.AbsolutePath == "/api/videos" && uri.Query.Contains("limit=", StringComparison.Ordinal);
    }

    static Func<string, bool> PathIs(string path) => url => new Uri(url).AbsolutePath == path;

    static Task AnswerAsync(IRoute route, object body, int status = 200, string type = "application/json", Dictionary<string, string>? headers = null) =>
        route.FulfillAsync(new() { Status = status, ContentType = type, Body = JsonSerializer.Serialize(body), Headers = headers });

    static object Job(string id, string status, string prompt, int? progress = null, DateTimeOffset? createdAt = null, object? renditions = null) => new
    {
        id,
        status,
        progress,
        prompt,
        model = "sora-2",
        size = "720x1280",
        seconds = "4",
        createdAt = (createdAt ?? DateTimeOffset.UtcNow).ToString("O"),
        lastUpdatedAt = DateTimeOffset.UtcNow.ToString("O"),
        renditions,
    };

    static object JobPage(string? continuationToken, params object[] items) => new { items, continuationToken };

    /// <summary>Waits until a card's prompt says <c>{label} {n}</c> with n at least <paramref name="atLeast"/>: that poll has been rendered.</summary>
    static async Task WaitForPollAsync(IPage page, string label, int atLeast) =>
        await page.WaitForFunctionAsync(
            """
            ([label, atLeast]) => [...document.querySelectorAll(".job-prompt")].some((p) => {
              const match = new RegExp(`${label} (\\d+)`).exec(p.textContent);
              return match && Number(match[1]) >= atLeast;
            })
            """,
            new object[] { label, atLeast },
            new() { Timeout = 30_000 });

    [Fact]
    public async Task Banner_OfAnotherCallStaysUpAfterAFailedThenSuccessfulPoll()
    {
        IPage page = await fixture.NewPageAsync();
        string probe = $"probe-{Guid.NewGuid():N}";
        var lists = new Calls();
        await page.RouteAsync(IsJobList, route =>
        {
            int n = lists.Add();
            return n == 1
                ? AnswerAsync(route, new { title = "The service is unavailable.", status = 503 }, 503, "application/problem+json")
                : AnswerAsync(route, JobPage(null, Job(probe, "in_progress", $"Probe poll {n}", progress: n)));
        });
        await page.RouteAsync(PathIs("/api/videos"), route => route.Request.Method == "POST"
            ? AnswerAsync(
                route,
                new { title = "Over the daily budget.", status = 429, detail = "Today's budget is spent." },
                429,
                "application/problem+json",
                new() { ["Retry-After"] = "3600" })
            : route.FallbackAsync());

        await page.GotoAsync("/");
        ILocator banner = page.Locator("#banner");
        await Assertions.Expect(banner).ToContainTextAsync("unavailable");
        await WaitForPollAsync(page, "Probe poll", 2);
        await Assertions.Expect(banner).ToBeHiddenAsync();

        await page.GetByLabel("Prompt").FillAsync($"A lighthouse in a storm {Guid.NewGuid():N}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
        await Assertions.Expect(banner).ToContainTextAsync("Over the daily budget.");
        await Assertions.Expect(banner).ToContainTextAsync("You can try again at");

        // Two more polls succeed; the budget banner is not theirs to take down.
        int seen = lists.Count;
        await WaitForPollAsync(page, "Probe poll", seen + 2);
        await Assertions.Expect(banner).ToBeVisibleAsync();
        await Assertions.Expect(banner).ToContainTextAsync("Over the daily budget.");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ShortPageWithAToken_KeepsShowOlder_AndARunningOlderJobIsFollowedUntilItEnds()
    {
        IPage page = await fixture.NewPageAsync();
        string newer = $"newer-{Guid.NewGuid():N}";
        string older = $"older-{Guid.NewGuid():N}";
        var lists = new Calls();
        var lookUps = new Calls();
        // One job on the first page (the rest purged) and a token: older jobs follow.
        await page.RouteAsync(IsJobList, route =>
        {
            if (new Uri(route.Request.Url).Query.Contains("continuationToken=page-2", StringComparison.Ordinal))
            {
                return AnswerAsync(route, JobPage(null, Job(older, "in_progress", "An older render", progress: 40, createdAt: DateTimeOffset.UtcNow.AddHours(-1))));
            }

            int n = lists.Add();
            return AnswerAsync(route, JobPage("page-2", Job(newer, "canceled", $"Page poll {n}")));
        });
        // The older job, asked for by itself: it has ended.
        await page.RouteAsync(PathIs($"/api/videos/{older}"), route =>
        {
            lookUps.Add();
            return AnswerAsync(route, Job(older, "canceled", "An older render", createdAt: DateTimeOffset.UtcNow.AddHours(-1)));
        });

        await page.GotoAsync("/");
        await WaitForPollAsync(page, "Page poll", 1);
        ILocator more = page.GetByRole(AriaRole.Button, new() { Name = "Show older videos" });
        await Assertions.Expect(more).ToBeVisibleAsync();

        await more.ClickAsync();
        ILocator card = page.Locator($".job[data-id='{older}']");
        await card.WaitForAsync();
        await Assertions.Expect(more).ToBeHiddenAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "canceled", new() { Timeout = 30_000 });

        // Ended, it is asked for no more: a whole poll later the count has not moved.
        int asked = lookUps.Count;
        int polled = lists.Count;
        await page.EvaluateAsync("() => document.dispatchEvent(new Event('visibilitychange'))");
        await WaitForPollAsync(page, "Page poll", polled + 1);
        Assert.Equal(asked, lookUps.Count);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Remix_DoubleClickSendsOneRequest_AndItsErrorIsAnnounced()
    {
        IPage page = await fixture.NewPageAsync();
        string id = $"remix-source-{Guid.NewGuid():N}";
        await page.RouteAsync(IsJobList, route => AnswerAsync(route, JobPage(null, Job(id, "completed", "A paper boat on a puddle", progress: 100))));
        var remixes = new Calls();
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(PathIs($"/api/videos/{id}/remix"), route =>
        {
            remixes.Add();
            // Held until the test has seen the button while the first remix is on its way.
            _ = answer.Task.ContinueWith(
                _ => AnswerAsync(
                    route,
                    new { title = "The request is not valid.", status = 400, errors = new { prompt = RemixRefusal } },
                    400,
                    "application/problem+json"),
                TaskScheduler.Default).Unwrap();
            return Task.CompletedTask;
        });

        await page.GotoAsync("/");
        ILocator card = page.Locator($".job[data-id='{id}']");
        await card.GetByRole(AriaRole.Button, new() { Name = "Remix", Exact = true }).ClickAsync();
        ILocator text = card.GetByLabel("Change it");
        await text.FillAsync("Same shot, at night");
        ILocator send = card.Locator(".remix-form button[type=submit]");
        await send.DblClickAsync();

        await remixes.WaitForAsync(1, "the remix request");
        await Assertions.Expect(send).ToBeDisabledAsync();
        answer.SetResult();

        await Assertions.Expect(card.GetByRole(AriaRole.Alert)).ToContainTextAsync("Describe the change.");
        await Assertions.Expect(text).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(send).ToBeEnabledAsync();
        Assert.Equal(1, remixes.Count);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Poster_IsLoadedWithTheKeyLikeTheVideo_AndABrokenOneGivesWayToTheFirstFrame()
    {
        IPage page = await fixture.NewPageAsync();
        await page.AddInitScriptAsync("sessionStorage.setItem('sorafunctions.functionKey', 'browser-key')");
        string id = $"poster-{Guid.NewGuid():N}";
        string thumbnail = $"/api/videos/{id}/renditions/thumbnail";
        var renditions = new { thumbnail = new { container = "renditions", name = $"{id}/thumbnail.webp", url = thumbnail } };
        await page.RouteAsync(IsJobList, route => AnswerAsync(route, JobPage(null, Job(id, "completed", "A kite over the dunes", progress: 100, renditions: renditions))));
        var asked = new ConcurrentQueue<string>();
        await page.RouteAsync(PathIs(thumbnail), route =>
        {
            asked.Enqueue(route.Request.Url);
            return AnswerAsync(route, new { title = "Not found.", status = 404 }, 404, "application/problem+json");
        });

        await page.GotoAsync("/");
        ILocator media = page.Locator($".job[data-id='{id}'] .job-media");
        await Assertions.Expect(media.Locator("video")).ToHaveCountAsync(1);
        await Assertions.Expect(media.Locator("img")).ToHaveCountAsync(0);
        await Assertions.Expect(media.Locator("video")).ToHaveAttributeAsync("preload", "metadata");
        Assert.NotEmpty(asked);
        Assert.All(asked, url => Assert.Contains("code=browser-key", url, StringComparison.Ordinal));

        // The gallery's video drops the poster that cannot be loaded.
        await page.WaitForFunctionAsync(
            "() => { const v = document.querySelector('#gallery video'); return v && !v.hasAttribute('poster'); }",
            null,
            new() { Timeout = 30_000 });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ChosenImage_KeepsVariationsAtOne_AndTheImageIsSent()
    {
        IPage page = await fixture.NewPageAsync();
        var batches = new Calls();
        var sent = new ConcurrentQueue<string>();
        await page.RouteAsync(PathIs("/api/batches"), route =>
        {
            batches.Add();
            return route.FallbackAsync();
        });
        await page.RouteAsync(PathIs("/api/videos"), route =>
        {
            if (route.Request.Method != "POST")
            {
                return route.FallbackAsync();
            }

            sent.Enqueue(route.Request.Headers.GetValueOrDefault("content-type", ""));
            return AnswerAsync(route, Job($"image-{Guid.NewGuid():N}", "queued", "From an image"), 202);
        });

        await page.GotoAsync("/");
        await page.Locator("#model option").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        ILocator count = page.GetByLabel("Variations");
        await count.FillAsync("3");
        await Assertions.Expect(page.Locator("#estimate")).ToContainTextAsync("for 3 videos");

        await page.Locator("#image").SetInputFilesAsync(new FilePayload
        {
            Name = "start.png",
            MimeType = "image/png",
            Buffer = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
        });
        await Assertions.Expect(count).ToBeDisabledAsync();
        await Assertions.Expect(count).ToHaveValueAsync("1");
        await Assertions.Expect(page.Locator("#estimate")).Not.ToContainTextAsync("videos");

        // Every field fits its cell: the file input and its hint end inside the panel.
        string[] overflowing = await page.EvaluateAsync<string[]>(
            """
            () => [...document.querySelectorAll("#compose .field:not([hidden])")].flatMap((field) => {
              const edge = field.getBoundingClientRect().right + 0.5;
              return [...field.children].filter((c) => c.getBoundingClientRect().right > edge).map((c) => c.id || c.tagName);
            })
            """);
        Assert.Empty(overflowing);

        await page.GetByLabel("Prompt").FillAsync($"The picture comes alive, slow push in {Guid.NewGuid():N}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
        await Poll.UntilAsync(_ => Task.FromResult(sent.IsEmpty ? null : ""), Deadline, "the submit with the image");
        Assert.All(sent, type => Assert.StartsWith("multipart/form-data", type, StringComparison.Ordinal));
        Assert.Equal(0, batches.Count);

        // The image is taken away after the submit: Variations is back as it was.
        await Assertions.Expect(count).ToBeEnabledAsync();
        await Assertions.Expect(count).ToHaveValueAsync("3");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FailedCatalog_IsLoadedAgainAtTheNextSuccessfulPoll()
    {
        IPage page = await fixture.NewPageAsync();
        var models = new Calls();
        await page.RouteAsync(PathIs("/api/models"), route => models.Add() == 1
            ? AnswerAsync(route, new { title = "The service is unavailable.", status = 503 }, 503, "application/problem+json")
            : route.FallbackAsync());

        await page.GotoAsync("/");
        await page.Locator("#model option").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        Assert.Equal(2, models.Count);
        await Assertions.Expect(page.Locator("#banner")).ToBeHiddenAsync();
        await page.Context.CloseAsync();
    }
}
