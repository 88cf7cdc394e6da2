using SoraEmulator;

namespace SoraFunctions.Provider.Tests;

/// <summary>The client against the Sora emulator over real HTTP on loopback.</summary>
public sealed class SoraClientEmulatorTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    SoraClient Client => fixture.Client;

    [Fact]
    public async Task CreateVideoAsync_Multipart_EmulatorEchoesFields()
    {
        string prompt = EmulatorFixture.Prompt();

        SoraResult<SoraVideo> result = await Client.CreateVideoAsync(new SoraCreateRequest(prompt, "sora-2-pro", "8", "1920x1080"));

        Assert.True(result.IsSuccess, result.ToString());
        SoraVideo video = result.Value;
        Assert.StartsWith("video_", video.Id, StringComparison.Ordinal);
        Assert.Equal(SoraVideoStatus.Queued, video.Status);
        Assert.Equal("queued", video.RawStatus);
        Assert.Equal(prompt, video.Prompt);
        Assert.Equal("sora-2-pro", video.Model);
        Assert.Equal("8", video.Seconds);
        Assert.Equal("1920x1080", video.Size);
        Assert.Equal(0, video.Progress);
        Assert.NotNull(video.CreatedAt);
        Assert.False(video.IsTerminal);
    }

    [Fact]
    public async Task CreateVideoAsync_NoModelSecondsSize_SendsConfiguredDefaults()
    {
        var client = new SoraClient(
            new HttpClient(SoraClient.CreatePrimaryHandler()),
            new SoraOptions { BaseUrl = fixture.Emulator.ApiBaseUrl.ToString(), DefaultModel = "sora-2-2025-10-06", DefaultSeconds = "12", DefaultSize = "1280x720" });

        SoraResult<SoraVideo> result = await client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt()));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("sora-2-2025-10-06", result.Value.Model);
        Assert.Equal("12", result.Value.Seconds);
        Assert.Equal("1280x720", result.Value.Size);
    }

    [Fact]
    public async Task CreateVideoAsync_InputReferencePng_IsAccepted()
    {
        using var image = new MemoryStream([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]);
        var request = new SoraCreateRequest(EmulatorFixture.Prompt()) { InputReference = new SoraInputReference("first-frame.png", "image/png", image) };

        SoraResult<SoraVideo> result = await Client.CreateVideoAsync(request);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(image.Length, image.Position);
        Assert.True(image.CanRead, "the caller's stream must stay open");
    }

    [Fact]
    public async Task CreateVideoAsync_InputReferenceOfWrongType_ReachesEmulatorAndIsRejectedByParam()
    {
        using var file = new MemoryStream(Encoding.UTF8.GetBytes("not an image"));
        var request = new SoraCreateRequest(EmulatorFixture.Prompt()) { InputReference = new SoraInputReference("notes.txt", "text/plain", file) };

        SoraResult<SoraVideo> result = await Client.CreateVideoAsync(request);

        Assert.False(result.IsSuccess);
        Assert.Equal(400, result.Error.StatusCode);
        Assert.Equal("input_reference", result.Error.Param);
        Assert.Equal(SoraErrorKind.Terminal, result.Error.Kind);
        Assert.False(result.Error.MayHaveReachedProvider);
    }

    [Fact]
    public async Task CreateVideoAsync_UnsupportedSize_TerminalNamingParam()
    {
        SoraResult<SoraVideo> result = await Client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt(), Size: "640x480"));

        Assert.False(result.IsSuccess);
        Assert.Equal(SoraErrorKind.Terminal, result.Error.Kind);
        Assert.Equal(400, result.Error.StatusCode);
        Assert.Equal("size", result.Error.Param);
        Assert.Equal("invalid_request_error", result.Error.Type);
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
    }

    [Fact]
    public async Task GetVideoAsync_AsRenderTimePasses_ProgressesToCompleted()
    {
        SoraVideo created = (await Client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt()))).GetValueOrThrow();

        SoraVideo queued = (await Client.GetVideoAsync(created.Id)).GetValueOrThrow();
        fixture.Clock.Advance(TimeSpan.FromSeconds(EmulatorFixture.RenderSeconds * 0.5));
        SoraVideo half = (await Client.GetVideoAsync(created.Id)).GetValueOrThrow();
        fixture.Clock.Advance(TimeSpan.FromSeconds(EmulatorFixture.RenderSeconds * 0.3));
        SoraVideo later = (await Client.GetVideoAsync(created.Id)).GetValueOrThrow();
        fixture.FinishRenders();
        SoraVideo done = (await Client.GetVideoAsync(created.Id)).GetValueOrThrow();

        Assert.Equal(SoraVideoStatus.Queued, queued.Status);
        Assert.Equal(SoraVideoStatus.InProgress, half.Status);
        Assert.Equal("in_progress", half.RawStatus);
        Assert.InRange(half.Progress!.Value, 1, 99);
        Assert.True(later.Progress > half.Progress, $"{later.Progress} > {half.Progress}");
        Assert.Equal(SoraVideoStatus.Completed, done.Status);
        Assert.True(done.IsTerminal);
        Assert.NotNull(done.CompletedAt);
        Assert.NotNull(done.ExpiresAt);
        Assert.True(done.ExpiresAt > done.CompletedAt);
    }

    [Fact]
    public async Task GetVideoAsync_UnknownId_TerminalNotFound()
    {
        SoraResult<SoraVideo> result = await Client.GetVideoAsync("video_00000000000000000000000000000000");

        Assert.False(result.IsSuccess);
        Assert.Equal(SoraErrorKind.Terminal, result.Error.Kind);
        Assert.Equal(404, result.Error.StatusCode);
        Assert.False(result.Error.MayHaveReachedProvider);
    }

    [Theory]
    [InlineData(SoraVariant.Video, "video/mp4")]
    [InlineData(SoraVariant.Thumbnail, "image/webp")]
    [InlineData(SoraVariant.Spritesheet, "image/jpeg")]
    public async Task DownloadContentAsync_EachVariant_StreamsMediaOfItsType(SoraVariant variant, string contentType)
    {
        SoraVideo video = await fixture.CreateCompletedAsync();

        SoraResult<SoraContent> result = await Client.DownloadContentAsync(video.Id, variant);

        Assert.True(result.IsSuccess, result.ToString());
        await using SoraContent content = result.Value;
        Assert.StartsWith(contentType, content.ContentType, StringComparison.Ordinal);
        (long total, byte[] head) = await StreamReading.ReadAllAsync(content.Stream);
        Assert.Equal(content.ContentLength, total);
        Assert.True(total > 100);
        switch (variant)
        {
            case SoraVariant.Video:
                Assert.Equal("ftyp", Encoding.ASCII.GetString(head, 4, 4));
                break;
            case SoraVariant.Thumbnail:
                Assert.Equal("RIFF", Encoding.ASCII.GetString(head, 0, 4));
                Assert.Equal("WEBP", Encoding.ASCII.GetString(head, 8, 4));
                break;
            default:
                Assert.Equal([0xFF, 0xD8], head[..2]);
                break;
        }
    }

    [Fact]
    public async Task DownloadContentAsync_LargeVideo_StreamsExactByteCountInChunks()
    {
        const long size = 48L * 1024 * 1024;
        SoraVideo video = await fixture.CreateCompletedAsync($"[[bytes={size}]]");
        long before = GC.GetTotalAllocatedBytes(precise: true);

        SoraResult<SoraContent> result = await Client.DownloadContentAsync(video.Id);

        Assert.True(result.IsSuccess, result.ToString());
        await using SoraContent content = result.Value;
        Assert.False(content.Stream.CanSeek, "a buffered body would be a seekable memory stream");
        Assert.Equal(size, content.ContentLength);
        (long total, byte[] head) = await StreamReading.ReadAllAsync(content.Stream, chunkSize: 64 * 1024);
        Assert.Equal(size, total);
        Assert.Equal("ftyp", Encoding.ASCII.GetString(head, 4, 4));
        // Streaming: far less allocated in the whole process than the body's size (a buffered body would allocate it all).
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < size / 2, $"allocated {allocated} bytes while streaming {size}");
    }

    [Fact]
    public async Task DownloadContentAsync_NotCompleted_TerminalError()
    {
        SoraVideo created = (await Client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt()))).GetValueOrThrow();

        SoraResult<SoraContent> result = await Client.DownloadContentAsync(created.Id);

        Assert.False(result.IsSuccess);
        Assert.Equal(SoraErrorKind.Terminal, result.Error.Kind);
        Assert.InRange(result.Error.StatusCode!.Value, 400, 499);
    }

    [Fact]
    public async Task DownloadContentAsync_ResetDirective_ReadThrowsIOException()
    {
        SoraVideo video = await fixture.CreateCompletedAsync($"[[reset=1]] [[bytes={4 * 1024 * 1024}]]");

        SoraResult<SoraContent> result = await Client.DownloadContentAsync(video.Id);

        Assert.True(result.IsSuccess, result.ToString());
        await using SoraContent content = result.Value;
        await Assert.ThrowsAnyAsync<IOException>(() => StreamReading.ReadAllAsync(content.Stream));

        // The directive applied to the first download only: the next one is whole.
        SoraResult<SoraContent> again = await Client.DownloadContentAsync(video.Id);
        await using SoraContent whole = again.GetValueOrThrow();
        Assert.Equal(whole.ContentLength, (await StreamReading.ReadAllAsync(whole.Stream)).Total);
    }

    [Fact]
    public async Task DownloadContentAsync_TruncateDirective_ReportsFewerBytesOrThrows()
    {
        SoraVideo video = await fixture.CreateCompletedAsync($"[[truncate=1]] [[bytes={2 * 1024 * 1024}]]");

        SoraResult<SoraContent> result = await Client.DownloadContentAsync(video.Id);

        Assert.True(result.IsSuccess, result.ToString());
        await using SoraContent content = result.Value;
        Assert.Equal(2 * 1024 * 1024, content.ContentLength);
        try
        {
            (long total, _) = await StreamReading.ReadAllAsync(content.Stream);
            Assert.True(total < content.ContentLength, $"read {total} of {content.ContentLength}");
        }
        catch (IOException)
        {
            // HttpClient reports a body shorter than its Content-Length as an IOException: also a detectable cut.
        }
    }

    [Fact]
    public async Task ListVideosAsync_OnePage_HonoursLimitAndCursor()
    {
        for (int i = 0; i < 3; i++)
        {
            (await Client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt()))).GetValueOrThrow();
        }

        SoraVideoPage first = (await Client.ListVideosAsync(new SoraListQuery(Limit: 2))).GetValueOrThrow();
        SoraVideoPage second = (await Client.ListVideosAsync(new SoraListQuery(Limit: 2, After: first.LastId))).GetValueOrThrow();

        Assert.Equal(2, first.Data.Count);
        Assert.True(first.HasMore);
        Assert.Equal(first.Data[0].Id, first.FirstId);
        Assert.Equal(first.Data[^1].Id, first.LastId);
        Assert.NotEmpty(second.Data);
        Assert.DoesNotContain(second.Data, v => first.Data.Any(f => f.Id == v.Id));
    }

    [Fact]
    public async Task ListAllVideosAsync_SmallPages_FollowsHasMoreThroughEveryVideo()
    {
        for (int i = 0; i < 5; i++)
        {
            (await Client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt()))).GetValueOrThrow();
        }

        int listsBefore = fixture.Emulator.Stats.Lists;
        var all = new List<SoraVideo>();
        await foreach (SoraVideo video in Client.ListAllVideosAsync(SoraListOrder.Asc, pageSize: 2))
        {
            all.Add(video);
        }

        var existing = fixture.Emulator.Stats.VideoIds.ToHashSet();
        SoraVideoPage everything = (await Client.ListVideosAsync(new SoraListQuery(Limit: 100, Order: SoraListOrder.Asc))).GetValueOrThrow();
        Assert.Equal(everything.Data.Select(v => v.Id), all.Select(v => v.Id));
        Assert.True(all.Count >= 5);
        Assert.All(all, v => Assert.Contains(v.Id, existing));
        Assert.True(fixture.Emulator.Stats.Lists - listsBefore >= (all.Count + 1) / 2, "one request per page of two");
        Assert.Equal(all.OrderBy(v => v.CreatedAt).Select(v => v.Id), all.Select(v => v.Id));
    }

    [Fact]
    public async Task DeleteVideoAsync_Existing_DeletedAndThenNotFound()
    {
        SoraVideo video = await fixture.CreateCompletedAsync();

        SoraResult<SoraDeleted> deleted = await Client.DeleteVideoAsync(video.Id);
        SoraResult<SoraVideo> after = await Client.GetVideoAsync(video.Id);

        Assert.True(deleted.IsSuccess, deleted.ToString());
        Assert.Equal(video.Id, deleted.Value.Id);
        Assert.True(deleted.Value.Deleted);
        Assert.Equal(404, after.Error?.StatusCode);
    }

    [Fact]
    public async Task RemixVideoAsync_Completed_NewQueuedVideoPointingToSource()
    {
        SoraVideo source = await fixture.CreateCompletedAsync();
        string prompt = EmulatorFixture.Prompt();

        SoraResult<SoraVideo> remix = await Client.RemixVideoAsync(source.Id, prompt);

        Assert.True(remix.IsSuccess, remix.ToString());
        Assert.NotEqual(source.Id, remix.Value.Id);
        Assert.Equal(source.Id, remix.Value.RemixedFromVideoId);
        Assert.Equal(prompt, remix.Value.Prompt);
        Assert.Equal(SoraVideoStatus.Queued, remix.Value.Status);
    }

    [Fact]
    public async Task CreateVideoAsync_Create429_TransientWithRetryAfterAndNothingCreated()
    {
        string prompt = EmulatorFixture.Prompt("[[create429=1]] [[retryafter=7]]");

        SoraResult<SoraVideo> first = await Client.CreateVideoAsync(new SoraCreateRequest(prompt));
        int createdAfterFirst = fixture.Emulator.Stats.VideosWithPrompt(prompt);
        SoraResult<SoraVideo> second = await Client.CreateVideoAsync(new SoraCreateRequest(prompt));

        Assert.False(first.IsSuccess);
        Assert.Equal(SoraErrorKind.Transient, first.Error.Kind);
        Assert.Equal(429, first.Error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), first.Error.RetryAfter);
        Assert.False(first.Error.MayHaveReachedProvider);
        Assert.Equal(0, createdAfterFirst);
        Assert.Equal(2, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
        Assert.True(second.IsSuccess, second.ToString());
    }

    [Theory]
    [InlineData("create500", 500)]
    [InlineData("create503", 503)]
    public async Task CreateVideoAsync_ServerError_TransientAndMayHaveReachedProvider(string directive, int status)
    {
        string prompt = EmulatorFixture.Prompt($"[[{directive}=1]]");

        SoraResult<SoraVideo> result = await Client.CreateVideoAsync(new SoraCreateRequest(prompt));

        Assert.False(result.IsSuccess);
        Assert.Equal(SoraErrorKind.Transient, result.Error.Kind);
        Assert.Equal(status, result.Error.StatusCode);
        Assert.True(result.Error.MayHaveReachedProvider);
        Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
    }

    [Fact]
    public async Task CreateVideoAsync_CreateLost_TransientMayHaveReachedProviderAndVideoExists()
    {
        string prompt = EmulatorFixture.Prompt("[[createlost=1]]");

        SoraResult<SoraVideo> result = await Client.CreateVideoAsync(new SoraCreateRequest(prompt));

        Assert.False(result.IsSuccess);
        Assert.Equal(SoraErrorKind.Transient, result.Error.Kind);
        Assert.Equal(500, result.Error.StatusCode);
        Assert.True(result.Error.MayHaveReachedProvider);
        Assert.Equal(1, fixture.Emulator.Stats.VideosWithPrompt(prompt));
        Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
    }

    [Theory]
    [InlineData("get429", 429, false)]
    [InlineData("get500", 500, true)]
    [InlineData("get503", 503, true)]
    public async Task GetVideoAsync_FaultDirective_TransientThenRecovers(string directive, int status, bool mayHaveReached)
    {
        SoraVideo created = (await Client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt($"[[{directive}=1]] [[retryafter=3]]")))).GetValueOrThrow();

        SoraResult<SoraVideo> faulted = await Client.GetVideoAsync(created.Id);
        SoraResult<SoraVideo> next = await Client.GetVideoAsync(created.Id);

        Assert.False(faulted.IsSuccess);
        Assert.Equal(SoraErrorKind.Transient, faulted.Error.Kind);
        Assert.Equal(status, faulted.Error.StatusCode);
        Assert.Equal(mayHaveReached, faulted.Error.MayHaveReachedProvider);
        if (status == 429)
        {
            Assert.Equal(TimeSpan.FromSeconds(3), faulted.Error.RetryAfter);
        }

        Assert.True(next.IsSuccess, next.ToString());
        Assert.Equal(2, fixture.Emulator.Stats.RetrievesOf(created.Id));
    }

    [Fact]
    public async Task GetVideoAsync_FailModerationBlocked_FailedWithErrorCode()
    {
        SoraVideo created = (await Client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt("[[fail=moderation_blocked]]")))).GetValueOrThrow();
        fixture.FinishRenders();

        SoraVideo video = (await Client.GetVideoAsync(created.Id)).GetValueOrThrow();

        Assert.Equal(SoraVideoStatus.Failed, video.Status);
        Assert.True(video.IsTerminal);
        Assert.Equal("moderation_blocked", video.Error?.Code);
        Assert.False(string.IsNullOrWhiteSpace(video.Error?.Message));
    }

    [Fact]
    public async Task GetVideoAsync_Stall_StaysInProgressPastRenderTime()
    {
        SoraVideo created = (await Client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt("[[stall]]")))).GetValueOrThrow();
        fixture.FinishRenders();
        fixture.FinishRenders();

        SoraVideo video = (await Client.GetVideoAsync(created.Id)).GetValueOrThrow();

        Assert.Equal(SoraVideoStatus.InProgress, video.Status);
        Assert.False(video.IsTerminal);
        Assert.True(video.Progress <= 50, $"progress {video.Progress}");
    }

    [Fact]
    public async Task CreateAndGet_PollAfterDirective_SurfacedAsPollAfter()
    {
        SoraResult<SoraVideo> created = await Client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt("[[pollafter=1500]]")));
        SoraResult<SoraVideo> got = await Client.GetVideoAsync(created.GetValueOrThrow().Id);

        Assert.Equal(TimeSpan.FromMilliseconds(1500), created.PollAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), got.PollAfter);
    }

    [Fact]
    public async Task GetVideoAsync_NoPollAfterConfigured_PollAfterNull()
    {
        SoraResult<SoraVideo> created = await Client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt()));

        Assert.True(created.IsSuccess);
        Assert.Null(created.PollAfter);
    }
}
