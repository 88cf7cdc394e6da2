using SoraFunctions.Provider.Runway;
using SoraFunctions.Providers;

namespace SoraFunctions.Provider.Tests.Runway;

/// <summary>Downloads: a fresh output URL per attempt, fetched without Runway's headers, streamed with its length.</summary>
public sealed class RunwayContentTests
{
    const string OutputUrl = "https://cdn.runway.example.test/out/task_1.mp4?sig=abc";

    static StubHandler Api(string outputUrl = OutputUrl, string status = "SUCCEEDED") =>
        StubHandler.Answer(_ => Stub.Json(HttpStatusCode.OK, RunwayStub.TaskJson("task_1", status, $",\"output\":[\"{outputUrl}\",\"https://cdn.runway.example.test/other.mp4\"]")));

    static HttpResponseMessage Mp4(byte[] bytes) => new(HttpStatusCode.OK)
    {
        // A non-seekable body, as from a socket.
        Content = new StreamContent(new NonSeekableStream(bytes)) { Headers = { ContentLength = bytes.Length, ContentType = new MediaTypeHeaderValue("video/mp4") } },
    };

    [Fact]
    public async Task OpenContentAsync_Succeeded_ReReadsTaskAndStreamsFirstOutputWithoutRunwayHeaders()
    {
        byte[] bytes = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        StubHandler api = Api();
        var cdn = StubHandler.Answer(_ => Mp4(bytes));
        RunwayVideoProvider provider = RunwayStub.Provider(api, cdn);

        ProviderResult<ProviderContent> result = await provider.OpenContentAsync("task_1", default);

        Assert.True(result.IsSuccess, result.Error?.Message);
        await using ProviderContent content = result.Value!;
        Assert.Equal(bytes.Length, content.Length);
        Assert.False(content.Stream.CanSeek);
        using var copy = new MemoryStream();
        await content.Stream.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());

