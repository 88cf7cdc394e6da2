using System.Globalization;

namespace SoraEmulator.Tests;

public sealed class AdminTests : EmulatorTestBase
{
    [Fact]
    public async Task Stats_AfterActivity_CountsEveryCallAndTimesEachVideo()
    {
        string id = await CreateIdAsync("counted [[render=7.25]]");
        await RetrieveAsync(id);
        await RetrieveAsync(id);
        Advance(8);
        using (HttpResponseMessage content = await GetAsync($"v1/videos/{id}/content"))
        {
            Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        }

        using (HttpResponseMessage list = await GetAsync("v1/videos"))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        using HttpResponseMessage response = await GetAsync("_emulator/stats");
        JsonElement stats = await ReadJsonAsync(response);

        Assert.Equal(1, stats.GetProperty("creates").GetInt32());
        Assert.Equal(2, stats.GetProperty("retrieves").GetInt32());
        Assert.Equal(1, stats.GetProperty("downloads").GetInt32());
        Assert.Equal(1, stats.GetProperty("lists").GetInt32());
        Assert.Equal(0, stats.GetProperty("deletes").GetInt32());
        Assert.Equal(0, stats.GetProperty("remixes").GetInt32());
        JsonElement video = stats.GetProperty("videos").GetProperty(id);
        Assert.Equal("counted [[render=7.25]]", video.GetProperty("prompt").GetString());
        Assert.Equal(2, video.GetProperty("retrieves").GetInt32());
        Assert.Equal(1, video.GetProperty("downloads").GetInt32());
        Assert.Equal("2026-11-25T12:00:00.000Z", video.GetProperty("createdAt").GetString());
        Assert.Equal("2026-11-25T12:00:07.250Z", video.GetProperty("completedAt").GetString());

        Assert.Equal(2, Emulator.Stats.RetrievesOf(id));
        Assert.Equal(Start, Emulator.Stats.CreatedAtOf(id));
        Assert.Equal(DateTimeOffset.Parse("2026-11-25T12:00:07.250Z", CultureInfo.InvariantCulture), Emulator.Stats.CompletedAtOf(id));
        Assert.Equal(1, Emulator.Stats.CreatesWithPrompt("counted [[render=7.25]]"));
    }

    [Theory]
    [InlineData("doomed [[fail=moderation_blocked]]")]
    [InlineData("stuck [[stall]]")]
    public async Task Stats_FailingOrStalledVideo_HasNullCompletedAt(string prompt)
    {
        string id = await CreateIdAsync(prompt);

        using HttpResponseMessage response = await GetAsync("_emulator/stats");
        JsonElement video = (await ReadJsonAsync(response)).GetProperty("videos").GetProperty(id);

        Assert.Equal(JsonValueKind.Null, video.GetProperty("completedAt").ValueKind);
        Assert.Null(Emulator.Stats.CompletedAtOf(id));
    }

    [Fact]
    public async Task Reset_AfterActivity_ClearsJobsAndCounters()
    {
        string id = await CreateIdAsync("forgotten");

        using HttpResponseMessage reset = await Client.PostAsync(new Uri("_emulator/reset", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        using HttpResponseMessage get = await GetAsync($"v1/videos/{id}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(0, Emulator.Stats.Creates);
        Assert.Equal(0, Emulator.Stats.CreatesWithPrompt("forgotten"));
        Assert.Empty(Emulator.Stats.VideoIds);
        Assert.Equal(1, Emulator.Stats.Retrieves);
    }

    [Fact]
    public async Task Health_Always_Returns200()
    {
        using HttpResponseMessage response = await GetAsync("_emulator/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task V1Answers_Always_CarryRequestId()
    {
        using HttpResponseMessage response = await GetAsync("v1/videos");

        Assert.StartsWith("req_", Assert.Single(response.Headers.GetValues("x-request-id")), StringComparison.Ordinal);
    }
}
