using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SoraFunctions.Configuration;
using SoraFunctions.Http;
using SoraFunctions.Limits;
using SoraFunctions.Telemetry;

namespace SoraFunctions.Tests.Integration;

/// <summary>
/// <c>Pipeline:WatchInProcess</c> on the real engine, Azurite and the emulator over HTTP: the process that sent a
/// submission's create polls the video itself and hands the job its end, while the job's own checks wait as the safety net.
/// </summary>
[Collection(PipelineTestGroup.Name)]
public class VideoWatchTests(PipelineFixture fixture)
{
    /// <summary>
    /// The API as a deployment without webhooks or the sweep submits (the fixture's provider has webhooks on, which
    /// leave jobs unwatched), with the job's own safety-net checks 60 s apart.
    /// </summary>
    VideoApi UnwokenApi()
    {
        var pacing = new JobPacingFactory(
            Options.Create(new PipelineOptions { WebhookPollSeconds = 60 }),
            Options.Create(new LimitsOptions { MaxRunningJobs = 0, CreatesPerMinute = 0 }),
            Mock.Of<IVideoProvider>());
        return ActivatorUtilities.CreateInstance<VideoApi>(fixture.Services, pacing);
    }

    [Fact]
    public async Task Submission_IsWatchedByItsProcess_WhichHandsTheJobItsStoredVideoLongBeforeTheJobsOwnCheck()
    {
        VideoWatch watch = fixture.Services.GetRequiredService<VideoWatch>();
        using var metrics = new PipelineMetricsSummary();
        string prompt = $"[[render=3]] a watched fox {Guid.NewGuid():N}";

        (int status, JsonElement body) = await HttpResults.SubmitAsync(UnwokenApi(), fixture.Client, $$"""{"prompt":"{{prompt}}"}""");
        string id = body.GetProperty("id").GetString()!;
        string videoId = body.GetProperty("providerVideoId").GetString()!;
        bool watchedOnSubmit = watch.IsWatching(id);
        // The job's own first check comes 60 s after the create; the deadline is well before it.
        OrchestrationMetadata finished = await fixture.WaitAsync(id, TimeSpan.FromSeconds(40));
        VideoJobResult result = finished.ReadOutputAs<VideoJobResult>()!;

        Assert.Equal(202, status);
        Assert.True(watchedOnSubmit, "the submission did not start watching its video");
        Assert.Equal(TimeSpan.FromSeconds(60), finished.ReadInputAs<VideoJobInput>()!.Pacing.MinPollInterval);
        Assert.Equal((JobStatus.Completed, videoId), (result.Status, result.ProviderVideoId));
        // Every status call was the watch's, and the job counts them as its own.
        Assert.Equal(fixture.Emulator.Stats.RetrievesOf(videoId), result.Checks);
        Assert.InRange(result.Checks, 1, 4);
        Assert.Equal(1, fixture.Emulator.Stats.DownloadsOf(videoId));
        Assert.True(await fixture.Videos.GetBlobClient(result.Blob!.Name).ExistsAsync(), "the job's blob is not there");
        Assert.False(watch.IsWatching(id), "the watch went on after the end");
        Assert.Equal(1, metrics.Total("sora.watch.notices", "stored=True"));
    }

    [Fact]
    public async Task WatchedVideo_TheProviderNoLongerKnows_IsNoLongerWatched()
    {
        // As after a cancel, which deletes the job's video at the provider.
        VideoWatch watch = fixture.Services.GetRequiredService<VideoWatch>();
        using var metrics = new PipelineMetricsSummary();
        string jobId = $"job-gone-{Guid.NewGuid():N}";
        var gone = new ProviderVideo($"video_gone_{Guid.NewGuid():N}", ProviderStatus.Queued, 0, null, null, null, null);

        Assert.True(watch.Watch(fixture.Client, jobId, gone, DateTimeOffset.UtcNow));
        Assert.False(watch.Watch(fixture.Client, jobId, gone, DateTimeOffset.UtcNow));
        Assert.Equal(1, metrics.Total("sora.watch.videos"));
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (watch.IsWatching(jobId))
        {
            Assert.True(DateTime.UtcNow < deadline, "the watch of an unknown video did not stop");
            await Task.Delay(100);
        }

        Assert.False(watch.IsWatching(jobId));
        Assert.Equal(0, metrics.Total("sora.watch.videos"));
        Assert.Equal(0, metrics.Total("sora.watch.notices"));
    }
}
