using System.Globalization;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using SoraFunctions.Catalog;
using SoraFunctions.Http;
using Xunit.Abstractions;

namespace SoraFunctions.Tests.Integration;

/// <summary>The real orchestrator and activities on the Durable Task engine, against the emulator and Azurite.</summary>
[Collection(PipelineTestGroup.Name)]
public class PipelineTests(PipelineFixture fixture, ITestOutputHelper output)
{
    static string Prompt(string directives) => $"{directives} a red fox running through snow {Guid.NewGuid():N}";

    static VideoJobResult Result(OrchestrationMetadata instance)
    {
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        return instance.ReadOutputAs<VideoJobResult>()!;
    }

    async Task<byte[]> ProviderBytesAsync(string providerVideoId)
    {
        using var http = new HttpClient();
        return await http.GetByteArrayAsync(new Uri($"{fixture.Emulator.ApiBaseUrl.AbsoluteUri.TrimEnd('/')}/videos/{providerVideoId}/content"));
    }

    [Fact]
    public async Task Job_Succeeds_StoresTheProvidersBytesUnderTheContractNameWithMetadata()
    {
        string prompt = Prompt("[[render=2]]");
        OrchestrationMetadata instance = await fixture.RunJobAsync(prompt);
        VideoJobResult result = Result(instance);

        Assert.Equal(JobStatus.Completed, result.Status);
        DateTime started = instance.CreatedAt.UtcDateTime;
        string expectedName = string.Create(CultureInfo.InvariantCulture, $"{started:yyyy}/{started:MM}/{started:dd}/{instance.InstanceId}.mp4");
        Assert.Equal(expectedName, result.Blob!.Name);

        BlobClient blob = fixture.Videos.GetBlobClient(expectedName);
        BlobProperties properties = (await blob.GetPropertiesAsync()).Value;
        Assert.Equal("video/mp4", properties.ContentType);
        Assert.Equal(instance.InstanceId, properties.Metadata[BlobMetadataKeys.JobId]);
        Assert.Equal(result.ProviderVideoId, properties.Metadata[BlobMetadataKeys.ProviderVideoId]);
        Assert.Equal(("sora-2", "4", "720x1280"), (properties.Metadata[BlobMetadataKeys.Model], properties.Metadata[BlobMetadataKeys.Seconds], properties.Metadata[BlobMetadataKeys.Size]));

        byte[] stored = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(await ProviderBytesAsync(result.ProviderVideoId!), stored);
        Assert.Equal(stored.Length, result.Bytes);
        Assert.Equal("ftyp"u8.ToArray(), stored[4..8]);
    }

    [Fact]
    public async Task Job_ProviderFailsTheVideo_EndsFailedWithTheProvidersCode()
    {
        VideoJobResult result = Result(await fixture.RunJobAsync(Prompt("[[render=2]][[fail=moderation_blocked]]")));

        Assert.Equal(JobStatus.Failed, result.Status);
        Assert.Equal("moderation_blocked", result.Error!.Code);
        Assert.Null(result.Blob);
    }

