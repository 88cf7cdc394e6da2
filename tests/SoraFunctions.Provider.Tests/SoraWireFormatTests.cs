namespace SoraFunctions.Provider.Tests;

/// <summary>Parsing of the video object through the client (tolerant of gateway differences).</summary>
public sealed class SoraWireFormatTests
{
    static async Task<SoraVideo> ParseAsync(string json)
    {
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.OK, json));
        return (await Stub.Client(handler).GetVideoAsync("video_1")).GetValueOrThrow();
    }

    [Theory]
    [InlineData("queued", SoraVideoStatus.Queued, false)]
    [InlineData("in_progress", SoraVideoStatus.InProgress, false)]
    [InlineData("completed", SoraVideoStatus.Completed, true)]
    [InlineData("failed", SoraVideoStatus.Failed, true)]
    [InlineData("cancelled", SoraVideoStatus.Cancelled, true)]
    [InlineData("canceled", SoraVideoStatus.Cancelled, true)]
    [InlineData("expired", SoraVideoStatus.Expired, true)]
    [InlineData("Completed", SoraVideoStatus.Completed, true)]
    [InlineData("rendering", SoraVideoStatus.Unknown, false)]
    public async Task GetVideoAsync_Status_ParsedAndRawKept(string raw, SoraVideoStatus status, bool terminal)
    {
        SoraVideo video = await ParseAsync(Stub.VideoJson(status: raw));

        Assert.Equal(status, video.Status);
        Assert.Equal(raw, video.RawStatus);
        Assert.Equal(terminal, video.IsTerminal);
    }

    [Fact]
    public async Task GetVideoAsync_FullObject_AllFieldsRead()
    {
        SoraVideo video = await ParseAsync("""
            {"id":"video_abc","object":"video","model":"sora-2-pro","status":"failed","progress":42,
             "created_at":1760627796,"completed_at":1760627896,"expires_at":1760631496,
             "seconds":"8","size":"1280x720","prompt":"a cat","remixed_from_video_id":"video_src",
             "error":{"code":"moderation_blocked","message":"Blocked."},"unknown_field":{"x":1}}
            """);

        Assert.Equal("video_abc", video.Id);
        Assert.Equal("sora-2-pro", video.Model);
        Assert.Equal(42, video.Progress);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1760627796), video.CreatedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1760627896), video.CompletedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1760631496), video.ExpiresAt);
        Assert.Equal("8", video.Seconds);
        Assert.Equal("1280x720", video.Size);
        Assert.Equal("a cat", video.Prompt);
        Assert.Equal("video_src", video.RemixedFromVideoId);
        Assert.Equal(new SoraVideoError("moderation_blocked", "Blocked."), video.Error);
    }

    [Fact]
    public async Task GetVideoAsync_SecondsAsNumberAndNulls_Tolerated()
    {
        SoraVideo video = await ParseAsync("""{"id":"video_n","status":"queued","seconds":12,"progress":null,"completed_at":null,"error":null,"model":null}""");

        Assert.Equal("12", video.Seconds);
        Assert.Null(video.Progress);
        Assert.Null(video.CompletedAt);
        Assert.Null(video.Error);
        Assert.Null(video.Model);
    }

    [Fact]
    public async Task GetVideoAsync_ObjectWithoutId_InvalidResponse()
    {
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.OK, """{"status":"queued"}"""));

        SoraResult<SoraVideo> result = await Stub.Client(handler).GetVideoAsync("video_1");

        Assert.Equal("invalid_response", result.Error?.Code);
    }

    [Fact]
    public async Task ListVideosAsync_Page_ParsesCursorFieldsAndSendsQuery()
    {
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.OK, $$"""
            {"object":"list","data":[{{Stub.VideoJson("video_a")}},{{Stub.VideoJson("video_b")}}],"first_id":"video_a","last_id":"video_b","has_more":true}
            """));

        SoraVideoPage page = (await Stub.Client(handler).ListVideosAsync(new SoraListQuery(2, SoraListOrder.Asc, "video_0"))).GetValueOrThrow();

        Assert.Equal(["video_a", "video_b"], page.Data.Select(v => v.Id));
        Assert.Equal("video_a", page.FirstId);
        Assert.Equal("video_b", page.LastId);
        Assert.True(page.HasMore);
        Uri uri = Assert.Single(handler.Requests).Uri;
        Assert.Equal("/v1/videos", uri.AbsolutePath);
        Assert.Contains("limit=2", uri.Query, StringComparison.Ordinal);
        Assert.Contains("order=asc", uri.Query, StringComparison.Ordinal);
        Assert.Contains("after=video_0", uri.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAllVideosAsync_ErrorOnSecondPage_ThrowsSoraException()
    {
        int calls = 0;
        var handler = StubHandler.Answer(_ => Interlocked.Increment(ref calls) == 1
            ? Stub.Json(HttpStatusCode.OK, $$"""{"object":"list","data":[{{Stub.VideoJson("video_a")}}],"first_id":"video_a","last_id":"video_a","has_more":true}""")
            : Stub.Json(HttpStatusCode.ServiceUnavailable, """{"error":{"message":"busy","type":"server_error","param":null,"code":null}}"""));
        var seen = new List<string>();

        SoraException exception = await Assert.ThrowsAsync<SoraException>(async () =>
        {
            await foreach (SoraVideo video in Stub.Client(handler).ListAllVideosAsync(pageSize: 1))
            {
                seen.Add(video.Id);
            }
        });

        Assert.Equal(["video_a"], seen);
        Assert.Equal(503, exception.Error.StatusCode);
        Assert.Equal(SoraErrorKind.Transient, exception.Error.Kind);
        Assert.Contains("after=video_a", handler.Requests.Last().Uri.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteVideoAsync_Answer_Parsed()
    {
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.OK, """{"id":"video_d","object":"video.deleted","deleted":true}"""));

        SoraDeleted deleted = (await Stub.Client(handler).DeleteVideoAsync("video_d")).GetValueOrThrow();

        Assert.Equal(new SoraDeleted("video_d", true), deleted);
        Assert.Equal(HttpMethod.Delete, Assert.Single(handler.Requests).Method);
    }
}
