using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace SoraFunctions.Provider.Tests;

/// <summary>What the client puts on the wire, authentication, redirects and transport failures (stub handler or raw sockets).</summary>
public sealed class SoraClientRequestTests
{
    static StubHandler VideoAnswer() => StubHandler.Answer(_ => Stub.Json(HttpStatusCode.OK, Stub.VideoJson()));

    [Fact]
    public async Task CreateVideoAsync_Request_IsMultipartWithStringFieldsAndDefaults()
    {
        StubHandler handler = VideoAnswer();
        SoraOptions options = Stub.Options();
        options.DefaultSeconds = "8";

        await Stub.Client(handler, options).CreateVideoAsync(new SoraCreateRequest("A red fox", Size: "1280x720"));

        RecordedRequest request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://sora.example.test/v1/videos", request.Uri.ToString());
        Assert.StartsWith("multipart/form-data; boundary=", request.ContentType, StringComparison.Ordinal);
        string body = request.BodyText;
        Assert.Contains("name=\"prompt\"\r\n\r\nA red fox\r\n", body, StringComparison.Ordinal);
        Assert.Contains("name=\"model\"\r\n\r\nsora-2\r\n", body, StringComparison.Ordinal);
        Assert.Contains("name=\"seconds\"\r\n\r\n8\r\n", body, StringComparison.Ordinal);
        Assert.Contains("name=\"size\"\r\n\r\n1280x720\r\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("input_reference", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateVideoAsync_InputReference_SentAsFilePartWithItsType()
    {
        StubHandler handler = VideoAnswer();
        using var image = new MemoryStream(Encoding.ASCII.GetBytes("IMAGEBYTES"));

        await Stub.Client(handler).CreateVideoAsync(new SoraCreateRequest("p") { InputReference = new SoraInputReference("frame.webp", "image/webp", image) });

        string body = Assert.Single(handler.Requests).BodyText;
        Assert.Contains("Content-Disposition: form-data; name=\"input_reference\"; filename=\"frame.webp\"", body, StringComparison.Ordinal);
        Assert.Contains("Content-Type: image/webp\r\n", body, StringComparison.Ordinal);
        Assert.Contains("\r\n\r\nIMAGEBYTES\r\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemixVideoAsync_Request_IsJsonPromptOnRemixPath()
    {
        StubHandler handler = VideoAnswer();

        await Stub.Client(handler).RemixVideoAsync("video_src", "Make it \"snowy\"");

        RecordedRequest request = Assert.Single(handler.Requests);
        Assert.Equal("/v1/videos/video_src/remix", request.Uri.AbsolutePath);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        Assert.Equal("""{"prompt":"Make it \u0022snowy\u0022"}""", request.BodyText);
    }

    [Fact]
    public async Task GetVideoAsync_BearerMode_SendsAuthorizationOnly()
    {
        StubHandler handler = VideoAnswer();

        await Stub.Client(handler, Stub.Options("sk-bearer-key-1", SoraAuthMode.Bearer)).GetVideoAsync("video_1");

        RecordedRequest request = Assert.Single(handler.Requests);
        Assert.Equal("Bearer sk-bearer-key-1", request.Header("Authorization"));
        Assert.Null(request.Header("api-key"));
    }

    [Fact]
    public async Task GetVideoAsync_ApiKeyHeaderMode_SendsApiKeyAndNoAuthorization()
    {
        StubHandler handler = VideoAnswer();

        await Stub.Client(handler, Stub.Options("azure-key-1", SoraAuthMode.ApiKeyHeader)).GetVideoAsync("video_1");

        RecordedRequest request = Assert.Single(handler.Requests);
        Assert.Equal("azure-key-1", request.Header("api-key"));
        Assert.Null(request.Header("Authorization"));
    }

    [Theory]
    [InlineData(SoraAuthMode.Bearer)]
    [InlineData(SoraAuthMode.ApiKeyHeader)]
    public async Task GetVideoAsync_LoopbackWithoutKey_SendsNoCredential(SoraAuthMode mode)
    {
        StubHandler handler = VideoAnswer();

        await Stub.Client(handler, Stub.Options(null, mode, "http://127.0.0.1:5080/v1")).GetVideoAsync("video_1");

        RecordedRequest request = Assert.Single(handler.Requests);
        Assert.Null(request.Header("Authorization"));
        Assert.Null(request.Header("api-key"));
    }

    [Fact]
    public async Task GetVideoAsync_EntraIdMode_BearerTokenForScopeCachedAcrossCalls()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var credential = new FakeTokenCredential(clock);
        StubHandler handler = VideoAnswer();
        SoraOptions options = Stub.Options(null, SoraAuthMode.EntraId, "https://res.openai.azure.com/openai/v1");
        SoraClient client = Stub.Client(handler, options, clock, credential);

        await client.GetVideoAsync("video_1");
        await client.GetVideoAsync("video_1");

        Assert.Equal(1, credential.Calls);
        Assert.Equal(["https://cognitiveservices.azure.com/.default"], credential.LastScopes!);
        Assert.All(handler.Requests, r => Assert.Equal("Bearer entra-token-1", r.Header("Authorization")));
        Assert.All(handler.Requests, r => Assert.Null(r.Header("api-key")));
    }

    [Fact]
    public async Task GetVideoAsync_EntraTokenNearExpiry_Refreshed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var credential = new FakeTokenCredential(clock) { Lifetime = TimeSpan.FromMinutes(30) };
        StubHandler handler = VideoAnswer();
        SoraClient client = Stub.Client(handler, Stub.Options(null, SoraAuthMode.EntraId), clock, credential);

        await client.GetVideoAsync("video_1");
        clock.Advance(TimeSpan.FromMinutes(26)); // within 5 minutes of expiry
        await client.GetVideoAsync("video_1");

        Assert.Equal(2, credential.Calls);
        Assert.Equal("Bearer entra-token-2", handler.Requests.Last().Header("Authorization"));
    }

    [Fact]
    public async Task GetVideoAsync_EntraToken401_CachedTokenDroppedAndNextCallFetchesNew()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var credential = new FakeTokenCredential(clock);
        int calls = 0;
        var handler = StubHandler.Answer(_ => Interlocked.Increment(ref calls) == 1
            ? Stub.Json(HttpStatusCode.Unauthorized, """{"error":{"message":"Token revoked.","type":"invalid_request_error","param":null,"code":"invalid_token"}}""")
            : Stub.Json(HttpStatusCode.OK, Stub.VideoJson()));
        SoraClient client = Stub.Client(handler, Stub.Options(null, SoraAuthMode.EntraId), clock, credential);

        SoraResult<SoraVideo> rejected = await client.GetVideoAsync("video_1");
        SoraResult<SoraVideo> accepted = await client.GetVideoAsync("video_1");

        Assert.Equal(SoraErrorKind.Terminal, rejected.Error?.Kind);
        Assert.True(accepted.IsSuccess);
        Assert.Equal(2, credential.Calls);
        Assert.Equal("Bearer entra-token-2", handler.Requests.Last().Header("Authorization"));
    }

    [Fact]
    public async Task GetVideoAsync_EntraTokenUnavailable_TransientAuthenticationFailedNothingSent()
    {
        StubHandler handler = VideoAnswer();
        var credential = new Mock<Azure.Core.TokenCredential>();
        credential
            .Setup(c => c.GetTokenAsync(It.IsAny<Azure.Core.TokenRequestContext>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new Azure.Identity.AuthenticationFailedException("IMDS timed out"));
        SoraClient client = Stub.Client(handler, Stub.Options(null, SoraAuthMode.EntraId), credential: credential.Object);

        SoraResult<SoraVideo> result = await client.GetVideoAsync("video_1");

        Assert.Equal(SoraErrorKind.Transient, result.Error?.Kind);
        Assert.Equal("authentication_failed", result.Error?.Code);
        Assert.False(result.Error?.MayHaveReachedProvider);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public void Constructor_EntraIdWithoutCredential_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Stub.Client(VideoAnswer(), Stub.Options(null, SoraAuthMode.EntraId)));
    }

    static StubHandler RedirectingHandler(string firstLocation, params (string Prefix, string Location)[] more) =>
        StubHandler.Answer(request =>
        {
            string uri = request.RequestUri!.ToString();
            if (uri.Contains("/videos/video_1/content", StringComparison.Ordinal) && uri.StartsWith(Stub.BaseUrl, StringComparison.Ordinal))
            {
                var redirect = new HttpResponseMessage(HttpStatusCode.Found);
                redirect.Headers.Location = new Uri(firstLocation, UriKind.RelativeOrAbsolute);
                return redirect;
            }

            foreach ((string prefix, string location) in more)
            {
                if (uri.StartsWith(prefix, StringComparison.Ordinal))
                {
                    var redirect = new HttpResponseMessage(HttpStatusCode.TemporaryRedirect);
                    redirect.Headers.Location = new Uri(location);
                    return redirect;
                }
            }

            var ok = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([0, 0, 0, 8, 0x66, 0x74, 0x79, 0x70]) };
            ok.Content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
            return ok;
        });

