using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using SoraFunctions.Activities;
using SoraFunctions.Jobs;
using SoraFunctions.Provider.Runway;
using SoraFunctions.Providers;

namespace SoraFunctions.Provider.Tests.Runway;

/// <summary>What the Runway adapter puts on the wire, and how it reads the answers and failures.</summary>
public sealed class RunwayClientTests
{
    static readonly VideoSpec Spec = new("A lighthouse at dawn", "gen4.5", "5", "1280x720");

    [Fact]
    public async Task CreateAsync_Spec_PostsTextToVideoWithRatioAndIntegerDuration()
    {
        var api = StubHandler.Answer(_ => RunwayStub.Created("task_42"));

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).CreateAsync(Spec with { Size = "720x1280", Seconds = "7" }, default);

        Assert.True(result.IsSuccess);
        Assert.Equal("task_42", result.Value!.Id);
        Assert.Equal(ProviderStatus.Queued, result.Value.Status);
        RecordedRequest request = Assert.Single(api.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(RunwayStub.BaseUrl + "/v1/text_to_video", request.Uri.ToString());
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(request.Body);
        JsonElement root = body.RootElement;
        Assert.Equal("gen4.5", root.GetProperty("model").GetString());
        Assert.Equal("A lighthouse at dawn", root.GetProperty("promptText").GetString());
        Assert.Equal("720:1280", root.GetProperty("ratio").GetString());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("duration").ValueKind);
        Assert.Equal(7, root.GetProperty("duration").GetInt32());
        Assert.False(root.TryGetProperty("seed", out _));
        Assert.Equal(4, root.EnumerateObject().Count());
    }

    [Fact]
    public async Task ImageToVideo_Request_PostsPromptImageAndOptionalText()
    {
        var api = StubHandler.Answer(_ => RunwayStub.Created());

        await RunwayStub.Client(api).CreateImageToVideoAsync(
            new RunwayImageToVideoRequest("gen4.5", "https://images.example.test/first.png", "1280:720", 5) { PromptText = "pan left" }, default);

        RecordedRequest request = Assert.Single(api.Requests);
        Assert.Equal("/v1/image_to_video", request.Uri.AbsolutePath);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("https://images.example.test/first.png", body.RootElement.GetProperty("promptImage").GetString());
        Assert.Equal("pan left", body.RootElement.GetProperty("promptText").GetString());
        Assert.Equal(5, body.RootElement.GetProperty("duration").GetInt32());
    }

    [Fact]
    public async Task EveryApiCall_Headers_CarryVersionAndBearerSecret()
    {
        var api = StubHandler.Answer(request => request.Method == HttpMethod.Post
            ? RunwayStub.Created()
            : request.Method == HttpMethod.Delete ? new HttpResponseMessage(HttpStatusCode.NoContent) : Stub.Json(HttpStatusCode.OK, RunwayStub.TaskJson()));
        RunwayVideoProvider provider = RunwayStub.Provider(api);

        await provider.CreateAsync(Spec, default);
        await provider.GetAsync("task_1", default);
        await provider.DeleteAsync("task_1", default);

        Assert.Equal(3, api.Requests.Count);
        Assert.All(api.Requests, r =>
        {
            Assert.Equal("2024-11-06", r.Header("X-Runway-Version"));
            Assert.Equal("Bearer " + RunwayStub.Secret, r.Header("Authorization"));
        });
        Assert.Equal(["POST /v1/text_to_video", "GET /v1/tasks/task_1", "DELETE /v1/tasks/task_1"], api.Requests.Select(r => $"{r.Method} {r.Uri.AbsolutePath}"));
    }

    [Fact]
    public async Task ApiCalls_LoopbackWithoutKey_SendNoAuthorization()
    {
        var api = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.OK, RunwayStub.TaskJson()));

        await RunwayStub.Provider(api, options: RunwayStub.Options(apiKey: null, baseUrl: "http://127.0.0.1:5080")).GetAsync("task_1", default);

        RecordedRequest request = Assert.Single(api.Requests);
        Assert.Equal("http://127.0.0.1:5080/v1/tasks/task_1", request.Uri.ToString());
        Assert.Null(request.Header("Authorization"));
        Assert.Equal("2024-11-06", request.Header("X-Runway-Version"));
    }

    [Theory]
    [InlineData("PENDING", null, ProviderStatus.Queued, 0)]
    [InlineData("THROTTLED", null, ProviderStatus.Queued, 0)]
    [InlineData("RUNNING", null, ProviderStatus.InProgress, null)]
    [InlineData("RUNNING", "0", ProviderStatus.InProgress, 0)]
    [InlineData("RUNNING", "0.424", ProviderStatus.InProgress, 42)]
    [InlineData("RUNNING", "0.425", ProviderStatus.InProgress, 43)]
    [InlineData("RUNNING", "1", ProviderStatus.InProgress, 100)]
    [InlineData("SUCCEEDED", null, ProviderStatus.Completed, 100)]
    [InlineData("CANCELLED", null, ProviderStatus.Cancelled, null)]
    [InlineData("SOMETHING_NEW", null, ProviderStatus.Unknown, null)]
    public async Task GetAsync_Status_MapsStatusAndProgress(string status, string? progress, string expected, int? percent)
    {
        string extra = progress is null ? "" : $",\"progress\":{progress}";
        var api = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.OK, RunwayStub.TaskJson("task_9", status, extra)));

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).GetAsync("task_9", default);

        Assert.True(result.IsSuccess);
        Assert.Equal(expected, result.Value!.Status);
        Assert.Equal(percent, result.Value.Progress);
        Assert.Equal(new DateTime(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc), result.Value.CreatedAt);
        Assert.Null(result.Value.Error);
    }

    [Theory]
    [InlineData(",\"failure\":\"The prompt was flagged.\",\"failureCode\":\"SAFETY.INPUT.TEXT\"", "SAFETY.INPUT.TEXT", "The prompt was flagged.")]
    [InlineData(",\"failure\":\"Something broke.\"", JobErrorCodes.ProviderRejected, "Something broke.")]
    [InlineData("", JobErrorCodes.ProviderRejected, "Runway reported a failure without a message.")]
    public async Task GetAsync_Failed_CarriesFailureCodeOrProviderRejected(string extra, string code, string message)
    {
        var api = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.OK, RunwayStub.TaskJson("task_9", "FAILED", extra)));

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).GetAsync("task_9", default);

        Assert.Equal(ProviderStatus.Failed, result.Value!.Status);
        Assert.Equal(new JobError(code, message), result.Value.Error);
    }

    [Fact]
    public async Task CreateAsync_429WithRetryAfterSeconds_IsTransientWithWait()
    {
        var api = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.TooManyRequests, """{"error":"You have exceeded the daily task limit."}""", ("Retry-After", "17")));

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).CreateAsync(Spec, default);

        ProviderError error = result.Error!;
        Assert.True(error.Transient);
        Assert.Equal(429, error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(17), error.RetryAfter);
        Assert.False(error.MayHaveReachedProvider);
        Assert.Equal("You have exceeded the daily task limit.", error.Message);
    }

    [Fact]
    public async Task GetAsync_503WithRetryAfterDate_WaitsUntilThatDate()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var api = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.ServiceUnavailable, "{}", ("Retry-After", "Mon, 30 Nov 2026 09:00:45 GMT")));

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api, time: time).GetAsync("task_1", default);

        Assert.True(result.Error!.Transient);
        Assert.Equal(TimeSpan.FromSeconds(45), result.Error.RetryAfter);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    public async Task CreateAsync_5xx_IsTransientAndMayHaveReachedProvider(HttpStatusCode status)
    {
        var api = StubHandler.Answer(_ => Stub.Text(status, "<html>oops</html>"));

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).CreateAsync(Spec, default);

        Assert.True(result.Error!.Transient);
        Assert.True(result.Error.MayHaveReachedProvider);
        Assert.Equal((int)status, result.Error.StatusCode);
    }

    [Fact]
    public async Task CreateAsync_ConnectionLostAfterSending_MayHaveReachedProvider()
    {
        var api = new StubHandler((_, _) => throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."));

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).CreateAsync(Spec, default);

        Assert.True(result.Error!.Transient);
        Assert.True(result.Error.MayHaveReachedProvider);
        Assert.Equal("connection_failed", result.Error.Code);
    }

    [Fact]
    public async Task CreateAsync_ConnectionRefused_CertainlyNotSent()
    {
        var api = new StubHandler((_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).CreateAsync(Spec, default);

        Assert.True(result.Error!.Transient);
        Assert.False(result.Error.MayHaveReachedProvider);
    }

    [Fact]
    public async Task CreateAsync_Timeout_IsTransientAndMayHaveReachedProvider()
    {
        var api = new StubHandler(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        RunwayOptions options = RunwayStub.Options();
        options.RequestTimeoutSeconds = 1;

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api, options: options).CreateAsync(Spec, default);

        Assert.Equal("timeout", result.Error!.Code);
        Assert.True(result.Error.Transient);
        Assert.True(result.Error.MayHaveReachedProvider);
    }

    [Fact]
    public async Task CreateAsync_CallerCancels_Throws()
    {
        var api = new StubHandler(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunwayStub.Provider(api).CreateAsync(Spec, cts.Token));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"Invalid ratio for model gen4.5."}""", "Invalid ratio for model gen4.5.")]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"Validation of body failed","issues":[{"path":["duration"],"message":"Number must be less than or equal to 10"}]}""", "Validation of body failed; duration: Number must be less than or equal to 10")]
    [InlineData(HttpStatusCode.Unauthorized, """{"error":"Invalid API key key_test_0123456789abcdef."}""", "Invalid API key [redacted].")]
    [InlineData(HttpStatusCode.Forbidden, "not json", "Runway answered 403 Forbidden.")]
    public async Task CreateAsync_4xx_IsTerminalWithProvidersMessage(HttpStatusCode status, string body, string message)
    {
        var api = StubHandler.Answer(_ => Stub.Json(status, body));

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).CreateAsync(Spec, default);

        Assert.False(result.Error!.Transient);
        Assert.False(result.Error.MayHaveReachedProvider);
        Assert.Equal((int)status, result.Error.StatusCode);
        Assert.Equal(message, result.Error.Message);
        Assert.DoesNotContain(RunwayStub.Secret, result.Error.ToJobError("x").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_404_IsTerminal()
    {
        var api = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.NotFound, """{"error":"Task not found."}"""));

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).GetAsync("task_gone", default);

        Assert.False(result.Error!.Transient);
        Assert.Equal(404, result.Error.StatusCode);
        Assert.Equal("Task not found.", result.Error.Message);
    }

    [Theory]
    [InlineData(HttpStatusCode.NoContent)]
    [InlineData(HttpStatusCode.NotFound)]
    public async Task DeleteAsync_NoContentOrNotFound_CountsAsDeleted(HttpStatusCode status)
    {
        var api = StubHandler.Answer(_ => new HttpResponseMessage(status));

        ProviderResult<bool> result = await RunwayStub.Provider(api).DeleteAsync("task_1", default);

        Assert.True(result.IsSuccess);
        Assert.True(result.Value);
    }

    [Fact]
    public async Task GetAsync_SuccessWithoutJson_IsTransientInvalidResponse()
    {
        var api = StubHandler.Answer(_ => Stub.Text(HttpStatusCode.OK, "<html></html>"));

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).GetAsync("task_1", default);

        Assert.Equal("invalid_response", result.Error!.Code);
        Assert.True(result.Error.Transient);
    }

    [Theory]
    [InlineData("   ")]
    [InlineData("1280:720")]
    [InlineData("wide")]
    public async Task CreateAsync_SizeNotWidthByHeight_RefusedWithoutACall(string size)
    {
        var api = StubHandler.Answer(_ => RunwayStub.Created());

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).CreateAsync(Spec with { Size = size }, default);

        Assert.False(result.Error!.Transient);
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task CreateAsync_PromptOverRunwaysLimit_RefusedWithoutACall()
    {
        var api = StubHandler.Answer(_ => RunwayStub.Created());

        ProviderResult<ProviderVideo> result = await RunwayStub.Provider(api).CreateAsync(Spec with { Prompt = new string('a', 1001) }, default);

        Assert.Equal("prompt_too_long", result.Error!.Code);
        Assert.Empty(api.Requests);
    }
}
