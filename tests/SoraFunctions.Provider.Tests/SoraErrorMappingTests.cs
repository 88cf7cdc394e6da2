using Microsoft.Extensions.Time.Testing;

namespace SoraFunctions.Provider.Tests;

/// <summary>HTTP answers mapped to <see cref="SoraError"/>, through the real client pipeline on a stub handler.</summary>
public sealed class SoraErrorMappingTests
{
    const string ErrorBody = """{"error":{"message":"Something happened.","type":"server_error","param":"prompt","code":"some_code"}}""";

    [Theory]
    [InlineData(408, SoraErrorKind.Transient, false)]
    [InlineData(409, SoraErrorKind.Transient, false)]
    [InlineData(429, SoraErrorKind.Transient, false)]
    [InlineData(500, SoraErrorKind.Transient, true)]
    [InlineData(502, SoraErrorKind.Transient, true)]
    [InlineData(503, SoraErrorKind.Transient, true)]
    [InlineData(504, SoraErrorKind.Transient, true)]
    [InlineData(520, SoraErrorKind.Transient, true)]
    [InlineData(400, SoraErrorKind.Terminal, false)]
    [InlineData(401, SoraErrorKind.Terminal, false)]
    [InlineData(403, SoraErrorKind.Terminal, false)]
    [InlineData(404, SoraErrorKind.Terminal, false)]
    [InlineData(422, SoraErrorKind.Terminal, false)]
    [InlineData(418, SoraErrorKind.Terminal, false)]
    public async Task GetVideoAsync_ErrorStatus_MapsKindAndMayHaveReachedProvider(int status, SoraErrorKind kind, bool mayHaveReached)
    {
        var handler = StubHandler.Answer(_ => Stub.Json((HttpStatusCode)status, ErrorBody));

        SoraResult<SoraVideo> result = await Stub.Client(handler).GetVideoAsync("video_1");

        Assert.False(result.IsSuccess);
        Assert.Null(result.Value);
        Assert.Equal(kind, result.Error.Kind);
        Assert.Equal(status, result.Error.StatusCode);
        Assert.Equal(mayHaveReached, result.Error.MayHaveReachedProvider);
        Assert.Single(handler.Requests); // no SDK retries
    }

