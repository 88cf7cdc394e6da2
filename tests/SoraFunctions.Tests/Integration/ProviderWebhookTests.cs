using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SoraFunctions.Configuration;
using SoraFunctions.Http;
using SoraFunctions.Provider.Sora;
using SoraFunctions.Storage;
using StandardWebhooks;

namespace SoraFunctions.Tests.Integration;

/// <summary>Signed provider webhooks wake the job that owns the video; anything unsigned is refused.</summary>
[Collection(PipelineTestGroup.Name)]
public class ProviderWebhookTests(PipelineFixture fixture)
{
    static DefaultHttpContext Signed(string payload, string secret, DateTimeOffset? at = null)
    {
        DateTimeOffset time = at ?? DateTimeOffset.UtcNow;
        string id = $"msg_{Guid.NewGuid():N}";
        DefaultHttpContext context = HttpResults.NewContext(payload);
        context.Request.Headers["webhook-id"] = id;
        context.Request.Headers["webhook-timestamp"] = time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        context.Request.Headers["webhook-signature"] = new StandardWebhook(secret).Sign(id, time, payload);
        return context;
    }

    /// <summary>The same delivery sent again: the payload with <paramref name="delivered"/>'s id, time and signature.</summary>
    static DefaultHttpContext SameDelivery(DefaultHttpContext delivered, string payload)
    {
        DefaultHttpContext again = HttpResults.NewContext(payload);
        foreach (string header in new[] { "webhook-id", "webhook-timestamp", "webhook-signature" })
        {
            again.Request.Headers[header] = delivered.Request.Headers[header];
        }

        return again;
    }

    static string Event(string type, string videoId) =>
        JsonSerializer.Serialize(new { id = $"evt_{Guid.NewGuid():N}", @object = "event", created_at = 1764000000, type, data = new { id = videoId } });

    async Task<(int Status, JsonElement Body)> PostAsync(HttpContext context)
    {
        ProviderWebhooks webhooks = fixture.Services.GetRequiredService<ProviderWebhooks>();
        IResult result = await webhooks.ReceiveAsync(context.Request, "sora", fixture.Client, default);
        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(result, context);
        return (status, body);
    }

    [Fact]
    public async Task CompletedEvent_StoresTheVideoInTheReceiverAndEndsTheJobLongBeforeItsNextTimer()
    {
        (string id, string videoId) = await FinishedVideoAsync("a webhook fox");

        (int status, JsonElement body) = await PostAsync(Signed(Event("video.completed", videoId), PipelineFixture.WebhookSecret));
        int downloadsByTheReceiver = fixture.Emulator.Stats.DownloadsOf(videoId);
        OrchestrationMetadata finished = await fixture.WaitAsync(id, TimeSpan.FromSeconds(20));
        VideoJobResult result = finished.ReadOutputAs<VideoJobResult>()!;

        Assert.Equal(200, status);
        Assert.Equal(("video stored", id), (body.GetProperty("result").GetString(), body.GetProperty("jobId").GetString()));
        Assert.Equal(1, downloadsByTheReceiver);
        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(1, fixture.Emulator.Stats.DownloadsOf(videoId));
        Assert.True(await fixture.Videos.GetBlobClient(result.Blob!.Name).ExistsAsync(), "the job's blob is not there");
        Assert.True(finished.LastUpdatedAt - finished.CreatedAt < TimeSpan.FromSeconds(30), "the job waited for its 40 s timer");
    }

    [Fact]
    public async Task CompletedEvent_WithStoreOnNoticeOff_WakesTheJobToStoreItself()
    {
        (string id, string videoId) = await FinishedVideoAsync("a webhook fox stored by its job");
        var notices = new NoticedVideos(
            fixture.Services.GetRequiredService<VideoJobActivities>(),
            Options.Create(new PipelineOptions { StoreOnNotice = false }),
            TimeProvider.System,
            NullLogger<NoticedVideos>.Instance);
        var webhooks = new ProviderWebhooks(
            fixture.Services.GetRequiredService<IVideoProvider>(),
            Options.Create(new VideoApiOptions()),
            fixture.Services.GetRequiredService<ProviderVideoIndex>(),
            fixture.Services.GetRequiredService<WebhookDeliveries>(),
            notices,
            NullLogger<ProviderWebhooks>.Instance);
        DefaultHttpContext context = Signed(Event("video.completed", videoId), PipelineFixture.WebhookSecret);

        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await webhooks.ReceiveAsync(context.Request, "sora", fixture.Client, default), context);
        OrchestrationMetadata finished = await fixture.WaitAsync(id, TimeSpan.FromSeconds(20));