        RecordedRequest read = Assert.Single(api.Requests);
        Assert.Equal("/v1/tasks/task_1", read.Uri.AbsolutePath);
        RecordedRequest download = Assert.Single(cdn.Requests);
        Assert.Equal(OutputUrl, download.Uri.ToString());
        Assert.Null(download.Header("Authorization"));
        Assert.Null(download.Header("X-Runway-Version"));
    }

    [Fact]
    public async Task OpenContentAsync_CalledTwice_ReadsTheTaskEachTime()
    {
        StubHandler api = Api();
        var cdn = StubHandler.Answer(_ => Mp4([1, 2, 3]));
        RunwayVideoProvider provider = RunwayStub.Provider(api, cdn);

        await (await provider.OpenContentAsync("task_1", default)).Value!.DisposeAsync();
        await (await provider.OpenContentAsync("task_1", default)).Value!.DisposeAsync();

        Assert.Equal(2, api.Requests.Count);
        Assert.Equal(2, cdn.Requests.Count);
    }

    [Fact]
    public async Task OpenContentAsync_RedirectToHttps_FollowedWithoutHeaders()
    {
        var cdn = StubHandler.Answer(request => request.RequestUri!.Host == "cdn.runway.example.test"
            ? new HttpResponseMessage(HttpStatusCode.Found) { Headers = { Location = new Uri("https://storage.example.test/blob.mp4") } }
            : Mp4([9, 9]));

        ProviderResult<ProviderContent> result = await RunwayStub.Provider(Api(), cdn).OpenContentAsync("task_1", default);

        Assert.True(result.IsSuccess, result.Error?.Message);
        await result.Value!.DisposeAsync();
        Assert.Equal(["cdn.runway.example.test", "storage.example.test"], cdn.Requests.Select(r => r.Uri.Host));
        Assert.All(cdn.Requests, r => Assert.Null(r.Header("Authorization")));
    }

    [Fact]
    public async Task OpenContentAsync_RedirectToPlainHttp_Refused()
    {
        var cdn = StubHandler.Answer(_ => new HttpResponseMessage(HttpStatusCode.Found) { Headers = { Location = new Uri("http://storage.example.test/blob.mp4") } });

        ProviderResult<ProviderContent> result = await RunwayStub.Provider(Api(), cdn).OpenContentAsync("task_1", default);

        Assert.False(result.IsSuccess);
        Assert.Equal("invalid_output_url", result.Error.Code);
        Assert.Single(cdn.Requests);
    }

    [Fact]
    public async Task OpenContentAsync_TooManyRedirects_Refused()
    {
        var cdn = StubHandler.Answer(request => new HttpResponseMessage(HttpStatusCode.TemporaryRedirect) { Headers = { Location = new Uri(request.RequestUri!, "next") } });

        ProviderResult<ProviderContent> result = await RunwayStub.Provider(Api(), cdn).OpenContentAsync("task_1", default);

        Assert.Equal("too_many_redirects", result.Error!.Code);
        Assert.Equal(RunwayClient.MaxRedirects + 1, cdn.Requests.Count);
    }

    [Fact]
    public async Task OpenContentAsync_OutputUrlForbidden_IsTransientSoTheNextAttemptGetsAFreshUrl()
    {
        var cdn = StubHandler.Answer(_ => Stub.Text(HttpStatusCode.Forbidden, "<Error>Request has expired</Error>"));

        ProviderResult<ProviderContent> result = await RunwayStub.Provider(Api(), cdn).OpenContentAsync("task_1", default);

        Assert.True(result.Error!.Transient);
        Assert.Equal("output_url_expired", result.Error.Code);
    }

    [Fact]
    public async Task OpenContentAsync_LoopbackHttpOutput_Fetched()
    {
        var cdn = StubHandler.Answer(_ => Mp4([1]));

        ProviderResult<ProviderContent> result = await RunwayStub.Provider(Api("http://127.0.0.1:5080/files/task_1.mp4"), cdn).OpenContentAsync("task_1", default);

        Assert.True(result.IsSuccess, result.Error?.Message);
        await result.Value!.DisposeAsync();
    }

    [Fact]
    public async Task OpenContentAsync_NotSucceeded_TerminalWithoutDownload()
    {
        var cdn = StubHandler.Answer(_ => Mp4([1]));

        ProviderResult<ProviderContent> result = await RunwayStub.Provider(Api(status: "RUNNING"), cdn).OpenContentAsync("task_1", default);

        Assert.False(result.Error!.Transient);
        Assert.Equal("not_completed", result.Error.Code);
        Assert.Empty(cdn.Requests);
    }

    [Fact]
    public async Task OpenContentAsync_BodyStalls_ReadFailsWithIOException()
    {
        var cdn = StubHandler.Answer(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new StallingStream()) });
        RunwayOptions options = RunwayStub.Options();
        options.RequestTimeoutSeconds = 1;

        ProviderResult<ProviderContent> result = await RunwayStub.Provider(Api(), cdn, options).OpenContentAsync("task_1", default);
        await using ProviderContent content = result.Value!;

        await Assert.ThrowsAsync<IOException>(async () => await content.Stream.ReadExactlyAsync(new byte[16]));
    }

    [Fact]
    public async Task OpenContentAsync_ContentLengthOverTheCap_TerminalBeforeReading()
    {
        var cdn = StubHandler.Answer(_ => Mp4(new byte[2000]));
        RunwayOptions options = RunwayStub.Options();
        options.MaxVideoBytes = 1000;

        ProviderResult<ProviderContent> result = await RunwayStub.Provider(Api(), cdn, options).OpenContentAsync("task_1", default);

        Assert.False(result.IsSuccess);
        Assert.Equal("video_too_large", result.Error!.Code);
        Assert.False(result.Error.Transient);
    }

    [Fact]
    public async Task OpenContentAsync_NoContentLengthAndOverTheCap_ReadFails()
    {
        var cdn = StubHandler.Answer(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new NonSeekableStream(new byte[5000])) });
        RunwayOptions options = RunwayStub.Options();
        options.MaxVideoBytes = 1000;

        ProviderResult<ProviderContent> result = await RunwayStub.Provider(Api(), cdn, options).OpenContentAsync("task_1", default);
        await using ProviderContent content = result.Value!;

        Assert.Null(content.Length);
        await Assert.ThrowsAsync<VideoTooLargeException>(async () => await content.Stream.CopyToAsync(Stream.Null));
    }

    sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    sealed class StallingStream : MemoryStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }
}
