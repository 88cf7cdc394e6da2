namespace SoraEmulator.Tests;

public sealed class StatusTests : EmulatorTestBase
{
    [Fact]
    public async Task Retrieve_AsTimePasses_MovesQueuedInProgressCompletedWithRisingProgress()
    {
        string id = await CreateIdAsync("progression");

        Advance(1.9);
        JsonElement queued = await RetrieveAsync(id);
        Assert.Equal("queued", queued.GetProperty("status").GetString());
        Assert.Equal(0, queued.GetProperty("progress").GetInt32());

        var seen = new List<int>();
        for (double t = 2.0; t < 20; t += 1.5)
        {
            Time.SetUtcNow(Start + TimeSpan.FromSeconds(t));
            JsonElement video = await RetrieveAsync(id);
            Assert.Equal("in_progress", video.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, video.GetProperty("completed_at").ValueKind);
            int progress = video.GetProperty("progress").GetInt32();
            Assert.Equal((int)Math.Floor(100 * t / 20), progress);
            seen.Add(progress);
        }

        Assert.Equal(seen.Order(), seen);
        Assert.True(seen[^1] > seen[0]);

        Time.SetUtcNow(Start + TimeSpan.FromSeconds(20));
        JsonElement done = await RetrieveAsync(id);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(100, done.GetProperty("progress").GetInt32());
        Assert.Equal(Start.ToUnixTimeSeconds() + 20, done.GetProperty("completed_at").GetInt64());
        Assert.Equal(Start.ToUnixTimeSeconds() + 20 + 3600, done.GetProperty("expires_at").GetInt64());
    }

    [Fact]
    public async Task Retrieve_JustBeforeRender_ProgressCappedAt99()
    {
        string id = await CreateIdAsync("almost");

        Time.SetUtcNow(Start + TimeSpan.FromSeconds(20) - TimeSpan.FromMilliseconds(1));

        JsonElement video = await RetrieveAsync(id);
        Assert.Equal("in_progress", video.GetProperty("status").GetString());
        Assert.Equal(99, video.GetProperty("progress").GetInt32());
    }

    [Fact]
    public async Task Retrieve_RenderDirective_UsesJobRenderTime()
    {
        string id = await CreateIdAsync("quick [[render=2.5]]");

        Advance(2.4);
        Assert.Equal("in_progress", (await RetrieveAsync(id)).GetProperty("status").GetString());
        Advance(0.1);
        Assert.Equal("completed", (await RetrieveAsync(id)).GetProperty("status").GetString());
        Assert.Equal(Start.AddSeconds(2.5), Emulator.Stats.CompletedAtOf(id));
    }

    [Fact]
    public async Task Retrieve_UnknownId_Returns404()
    {
        using HttpResponseMessage response = await GetAsync("v1/videos/video_00000000000000000000000000000000");

        await AssertErrorAsync(response, HttpStatusCode.NotFound, code: "not_found");
    }

    [Fact]
    public async Task CreateAndRetrieve_PollAfterDirective_SendsHeader()
    {
        using HttpResponseMessage created = await PostJsonAsync("v1/videos", """{"prompt":"paced [[pollafter=750]]"}""");
        string? id = (await ReadJsonAsync(created)).GetProperty("id").GetString();

        using HttpResponseMessage retrieved = await GetAsync($"v1/videos/{id}");

        Assert.Equal("750", Assert.Single(created.Headers.GetValues("openai-poll-after-ms")));
        Assert.Equal("750", Assert.Single(retrieved.Headers.GetValues("openai-poll-after-ms")));
    }

    [Fact]
    public async Task Retrieve_NoPollAfterConfigured_SendsNoHeader()
    {
        string id = await CreateIdAsync("unpaced");

        using HttpResponseMessage response = await GetAsync($"v1/videos/{id}");

        Assert.False(response.Headers.Contains("openai-poll-after-ms"));
    }
}

public sealed class PollAfterOptionTests : EmulatorTestBase
{
    protected override EmulatorOptions CreateOptions() => new() { PollAfterMs = 1234, ExpiresAfterSeconds = 60, RenderSeconds = 4 };

    [Fact]
    public async Task CreateAndRetrieve_PollAfterOption_SendsHeaderAndUsesExpiry()
    {
        using HttpResponseMessage created = await PostJsonAsync("v1/videos", """{"prompt":"optioned"}""");
        string id = (await ReadJsonAsync(created)).GetProperty("id").GetString()!;
        Advance(4);

        using HttpResponseMessage retrieved = await GetAsync($"v1/videos/{id}");

        Assert.Equal("1234", Assert.Single(created.Headers.GetValues("openai-poll-after-ms")));
        Assert.Equal("1234", Assert.Single(retrieved.Headers.GetValues("openai-poll-after-ms")));
        JsonElement video = await ReadJsonAsync(retrieved);
        Assert.Equal(Start.ToUnixTimeSeconds() + 4 + 60, video.GetProperty("expires_at").GetInt64());
    }

    [Fact]
    public async Task Retrieve_OptionChangedWhileRunning_AppliesToNextRequest()
    {
        string id = await CreateIdAsync("live options");
        Emulator.Options.PollAfterMs = 42;

        using HttpResponseMessage retrieved = await GetAsync($"v1/videos/{id}");

        Assert.Equal("42", Assert.Single(retrieved.Headers.GetValues("openai-poll-after-ms")));
    }
}
