using Microsoft.Extensions.DependencyInjection;
using SoraFunctions.Http;

namespace SoraFunctions.Tests.Integration;

/// <summary>
/// The status sweep's way of waking a job (<see cref="DurableJobWaker"/>) with <c>Pipeline:StoreOnNotice</c>: the
/// completed video is stored before the job is woken, and the job ends with that blob. (Webhooks:
/// <see cref="ProviderWebhookTests"/>; through the local host: <c>StatusSweepEndToEndTests</c>.)
/// </summary>
[Collection(PipelineTestGroup.Name)]
public class NoticedVideoStoreTests(PipelineFixture fixture)
{
    [Fact]
    public async Task SweepWake_OfACompletedVideo_StoresItBeforeWakingTheJob()
    {
        JobPacing slow = TestPacing.Fast with { MinPollInterval = TimeSpan.FromSeconds(40), MaxPollInterval = TimeSpan.FromSeconds(60) };
        string id = await fixture.StartJobAsync($"[[render=1]] a swept fox {Guid.NewGuid():N}", slow);
        ProviderVideo video = await CompletedVideoOfAsync(id);
        var waker = new DurableJobWaker(fixture.Client, fixture.Services.GetRequiredService<NoticedVideos>());

        await waker.WakeAsync(id, video, default);
        int downloadsBeforeTheJobWoke = fixture.Emulator.Stats.DownloadsOf(video.Id);
        OrchestrationMetadata finished = await fixture.WaitAsync(id, TimeSpan.FromSeconds(20));
        VideoJobResult result = finished.ReadOutputAs<VideoJobResult>()!;

        Assert.Equal(1, downloadsBeforeTheJobWoke);
        Assert.Equal((JobStatus.Completed, 0), (result.Status, result.Checks));
        Assert.Equal(1, fixture.Emulator.Stats.DownloadsOf(video.Id));
        Assert.Equal(1, fixture.Emulator.Stats.RetrievesOf(video.Id)); // this test's own, which read the video
        Assert.True(await fixture.Videos.GetBlobClient(result.Blob!.Name).ExistsAsync(), "the job's blob is not there");
    }

    /// <summary>The job's provider video once the provider reports it completed (one status call, made here).</summary>
    async Task<ProviderVideo> CompletedVideoOfAsync(string jobId)
    {
        IVideoProvider provider = fixture.Services.GetRequiredService<IVideoProvider>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        string? videoId = null;
        while (true)
        {
            videoId ??= await fixture.Client.GetInstanceAsync(jobId, getInputsAndOutputs: true) is { } instance ? JobView.From(instance).ProviderVideoId : null;
            if (videoId is not null && fixture.Emulator.Stats.CompletedAtOf(videoId) is { } done && done <= DateTimeOffset.UtcNow)
            {
                ProviderResult<ProviderVideo> answer = await provider.GetAsync(videoId, default);
                Assert.True(answer.IsSuccess, "the provider did not answer");
                return answer.Value!;
            }

            Assert.True(DateTime.UtcNow < deadline, "the job's provider video did not finish in time");
            await Task.Delay(100);
        }
    }
}
