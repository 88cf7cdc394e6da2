namespace SoraEmulator.Tests;

public sealed class RunwayDirectiveTests : RunwayTestBase
{
    [Fact]
    public async Task Render_SetsThisTasksRenderTime()
    {
        string id = await CreateTaskAsync("quick [[render=4]]");

        Advance(3.9);
        Assert.Equal("RUNNING", await StatusOfAsync(id));
        Advance(0.1);
        Assert.Equal("SUCCEEDED", await StatusOfAsync(id));
    }

    [Fact]
    public async Task Fail_FailsAtHalfRenderWithFailureCode()
    {
        string id = await CreateTaskAsync("blocked [[fail=SAFETY.INPUT.TEXT]]");

        Advance(9.9);
        Assert.Equal("RUNNING", await StatusOfAsync(id));
        Advance(0.1);
        JsonElement failed = await GetTaskAsync(id);

        Assert.Equal("FAILED", failed.GetProperty("status").GetString());
        Assert.Equal("SAFETY.INPUT.TEXT", failed.GetProperty("failureCode").GetString());
        Assert.Contains("moderation", failed.GetProperty("failure").GetString(), StringComparison.Ordinal);
        Assert.False(failed.TryGetProperty("output", out _));
        Assert.Null(Emulator.Stats.CompletedAtOf(id));
    }