    [Fact]
    public async Task Job_RateLimitAndServerErrorStorms_AreSurvivedWithOneProviderVideo()
    {
        string prompt = Prompt("[[render=2]][[create429=2]][[retryafter=1]][[create503=1]][[get500=2]][[get503=1]][[get429=1]][[reset=1]]");
        VideoJobResult result = Result(await fixture.RunJobAsync(prompt));

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(4, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
        Assert.Equal(1, fixture.Emulator.Stats.VideosWithPrompt(prompt));
        Assert.Equal(2, fixture.Emulator.Stats.DownloadsOf(result.ProviderVideoId!));
    }

    [Fact]
    public async Task Job_CreateAnswerLost_AdoptsTheVideoInsteadOfPayingForASecond()
    {
        string prompt = Prompt("[[render=2]][[createlost=1]]");
        VideoJobResult result = Result(await fixture.RunJobAsync(prompt));

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(1, fixture.Emulator.Stats.VideosWithPrompt(prompt));
        Assert.Equal(Assert.Single(fixture.Emulator.Stats.VideoIdsWithPrompt(prompt)), result.ProviderVideoId);
    }

    [Fact]
    public async Task Job_NeverFinishes_FailsWithTimeoutAndDeletesTheProviderJob()
    {
        string prompt = Prompt("[[render=2]][[stall]]");
        JobPacing pacing = TestPacing.Fast with { Timeout = TimeSpan.FromSeconds(5) };
        VideoJobResult result = Result(await fixture.RunJobAsync(prompt, pacing));

        Assert.Equal(JobErrorCodes.Timeout, result.Error!.Code);
        await AssertProviderVideoGoneAsync(result.ProviderVideoId!);
    }

    [Fact]
    public async Task Job_CanceledWhileRendering_EndsCanceledAndDeletesTheProviderJob()
    {
        string id = await fixture.StartJobAsync(Prompt("[[render=60]]"));
        await WaitForAsync(id, view => view.Status == JobStatus.InProgress);

        await fixture.Client.RaiseEventAsync(id, VideoOrchestrator.CancelEvent, "test");
        VideoJobResult result = Result(await fixture.WaitAsync(id, TimeSpan.FromSeconds(30)));

        Assert.Equal(JobStatus.Canceled, result.Status);
        await AssertProviderVideoGoneAsync(result.ProviderVideoId!);
    }

    [Fact]
    public async Task Job_StatusChecks_StayWithinThePolicyBoundAndNoticeTheEndQuickly()
    {
        const double render = 8;
        JobPacing pacing = TestPacing.Fast with { MaxPollInterval = TimeSpan.FromSeconds(30) };
        VideoJobResult result = Result(await fixture.RunJobAsync(Prompt($"[[render={render}]]"), pacing));

        string videoId = result.ProviderVideoId!;
        int retrieves = fixture.Emulator.Stats.RetrievesOf(videoId);
        int bound = PollingPolicy.MaxChecksFor(TimeSpan.FromSeconds(render), TimeSpan.FromSeconds(render * 0.1), pacing.MinPollInterval);
        TimeSpan late = fixture.Emulator.Stats.SeenCompletedAtOf(videoId)!.Value - fixture.Emulator.Stats.CompletedAtOf(videoId)!.Value;
        output.WriteLine($"render {render}s: {retrieves} status checks (bound {bound}, a 1 s fixed interval would make {render}); noticed {late.TotalSeconds:F2}s after the provider finished");

        Assert.Equal(result.Checks, retrieves);
        Assert.InRange(retrieves, 1, bound);
        Assert.True(late < pacing.MinPollInterval + TimeSpan.FromSeconds(5), $"noticed {late} late");
    }

    [Fact]
    public async Task Submit_SameIdTwice_StartsOneJobAndOneProviderVideo()
    {
        VideoApi api = fixture.Services.GetRequiredService<VideoApi>();
        string id = $"idem-{Guid.NewGuid():N}";
        string prompt = Prompt("[[render=2]]");
        string body = $$"""{"prompt":"{{prompt}}","id":"{{id}}"}""";

        (int first, _) = await HttpResults.SubmitAsync(api, fixture.Client, body);
        (int second, _) = await HttpResults.SubmitAsync(api, fixture.Client, body);
        await fixture.WaitAsync(id, TimeSpan.FromSeconds(60));
        (int third, System.Text.Json.JsonElement json) = await HttpResults.SubmitAsync(api, fixture.Client, body);

        Assert.Equal((202, 200, 200), (first, second, third));
        Assert.Equal(JobStatus.Completed, json.GetProperty("status").GetString());
        Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
    }

    [Fact]
    public async Task StoreActivity_RunTwiceInParallelAndAgain_CommitsOnce()
    {
        string prompt = Prompt("[[render=1]]");
        VideoJobResult first = Result(await fixture.RunJobAsync(prompt));
        VideoJobActivities work = fixture.Services.GetRequiredService<VideoJobActivities>();
        string name = $"repeat/{Guid.NewGuid():N}.mp4";
        var input = new StoreVideoInput("repeat-job", first.ProviderVideoId!, name, new VideoSpec(prompt, "sora-2", "4", "720x1280"));
        int downloadsBefore = fixture.Emulator.Stats.DownloadsOf(first.ProviderVideoId!);

        StoreVideoResult[] parallel = await Task.WhenAll(work.StoreAsync(input, default), work.StoreAsync(input, default));
        BlobProperties afterParallel = (await fixture.Videos.GetBlobClient(name).GetPropertiesAsync()).Value;
        StoreVideoResult again = await work.StoreAsync(input, default);
        BlobProperties afterAgain = (await fixture.Videos.GetBlobClient(name).GetPropertiesAsync()).Value;

        Assert.All(parallel, r => Assert.Equal(StepOutcome.Succeeded, r.Outcome));
        Assert.Single(parallel, r => !r.AlreadyStored);
        Assert.True(again.AlreadyStored);
        Assert.Equal(afterParallel.ETag, afterAgain.ETag);
        // Each parallel attempt downloads unless the other had already committed when it looked; the third never does.
        Assert.InRange(fixture.Emulator.Stats.DownloadsOf(first.ProviderVideoId!), downloadsBefore + 1, downloadsBefore + 2);
    }

    [Fact]
    public async Task CheckActivity_VideoCompleted_StoresItInTheSameCall_VideoRendering_OnlyChecks()
    {
        string doneId = await CompletedProviderVideoAsync(Prompt("[[render=1]]"));
        ISoraClient sora = fixture.Services.GetRequiredService<ISoraClient>();
        string renderingId = (await sora.CreateVideoAsync(new SoraCreateRequest(Prompt("[[render=600]]")))).Value!.Id;
        VideoJobActivities work = fixture.Services.GetRequiredService<VideoJobActivities>();
        StoreVideoInput StoreOf(string videoId, string name) => new("check-job", videoId, name, new VideoSpec(string.Empty, "sora-2", "4", "720x1280"));
        string doneName = $"checked/{Guid.NewGuid():N}.mp4";
        string renderingName = $"checked/{Guid.NewGuid():N}.mp4";

        GetVideoResult done = await work.GetAsync(new GetVideoInput(doneId) { StoreIfCompleted = StoreOf(doneId, doneName) }, "check-job", default);
        GetVideoResult rendering = await work.GetAsync(new GetVideoInput(renderingId) { StoreIfCompleted = StoreOf(renderingId, renderingName) }, "check-job", default);

        Assert.Equal((ProviderStatus.Completed, StepOutcome.Succeeded), (done.Video!.Status, done.Stored!.Outcome));
        Assert.Equal(doneName, done.Stored.Blob!.Name);
        byte[] stored = (await fixture.Videos.GetBlobClient(doneName).DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(await ProviderBytesAsync(doneId), stored);
        Assert.NotEqual(ProviderStatus.Completed, rendering.Video!.Status);
        Assert.Null(rendering.Stored);
        Assert.Equal(0, fixture.Emulator.Stats.DownloadsOf(renderingId));
        Assert.False((await fixture.Videos.GetBlobClient(renderingName).ExistsAsync()).Value);
    }

    [Fact]
    public async Task StoreActivity_TruncatedDownload_AsksForRetryAndLeavesNothingVisible()
    {
        string videoId = await CompletedProviderVideoAsync(Prompt("[[render=1]][[truncate=1]]"));
        VideoJobActivities work = fixture.Services.GetRequiredService<VideoJobActivities>();
        string name = $"truncated/{Guid.NewGuid():N}.mp4";
        var input = new StoreVideoInput("truncated-job", videoId, name, new VideoSpec("p", "sora-2", "4", "720x1280"));

        StoreVideoResult first = await work.StoreAsync(input, default);
        bool visibleAfterFirst = (await fixture.Videos.GetBlobClient(name).ExistsAsync()).Value;
        StoreVideoResult second = await work.StoreAsync(input, default);

        Assert.Equal(StepOutcome.Retry, first.Outcome);
        Assert.False(visibleAfterFirst);
        Assert.Equal(StepOutcome.Succeeded, second.Outcome);
        byte[] stored = (await fixture.Videos.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(await ProviderBytesAsync(videoId), stored);
    }

    [Fact]
    public async Task StoreActivity_DownloadPastTheSizeCapWithoutContentLength_FailsWithoutRetryAndLeavesNothingVisible()
    {
        var provider = new Mock<IVideoProvider>();
        provider.SetupGet(p => p.Name).Returns("Capped");
        provider.Setup(p => p.OpenContentAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => ProviderResult<ProviderContent>.Success(new ProviderContent(new SizeCappedStream(new MemoryStream(new byte[300_000]), 100_000), null)));
        var work = new VideoJobActivities(
            provider.Object,
            fixture.Services.GetRequiredService<Storage.VideoBlobStore>(),
            fixture.Services.GetRequiredService<Storage.InputImageStore>(),
            fixture.Services.GetRequiredService<Storage.ProviderVideoIndex>(),
            fixture.Services.GetRequiredService<Storage.ICreateAttempts>(),
            new Mock<Storage.IVideoStoredNotifier>().Object,
            new Mock<SoraFunctions.Limits.ICreatePacer>().Object,
            Microsoft.Extensions.Options.Options.Create(new Configuration.PipelineOptions()),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<VideoJobActivities>.Instance);
        string name = $"toolarge/{Guid.NewGuid():N}.mp4";

        StoreVideoResult result = await work.StoreAsync(new StoreVideoInput("big-job", "video_big", name, new VideoSpec("p", "sora-2", "4", "720x1280")), default);

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Equal(JobErrorCodes.VideoTooLarge, result.Error?.Code);
        Assert.False((await fixture.Videos.GetBlobClient(name).ExistsAsync()).Value);
    }

    [Fact]
    public async Task StoreActivity_UnknownProviderVideo_FailsWithoutRetry()
    {
        VideoJobActivities work = fixture.Services.GetRequiredService<VideoJobActivities>();
        var input = new StoreVideoInput("missing-job", "video_00000000000000000000000000000000", $"missing/{Guid.NewGuid():N}.mp4", new VideoSpec("p", "sora-2", "4", "720x1280"));

        StoreVideoResult result = await work.StoreAsync(input, default);

        Assert.Equal(StepOutcome.Failed, result.Outcome);
    }

    async Task<string> CompletedProviderVideoAsync(string prompt)
    {
        ISoraClient sora = fixture.Services.GetRequiredService<ISoraClient>();
        SoraVideo video = (await sora.CreateVideoAsync(new SoraCreateRequest(prompt))).Value!;
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await sora.GetVideoAsync(video.Id)).Value!.Status != SoraVideoStatus.Completed)
        {
            Assert.True(DateTime.UtcNow < deadline, "the provider video did not complete in time");
            await Task.Delay(100);
        }

        return video.Id;
    }

    async Task AssertProviderVideoGoneAsync(string providerVideoId)
    {
        using var http = new HttpClient();
        using HttpResponseMessage response = await http.GetAsync(new Uri($"{fixture.Emulator.ApiBaseUrl.AbsoluteUri.TrimEnd('/')}/videos/{providerVideoId}"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    async Task WaitForAsync(string id, Func<JobView, bool> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            OrchestrationMetadata? instance = await fixture.Client.GetInstanceAsync(id, getInputsAndOutputs: true);
            if (instance is not null && condition(JobView.From(instance)))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {id} did not reach the expected state in time");
            await Task.Delay(100);
        }
    }
}
