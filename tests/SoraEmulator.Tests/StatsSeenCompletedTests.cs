using Microsoft.Extensions.Time.Testing;

namespace SoraEmulator.Tests;

public class StatsSeenCompletedTests
{
    static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    static async Task<string> CreateAsync(HttpClient http)
    {
        using var create = new MultipartFormDataContent { { new StringContent("a fox"), "prompt" } };
        using HttpResponseMessage created = await http.PostAsync(new Uri("v1/videos", UriKind.Relative), create);
        return System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task SeenCompletedAt_IsTheFirstRetrieveThatAnswersCompleted()
    {
        var clock = new FakeTimeProvider(Start);
        await using RunningEmulator emulator = await RunningEmulator.StartAsync(new EmulatorOptions { RenderSeconds = 10 }, clock);
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        string id = await CreateAsync(http);

        clock.Advance(TimeSpan.FromSeconds(5));
        (await http.GetAsync(new Uri($"v1/videos/{id}", UriKind.Relative))).Dispose();
        Assert.Null(emulator.Stats.SeenCompletedAtOf(id));

        clock.Advance(TimeSpan.FromSeconds(7));
        (await http.GetAsync(new Uri($"v1/videos/{id}", UriKind.Relative))).Dispose();
        clock.Advance(TimeSpan.FromSeconds(3));
        (await http.GetAsync(new Uri($"v1/videos/{id}", UriKind.Relative))).Dispose();

        Assert.Equal(emulator.Stats.CompletedAtOf(id)!.Value.AddSeconds(2), emulator.Stats.SeenCompletedAtOf(id));
    }

    [Fact]
    public async Task LastSeenUnfinishedAt_IsTheLastRetrieveBeforeTheEnd()
    {
        var clock = new FakeTimeProvider(Start);
        await using RunningEmulator emulator = await RunningEmulator.StartAsync(new EmulatorOptions { RenderSeconds = 10 }, clock);
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        string id = await CreateAsync(http);
        Assert.Null(emulator.Stats.LastSeenUnfinishedAtOf(id));

        clock.Advance(TimeSpan.FromSeconds(3));
        (await http.GetAsync(new Uri($"v1/videos/{id}", UriKind.Relative))).Dispose();
        clock.Advance(TimeSpan.FromSeconds(5));
        DateTimeOffset lastUnfinished = clock.GetUtcNow();
        (await http.GetAsync(new Uri($"v1/videos/{id}", UriKind.Relative))).Dispose();
        clock.Advance(TimeSpan.FromSeconds(4));
        (await http.GetAsync(new Uri($"v1/videos/{id}", UriKind.Relative))).Dispose();

        Assert.Equal(lastUnfinished, emulator.Stats.LastSeenUnfinishedAtOf(id));
        Assert.Equal(clock.GetUtcNow(), emulator.Stats.SeenCompletedAtOf(id));
    }
}
