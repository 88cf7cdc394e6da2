namespace SoraEmulator.Tests;

public sealed class CreateTests : EmulatorTestBase
{
    [Fact]
    public async Task Create_Multipart_ReturnsQueuedVideoObject()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("A calm lake at dawn"), "prompt" },
            { new StringContent("sora-2-pro"), "model" },
            { new StringContent("8"), "seconds" },
            { new StringContent("1920x1080"), "size" },
        };

        using HttpResponseMessage response = await Client.PostAsync(new Uri("v1/videos", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement video = await ReadJsonAsync(response);
        Assert.Matches("^video_[0-9a-f]{32}$", video.GetProperty("id").GetString());
        Assert.Equal("video", video.GetProperty("object").GetString());
        Assert.Equal("sora-2-pro", video.GetProperty("model").GetString());
        Assert.Equal("queued", video.GetProperty("status").GetString());
        Assert.Equal(0, video.GetProperty("progress").GetInt32());
        Assert.Equal(Start.ToUnixTimeSeconds(), video.GetProperty("created_at").GetInt64());
        Assert.Equal(JsonValueKind.Null, video.GetProperty("completed_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, video.GetProperty("expires_at").ValueKind);
        Assert.Equal("8", video.GetProperty("seconds").GetString());
        Assert.Equal("1920x1080", video.GetProperty("size").GetString());
        Assert.Equal("A calm lake at dawn", video.GetProperty("prompt").GetString());
        Assert.Equal(JsonValueKind.Null, video.GetProperty("remixed_from_video_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, video.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task Create_MultipartWithImageReference_ReturnsQueued()
    {
        using var image = new ByteArrayContent([0x89, 0x50, 0x4E, 0x47]);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("From a picture"), "prompt" },
            { image, "input_reference", "ref.png" },
        };

        using HttpResponseMessage response = await Client.PostAsync(new Uri("v1/videos", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("queued", (await ReadJsonAsync(response)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Create_MultipartWithTextReference_Returns400NamingInputReference()
    {
        using var image = new ByteArrayContent([1, 2, 3]);
        image.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("From a picture"), "prompt" },
            { image, "input_reference", "ref.txt" },
        };

        using HttpResponseMessage response = await Client.PostAsync(new Uri("v1/videos", UriKind.Relative), form);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "input_reference", "invalid_value");
    }

    [Fact]
    public async Task Create_JsonWithDefaults_ReturnsDefaultModelSecondsAndSize()
    {
        JsonElement video = await CreateAsync("A red kite");

        Assert.Equal("sora-2", video.GetProperty("model").GetString());
        Assert.Equal("4", video.GetProperty("seconds").GetString());
        Assert.Equal("720x1280", video.GetProperty("size").GetString());
        Assert.Equal("queued", video.GetProperty("status").GetString());
        Assert.Equal(1, Emulator.Stats.Creates);
        Assert.Equal(1, Emulator.Stats.VideosWithPrompt("A red kite"));
    }

    [Theory]
    [InlineData("""{"prompt":"x","input_reference":{"file_id":"file_123"}}""")]
    [InlineData("""{"prompt":"x","input_reference":{"image_url":"https://example.com/a.png"}}""")]
    [InlineData("""{"prompt":"x","input_reference":null,"model":null}""")]
    public async Task Create_JsonWithValidReference_ReturnsQueued(string json)
    {
        using HttpResponseMessage response = await PostJsonAsync("v1/videos", json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"model":"sora-2"}""", "prompt", "missing_required_parameter")]
    [InlineData("""{"prompt":"   "}""", "prompt", "empty_string")]
    [InlineData("""{"prompt":42}""", "prompt", "invalid_type")]
    [InlineData("""{"prompt":"x","model":"sora-3"}""", "model", "invalid_value")]
    [InlineData("""{"prompt":"x","seconds":"5"}""", "seconds", "invalid_value")]
    [InlineData("""{"prompt":"x","seconds":8}""", "seconds", "invalid_type")]
    [InlineData("""{"prompt":"x","size":"640x480"}""", "size", "invalid_value")]
    [InlineData("""{"prompt":"x","model":"sora-2","size":"1920x1080"}""", "size", "invalid_value")]
    [InlineData("""{"prompt":"x","model":"sora-2-2025-12-08","size":"1080x1920"}""", "size", "invalid_value")]
    [InlineData("""{"prompt":"x","input_reference":"file_123"}""", "input_reference", "invalid_value")]
    [InlineData("""{"prompt":"x","input_reference":{"url":"a"}}""", "input_reference", "invalid_value")]
    [InlineData("""{"prompt":"x","n":2}""", "n", "unknown_parameter")]
    [InlineData("""{"prompt":"x [[fail]]"}""", "prompt", "invalid_directive")]
    [InlineData("""{"prompt":"x [[nosuch=1]]"}""", "prompt", "invalid_directive")]
    [InlineData("""{"prompt":"x [[bytes=10]]"}""", "prompt", "invalid_directive")]
    [InlineData("""{"prompt":"x [[createdelay=-1]]"}""", "prompt", "invalid_directive")]
    public async Task Create_InvalidJson_Returns400NamingParam(string json, string param, string code)
    {
        using HttpResponseMessage response = await PostJsonAsync("v1/videos", json);

        JsonElement error = await AssertErrorAsync(response, HttpStatusCode.BadRequest, param, code);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Empty(Emulator.Stats.VideoIds);
    }

    [Theory]
    [InlineData("seconds", "3")]
    [InlineData("size", "1x1")]
    [InlineData("model", "dall-e-3")]
    public async Task Create_InvalidMultipartField_Returns400NamingParam(string field, string value)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("x"), "prompt" },
            { new StringContent(value), field },
        };

        using HttpResponseMessage response = await Client.PostAsync(new Uri("v1/videos", UriKind.Relative), form);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, field, "invalid_value");
    }

    [Fact]
    public async Task Create_MultipartWithoutPrompt_Returns400NamingPrompt()
    {
        using var form = new MultipartFormDataContent { { new StringContent("sora-2"), "model" } };

        using HttpResponseMessage response = await Client.PostAsync(new Uri("v1/videos", UriKind.Relative), form);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "prompt", "missing_required_parameter");
    }

    [Theory]
    [InlineData("sora-2-pro", "1080x1920")]
    [InlineData("sora-2-pro-2025-10-06", "1920x1080")]
    [InlineData("sora-2-2025-10-06", "1792x1024")]
    public async Task Create_SizeAllowedForModel_ReturnsQueued(string model, string size)
    {
        JsonElement video = await CreateAsync("sized", size, model);

        Assert.Equal(size, video.GetProperty("size").GetString());
    }

    [Fact]
    public async Task Create_MalformedJson_Returns400()
    {
        using HttpResponseMessage response = await PostJsonAsync("v1/videos", "{\"prompt\":");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, code: "invalid_json");
    }

    [Fact]
    public async Task Create_PlainText_Returns400()
    {
        using HttpResponseMessage response = await Client.PostAsync(new Uri("v1/videos", UriKind.Relative), new StringContent("prompt=x"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, code: "unsupported_content_type");
    }
}
