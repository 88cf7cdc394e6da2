using System.Text.Json;
using Microsoft.DurableTask.Converters;

namespace SoraFunctions.Tests.Unit;

/// <summary>
/// What a job takes from a provider event (<see cref="EventPayloads.Noticed"/>), and where the receiver of a notice
/// stores the video (<see cref="NoticedVideos.StoreInputFor"/>); the store itself: <c>Integration/ProviderWebhookTests</c>.
/// </summary>
public sealed class NoticedVideosTests
{
    static readonly DateTime Start = new(2026, 12, 1, 23, 59, 59, DateTimeKind.Utc);
    static readonly JsonDataConverter Converter = JsonDataConverter.Default;
    static readonly ProviderVideo Completed = new("video_1", ProviderStatus.Completed, 100, Start, Start.AddSeconds(20), null, null);
    static readonly StoreVideoResult Stored = new(StepOutcome.Succeeded) { Blob = new BlobLocation("videos", "2026/12/01/job-1.mp4", "http://blob/job-1.mp4"), Bytes = 1000 };

    static VideoJobInput Job(JobProgress? progress = null) =>
        new("job-1", new VideoSpec("a fox", "sora-2", "4", "720x1280"), TestPacing.Fast) { Renditions = ["poster"], Progress = progress };

    static JobCustomStatus Status(string status = JobStatus.InProgress, string? video = "video_1") => new(status, 40, video, 1, Start.AddSeconds(10), Start);

    /// <summary>An instance as the engine's client reads it, input and custom status serialized as the engine does.</summary>
    static OrchestrationMetadata Instance(VideoJobInput input, JobCustomStatus? status) => new(VideoOrchestrator.Name, input.JobId)
    {
        RuntimeStatus = OrchestrationRuntimeStatus.Running,
        SerializedInput = Converter.Serialize(input),
        SerializedCustomStatus = status is null ? null : Converter.Serialize(status),
        DataConverter = Converter,
    };

    static JsonElement AsEngineSends(object payload) => JsonDocument.Parse(Converter.Serialize(payload)!).RootElement;

    [Fact]
    public void Noticed_StoredVideo_IsReadWithItsStoreResult()
    {
        NoticedVideo? noticed = EventPayloads.Noticed(AsEngineSends(new NoticedVideo(Completed) { Stored = Stored, ObservedAt = Start }), "video_1");

        Assert.Equal(Completed, noticed?.Video);
        Assert.Equal((StepOutcome.Succeeded, Stored.Blob, 1000L), (noticed!.Stored!.Outcome, noticed.Stored.Blob, noticed.Stored.Bytes));
        Assert.Equal(new DateTimeOffset(Start), noticed.ObservedAt);
    }

    [Fact]
    public void Noticed_TheSweepsListEntryAlone_IsReadAsTheVideoWithNothingStored()
    {
        NoticedVideo? noticed = EventPayloads.Noticed(AsEngineSends(Completed), "video_1");

        Assert.Equal(Completed, noticed?.Video);
        Assert.Null(noticed!.Stored);
    }

    [Fact]
    public void Noticed_AWebhooksTypeAnotherVideoOrOneStillRendering_IsNothing()
    {
        Assert.Null(EventPayloads.Noticed(AsEngineSends("video.completed"), "video_1"));
        Assert.Null(EventPayloads.Noticed(AsEngineSends(new NoticedVideo(Completed) { Stored = Stored }), "video_2"));
        Assert.Null(EventPayloads.Noticed(AsEngineSends(new NoticedVideo(Completed with { Status = ProviderStatus.InProgress })), "video_1"));
        Assert.Null(EventPayloads.Noticed(AsEngineSends(new { video = "not an object" }), "video_1"));
    }

    [Fact]
    public void Describe_NamesANoticedEnd()
    {
        Assert.Equal("video ended and stored", EventPayloads.Describe(AsEngineSends(new NoticedVideo(Completed) { Stored = Stored })));
        Assert.Equal("video ended", EventPayloads.Describe(AsEngineSends(new NoticedVideo(Completed))));
    }

    [Fact]
    public void StoreInputFor_AFirstGeneration_NamesTheBlobByTheStartItsStatusCarries()
    {
        StoreVideoInput? store = NoticedVideos.StoreInputFor(Instance(Job(), Status()), "video_1");

        Assert.Equal(("job-1", "video_1", "2026/12/01/job-1.mp4"), (store?.JobId, store?.ProviderVideoId, store?.BlobName));
        Assert.Equal(["poster"], store!.Renditions);
        Assert.Equal(string.Empty, store.Spec.Prompt);
    }

    [Fact]
    public void StoreInputFor_ALaterGeneration_TakesTheBlobNameItsProgressCarries()
    {
        var progress = new JobProgress(Start, Start.AddHours(1), "2026/11/30/job-1.mp4", "video_1", Start, 20, 40, ProviderStatus.InProgress);

        StoreVideoInput? store = NoticedVideos.StoreInputFor(Instance(Job(progress), Status()), "video_1");

        Assert.Equal("2026/11/30/job-1.mp4", store?.BlobName);
    }

    [Fact]
    public void StoreInputFor_AJobNotWaitingOnThatVideo_IsNothing()
    {
        Assert.Null(NoticedVideos.StoreInputFor(Instance(Job(), Status(video: "video_2")), "video_1"));
        Assert.Null(NoticedVideos.StoreInputFor(Instance(Job(), Status(video: null)), "video_1"));
        Assert.Null(NoticedVideos.StoreInputFor(Instance(Job(), Status(JobStatus.Storing)), "video_1"));
        Assert.Null(NoticedVideos.StoreInputFor(Instance(Job(), null), "video_1"));
    }
}
