namespace SoraEmulator.Tests;

public sealed class ContentTests : EmulatorTestBase
{
    async Task<string> CompletedAsync(string prompt, string? size = null)
    {
        string id = await CreateIdAsync(prompt, size);
        Advance(20);
        return id;
    }

    async Task<(HttpResponseMessage Response, byte[] Body)> DownloadAsync(string id, string? variant = null)
    {
        HttpResponseMessage response = await GetAsync(variant is null ? $"v1/videos/{id}/content" : $"v1/videos/{id}/content?variant={variant}");
        return (response, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Content_DefaultVariant_ServesPortraitMp4WithFtypMoovBeforeMdat()
    {
        string id = await CompletedAsync("portrait");

        (HttpResponseMessage? response, byte[]? body) = await DownloadAsync(id);
        using HttpResponseMessage _ = response;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("video/mp4", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.True(body.Length is > 10_000 and < 80 * 1024);
        Assert.Equal("ftyp"u8.ToArray(), body[4..8]);
        using var stream = new MemoryStream(body);
        (List<(string Type, long Size)>? boxes, long length) = await Streams.TopLevelBoxesAsync(stream);
        var types = boxes.Select(b => b.Type).ToList();
        Assert.Equal(body.Length, length);
        Assert.Equal("ftyp", types[0]);
        Assert.True(types.IndexOf("moov") < types.IndexOf("mdat"), "faststart: moov before mdat");
        Assert.Equal(720, TrackDimension(body, width: true));
        Assert.Equal(1280, TrackDimension(body, width: false));
        Assert.Equal(1, Emulator.Stats.DownloadsOf(id));
    }

    [Theory]
    [InlineData("1280x720", 1280, 720)]
    [InlineData("1792x1024", 1280, 720)]
    [InlineData("1024x1792", 720, 1280)]
    public async Task Content_VideoVariant_MatchesOrientationOfSize(string size, int width, int height)
    {
        string id = await CompletedAsync("oriented", size);

        (HttpResponseMessage? response, byte[]? body) = await DownloadAsync(id, "video");
        using HttpResponseMessage _ = response;

        Assert.Equal(width, TrackDimension(body, width: true));
        Assert.Equal(height, TrackDimension(body, width: false));
    }

    [Fact]
    public async Task Content_Thumbnail_ServesWebp()
    {
        string id = await CompletedAsync("thumb");

        (HttpResponseMessage? response, byte[]? body) = await DownloadAsync(id, "thumbnail");
        using HttpResponseMessage _ = response;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/webp", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Equal("RIFF"u8.ToArray(), body[..4]);
        Assert.Equal("WEBP"u8.ToArray(), body[8..12]);
    }

    [Fact]
    public async Task Content_Spritesheet_ServesJpeg()
    {
        string id = await CompletedAsync("sprites");

        (HttpResponseMessage? response, byte[]? body) = await DownloadAsync(id, "spritesheet");
        using HttpResponseMessage _ = response;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Equal(new byte[] { 0xFF, 0xD8 }, body[..2]);
    }

    [Fact]
    public async Task Content_NotCompleted_Returns404NotReady()
    {
        string id = await CreateIdAsync("unfinished");
        Advance(19);

        using HttpResponseMessage response = await GetAsync($"v1/videos/{id}/content");

        await AssertErrorAsync(response, HttpStatusCode.NotFound, code: "video_not_ready");
        Assert.Equal(0, Emulator.Stats.DownloadsOf(id));
    }

    [Fact]
    public async Task Content_UnknownVideo_Returns404NotFound()
    {
        using HttpResponseMessage response = await GetAsync("v1/videos/video_ffffffffffffffffffffffffffffffff/content");

        await AssertErrorAsync(response, HttpStatusCode.NotFound, code: "not_found");
    }

    [Fact]
    public async Task Content_UnknownVariant_Returns400NamingVariant()
    {
        string id = await CompletedAsync("variant");

        using HttpResponseMessage response = await GetAsync($"v1/videos/{id}/content?variant=poster");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "variant", "invalid_value");
    }

    /// <summary>Width or height (16.16 fixed point) of the first tkhd box.</summary>
    static int TrackDimension(byte[] mp4, bool width)
    {
        int at = mp4.AsSpan().IndexOf("tkhd"u8);
        Assert.True(at > 0, "tkhd box present");
        byte version = mp4[at + 4];
        // After type: version/flags 4, times and ids (v0: 20, v1: 32), reserved 8, layer..volume 8, matrix 36.
        int offset = at + 4 + 4 + (version == 1 ? 32 : 20) + 8 + 8 + 36 + (width ? 0 : 4);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(mp4.AsSpan(offset)) >> 16;
    }
}