    [Theory]
    [InlineData(SoraAuthMode.Bearer)]
    [InlineData(SoraAuthMode.ApiKeyHeader)]
    public async Task DownloadContentAsync_RedirectToOtherHost_NoCredentialsThere(SoraAuthMode mode)
    {
        StubHandler handler = RedirectingHandler("https://cdn.example.test/signed/abc?sig=1");

        SoraResult<SoraContent> result = await Stub.Client(handler, Stub.Options("key-123456", mode)).DownloadContentAsync("video_1");

        await using SoraContent content = result.GetValueOrThrow();
        Assert.Equal("video/mp4", content.ContentType);
        RecordedRequest[] requests = [.. handler.Requests];
        Assert.Equal(2, requests.Length);
        Assert.True(requests[0].Header("Authorization") is not null || requests[0].Header("api-key") is not null);
        Assert.Equal("cdn.example.test", requests[1].Uri.Host);
        Assert.Null(requests[1].Header("Authorization"));
        Assert.Null(requests[1].Header("api-key"));
    }

    [Fact]
    public async Task DownloadContentAsync_RedirectToAHostOutsideContentHosts_TerminalNotFollowed()
    {
        StubHandler handler = RedirectingHandler("https://evil.example.test/steal");
        SoraOptions options = Stub.Options();
        options.ContentHosts.Add("cdn.example.test");

        SoraResult<SoraContent> result = await Stub.Client(handler, options).DownloadContentAsync("video_1");

        Assert.Equal("redirect_host_not_allowed", result.Error?.Code);
        Assert.Equal(SoraErrorKind.Terminal, result.Error?.Kind);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task DownloadContentAsync_RedirectToAnAllowedContentHost_Followed()
    {
        StubHandler handler = RedirectingHandler("https://CDN.example.test/signed/abc");
        SoraOptions options = Stub.Options();
        options.ContentHosts.Add("cdn.example.test");

        SoraResult<SoraContent> result = await Stub.Client(handler, options).DownloadContentAsync("video_1");

        await using SoraContent content = result.GetValueOrThrow();
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task DownloadContentAsync_RedirectToSameOrigin_KeepsCredentials()
    {
        StubHandler handler = RedirectingHandler("/v1/files/video_1/blob");

        SoraResult<SoraContent> result = await Stub.Client(handler, Stub.Options("key-123456", SoraAuthMode.ApiKeyHeader)).DownloadContentAsync("video_1");

        await using SoraContent content = result.GetValueOrThrow();
        RecordedRequest second = handler.Requests.Last();
        Assert.Equal("/v1/files/video_1/blob", second.Uri.AbsolutePath);
        Assert.Equal("key-123456", second.Header("api-key"));
    }

    [Fact]
    public async Task DownloadContentAsync_DifferentPortSameHost_TreatedAsOtherOrigin()
    {
        StubHandler handler = RedirectingHandler("https://sora.example.test:8443/signed");

        SoraResult<SoraContent> result = await Stub.Client(handler).DownloadContentAsync("video_1");

        await using SoraContent content = result.GetValueOrThrow();
        Assert.Null(handler.Requests.Last().Header("Authorization"));
    }

    [Fact]
    public async Task DownloadContentAsync_ThreeHops_Followed()
    {
        StubHandler handler = RedirectingHandler(
            "https://a.example.test/1",
            ("https://a.example.test/1", "https://b.example.test/2"),
            ("https://b.example.test/2", "https://c.example.test/3"));

        SoraResult<SoraContent> result = await Stub.Client(handler).DownloadContentAsync("video_1");

        await using SoraContent content = result.GetValueOrThrow();
        Assert.Equal(4, handler.Requests.Count);
    }

    [Fact]
    public async Task DownloadContentAsync_FourHops_TerminalTooManyRedirects()
    {
        StubHandler handler = RedirectingHandler(
            "https://a.example.test/1",
            ("https://a.example.test/1", "https://b.example.test/2"),
            ("https://b.example.test/2", "https://c.example.test/3"),
            ("https://c.example.test/3", "https://d.example.test/4"));

        SoraResult<SoraContent> result = await Stub.Client(handler).DownloadContentAsync("video_1");

        Assert.False(result.IsSuccess);
        Assert.Equal("too_many_redirects", result.Error.Code);
        Assert.Equal(SoraErrorKind.Terminal, result.Error.Kind);
        Assert.Equal(4, handler.Requests.Count);
    }

    [Fact]
    public async Task DownloadContentAsync_RedirectHttpsToHttp_NotFollowed()
    {
        StubHandler handler = RedirectingHandler("http://cdn.example.test/plain");

        SoraResult<SoraContent> result = await Stub.Client(handler).DownloadContentAsync("video_1");

        Assert.Equal("invalid_redirect", result.Error?.Code);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task DownloadContentAsync_Variant_SentAsQuery()
    {
        StubHandler handler = RedirectingHandler("https://cdn.example.test/x");

        await using SoraContent content = (await Stub.Client(handler).DownloadContentAsync("video_1", SoraVariant.Spritesheet)).GetValueOrThrow();

        Assert.Equal("?variant=spritesheet", handler.Requests.First().Uri.Query);
    }

    [Fact]
    public async Task GetVideoAsync_ProviderSilentPastTimeout_TransientTimeout()
    {
        var handler = new StubHandler(async (_, ct) =>
        {
            await new TaskCompletionSource().Task.WaitAsync(ct);
            throw new InvalidOperationException("unreachable");
        });
        SoraOptions options = Stub.Options();
        options.RequestTimeoutSeconds = 1;

        SoraResult<SoraVideo> result = await Stub.Client(handler, options).GetVideoAsync("video_1");

        Assert.False(result.IsSuccess);
        Assert.Equal(SoraErrorKind.Transient, result.Error.Kind);
        Assert.Equal("timeout", result.Error.Code);
        Assert.Null(result.Error.StatusCode);
        Assert.True(result.Error.MayHaveReachedProvider);
    }

    [Fact]
    public async Task GetVideoAsync_CallerCancels_OperationCanceledPropagates()
    {
        var started = new TaskCompletionSource();
        var handler = new StubHandler(async (_, ct) =>
        {
            started.SetResult();
            await new TaskCompletionSource().Task.WaitAsync(ct);
            throw new InvalidOperationException("unreachable");
        });
        using var cts = new CancellationTokenSource();
        Task<SoraResult<SoraVideo>> call = Stub.Client(handler).GetVideoAsync("video_1", cts.Token);
        await started.Task;

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public async Task GetVideoAsync_ConnectionRefused_TransientNotReachedProvider()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }

        using var http = new HttpClient(SoraClient.CreatePrimaryHandler());
        var client = new SoraClient(http, Stub.Options(null, baseUrl: $"http://127.0.0.1:{port}/v1"));

        SoraResult<SoraVideo> result = await client.CreateVideoAsync(new SoraCreateRequest("p"));

        Assert.False(result.IsSuccess);
        Assert.Equal(SoraErrorKind.Transient, result.Error.Kind);
        Assert.Equal("connection_failed", result.Error.Code);
        Assert.Null(result.Error.StatusCode);
        Assert.False(result.Error.MayHaveReachedProvider);
    }

    [Fact]
    public async Task CreateVideoAsync_ConnectionDroppedAfterRequestSent_TransientMayHaveReachedProvider()
    {
        await using var server = new RawTcpServer();
        using var http = new HttpClient(SoraClient.CreatePrimaryHandler());
        var client = new SoraClient(http, Stub.Options(null, baseUrl: $"http://127.0.0.1:{server.Port}/v1"));

        SoraResult<SoraVideo> result = await client.CreateVideoAsync(new SoraCreateRequest("p"));

        Assert.False(result.IsSuccess);
        Assert.Equal(SoraErrorKind.Transient, result.Error.Kind);
        Assert.Equal("connection_failed", result.Error.Code);
        Assert.True(result.Error.MayHaveReachedProvider);
        Assert.True(server.RequestsSeen >= 1);
    }

    [Fact]
    public async Task GetVideoAsync_HandlerThrowsIOException_TransientMayHaveReachedProvider()
    {
        var handler = new StubHandler((_, _) => throw new IOException("connection reset by peer"));

        SoraResult<SoraVideo> result = await Stub.Client(handler).GetVideoAsync("video_1");

        Assert.Equal(SoraErrorKind.Transient, result.Error?.Kind);
        Assert.True(result.Error?.MayHaveReachedProvider);
    }
}