    [Fact]
    public async Task Fail_OtherCode_GenericFailureMessage()
    {
        string id = await CreateTaskAsync("broken [[fail=INTERNAL.BAD_OUTPUT]]");
        Advance(10);

        JsonElement failed = await GetTaskAsync(id);

        Assert.Equal("INTERNAL.BAD_OUTPUT", failed.GetProperty("failureCode").GetString());
        Assert.DoesNotContain("moderation", failed.GetProperty("failure").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stall_NeverFinishes_ProgressStopsAtHalf()
    {
        string id = await CreateTaskAsync("forever [[stall]]");

        Advance(10_000);
        JsonElement task = await GetTaskAsync(id);

        Assert.Equal("RUNNING", task.GetProperty("status").GetString());
        Assert.Equal(0.5, task.GetProperty("progress").GetDouble(), 3);
        Assert.Equal(1, Emulator.Stats.InFlight);
    }

    [Fact]
    public async Task Throttled_StaysThrottledThenRunsItsFullRenderTime()
    {
        string id = await CreateTaskAsync("busy account [[throttled=30]]");

        Assert.Equal("THROTTLED", await StatusOfAsync(id));
        Advance(29.9);
        JsonElement throttled = await GetTaskAsync(id);
        Assert.Equal("THROTTLED", throttled.GetProperty("status").GetString());
        Assert.False(throttled.TryGetProperty("progress", out _));
        Advance(0.1);
        Assert.Equal("PENDING", await StatusOfAsync(id));
        Advance(10);
        Assert.Equal("RUNNING", await StatusOfAsync(id));
        Advance(9.9);
        Assert.Equal("RUNNING", await StatusOfAsync(id));
        Advance(0.1);
        Assert.Equal("SUCCEEDED", await StatusOfAsync(id));
        Assert.Equal(Start.AddSeconds(50), Emulator.Stats.CompletedAtOf(id));
    }

    [Fact]
    public async Task Create429_FirstNCreates_Answer429WithRetryAfterAndCreateNothing()
    {
        const string prompt = "busy [[create429=2]] [[retryafter=3]]";

        for (int i = 0; i < 2; i++)
        {
            using HttpResponseMessage limited = await PostTextToVideoAsync(prompt);
            await AssertRunwayErrorAsync(limited, HttpStatusCode.TooManyRequests);
            Assert.Equal("3", Assert.Single(limited.Headers.GetValues("Retry-After")));
        }

        Assert.Empty(Emulator.Stats.RunwayTaskIdsWithPrompt(prompt));
        using HttpResponseMessage accepted = await PostTextToVideoAsync(prompt);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(3, Emulator.Stats.RunwayCreatesWithPrompt(prompt));
        Assert.Single(Emulator.Stats.RunwayTaskIdsWithPrompt(prompt));
    }

    [Theory]
    [InlineData("create500", HttpStatusCode.InternalServerError)]
    [InlineData("create503", HttpStatusCode.ServiceUnavailable)]
    public async Task Create5xx_FirstCreate_AnswersStatusAndCreatesNothing(string directive, HttpStatusCode status)
    {
        string prompt = $"flaky [[{directive}=1]]";

        using HttpResponseMessage failed = await PostTextToVideoAsync(prompt);
        await AssertRunwayErrorAsync(failed, status);
        Assert.Empty(Emulator.Stats.RunwayTaskIdsWithPrompt(prompt));

        using HttpResponseMessage accepted = await PostTextToVideoAsync(prompt);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task CreateLost_FirstCreate_CreatesTaskButAnswers500()
    {
        const string prompt = "ambiguous [[createlost=1]]";

        using HttpResponseMessage lost = await PostTextToVideoAsync(prompt);

        await AssertRunwayErrorAsync(lost, HttpStatusCode.InternalServerError);
        string lostId = Assert.Single(Emulator.Stats.RunwayTaskIdsWithPrompt(prompt));
        Assert.Equal("PENDING", await StatusOfAsync(lostId));
        using HttpResponseMessage retried = await PostTextToVideoAsync(prompt);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(2, Emulator.Stats.RunwayTaskIdsWithPrompt(prompt).Count);
    }

    [Fact]
    public async Task CreateFaults_SamePromptOnSoraFace_CountedSeparately()
    {
        const string prompt = "both faces [[create429=1]]";
        using (HttpResponseMessage sora = await PostJsonAsync("v1/videos", JsonSerializer.Serialize(new { prompt })))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, sora.StatusCode);
        }

        using HttpResponseMessage runway = await PostTextToVideoAsync(prompt);

        Assert.Equal(HttpStatusCode.TooManyRequests, runway.StatusCode);
    }

    [Theory]
    [InlineData("get429", HttpStatusCode.TooManyRequests)]
    [InlineData("get500", HttpStatusCode.InternalServerError)]
    [InlineData("get503", HttpStatusCode.ServiceUnavailable)]
    public async Task GetFault_FirstNRetrieves_AnswerStatusThenSucceed(string directive, HttpStatusCode status)
    {
        string id = await CreateTaskAsync($"retrieve faults [[{directive}=2]]");

        for (int i = 0; i < 2; i++)
        {
            using HttpResponseMessage faulted = await SendRunwayAsync(HttpMethod.Get, $"v1/tasks/{id}");
            await AssertRunwayErrorAsync(faulted, status);
            if (status == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("1", Assert.Single(faulted.Headers.GetValues("Retry-After")));
            }
        }

        Assert.Equal("PENDING", await StatusOfAsync(id));
        Assert.Equal(3, Emulator.Stats.RetrievesOf(id));
    }

    [Theory]
    [InlineData("reset")]
    [InlineData("truncate")]
    public async Task DownloadFault_FirstNDownloads_EndEarlyThenFullBody(string directive)
    {
        string id = await CreateTaskAsync($"cut [[{directive}=2]]");
        Advance(20);
        string url = await OutputUrlAsync(id);

        for (int i = 0; i < 2; i++)
        {
            HttpResponseMessage broken;
            try
            {
                broken = await GetUrlAsync(url);
            }
            catch (HttpRequestException) when (directive == "reset")
            {
                continue;
            }

            using (broken)
            {
                long? declared = broken.Content.Headers.ContentLength;
                (long bytes, Exception? error) = await Streams.CountAsync(await broken.Content.ReadAsStreamAsync());
                Assert.NotNull(error);
                Assert.True(bytes < declared, $"read {bytes} of {declared}");
            }
        }

        using HttpResponseMessage whole = await GetUrlAsync(url);
        (long total, Exception? finalError) = await Streams.CountAsync(await whole.Content.ReadAsStreamAsync());
        Assert.Null(finalError);
        Assert.Equal(whole.Content.Headers.ContentLength, total);
        Assert.Equal(3, Emulator.Stats.DownloadsOf(id));
    }

    [Fact]
    public async Task Bytes_Output_HasExactLengthAndValidTopLevelBoxes()
    {
        const long size = 20_000_000;
        string id = await CreateTaskAsync($"large [[bytes={size}]]");
        Advance(20);

        using HttpResponseMessage response = await GetUrlAsync(await OutputUrlAsync(id));
        (List<(string Type, long Size)>? boxes, long length) = await Streams.TopLevelBoxesAsync(await response.Content.ReadAsStreamAsync());

        Assert.Equal(size, response.Content.Headers.ContentLength);
        Assert.Equal(size, length);
        Assert.Equal(["ftyp", "moov", "free", "mdat"], boxes.Select(b => b.Type));
    }
}
