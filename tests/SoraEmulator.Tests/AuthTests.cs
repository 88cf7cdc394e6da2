namespace SoraEmulator.Tests;

public sealed class AuthTests : EmulatorTestBase
{
    const string Key = "sk-test-emulator";

    protected override EmulatorOptions CreateOptions() => new() { ApiKey = Key };

    async Task<HttpResponseMessage> ListWithAsync(string? header, string? value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("v1/videos", UriKind.Relative));
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        return await Client.SendAsync(request);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("Authorization", "Bearer sk-wrong")]
    [InlineData("api-key", "sk-wrong")]
    [InlineData("Authorization", Key)]
    public async Task Call_MissingOrWrongKey_Returns401InvalidApiKey(string? header, string? value)
    {
        using HttpResponseMessage response = await ListWithAsync(header, value);

        JsonElement error = await AssertErrorAsync(response, HttpStatusCode.Unauthorized, code: "invalid_api_key");
        Assert.Equal("Incorrect API key provided.", error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.Equal(0, Emulator.Stats.Lists);
    }

    [Theory]
    [InlineData("Authorization", "Bearer " + Key)]
    [InlineData("api-key", Key)]
    public async Task Call_RightKeyInEitherHeader_Succeeds(string header, string value)
    {
        using HttpResponseMessage response = await ListWithAsync(header, value);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Create_WithoutKey_CreatesNothing()
    {
        using HttpResponseMessage response = await PostJsonAsync("v1/videos", """{"prompt":"no key"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, Emulator.Stats.CreatesWithPrompt("no key"));
        Assert.Empty(Emulator.Stats.VideoIds);
    }

    [Fact]
    public async Task AdminEndpoints_WithoutKey_Answer()
    {
        using HttpResponseMessage health = await GetAsync("_emulator/health");
        using HttpResponseMessage stats = await GetAsync("_emulator/stats");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
    }
}