        Assert.Equal((200, "job woken"), (status, body.GetProperty("result").GetString()));
        Assert.Equal(JobStatus.Completed, finished.ReadOutputAs<VideoJobResult>()!.Status);
        Assert.Equal(1, fixture.Emulator.Stats.DownloadsOf(videoId));
    }

    [Fact]
    public async Task CompletedEvent_ForAJobNotRunningYet_IsAskedForAgainAndRaisesNothing()
    {
        // An event raised while the job's first message waits can be discarded by the engine ("No such instance").
        (string id, string videoId) = await FinishedVideoAsync("a webhook fox not running yet");
        var client = new Mock<DurableTaskClient>("pending") { CallBase = true };
        client.Setup(c => c.GetInstancesAsync(id, It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new OrchestrationMetadata(VideoOrchestrator.Name, id) { RuntimeStatus = OrchestrationRuntimeStatus.Pending });
        ProviderWebhooks webhooks = fixture.Services.GetRequiredService<ProviderWebhooks>();
        DefaultHttpContext context = Signed(Event("video.completed", videoId), PipelineFixture.WebhookSecret);

        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await webhooks.ReceiveAsync(context.Request, "sora", client.Object, default), context);

        Assert.Equal((409, "not_ready"), (status, body.GetProperty("code").GetString()));
        client.Verify(c => c.GetInstancesAsync(id, It.IsAny<bool>(), It.IsAny<CancellationToken>()), Times.AtLeast(2));
        client.Verify(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    /// <summary>A job with slow timers whose 1 s render has finished at the provider.</summary>
    async Task<(string JobId, string VideoId)> FinishedVideoAsync(string prompt)
    {
        JobPacing slow = TestPacing.Fast with { MinPollInterval = TimeSpan.FromSeconds(40), MaxPollInterval = TimeSpan.FromSeconds(60) };
        string id = await fixture.StartJobAsync($"[[render=1]] {prompt} {Guid.NewGuid():N}", slow);
        string videoId = await ProviderVideoOfAsync(id);
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (fixture.Emulator.Stats.CompletedAtOf(videoId) is not { } done || done > DateTimeOffset.UtcNow)
        {
            Assert.True(DateTime.UtcNow < deadline, "the provider video did not finish");
            await Task.Delay(100);
        }

        return (id, videoId);
    }

    [Fact]
    public async Task Event_SignedWithAnotherSecret_Is401()
    {
        string other = "whsec_" + Convert.ToBase64String(new byte[32]);
        (int status, _) = await PostAsync(Signed(Event("video.completed", "video_x"), other));
        Assert.Equal(401, status);
    }

    [Theory]
    [InlineData("v1,")]
    [InlineData("v1")]
    [InlineData(",")]
    [InlineData("v1,!!!not base64!!!")]
    public async Task Event_MalformedSignature_Is401(string signature)
    {
        DefaultHttpContext context = Signed(Event("video.completed", "video_x"), PipelineFixture.WebhookSecret);
        context.Request.Headers["webhook-signature"] = signature;
        (int status, _) = await PostAsync(context);
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task Event_EmptySignatureV1Comma_Is401ProblemWithCode()
    {
        DefaultHttpContext context = Signed(Event("video.completed", "video_x"), PipelineFixture.WebhookSecret);
        context.Request.Headers["webhook-signature"] = "v1,";
        ProviderWebhooks webhooks = fixture.Services.GetRequiredService<ProviderWebhooks>();
        (int status, JsonElement body, HttpContext http) = await HttpResults.ExecuteAsync(await webhooks.ReceiveAsync(context.Request, "sora", fixture.Client, default), context);

        Assert.Equal(401, status);
        Assert.Equal("application/problem+json", http.Response.ContentType);
        Assert.Equal("bad_signature", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Event_ReplayedDelivery_IsDuplicateAndWakesNothing()
    {
        JobPacing slow = TestPacing.Fast with { MinPollInterval = TimeSpan.FromSeconds(40), MaxPollInterval = TimeSpan.FromSeconds(60) };
        string id = await fixture.StartJobAsync($"[[render=60]] a replayed fox {Guid.NewGuid():N}", slow);
        string videoId = await ProviderVideoOfAsync(id);
        string payload = Event("video.completed", videoId);
        DefaultHttpContext first = Signed(payload, PipelineFixture.WebhookSecret);
        DefaultHttpContext replay = SameDelivery(first, payload);

        (int firstStatus, JsonElement firstBody) = await PostAsync(first);
        (int replayStatus, JsonElement replayBody) = await PostAsync(replay);
        await fixture.Client.TerminateInstanceAsync(id);

        Assert.Equal((200, "job woken"), (firstStatus, firstBody.GetProperty("result").GetString()));
        Assert.Equal((200, "duplicate"), (replayStatus, replayBody.GetProperty("result").GetString()));
    }

    [Fact]
    public async Task Event_ForAVideoWhoseJobIsNotStartedYet_Is409AndTheSameDeliveryIsTakenOnceTheJobRuns()
    {
        // A submission that created the video itself (Pipeline:CreateOnSubmit) indexes it just before it schedules the job.
        string id = $"job-starting-{Guid.NewGuid():N}";
        string videoId = $"video_starting_{Guid.NewGuid():N}";
        await fixture.Services.GetRequiredService<ProviderVideoIndex>().RecordAsync(videoId, id, default);
        string payload = Event("video.completed", videoId);
        DefaultHttpContext first = Signed(payload, PipelineFixture.WebhookSecret);
        DefaultHttpContext again = SameDelivery(first, payload);

        (int early, JsonElement problem) = await PostAsync(first);
        await fixture.StartJobAsync($"[[render=60]] a starting fox {Guid.NewGuid():N}", TestPacing.Fast, id);
        (int later, JsonElement woken) = await PostAsync(again);
        await fixture.Client.TerminateInstanceAsync(id);

        Assert.Equal((409, "not_ready"), (early, problem.GetProperty("code").GetString()));
        Assert.Equal(("job woken", id), (woken.GetProperty("result").GetString(), woken.GetProperty("jobId").GetString()));
    }

    [Fact]
    public async Task Event_SameDeliveryIdOnceEach_TwoDeliveriesAreBothTaken()
    {
        (int a, JsonElement first) = await PostAsync(Signed(Event("video.completed", "video_none"), PipelineFixture.WebhookSecret));
        (int b, JsonElement second) = await PostAsync(Signed(Event("video.completed", "video_none"), PipelineFixture.WebhookSecret));

        Assert.Equal((200, "unknown video"), (a, first.GetProperty("result").GetString()));
        Assert.Equal((200, "unknown video"), (b, second.GetProperty("result").GetString()));
    }

    [Fact]
    public async Task Event_InvalidUtf8_Is400()
    {
        DefaultHttpContext context = Signed("x", PipelineFixture.WebhookSecret);
        context.Request.Body = new MemoryStream([0x7B, 0xFF, 0xFE, 0x7D]);
        (int status, _) = await PostAsync(context);
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task Event_ForAnotherProvider_Is404()
    {
        DefaultHttpContext context = Signed(Event("video.completed", "video_x"), PipelineFixture.WebhookSecret);
        ProviderWebhooks webhooks = fixture.Services.GetRequiredService<ProviderWebhooks>();
        (int status, _, _) = await HttpResults.ExecuteAsync(await webhooks.ReceiveAsync(context.Request, "runway", fixture.Client, default), context);
        Assert.Equal(404, status);
    }

    [Fact]
    public async Task Event_Unsigned_Is401()
    {
        (int status, _) = await PostAsync(HttpResults.NewContext(Event("video.completed", "video_x")));
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task Event_TooOld_Is401()
    {
        (int status, _) = await PostAsync(Signed(Event("video.completed", "video_x"), PipelineFixture.WebhookSecret, DateTimeOffset.UtcNow.AddMinutes(-10)));
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task Event_ForAVideoOfNoJob_IsAcknowledgedAndIgnored()
    {
        (int status, JsonElement body) = await PostAsync(Signed(Event("video.completed", "video_nobodys"), PipelineFixture.WebhookSecret));
        Assert.Equal((200, "unknown video"), (status, body.GetProperty("result").GetString()));
    }

    [Fact]
    public async Task Event_OfAnotherType_IsAcknowledgedAndIgnored()
    {
        (int status, JsonElement body) = await PostAsync(Signed(Event("batch.completed", "video_x"), PipelineFixture.WebhookSecret));
        Assert.Equal((200, "ignored"), (status, body.GetProperty("result").GetString()));
    }

    [Fact]
    public async Task Event_NotJson_Is400()
    {
        (int status, JsonElement body) = await PostAsync(Signed("not json", PipelineFixture.WebhookSecret));
        Assert.Equal(400, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("body", out _));
    }

    [Fact]
    public async Task Webhooks_NotConfigured_Are404()
    {
        var webhooks = new ProviderWebhooks(
            TestProviders.Sora,
            Options.Create(new VideoApiOptions()),
            fixture.Services.GetRequiredService<ProviderVideoIndex>(),
            fixture.Services.GetRequiredService<WebhookDeliveries>(),
            fixture.Services.GetRequiredService<NoticedVideos>(),
            NullLogger<ProviderWebhooks>.Instance);
        DefaultHttpContext context = Signed(Event("video.completed", "video_x"), PipelineFixture.WebhookSecret);

        (int status, _, _) = await HttpResults.ExecuteAsync(await webhooks.ReceiveAsync(context.Request, "sora", fixture.Client, default), context);

        Assert.Equal(404, status);
    }

    async Task<string> ProviderVideoOfAsync(string jobId)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            OrchestrationMetadata? instance = await fixture.Client.GetInstanceAsync(jobId, getInputsAndOutputs: true);
            string? videoId = instance is null ? null : JobView.From(instance).ProviderVideoId;
            if (videoId is not null)
            {
                return videoId;
            }

            Assert.True(DateTime.UtcNow < deadline, "the job did not create its provider video in time");
            await Task.Delay(100);
        }
    }
}
