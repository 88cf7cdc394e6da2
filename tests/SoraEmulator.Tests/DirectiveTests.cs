namespace SoraEmulator.Tests;

public sealed class DirectiveTests : EmulatorTestBase
{
    Task<HttpResponseMessage> PostPromptAsync(string prompt) =>
        PostJsonAsync("v1/videos", JsonSerializer.Serialize(new { prompt }));

    async Task<HttpResponseMessage> GetStreamingAsync(string pathOrUrl, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(pathOrUrl, UriKind.RelativeOrAbsolute));
        foreach ((string? name, string? value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    [Fact]
    public async Task Fail_ModerationBlocked_FailsAtHalfRenderWithModerationMessage()
    {
        string id = await CreateIdAsync("blocked [[fail=moderation_blocked]]");

        Advance(9.9);
        Assert.Equal("in_progress", (await RetrieveAsync(id)).GetProperty("status").GetString());
        Advance(0.1);
        JsonElement failed = await RetrieveAsync(id);

        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("moderation_blocked", failed.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("The video was blocked by the moderation system.", failed.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("completed_at").ValueKind);
        Advance(100);
        Assert.Equal("failed", (await RetrieveAsync(id)).GetProperty("status").GetString());
        using HttpResponseMessage content = await GetAsync($"v1/videos/{id}/content");
        Assert.Equal(HttpStatusCode.NotFound, content.StatusCode);
    }

    [Fact]
    public async Task Fail_OtherCode_FailsWithGenericMessage()
    {
        string id = await CreateIdAsync("broken [[fail=internal_error]]");
        Advance(10);

        JsonElement error = (await RetrieveAsync(id)).GetProperty("error");

        Assert.Equal("internal_error", error.GetProperty("code").GetString());
        Assert.DoesNotContain("moderation", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stall_LongAfterRender_StaysInProgressAt50()
    {
        string id = await CreateIdAsync("forever [[stall]]");

        Advance(5);
        Assert.Equal(25, (await RetrieveAsync(id)).GetProperty("progress").GetInt32());
        Advance(10_000);
        JsonElement video = await RetrieveAsync(id);

        Assert.Equal("in_progress", video.GetProperty("status").GetString());
        Assert.Equal(50, video.GetProperty("progress").GetInt32());
    }

    [Fact]
    public async Task Create429_FirstNCreates_Answer429WithRetryHeadersAndCreateNothing()
    {
        const string prompt = "busy [[create429=2]] [[retryafter=3]]";

        for (int i = 0; i < 2; i++)
        {
            using HttpResponseMessage limited = await PostPromptAsync(prompt);
            await AssertErrorAsync(limited, HttpStatusCode.TooManyRequests, code: "rate_limit_exceeded");
            Assert.Equal("3", Assert.Single(limited.Headers.GetValues("retry-after")));
            Assert.Equal("3000", Assert.Single(limited.Headers.GetValues("retry-after-ms")));
        }

        Assert.Equal(0, Emulator.Stats.VideosWithPrompt(prompt));
        using HttpResponseMessage accepted = await PostPromptAsync(prompt);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(3, Emulator.Stats.CreatesWithPrompt(prompt));
        Assert.Equal(1, Emulator.Stats.VideosWithPrompt(prompt));
    }

    [Fact]
    public async Task Create429_CountedPerExactPrompt_OtherPromptsUnaffected()
    {
        using HttpResponseMessage first = await PostPromptAsync("A [[create429=1]]");
        using HttpResponseMessage other = await PostPromptAsync("B [[create429=1]]");
        using HttpResponseMessage second = await PostPromptAsync("A [[create429=1]]");

        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Theory]
    [InlineData("create500", HttpStatusCode.InternalServerError)]
    [InlineData("create503", HttpStatusCode.ServiceUnavailable)]
    public async Task Create5xx_FirstNCreates_AnswerStatusAndCreateNothing(string directive, HttpStatusCode status)
    {
        string prompt = $"flaky [[{directive}=1]]";

        using HttpResponseMessage failed = await PostPromptAsync(prompt);
        await AssertErrorAsync(failed, status);
        Assert.Equal(0, Emulator.Stats.VideosWithPrompt(prompt));

        using HttpResponseMessage accepted = await PostPromptAsync(prompt);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(1, Emulator.Stats.VideosWithPrompt(prompt));
    }

    [Fact]
    public async Task CreateLost_FirstCreate_CreatesJobButAnswers500()
    {
        const string prompt = "ambiguous [[createlost=1]]";

        using HttpResponseMessage lost = await PostPromptAsync(prompt);

        await AssertErrorAsync(lost, HttpStatusCode.InternalServerError);
        string lostId = Assert.Single(Emulator.Stats.VideoIdsWithPrompt(prompt));
        Assert.Equal("queued", (await RetrieveAsync(lostId)).GetProperty("status").GetString());
        using HttpResponseMessage retried = await PostPromptAsync(prompt);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(2, Emulator.Stats.VideosWithPrompt(prompt));
    }

    [Fact]
    public async Task CreateDelay_MakesTheVideoAtOnceButAnswersOnlyAfterTheDelayOnItsClock()
    {
        const string prompt = "slow answer [[createdelay=30]]";

        Task<HttpResponseMessage> answering = PostPromptAsync(prompt);
        string madeId = await PollAsync(() => Emulator.Stats.VideoIdsWithPrompt(prompt).SingleOrDefault(), "the video to exist");
        // The answer comes only once the emulator's clock has moved 30 s past the create: advance it until it does.
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!answering.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "the delayed create never answered");
            Advance(5);
            await Task.WhenAny(answering, Task.Delay(100));
        }

        using HttpResponseMessage answer = await answering;
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(madeId, (await ReadJsonAsync(answer)).GetProperty("id").GetString());
        Assert.True(Time.GetUtcNow() - Start >= TimeSpan.FromSeconds(30), $"answered after {Time.GetUtcNow() - Start} on the emulator's clock");
        Assert.Equal((1, 1), (Emulator.Stats.CreatesWithPrompt(prompt), Emulator.Stats.VideosWithPrompt(prompt)));
    }

    [Fact]
    public async Task CreateDelay_ClientGoesAway_TheVideoStaysMade()
    {
        const string prompt = "abandoned answer [[createdelay=30]]";
        using var giveUp = new CancellationTokenSource();

        Task<HttpResponseMessage> answering = Client.PostAsync(
            new Uri("v1/videos", UriKind.Relative), new StringContent(JsonSerializer.Serialize(new { prompt }), Encoding.UTF8, "application/json"), giveUp.Token);
        string madeId = await PollAsync(() => Emulator.Stats.VideoIdsWithPrompt(prompt).SingleOrDefault(), "the video to exist");
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => answering);
        Assert.Equal("queued", (await RetrieveAsync(madeId)).GetProperty("status").GetString());
        Assert.Equal(1, Emulator.Stats.VideosWithPrompt(prompt));
    }

    static async Task<T> PollAsync<T>(Func<T?> probe, string what)
        where T : class
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    [Theory]
    [InlineData("get429", HttpStatusCode.TooManyRequests)]
    [InlineData("get500", HttpStatusCode.InternalServerError)]
    [InlineData("get503", HttpStatusCode.ServiceUnavailable)]
    public async Task GetFault_FirstNRetrieves_AnswerStatusThenSucceed(string directive, HttpStatusCode status)
    {
        string id = await CreateIdAsync($"retrieve faults [[{directive}=2]]");

        for (int i = 0; i < 2; i++)
        {
            using HttpResponseMessage faulted = await GetAsync($"v1/videos/{id}");
            await AssertErrorAsync(faulted, status);
        }

        using HttpResponseMessage ok = await GetAsync($"v1/videos/{id}");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(3, Emulator.Stats.RetrievesOf(id));
    }

    [Fact]
    public async Task Get429_DefaultRetryAfter_SendsOneSecond()
    {
        string id = await CreateIdAsync("slow down [[get429=1]]");

        using HttpResponseMessage limited = await GetAsync($"v1/videos/{id}");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("1", Assert.Single(limited.Headers.GetValues("retry-after")));
        Assert.Equal("1000", Assert.Single(limited.Headers.GetValues("retry-after-ms")));
    }

    [Theory]
    [InlineData("reset")]
    [InlineData("truncate")]
    public async Task DownloadFault_FirstNDownloads_EndEarlyThenFullBody(string directive)
    {
        string id = await CreateIdAsync($"cut [[{directive}=2]]");
        Advance(20);

        for (int i = 0; i < 2; i++)
        {
            HttpResponseMessage broken;
            try
            {
                broken = await GetStreamingAsync($"v1/videos/{id}/content");
            }
            catch (HttpRequestException) when (directive == "reset")
            {
                // A reset can overtake the headers when the client is slow to read: still a broken download.
                continue;
            }

            using (broken)
            {
                Assert.Equal(HttpStatusCode.OK, broken.StatusCode);
                long? declared = broken.Content.Headers.ContentLength;
                Assert.NotNull(declared);
                (long bytes, Exception? error) = await Streams.CountAsync(await broken.Content.ReadAsStreamAsync());
                Assert.NotNull(error);
                Assert.True(bytes < declared, $"read {bytes} of {declared}");
            }
        }

        using HttpResponseMessage whole = await GetStreamingAsync($"v1/videos/{id}/content");
        (long total, Exception? finalError) = await Streams.CountAsync(await whole.Content.ReadAsStreamAsync());
        Assert.Null(finalError);
        Assert.Equal(whole.Content.Headers.ContentLength, total);
        Assert.Equal(3, Emulator.Stats.DownloadsOf(id));
    }

    [Fact]
    public async Task Content404_CompletedVideo_AnswersNotFoundForTheFirstNContentRequestsThenServes()
    {
        string id = await CreateIdAsync("lagging content [[content404=2]]");
        Advance(20);

        for (int i = 0; i < 2; i++)
        {
            using HttpResponseMessage missing = await GetStreamingAsync($"v1/videos/{id}/content");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("content_not_ready", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using HttpResponseMessage served = await GetStreamingAsync($"v1/videos/{id}/content");
        (long total, Exception? error) = await Streams.CountAsync(await served.Content.ReadAsStreamAsync());
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Null(error);
        Assert.Equal(served.Content.Headers.ContentLength, total);
        Assert.Equal(1, Emulator.Stats.DownloadsOf(id));
    }

    [Fact]
    public async Task Truncate_ThumbnailVariant_AlsoEndsEarly()
    {
        string id = await CreateIdAsync("cut thumb [[truncate=1]]");
        Advance(20);

        using HttpResponseMessage broken = await GetStreamingAsync($"v1/videos/{id}/content?variant=thumbnail");
        (long bytes, Exception? error) = await Streams.CountAsync(await broken.Content.ReadAsStreamAsync());

        Assert.NotNull(error);
        Assert.True(bytes < broken.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData(50_000_000L)]
    [InlineData(4_400_000_000L)]
    public async Task Bytes_LargeVideo_HasExactLengthAndValidTopLevelBoxes(long size)
    {
        string id = await CreateIdAsync($"huge [[bytes={size}]]");
        Advance(20);

        using HttpResponseMessage response = await GetStreamingAsync($"v1/videos/{id}/content");
        (List<(string Type, long Size)>? boxes, long length) = await Streams.TopLevelBoxesAsync(await response.Content.ReadAsStreamAsync());

        Assert.Equal(size, response.Content.Headers.ContentLength);
        Assert.Equal(size, length);
        Assert.Equal(["ftyp", "moov", "free", "mdat"], boxes.Select(b => b.Type));
        Assert.Equal(size, boxes.Sum(b => b.Size));
    }

    [Fact]
    public async Task Bytes_Thumbnail_StaysSmallImage()
    {
        string id = await CreateIdAsync("huge thumb [[bytes=50000000]]");
        Advance(20);

        using HttpResponseMessage response = await GetAsync($"v1/videos/{id}/content?variant=thumbnail");

        Assert.Equal("image/webp", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Content.Headers.ContentLength < 80 * 1024);
    }

    [Fact]
    public async Task Redirect_Content_Answers302ToSignedUrlOnOtherHost()
    {
        string id = await CreateIdAsync("elsewhere [[redirect]]");
        Advance(20);

        using HttpResponseMessage redirect = await GetAsync($"v1/videos/{id}/content?variant=spritesheet");

        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Uri location = redirect.Headers.Location!;
        Assert.Equal("localhost", location.Host);
        Assert.Equal(Emulator.BaseAddress.Port, location.Port);
        Assert.Equal($"/_emulator/signed/{id}", location.AbsolutePath);
        Assert.Contains("variant=spritesheet", location.Query, StringComparison.Ordinal);
        Assert.Contains("sig=", location.Query, StringComparison.Ordinal);
        Assert.Equal(0, Emulator.Stats.DownloadsOf(id));
    }

    [Fact]
    public async Task Redirect_SignedUrlWithoutCredentials_ServesBytes()
    {
        string id = await CreateIdAsync("elsewhere [[redirect]]");
        Advance(20);
        using HttpResponseMessage redirect = await GetAsync($"v1/videos/{id}/content");

        using HttpResponseMessage signed = await GetStreamingAsync(redirect.Headers.Location!.ToString());
        byte[] body = await signed.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal("video/mp4", signed.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ftyp"u8.ToArray(), body[4..8]);
        Assert.Equal(1, Emulator.Stats.DownloadsOf(id));
    }

    [Theory]
    [InlineData("Authorization", "Bearer sk-test")]
    [InlineData("api-key", "sk-test")]
    public async Task Redirect_SignedUrlWithCredentials_Returns400(string header, string value)
    {
        string id = await CreateIdAsync("elsewhere [[redirect]]");
        Advance(20);
        using HttpResponseMessage redirect = await GetAsync($"v1/videos/{id}/content");

        using HttpResponseMessage signed = await GetStreamingAsync(redirect.Headers.Location!.ToString(), (header, value));

        await AssertErrorAsync(signed, HttpStatusCode.BadRequest, code: "credentials_not_allowed");
        Assert.Equal(0, Emulator.Stats.DownloadsOf(id));
    }

    [Fact]
    public async Task Redirect_SignedUrlWithForgedSignature_Returns403()
    {
        string id = await CreateIdAsync("elsewhere [[redirect]]");
        Advance(20);

        using HttpResponseMessage forged = await GetStreamingAsync(
            $"http://localhost:{Emulator.BaseAddress.Port}/_emulator/signed/{id}?variant=video&sig=00");

        await AssertErrorAsync(forged, HttpStatusCode.Forbidden, code: "invalid_signature");
    }

    [Fact]
    public async Task Directives_InPrompt_EchoedBackUnchanged()
    {
        const string prompt = "A fox [[render=1]] runs [[pollafter=10]]";

        JsonElement video = await CreateAsync(prompt);

        Assert.Equal(prompt, video.GetProperty("prompt").GetString());
    }
}
