using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SoraFunctions.Configuration;
using SoraFunctions.Limits;
using SoraFunctions.Storage;

namespace SoraFunctions.Tests.Unit;

public class VideoJobActivitiesTests
{
    static readonly VideoSpec Spec = new("a fox", "sora-2", "4", "720x1280");
    readonly Mock<IVideoProvider> provider = new();
    readonly Mock<ICreatePacer> pacer = new();
    readonly Mock<ICreateAttempts> attempts = new();
    readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    readonly Mock<TableClient> indexTable = new();

    public VideoJobActivitiesTests() => OwnerOf(null);

    /// <summary>The job the provider video index names as the owner of every video (null: none of ours).</summary>
    void OwnerOf(string? jobId) =>
        indexTable.Setup(t => t.GetEntityIfExistsAsync<TableEntity>(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<IEnumerable<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(jobId is null
                ? Mock.Of<Azure.NullableResponse<TableEntity>>(r => r.HasValue == false)
                : Azure.Response.FromValue(new TableEntity("v", "r") { ["JobId"] = jobId }, Mock.Of<Azure.Response>()));

    VideoJobActivities Activities(UncertainCreatePolicy policy = UncertainCreatePolicy.Fail, BlobServiceClient? blobs = null)
    {
        var tables = new Mock<TableServiceClient>();
        tables.Setup(t => t.GetTableClient(It.IsAny<string>())).Returns(indexTable.Object);
        provider.SetupGet(p => p.Name).Returns("Acme");
        return new VideoJobActivities(
            provider.Object,
            new VideoBlobStore(blobs ?? new Mock<BlobServiceClient>().Object, Options.Create(new VideoStorageOptions()), NullLogger<VideoBlobStore>.Instance),
            new InputImageStore(new Mock<BlobServiceClient>().Object),
            new ProviderVideoIndex(tables.Object),
            attempts.Object,
            new Mock<IVideoStoredNotifier>().Object,
            pacer.Object,
            Options.Create(new PipelineOptions { UncertainCreate = policy }),
            time,
            NullLogger<VideoJobActivities>.Instance);
    }

    [Fact]
    public async Task Get_AimedCheck_AsksTheProviderAtItsTimeAndNoLaterThanTheLongestWait()
    {
        var video = new ProviderVideo("v1", ProviderStatus.InProgress, 90, null, null, null, null);
        provider.Setup(p => p.GetAsync("v1", It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Success(video));
        VideoJobActivities activities = Activities();

        Task<GetVideoResult> aimed = activities.GetAsync(new GetVideoInput("v1") { NotBefore = time.GetUtcNow().UtcDateTime.AddSeconds(1.5) }, "job-1", default);
        time.Advance(TimeSpan.FromSeconds(1.4));
        Assert.False(aimed.IsCompleted);
        provider.Verify(p => p.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        time.Advance(TimeSpan.FromSeconds(0.1));
        GetVideoResult answer = await aimed;
        Assert.Equal(90, answer.Video!.Progress);
        // When the provider answered, for the orchestration's estimate of the end.
        Assert.Equal(time.GetUtcNow(), answer.ObservedAt);

        // A time far off (a skewed clock) waits no longer than the longest wait; one already past does not wait.
        Task<GetVideoResult> skewed = activities.GetAsync(new GetVideoInput("v1") { NotBefore = time.GetUtcNow().UtcDateTime.AddMinutes(5) }, "job-1", default);
        time.Advance(GetVideoInput.MaxWait);
        await skewed;
        await activities.GetAsync(new GetVideoInput("v1") { NotBefore = time.GetUtcNow().UtcDateTime.AddSeconds(-1) }, "job-1", default);
        provider.Verify(p => p.GetAsync("v1", It.IsAny<CancellationToken>()), Times.Exactly(3));
    }

    [Fact]
    public async Task Get_AnswerShowsTheEndWithinTheLongestWait_WaitsForItAndAsksAgain()
    {
        DateTime now = time.GetUtcNow().UtcDateTime;
        provider.SetupSequence(p => p.GetAsync("v1", It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProviderResult<ProviderVideo>.Success(new ProviderVideo("v1", ProviderStatus.InProgress, 90, null, null, null, null)))
            .ReturnsAsync(ProviderResult<ProviderVideo>.Success(new ProviderVideo("v1", ProviderStatus.Completed, 100, null, null, null, null)));

        // 80 % two seconds ago, 90 % now: the render ends in 2 s.
        Task<GetVideoResult> check = Activities().GetAsync(new GetVideoInput("v1") { LastReading = new ProgressReading(80, now.AddSeconds(-2)) }, "job-1", default);
        time.Advance(TimeSpan.FromSeconds(2.24));
        Assert.False(check.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.01));
        GetVideoResult answer = await check;

        Assert.Equal((ProviderStatus.Completed, true), (answer.Video!.Status, answer.Rechecked));
        Assert.Equal(time.GetUtcNow(), answer.ObservedAt);
        provider.Verify(p => p.GetAsync("v1", It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task Get_RecheckFails_ReportsTheFirstAnswer()
    {
        DateTime now = time.GetUtcNow().UtcDateTime;
        provider.SetupSequence(p => p.GetAsync("v1", It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProviderResult<ProviderVideo>.Success(new ProviderVideo("v1", ProviderStatus.InProgress, 90, null, null, null, null)))
            .ReturnsAsync(ProviderResult<ProviderVideo>.Failure(new ProviderError { Transient = true, StatusCode = 503, Message = "busy" }));

        Task<GetVideoResult> check = Activities().GetAsync(new GetVideoInput("v1") { LastReading = new ProgressReading(80, now.AddSeconds(-2)) }, "job-1", default);
        time.Advance(TimeSpan.FromSeconds(2.25));
        GetVideoResult answer = await check;

        Assert.Equal((StepOutcome.Succeeded, 90, true), (answer.Outcome, answer.Video!.Progress, answer.Rechecked));
        Assert.Equal(now, answer.ObservedAt!.Value.UtcDateTime);
    }

    [Theory]
    [InlineData(80, 6, false)] // 10 % in 6 s: 6 s to go, longer than the longest wait
    [InlineData(90, 2, false)] // no rise since the last reading
    [InlineData(80, 2, true)] // the provider said when to ask next
    public async Task Get_EndNotInSight_AsksOnce(int lastProgress, double secondsAgo, bool pollAfter)
    {
        DateTime now = time.GetUtcNow().UtcDateTime;
        provider.Setup(p => p.GetAsync("v1", It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Success(
            new ProviderVideo("v1", ProviderStatus.InProgress, 90, null, null, null, null), pollAfter ? TimeSpan.FromSeconds(5) : null));

        GetVideoResult answer = await Activities().GetAsync(
            new GetVideoInput("v1") { LastReading = new ProgressReading(lastProgress, now.AddSeconds(-secondsAgo)) }, "job-1", default);

        Assert.False(answer.Rechecked);
        provider.Verify(p => p.GetAsync("v1", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Get_CompletedAndStorageThrows_ReportsTheCheckAndAStoreToRetry()
    {
        // Before: the exception failed the whole check, so the job checked again until its deadline and then deleted
        // the finished video at the provider, instead of retrying the store a bounded number of times.
        var blobs = new Mock<BlobServiceClient>();
        blobs.Setup(b => b.GetBlobContainerClient(It.IsAny<string>())).Throws(new Azure.RequestFailedException(500, "storage is down"));
        var video = new ProviderVideo("v1", ProviderStatus.Completed, 100, null, null, null, null);
        provider.Setup(p => p.GetAsync("v1", It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Success(video));
        var check = new GetVideoInput("v1") { StoreIfCompleted = new StoreVideoInput("job-1", "v1", "2026/11/30/job-1.mp4", Spec) };

        GetVideoResult result = await Activities(blobs: blobs.Object).GetAsync(check, "job-1", default);

        Assert.Equal((StepOutcome.Succeeded, ProviderStatus.Completed), (result.Outcome, result.Video!.Status));
        Assert.Equal((StepOutcome.Retry, JobErrorCodes.StoreFailed), (result.Stored!.Outcome, result.Stored.Error!.Code));
    }

    [Fact]
    public async Task Create_ProviderAnswers429_HoldsEveryonesCreatesForItsRetryAfter()
    {
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Failure(
            new ProviderError { Transient = true, StatusCode = 429, Message = "slow down", RetryAfter = TimeSpan.FromSeconds(40) }));

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((StepOutcome.Retry, true), (result.Outcome, result.RateLimited));
        pacer.Verify(p => p.BackOffAsync(time.GetUtcNow().AddSeconds(40), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task CreateOnSubmit_ProviderMakesTheVideo_AnswersItIndexedWithoutACreateRecord()
    {
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Success(Video("video_made")));

        CreateVideoResult result = await Activities().CreateOnSubmitAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((StepOutcome.Succeeded, "video_made", time.GetUtcNow()), (result.Outcome, result.Video!.Id, result.ObservedAt));
        // A new job id has no earlier attempt to find, and nothing runs this create again.
        attempts.VerifyNoOtherCalls();
        indexTable.Verify(t => t.UpsertEntityAsync(
            It.Is<TableEntity>(e => e.GetString("JobId") == "job-1" && e.RowKey == "video_made"), TableUpdateMode.Replace, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task CreateOnSubmit_NoAnswerInTime_IsARetryThatMayHaveReachedTheProvider()
    {
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).Returns(async (VideoSpec _, CancellationToken token) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return ProviderResult<ProviderVideo>.Success(Video("never"));
        });

        Task<CreateVideoResult> creating = Activities().CreateOnSubmitAsync(new CreateVideoInput("job-1", Spec, null), default);
        Assert.False(creating.IsCompleted);
        time.Advance(VideoJobActivities.SubmitCreateTimeout);
        CreateVideoResult result = await creating.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((StepOutcome.Retry, true), (result.Outcome, result.MayHaveReachedProvider));
    }

    [Theory]
    [InlineData(400, false, StepOutcome.Failed, false)]
    [InlineData(500, true, StepOutcome.Retry, true)]
    [InlineData(429, true, StepOutcome.Retry, false)]
    public async Task CreateOnSubmit_ProviderRefuses_AnswersAsTheFirstAttempt(int status, bool transient, StepOutcome outcome, bool mayHaveReached)
    {
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Failure(
            new ProviderError { Transient = transient, StatusCode = status, Message = "no", MayHaveReachedProvider = mayHaveReached }));

        CreateVideoResult result = await Activities().CreateOnSubmitAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((outcome, mayHaveReached), (result.Outcome, result.MayHaveReachedProvider));
        attempts.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Create_ProviderAnswers503_DoesNotHoldEveryone()
    {
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Failure(
            new ProviderError { Transient = true, StatusCode = 503, Message = "busy" }));

        await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        pacer.Verify(p => p.BackOffAsync(It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_UncertainWithoutFindCapability_FailPolicy_FailsWithoutCreatingAgain()
    {
        CreateVideoResult result = await Activities(UncertainCreatePolicy.Fail).CreateAsync(new CreateVideoInput("job-1", Spec, time.GetUtcNow().UtcDateTime), default);

        Assert.Equal((StepOutcome.Failed, JobErrorCodes.CreateUncertain, true), (result.Outcome, result.Error!.Code, result.MayHaveReachedProvider));
        Assert.Contains("Acme", result.Error.Message, StringComparison.Ordinal);
        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_UncertainWithoutFindCapability_RetryPolicy_CreatesAgain()
    {
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProviderResult<ProviderVideo>.Success(new ProviderVideo("v1", ProviderStatus.Queued, 0, null, null, null, null)));

        CreateVideoResult result = await Activities(UncertainCreatePolicy.Retry).CreateAsync(new CreateVideoInput("job-1", Spec, time.GetUtcNow().UtcDateTime), default);

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        provider.Verify(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Create_UncertainAndTheListRefusedForGood_FailPolicy_FailsWithoutCreatingAgain()
    {
        Mock<IFindCreatedVideos> finder = provider.As<IFindCreatedVideos>();
        finder.Setup(f => f.FindCreatedAsync(Spec, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProviderResult<ProviderVideo?>.Failure(new ProviderError { Transient = false, StatusCode = 403, Message = "no list for this key" }));

        CreateVideoResult result = await Activities(UncertainCreatePolicy.Fail).CreateAsync(new CreateVideoInput("job-1", Spec, time.GetUtcNow().UtcDateTime), default);

        Assert.Equal((StepOutcome.Failed, JobErrorCodes.CreateUncertain, true), (result.Outcome, result.Error!.Code, result.MayHaveReachedProvider));
        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_UncertainAndTheVideoFoundIsAnotherJobs_DoesNotAdoptIt()
    {
        // A batch of variations: the sibling's video has the same prompt and parameters.
        Mock<IFindCreatedVideos> finder = provider.As<IFindCreatedVideos>();
        finder.Setup(f => f.FindCreatedAsync(Spec, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProviderResult<ProviderVideo?>.Success(new ProviderVideo("siblings", ProviderStatus.InProgress, 10, null, null, null, null)));
        OwnerOf("job-2");

        CreateVideoResult result = await Activities(UncertainCreatePolicy.Fail).CreateAsync(new CreateVideoInput("job-1", Spec, time.GetUtcNow().UtcDateTime), default);

        Assert.Equal((StepOutcome.Failed, JobErrorCodes.CreateUncertain), (result.Outcome, result.Error!.Code));
        Assert.Null(result.Video);
        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_UncertainWithFindCapability_AdoptsTheVideoFoundInsteadOfCreating()
    {
        Mock<IFindCreatedVideos> finder = provider.As<IFindCreatedVideos>();
        finder.Setup(f => f.FindCreatedAsync(Spec, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProviderResult<ProviderVideo?>.Success(new ProviderVideo("found", ProviderStatus.InProgress, 10, null, null, null, null)));

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, time.GetUtcNow().UtcDateTime), default);

        Assert.Equal(("found", true), (result.Video!.Id, result.Adopted));
        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    // A create run again by the engine (the host died mid-create) finds the row its first run wrote before sending.

    static readonly string Fingerprint = CreateAttempts.Fingerprint(Spec, null, null);

    static ProviderVideo Video(string id) => new(id, ProviderStatus.Queued, 0, null, null, null, null);

    void EarlierRun(DateTimeOffset startedAt, string? videoId = null, string? spec = null) =>
        attempts.Setup(a => a.FindAsync("job-1", It.IsAny<CancellationToken>())).ReturnsAsync(new CreateAttempt(startedAt, spec ?? Fingerprint, videoId));

    [Fact]
    public async Task Create_RunAgainAfterACutOffCreate_LooksUpFromItsStartAndAdoptsTheVideoWithoutCreating()
    {
        DateTimeOffset cutOff = time.GetUtcNow().AddMinutes(-3);
        EarlierRun(cutOff);
        Mock<IFindCreatedVideos> finder = provider.As<IFindCreatedVideos>();
        finder.Setup(f => f.FindCreatedAsync(Spec, cutOff, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo?>.Success(Video("made-before")));

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((StepOutcome.Succeeded, "made-before", true), (result.Outcome, result.Video!.Id, result.Adopted));
        finder.Verify(f => f.FindCreatedAsync(Spec, cutOff, It.IsAny<CancellationToken>()), Times.Once);
        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
        attempts.Verify(a => a.SaveAsync("job-1", new CreateAttempt(cutOff, Fingerprint, "made-before"), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Create_RunAgainAfterACutOffCreate_NothingFound_LooksFirstThenCreatesOnceAndKeepsTheEarlierStart()
    {
        DateTimeOffset cutOff = time.GetUtcNow().AddMinutes(-3);
        EarlierRun(cutOff);
        List<string> calls = [];
        provider.As<IFindCreatedVideos>().Setup(f => f.FindCreatedAsync(Spec, cutOff, It.IsAny<CancellationToken>()))
            .Callback(() => calls.Add("find")).ReturnsAsync(ProviderResult<ProviderVideo?>.Success(null));
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>()))
            .Callback(() => calls.Add("create")).ReturnsAsync(ProviderResult<ProviderVideo>.Success(Video("fresh")));

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((StepOutcome.Succeeded, "fresh", false), (result.Outcome, result.Video!.Id, result.Adopted));
        Assert.Equal(["find", "create"], calls);
        attempts.Verify(a => a.SaveAsync("job-1", It.Is<CreateAttempt>(r => r.VideoId == null), It.IsAny<CancellationToken>()), Times.Never);
        attempts.Verify(a => a.SaveAsync("job-1", new CreateAttempt(cutOff, Fingerprint, "fresh"), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Create_RunAgainAfterACutOffCreate_ProviderWithoutLookup_FailPolicy_AnswersCreateUncertainWithoutCreating()
    {
        EarlierRun(time.GetUtcNow().AddMinutes(-3));

        CreateVideoResult result = await Activities(UncertainCreatePolicy.Fail).CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((StepOutcome.Failed, JobErrorCodes.CreateUncertain), (result.Outcome, result.Error!.Code));
        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
        attempts.Verify(a => a.ClearAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_RunAgainAfterACutOffCreate_ProviderWithoutLookup_RetryPolicy_CreatesAgain()
    {
        EarlierRun(time.GetUtcNow().AddMinutes(-3));
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Success(Video("again")));

        CreateVideoResult result = await Activities(UncertainCreatePolicy.Retry).CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((StepOutcome.Succeeded, "again"), (result.Outcome, result.Video!.Id));
        provider.Verify(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Create_FirstRun_RecordsTheAttemptBeforeSendingThenMarksItDoneWithTheVideo()
    {
        List<string> calls = [];
        DateTimeOffset now = time.GetUtcNow();
        attempts.Setup(a => a.SaveAsync("job-1", It.IsAny<CreateAttempt>(), It.IsAny<CancellationToken>()))
            .Callback((string _, CreateAttempt row, CancellationToken _) => calls.Add($"save {(row.StartedAt == now ? "now" : row.StartedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture))} {row.VideoId ?? "pending"}"))
            .Returns(Task.CompletedTask);
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>()))
            .Callback(() => calls.Add("create")).ReturnsAsync(ProviderResult<ProviderVideo>.Success(Video("v1")));
        Mock<IFindCreatedVideos> finder = provider.As<IFindCreatedVideos>();

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((StepOutcome.Succeeded, "v1"), (result.Outcome, result.Video!.Id));
        Assert.Equal(["save now pending", "create", "save now v1"], calls);
        finder.Verify(f => f.FindCreatedAsync(It.IsAny<VideoSpec>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_RecordingTheAttemptFails_ThrowsAndNeverSendsTheCreate()
    {
        attempts.Setup(a => a.SaveAsync("job-1", It.IsAny<CreateAttempt>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new Azure.RequestFailedException(503, "storage is down"));

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default));

        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_ReadingTheRecordFails_ThrowsAndNeverSendsTheCreate()
    {
        attempts.Setup(a => a.FindAsync("job-1", It.IsAny<CancellationToken>())).ThrowsAsync(new Azure.RequestFailedException(500, "storage is down"));

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default));

        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_MarkingDoneFails_StillAnswersWithTheVideo()
    {
        attempts.Setup(a => a.SaveAsync("job-1", It.Is<CreateAttempt>(r => r.VideoId != null), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new Azure.RequestFailedException(503, "storage is down"));
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Success(Video("v1")));

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((StepOutcome.Succeeded, "v1"), (result.Outcome, result.Video!.Id));
    }

    [Theory]
    [InlineData(400, false, true)]
    [InlineData(429, true, true)]
    [InlineData(503, true, false)]
    public async Task Create_FailedFirstRun_ClearsTheRecordOnlyWhenNothingCanHaveBeenMade(int status, bool transient, bool cleared)
    {
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Failure(
            new ProviderError { Transient = transient, StatusCode = status, Message = "no", MayHaveReachedProvider = status >= 500 }));

        await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        attempts.Verify(a => a.ClearAsync("job-1", It.IsAny<CancellationToken>()), cleared ? Times.Once() : Times.Never());
    }

    [Fact]
    public async Task Create_RunAgainAfterItsCreateSucceeded_AnswersWithThatVideoWithoutLookingOrCreating()
    {
        EarlierRun(time.GetUtcNow().AddMinutes(-1), videoId: "v1");
        provider.Setup(p => p.GetAsync("v1", It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProviderResult<ProviderVideo>.Success(new ProviderVideo("v1", ProviderStatus.InProgress, 40, null, null, null, null)));
        Mock<IFindCreatedVideos> finder = provider.As<IFindCreatedVideos>();

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((StepOutcome.Succeeded, "v1", 40, true), (result.Outcome, result.Video!.Id, result.Video.Progress, result.Adopted));
        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
        finder.Verify(f => f.FindCreatedAsync(It.IsAny<VideoSpec>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_RecordOfAnotherRequestUnderTheSameId_IsIgnored()
    {
        EarlierRun(time.GetUtcNow().AddDays(-2), videoId: "old", spec: CreateAttempts.Fingerprint(Spec with { Prompt = "an owl" }, null, null));
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Success(Video("new")));
        Mock<IFindCreatedVideos> finder = provider.As<IFindCreatedVideos>();

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal(("new", false), (result.Video!.Id, result.Adopted));
        provider.Verify(p => p.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        finder.Verify(f => f.FindCreatedAsync(It.IsAny<VideoSpec>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
        attempts.Verify(a => a.SaveAsync("job-1", new CreateAttempt(time.GetUtcNow(), Fingerprint, null), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Create_RunAgainAfterItsCreateSucceeded_ProviderBusy_StillAnswersWithThatVideoUnread()
    {
        EarlierRun(time.GetUtcNow().AddMinutes(-1), videoId: "v1");
        provider.Setup(p => p.GetAsync("v1", It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProviderResult<ProviderVideo>.Failure(new ProviderError { Transient = true, StatusCode = 503, Message = "busy" }));

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((StepOutcome.Succeeded, "v1", ProviderStatus.Queued), (result.Outcome, result.Video!.Id, result.Video.Status));
        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_RunAgainAfterItsCreateSucceeded_VideoUnknownToTheProvider_CreatesAfresh()
    {
        EarlierRun(time.GetUtcNow().AddDays(-1), videoId: "gone");
        provider.Setup(p => p.GetAsync("gone", It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProviderResult<ProviderVideo>.Failure(new ProviderError { Transient = false, StatusCode = 404, Code = "not_found", Message = "no such video" }));
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Success(Video("new")));

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal(("new", false), (result.Video!.Id, result.Adopted));
        attempts.Verify(a => a.SaveAsync("job-1", new CreateAttempt(time.GetUtcNow(), Fingerprint, null), It.IsAny<CancellationToken>()), Times.Once);
    }
}