    [Fact]
    public async Task GetVideoAsync_ErrorBody_ParsesMessageTypeParamCode()
    {
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.BadRequest, ErrorBody));

        SoraError error = (await Stub.Client(handler).GetVideoAsync("video_1")).Error!;

        Assert.Equal("Something happened.", error.Message);
        Assert.Equal("server_error", error.Type);
        Assert.Equal("prompt", error.Param);
        Assert.Equal("some_code", error.Code);
    }

    [Fact]
    public async Task GetVideoAsync_NonJsonErrorBody_ClearMessageWithStatus()
    {
        var handler = StubHandler.Answer(_ => Stub.Text(HttpStatusCode.BadGateway, "<html><body>Bad gateway</body></html>"));

        SoraError error = (await Stub.Client(handler).GetVideoAsync("video_1")).Error!;

        Assert.Equal(SoraErrorKind.Transient, error.Kind);
        Assert.Null(error.Code);
        Assert.Contains("502", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, "true", SoraErrorKind.Transient)]
    [InlineData(404, "TRUE", SoraErrorKind.Transient)]
    [InlineData(503, "false", SoraErrorKind.Terminal)]
    [InlineData(429, "false", SoraErrorKind.Terminal)]
    public async Task GetVideoAsync_XShouldRetryHeader_OverridesKind(int status, string header, SoraErrorKind kind)
    {
        var handler = StubHandler.Answer(_ => Stub.Json((HttpStatusCode)status, ErrorBody, ("x-should-retry", header)));

        SoraError error = (await Stub.Client(handler).GetVideoAsync("video_1")).Error!;

        Assert.Equal(kind, error.Kind);
    }

    [Fact]
    public async Task GetVideoAsync_RetryAfterMsAndRetryAfter_MillisecondsWin()
    {
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.TooManyRequests, ErrorBody, ("retry-after-ms", "2500"), ("Retry-After", "9")));

        SoraError error = (await Stub.Client(handler).GetVideoAsync("video_1")).Error!;

        Assert.Equal(TimeSpan.FromMilliseconds(2500), error.RetryAfter);
    }

    [Fact]
    public async Task GetVideoAsync_RetryAfterSeconds_Parsed()
    {
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.ServiceUnavailable, ErrorBody, ("Retry-After", "12")));

        SoraError error = (await Stub.Client(handler).GetVideoAsync("video_1")).Error!;

        Assert.Equal(TimeSpan.FromSeconds(12), error.RetryAfter);
    }

    [Fact]
    public async Task GetVideoAsync_RetryAfterHttpDate_RelativeToClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.TooManyRequests, ErrorBody, ("Retry-After", "Wed, 25 Nov 2026 10:00:30 GMT")));

        SoraError error = (await Stub.Client(handler, time: clock).GetVideoAsync("video_1")).Error!;

        Assert.Equal(TimeSpan.FromSeconds(30), error.RetryAfter);
    }

    [Fact]
    public async Task GetVideoAsync_RetryAfterHttpDateInPast_Zero()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.TooManyRequests, ErrorBody, ("Retry-After", "Wed, 25 Nov 2026 09:00:00 GMT")));

        SoraError error = (await Stub.Client(handler, time: clock).GetVideoAsync("video_1")).Error!;

        Assert.Equal(TimeSpan.Zero, error.RetryAfter);
    }

    [Theory]
    [InlineData("retry-after-ms", "600000")]
    [InlineData("Retry-After", "3600")]
    public async Task GetVideoAsync_RetryAfterOverLimit_CappedAt120Seconds(string header, string value)
    {
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.TooManyRequests, ErrorBody, (header, value)));

        SoraError error = (await Stub.Client(handler).GetVideoAsync("video_1")).Error!;

        Assert.Equal(TimeSpan.FromSeconds(120), error.RetryAfter);
    }

    [Fact]
    public async Task GetVideoAsync_NoRetryHeaders_RetryAfterNull()
    {
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.TooManyRequests, ErrorBody));

        SoraError error = (await Stub.Client(handler).GetVideoAsync("video_1")).Error!;

        Assert.Null(error.RetryAfter);
    }

    [Fact]
    public async Task GetVideoAsync_ProviderMessageQuotesTheKey_KeyRedacted()
    {
        SoraOptions options = Stub.Options(apiKey: "my-secret-gateway-key");
        var handler = StubHandler.Answer(_ => Stub.Json(
            HttpStatusCode.Unauthorized,
            """{"error":{"message":"Incorrect API key provided: my-secret-gateway-key (also sk-proj-abcdef123456).","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"""));

        SoraError error = (await Stub.Client(handler, options).GetVideoAsync("video_1")).Error!;

        Assert.Equal("invalid_api_key", error.Code);
        Assert.DoesNotContain("my-secret-gateway-key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-proj-abcdef123456", error.Message, StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetVideoAsync_SuccessWithPollAfterHeader_PollAfterSet()
    {
        var handler = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.OK, Stub.VideoJson(), ("openai-poll-after-ms", "2000")));

        SoraResult<SoraVideo> result = await Stub.Client(handler).GetVideoAsync("video_1");

        Assert.Equal(TimeSpan.FromSeconds(2), result.PollAfter);
    }

    [Fact]
    public async Task GetVideoAsync_SuccessBodyNotJson_TransientInvalidResponse()
    {
        var handler = StubHandler.Answer(_ => Stub.Text(HttpStatusCode.OK, "<html>captive portal</html>"));

        SoraResult<SoraVideo> result = await Stub.Client(handler).GetVideoAsync("video_1");

        Assert.False(result.IsSuccess);
        Assert.Equal("invalid_response", result.Error.Code);
        Assert.Equal(SoraErrorKind.Transient, result.Error.Kind);
        Assert.True(result.Error.MayHaveReachedProvider);
    }

    [Fact]
    public void GetValueOrThrow_Failure_ThrowsSoraExceptionWithError()
    {
        var error = new SoraError { Kind = SoraErrorKind.Terminal, Message = "nope", StatusCode = 400 };

        SoraException exception = Assert.Throws<SoraException>(() => SoraResult.Failure<SoraVideo>(error).GetValueOrThrow());

        Assert.Same(error, exception.Error);
        Assert.Equal("nope", exception.Message);
    }
}
