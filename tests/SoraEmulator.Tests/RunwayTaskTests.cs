namespace SoraEmulator.Tests;

public sealed class RunwayTaskTests : RunwayTestBase
{
    [Fact]
    public async Task Task_OverRenderTime_MovesPendingRunningSucceeded()
    {
        string id = await CreateTaskAsync("A paper boat on a pond");

        JsonElement pending = await GetTaskAsync(id);
        Assert.Equal(id, pending.GetProperty("id").GetString());
        Assert.Equal("PENDING", pending.GetProperty("status").GetString());
        Assert.Equal("2026-11-25T12:00:00.000Z", pending.GetProperty("createdAt").GetString());
        Assert.False(pending.TryGetProperty("progress", out _));
        Assert.False(pending.TryGetProperty("output", out _));
        Assert.False(pending.TryGetProperty("failure", out _));

        Advance(5);
        JsonElement running = await GetTaskAsync(id);
        Assert.Equal("RUNNING", running.GetProperty("status").GetString());
        Assert.Equal(0.25, running.GetProperty("progress").GetDouble(), 3);

        Advance(10);
        Assert.Equal(0.75, (await GetTaskAsync(id)).GetProperty("progress").GetDouble(), 3);

        Advance(5);
        JsonElement done = await GetTaskAsync(id);
        Assert.Equal("SUCCEEDED", done.GetProperty("status").GetString());
        Assert.False(done.TryGetProperty("progress", out _));
        string output = Assert.Single(done.GetProperty("output").EnumerateArray()).GetString()!;
        var url = new Uri(output);
        Assert.Equal("127.0.0.1", url.Host);
        Assert.Equal(Emulator.BaseAddress.Port, url.Port);
        Assert.Equal($"/_emulator/runway-output/{id}.mp4", url.AbsolutePath);
        Assert.Contains("sig=", url.Query, StringComparison.Ordinal);
        Assert.Equal(Start.AddSeconds(20), Emulator.Stats.CompletedAtOf(id));
        Assert.Equal(Start.AddSeconds(20), Emulator.Stats.SeenCompletedAtOf(id));
    }

    [Fact]
    public async Task ImageToVideo_DataUri_CreatesTask()
    {
        using HttpResponseMessage response = await PostRunwayAsync("v1/image_to_video", new
        {
            model = "gen4_turbo",
            promptImage = "data:image/png;base64,iVBORw0KGgo=",
            ratio = "960:960",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string id = (await ReadJsonAsync(response)).GetProperty("id").GetString()!;
        Assert.Equal("PENDING", await StatusOfAsync(id));
        Assert.Equal([id], Emulator.Stats.RunwayTaskIds);
        Assert.Empty(Emulator.Stats.VideoIds);
    }

    [Fact]
    public async Task Delete_RunningTask_Answers204AndLaterGetIs404()
    {
        string id = await CreateTaskAsync("cancel me");
        Advance(5);

        using HttpResponseMessage deleted = await SendRunwayAsync(HttpMethod.Delete, $"v1/tasks/{id}");
        using HttpResponseMessage gone = await SendRunwayAsync(HttpMethod.Get, $"v1/tasks/{id}");
        using HttpResponseMessage again = await SendRunwayAsync(HttpMethod.Delete, $"v1/tasks/{id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await deleted.Content.ReadAsByteArrayAsync());
        await AssertRunwayErrorAsync(gone, HttpStatusCode.NotFound);
        await AssertRunwayErrorAsync(again, HttpStatusCode.NotFound);
        Assert.Equal(2, Emulator.Stats.RunwayDeletes);
        Assert.Equal(0, Emulator.Stats.InFlight);
    }

    [Fact]
    public async Task Get_UnknownTask_Returns404ErrorBody()
    {
        using HttpResponseMessage response = await SendRunwayAsync(HttpMethod.Get, $"v1/tasks/{Guid.NewGuid()}");

        await AssertRunwayErrorAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("1280:720", 1280, 720)]
    [InlineData("720:1280", 720, 1280)]
    public async Task Output_WithoutKey_ServesMp4OfTheRatiosOrientation(string ratio, int width, int height)
    {
        string id = await CreateTaskAsync("a clip", ratio);
        Advance(20);
        string url = await OutputUrlAsync(id);

        using HttpResponseMessage response = await GetUrlAsync(url);
        byte[] body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("video/mp4", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ftyp"u8.ToArray(), body[4..8]);
        Assert.Equal(width > height ? 57_044 : 58_111, body.Length);
        Assert.Equal(1, Emulator.Stats.RunwayDownloads);
        Assert.Equal(1, Emulator.Stats.DownloadsOf(id));
        Assert.Equal(0, Emulator.Stats.Downloads);
    }

    [Fact]
    public async Task Output_WithAuthorization_Returns400AndIsRecorded()
    {
        string id = await CreateTaskAsync("leaky client");
        Advance(20);
        string url = await OutputUrlAsync(id);

        using HttpResponseMessage response = await GetUrlAsync(url, ("Authorization", "Bearer key_secret"));

        await AssertRunwayErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(1, Emulator.Stats.SecretsSentToOutput);
        Assert.Equal(0, Emulator.Stats.RunwayDownloads);
        using HttpResponseMessage stats = await GetAsync("_emulator/stats");
        Assert.Equal(1, (await ReadJsonAsync(stats)).GetProperty("secretsSentToOutput").GetInt32());
    }

    [Fact]
    public async Task Output_BadSignature_Returns403()
    {
        string id = await CreateTaskAsync("forged");
        Advance(20);
        string url = await OutputUrlAsync(id);

        using HttpResponseMessage response = await GetUrlAsync(url[..url.IndexOf("sig=", StringComparison.Ordinal)] + "sig=00");

        await AssertRunwayErrorAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Output_AfterDelete_Returns404()
    {
        string id = await CreateTaskAsync("deleted output");
        Advance(20);
        string url = await OutputUrlAsync(id);
        using (HttpResponseMessage deleted = await SendRunwayAsync(HttpMethod.Delete, $"v1/tasks/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using HttpResponseMessage response = await GetUrlAsync(url);

        await AssertRunwayErrorAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Stats_RunwayCalls_CountedApartFromSora()
    {
        string id = await CreateTaskAsync("counted");
        await GetTaskAsync(id);
        await GetTaskAsync(id);

        using HttpResponseMessage response = await GetAsync("_emulator/stats");
        JsonElement stats = await ReadJsonAsync(response);

        Assert.Equal(0, stats.GetProperty("creates").GetInt32());
        Assert.Equal(1, stats.GetProperty("runwayCreates").GetInt32());
        Assert.Equal(2, stats.GetProperty("runwayRetrieves").GetInt32());
        JsonElement task = stats.GetProperty("runwayTasks").GetProperty(id);
        Assert.Equal("counted", task.GetProperty("prompt").GetString());
        Assert.Equal(2, task.GetProperty("retrieves").GetInt32());
        Assert.Equal(1, Emulator.Stats.RunwayCreatesWithPrompt("counted"));
        Assert.Equal([id], Emulator.Stats.RunwayTaskIdsWithPrompt("counted"));
        Assert.Equal(0, Emulator.Stats.CreatesWithPrompt("counted"));
    }
}
