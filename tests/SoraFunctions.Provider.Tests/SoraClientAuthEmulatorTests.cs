namespace SoraFunctions.Provider.Tests;

/// <summary>Authentication and redirects against an emulator that requires a key.</summary>
public sealed class SoraClientAuthEmulatorTests(KeyedEmulatorFixture fixture) : IClassFixture<KeyedEmulatorFixture>
{
    [Fact]
    public async Task CreateVideoAsync_WrongKey_TerminalInvalidApiKeyWithoutTheKey()
    {
        const string wrongKey = "sk-wrong-key-abcdefghijklmnop";
        SoraClient client = fixture.CreateClient(wrongKey);

        SoraResult<SoraVideo> result = await client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt()));

        Assert.False(result.IsSuccess);
        Assert.Equal(SoraErrorKind.Terminal, result.Error.Kind);
        Assert.Equal(401, result.Error.StatusCode);
        Assert.Equal("invalid_api_key", result.Error.Code);
        Assert.False(result.Error.MayHaveReachedProvider);
        Assert.DoesNotContain(wrongKey, result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetVideoAsync_NoKeyAgainstKeyedEmulator_Terminal401()
    {
        SoraClient client = fixture.CreateClient(null);

        SoraResult<SoraVideo> result = await client.GetVideoAsync("video_00000000000000000000000000000000");

        Assert.Equal(401, result.Error?.StatusCode);
        Assert.Equal(SoraErrorKind.Terminal, result.Error?.Kind);
    }

    [Theory]
    [InlineData(SoraAuthMode.Bearer)]
    [InlineData(SoraAuthMode.ApiKeyHeader)]
    public async Task CreateVideoAsync_RightKeyInEitherHeader_Succeeds(SoraAuthMode mode)
    {
        SoraClient client = fixture.CreateClient(KeyedEmulatorFixture.Key, mode);

        SoraResult<SoraVideo> result = await client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt()));

        Assert.True(result.IsSuccess, result.ToString());
    }

    [Theory]
    [InlineData(SoraAuthMode.Bearer)]
    [InlineData(SoraAuthMode.ApiKeyHeader)]
    public async Task DownloadContentAsync_RedirectToOtherHost_FollowsWithoutSendingTheKey(SoraAuthMode mode)
    {
        SoraClient client = fixture.CreateClient(KeyedEmulatorFixture.Key, mode);
        SoraVideo created = (await client.CreateVideoAsync(new SoraCreateRequest(EmulatorFixture.Prompt("[[redirect]]")))).GetValueOrThrow();
        fixture.Clock.Advance(TimeSpan.FromSeconds(EmulatorFixture.RenderSeconds + 1));
        int downloadsBefore = fixture.Emulator.Stats.DownloadsOf(created.Id);

        // The signed endpoint on http://localhost:{port} answers 400 when any credential header arrives.
        SoraResult<SoraContent> result = await client.DownloadContentAsync(created.Id);

        Assert.True(result.IsSuccess, result.ToString());
        await using SoraContent content = result.Value;
        Assert.StartsWith("video/mp4", content.ContentType, StringComparison.Ordinal);
        (long total, byte[] head) = await StreamReading.ReadAllAsync(content.Stream);
        Assert.Equal(content.ContentLength, total);
        Assert.Equal("ftyp", Encoding.ASCII.GetString(head, 4, 4));
        Assert.Equal(downloadsBefore + 1, fixture.Emulator.Stats.DownloadsOf(created.Id));
    }
}
