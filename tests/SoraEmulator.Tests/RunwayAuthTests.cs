namespace SoraEmulator.Tests;

public sealed class RunwayVersionTests : RunwayTestBase
{
    [Theory]
    [InlineData(null)]
    [InlineData("2024-09-13")]
    [InlineData("v1")]
    public async Task Call_MissingOrWrongVersion_Returns400NamingTheHeader(string? version)
    {
        using HttpResponseMessage create = await SendRunwayAsync(HttpMethod.Post, "v1/text_to_video",
            """{"model":"gen4.5","promptText":"x","ratio":"1280:720","duration":5}""", version);
        using HttpResponseMessage get = await SendRunwayAsync(HttpMethod.Get, $"v1/tasks/{Guid.NewGuid()}", version: version);
        using HttpResponseMessage delete = await SendRunwayAsync(HttpMethod.Delete, $"v1/tasks/{Guid.NewGuid()}", version: version);

        foreach (HttpResponseMessage? response in new[] { create, get, delete })
        {
            string message = await AssertRunwayErrorAsync(response, HttpStatusCode.BadRequest);
            Assert.Contains("X-Runway-Version", message, StringComparison.Ordinal);
        }

        Assert.Equal(0, Emulator.Stats.RunwayCreates);
        Assert.Empty(Emulator.Stats.RunwayTaskIds);
    }

    [Fact]
    public async Task SoraCall_WithoutRunwayVersion_StillWorks()
    {
        string id = await CreateIdAsync("sora needs no runway header");

        Assert.StartsWith("video_", id, StringComparison.Ordinal);
    }
}

public sealed class RunwayAuthTests : RunwayTestBase
{
    const string Key = "key_test";

    protected override EmulatorOptions CreateOptions() => new() { ApiKey = Key };

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer key_wrong")]
    [InlineData(Key)]
    public async Task Call_MissingOrWrongKey_Returns401ErrorBody(string? authorization)
    {
        using HttpResponseMessage create = await SendRunwayAsync(HttpMethod.Post, "v1/text_to_video",
            """{"model":"gen4.5","promptText":"x","ratio":"1280:720","duration":5}""", authorization: authorization);
        using HttpResponseMessage get = await SendRunwayAsync(HttpMethod.Get, $"v1/tasks/{Guid.NewGuid()}", authorization: authorization);

        await AssertRunwayErrorAsync(create, HttpStatusCode.Unauthorized);
        await AssertRunwayErrorAsync(get, HttpStatusCode.Unauthorized);
        Assert.Equal(0, Emulator.Stats.RunwayCreates);
    }

    [Fact]
    public async Task Call_ApiKeyHeader_IsNotRunwaysAuthAndReturns401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"v1/tasks/{Guid.NewGuid()}", UriKind.Relative));
        request.Headers.Add("X-Runway-Version", Version);
        request.Headers.Add("api-key", Key);

        using HttpResponseMessage response = await Client.SendAsync(request);

        await AssertRunwayErrorAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Create_BearerKey_CreatesTaskAndOutputNeedsNoKey()
    {
        using HttpResponseMessage create = await SendRunwayAsync(HttpMethod.Post, "v1/text_to_video",
            """{"model":"gen4.5","promptText":"with key","ratio":"1280:720","duration":5}""", authorization: "Bearer " + Key);
        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        string id = (await ReadJsonAsync(create)).GetProperty("id").GetString()!;
        Advance(20);
        using HttpResponseMessage get = await SendRunwayAsync(HttpMethod.Get, $"v1/tasks/{id}", authorization: "Bearer " + Key);
        string output = Assert.Single((await ReadJsonAsync(get)).GetProperty("output").EnumerateArray()).GetString()!;

        using HttpResponseMessage download = await GetUrlAsync(output);

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(0, Emulator.Stats.SecretsSentToOutput);
    }
}
