namespace SoraEmulator.Tests;

public sealed class ListDeleteRemixTests : EmulatorTestBase
{
    async Task<List<string>> CreateManyAsync(int count)
    {
        var ids = new List<string>();
        for (int i = 0; i < count; i++)
        {
            ids.Add(await CreateIdAsync($"video {i}"));
        }

        return ids;
    }

    async Task<JsonElement> ListAsync(string query)
    {
        using HttpResponseMessage response = await GetAsync("v1/videos" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }

    static List<string> Ids(JsonElement page) =>
        [.. page.GetProperty("data").EnumerateArray().Select(v => v.GetProperty("id").GetString()!)];

    [Fact]
    public async Task List_DefaultOrder_NewestFirstWithCursorFields()
    {
        List<string> ids = await CreateManyAsync(3);

        JsonElement page = await ListAsync("");

        Assert.Equal("list", page.GetProperty("object").GetString());
        Assert.Equal(Enumerable.Reverse(ids), Ids(page));
        Assert.Equal(ids[2], page.GetProperty("first_id").GetString());
        Assert.Equal(ids[0], page.GetProperty("last_id").GetString());
        Assert.False(page.GetProperty("has_more").GetBoolean());
        Assert.Equal("video", page.GetProperty("data")[0].GetProperty("object").GetString());
    }

    [Theory]
    [InlineData("desc")]
    [InlineData("asc")]
    public async Task List_PagedWithAfter_WalksEveryVideoOnce(string order)
    {
        List<string> ids = await CreateManyAsync(5);
        List<string> expected = order == "asc" ? ids : Enumerable.Reverse(ids).ToList();

        var walked = new List<string>();
        var hasMore = new List<bool>();
        string? after = null;
        do
        {
            JsonElement page = await ListAsync($"?limit=2&order={order}" + (after is null ? "" : $"&after={after}"));
            walked.AddRange(Ids(page));
            hasMore.Add(page.GetProperty("has_more").GetBoolean());
            after = page.GetProperty("last_id").GetString();
        }
        while (hasMore[^1]);

        Assert.Equal(expected, walked);
        Assert.Equal([true, true, false], hasMore);
    }

    [Fact]
    public async Task List_AfterLastItem_ReturnsEmptyPage()
    {
        List<string> ids = await CreateManyAsync(2);

        JsonElement page = await ListAsync($"?order=asc&after={ids[1]}");

        Assert.Empty(Ids(page));
        Assert.Equal(JsonValueKind.Null, page.GetProperty("first_id").ValueKind);
        Assert.False(page.GetProperty("has_more").GetBoolean());
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=101", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?order=up", "order")]
    [InlineData("?after=video_nope", "after")]
    public async Task List_BadQuery_Returns400NamingParam(string query, string param)
    {
        using HttpResponseMessage response = await GetAsync("v1/videos" + query);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, param);
    }

    [Fact]
    public async Task Delete_ExistingVideo_ReturnsDeletedAndLaterGetIs404()
    {
        List<string> ids = await CreateManyAsync(2);

        using HttpResponseMessage deleted = await Client.DeleteAsync(new Uri($"v1/videos/{ids[0]}", UriKind.Relative));
        JsonElement body = await ReadJsonAsync(deleted);

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(ids[0], body.GetProperty("id").GetString());
        Assert.Equal("video.deleted", body.GetProperty("object").GetString());
        Assert.True(body.GetProperty("deleted").GetBoolean());
        using HttpResponseMessage get = await GetAsync($"v1/videos/{ids[0]}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal([ids[1]], Ids(await ListAsync("")));
        using HttpResponseMessage again = await Client.DeleteAsync(new Uri($"v1/videos/{ids[0]}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(2, Emulator.Stats.Deletes);
    }

    [Fact]
    public async Task Remix_CompletedSource_ReturnsQueuedVideoWithSourceSettings()
    {
        JsonElement source = await CreateAsync("original", "1280x720");
        string sourceId = source.GetProperty("id").GetString()!;
        Advance(20);

        using HttpResponseMessage response = await PostJsonAsync($"v1/videos/{sourceId}/remix", """{"prompt":"now at night"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement remix = await ReadJsonAsync(response);
        Assert.NotEqual(sourceId, remix.GetProperty("id").GetString());
        Assert.Equal("queued", remix.GetProperty("status").GetString());
        Assert.Equal("now at night", remix.GetProperty("prompt").GetString());
        Assert.Equal("1280x720", remix.GetProperty("size").GetString());
        Assert.Equal(sourceId, remix.GetProperty("remixed_from_video_id").GetString());
        Assert.Equal(1, Emulator.Stats.Remixes);
    }

    [Fact]
    public async Task Remix_SourceNotCompleted_Returns400()
    {
        string sourceId = await CreateIdAsync("still rendering");

        using HttpResponseMessage response = await PostJsonAsync($"v1/videos/{sourceId}/remix", """{"prompt":"again"}""");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, code: "video_not_completed");
    }

    [Fact]
    public async Task Remix_UnknownSource_Returns404()
    {
        using HttpResponseMessage response = await PostJsonAsync("v1/videos/video_0123456789abcdef0123456789abcdef/remix", """{"prompt":"x"}""");

        await AssertErrorAsync(response, HttpStatusCode.NotFound, code: "not_found");
    }

    [Fact]
    public async Task Remix_BlankPrompt_Returns400NamingPrompt()
    {
        string sourceId = await CreateIdAsync("source");
        Advance(20);

        using HttpResponseMessage response = await PostJsonAsync($"v1/videos/{sourceId}/remix", """{"prompt":""}""");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "prompt");
    }
}
