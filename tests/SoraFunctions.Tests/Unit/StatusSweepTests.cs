using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SoraFunctions.Configuration;
using SoraFunctions.Storage;

namespace SoraFunctions.Tests.Unit;

/// <summary>One status sweep: which jobs it wakes from the provider's list, and how much of the list it reads.</summary>
public sealed class StatusSweepTests
{
    static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    readonly FakeTimeProvider time = new(Start);
    readonly Mock<IVideoProvider> provider = new();
    readonly Mock<IProviderVideoIndex> index = new();
    readonly List<(string? After, IReadOnlyList<ProviderVideo> Videos)> pagesRead = [];

    /// <summary>What the provider lists now, newest first, in pages of <see cref="PageSize"/>.</summary>
    List<ProviderVideo> listed = [];

    bool listFails;

    int PageSize { get; set; } = 100;

    public StatusSweepTests()
    {
        provider.SetupGet(p => p.Name).Returns("Sora");
        provider.As<IListVideos>()
            .Setup(p => p.ListVideosAsync(It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string? after, CancellationToken _) =>
            {
                if (listFails)
                {
                    return ProviderResult<ProviderVideoPage>.Failure(new ProviderError { Transient = true, StatusCode = 503, Message = "down" });
                }

                int from = after is null ? 0 : listed.FindIndex(v => v.Id == after) + 1;
                List<ProviderVideo> page = [.. listed.Skip(from).Take(PageSize)];
                pagesRead.Add((after, page));
                string? next = from + page.Count < listed.Count ? page[^1].Id : null;
                return ProviderResult<ProviderVideoPage>.Success(new ProviderVideoPage(page, next));
            });
        index.Setup(i => i.FindJobAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string videoId, CancellationToken _) => videoId.StartsWith("ours-", StringComparison.Ordinal) ? "job-" + videoId[5..] : null);
    }

    StatusSweep Sweep(int maxVideos = 1000) =>
        new(provider.Object, index.Object, Options.Create(new PipelineOptions { SweepSeconds = 2, SweepMaxVideos = maxVideos }), time, NullLogger<StatusSweep>.Instance);

    static ProviderVideo Video(string id, string status, DateTimeOffset createdAt, DateTimeOffset? completedAt = null) =>
        new(id, status, null, createdAt.UtcDateTime, completedAt?.UtcDateTime, null, null);

    [Fact]
    public async Task VideoThatWasRendering_EndsBeforeTheNextSweep_WakesItsJobOnce()
    {
        StatusSweep sweep = Sweep();
        listed = [Video("ours-b", ProviderStatus.InProgress, Start.AddSeconds(-5)), Video("ours-a", ProviderStatus.InProgress, Start.AddSeconds(-10))];
        StatusSweepResult first = await sweep.SweepAsync(default);

        time.Advance(TimeSpan.FromSeconds(2));
        listed = [Video("ours-b", ProviderStatus.InProgress, Start.AddSeconds(-5)), Video("ours-a", ProviderStatus.Completed, Start.AddSeconds(-10), Start.AddSeconds(1))];
        StatusSweepResult second = await sweep.SweepAsync(default);

        time.Advance(TimeSpan.FromSeconds(2));
        StatusSweepResult third = await sweep.SweepAsync(default);

        Assert.Equal((0, 2, false), (first.Wake.Count, first.Open, first.Failed));
        Assert.Equal(["job-a"], second.Wake.Select(w => w.JobId));
        Assert.Equal(ProviderStatus.Completed, second.Wake[0].Video.Status);
        Assert.Equal(1, second.Open);
        Assert.Empty(third.Wake);
    }

    [Fact]
    public async Task FailureWithoutCompletionTime_SeenRenderingBefore_WakesItsJob()
    {
        StatusSweep sweep = Sweep();
        listed = [Video("ours-a", ProviderStatus.Queued, Start.AddSeconds(-3))];
        await sweep.SweepAsync(default);

        time.Advance(TimeSpan.FromSeconds(2));
        listed = [Video("ours-a", ProviderStatus.Failed, Start.AddSeconds(-3))];
        StatusSweepResult result = await sweep.SweepAsync(default);

        Assert.Equal(["job-a"], result.Wake.Select(w => w.JobId));
        Assert.Equal(0, result.Open);
    }

    [Fact]
    public async Task FirstSweep_WakesOnlyVideosThatEndedJustNow()
    {
        listed =
        [
            Video("ours-new", ProviderStatus.Completed, Start.AddSeconds(-30), Start.AddSeconds(-1)),
            Video("ours-old", ProviderStatus.Completed, Start.AddMinutes(-10), Start.AddMinutes(-9)),
        ];

        StatusSweepResult result = await Sweep().SweepAsync(default);

        Assert.Equal(["job-new"], result.Wake.Select(w => w.JobId));
    }

    [Fact]
    public async Task VideoOfAnotherApplication_IsLookedUpOnceAndWakesNothing()
    {
        StatusSweep sweep = Sweep();
        listed = [Video("theirs-1", ProviderStatus.InProgress, Start.AddSeconds(-3))];
        await sweep.SweepAsync(default);
        time.Advance(TimeSpan.FromSeconds(2));
        listed = [Video("theirs-1", ProviderStatus.Completed, Start.AddSeconds(-3), Start.AddSeconds(1))];

        StatusSweepResult ended = await sweep.SweepAsync(default);
        time.Advance(TimeSpan.FromSeconds(2));
        await sweep.SweepAsync(default);

        Assert.Empty(ended.Wake);
        index.Verify(i => i.FindJobAsync("theirs-1", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Listing_ReadsPagesDownToTheOldestVideoStillRenderingAndNoFurther()
    {
        PageSize = 2;
        StatusSweep sweep = Sweep();
        listed =
        [
            Video("ours-5", ProviderStatus.InProgress, Start.AddSeconds(-1)),
            Video("ours-4", ProviderStatus.InProgress, Start.AddSeconds(-2)),
            Video("ours-3", ProviderStatus.InProgress, Start.AddSeconds(-3)),
            Video("ours-2", ProviderStatus.Completed, Start.AddHours(-1), Start.AddMinutes(-50)),
            Video("ours-1", ProviderStatus.Completed, Start.AddHours(-2), Start.AddMinutes(-110)),
        ];

        StatusSweepResult result = await sweep.SweepAsync(default);

        // The second page already reaches a video older than the cold lookback: the third is never asked for.
        Assert.Equal([null, "ours-4"], pagesRead.Select(p => p.After));
        Assert.Equal((3, 2), (result.Open, result.Pages));
    }

    [Fact]
    public async Task Listing_StopsAtTheMostVideosASweepMayRead()
    {
        PageSize = 100;
        listed = [.. Enumerable.Range(0, 450).Select(n => Video($"ours-{n}", ProviderStatus.InProgress, Start.AddSeconds(-n * 0.5)))];

        StatusSweepResult result = await Sweep(maxVideos: 200).SweepAsync(default);

        Assert.Equal(2, result.Pages);
        Assert.Equal(200, result.Listed);
    }

    [Fact]
    public async Task ListFailing_WakesNothingAndRemembersWhatWasRendering()
    {
        StatusSweep sweep = Sweep();
        listed = [Video("ours-a", ProviderStatus.InProgress, Start.AddSeconds(-3))];
        await sweep.SweepAsync(default);

        time.Advance(TimeSpan.FromSeconds(2));
        listFails = true;
        StatusSweepResult failed = await sweep.SweepAsync(default);

        time.Advance(TimeSpan.FromSeconds(2));
        listFails = false;
        listed = [Video("ours-a", ProviderStatus.Failed, Start.AddSeconds(-3))];
        StatusSweepResult after = await sweep.SweepAsync(default);

        Assert.True(failed.Failed);
        Assert.Empty(failed.Wake);
        Assert.Equal(["job-a"], after.Wake.Select(w => w.JobId));
    }

    /// <summary>A waker that records whom it woke, and fails the first <see cref="FailFirst"/> calls.</summary>
    sealed class RecordingWaker : IJobWaker
    {
        public List<(string JobId, ProviderVideo Video)> Woken { get; } = [];

        public int FailFirst { get; init; }

        int calls;

        public Task WakeAsync(string jobId, ProviderVideo video, CancellationToken cancellationToken)
        {
            if (++calls <= FailFirst)
            {
                throw new InvalidOperationException("storage down");
            }

            Woken.Add((jobId, video));
            return Task.CompletedTask;
        }
    }

    StatusSweep RealTimeSweep() =>
        new(provider.Object, index.Object, Options.Create(new PipelineOptions { SweepSeconds = 0.01 }), TimeProvider.System, NullLogger<StatusSweep>.Instance);

    [Fact]
    public async Task Run_WakesEachEndedVideosJobWithTheVideoAndStopsWhenIdleLongEnough()
    {
        StatusSweep sweep = RealTimeSweep();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        listed = [Video("ours-a", ProviderStatus.InProgress, now.AddSeconds(-3))];
        await sweep.SweepAsync(default);
        listed = [Video("ours-a", ProviderStatus.Completed, now.AddSeconds(-3), now)];
        RecordingWaker waker = new();

        StatusSweepRunResult result = await sweep.RunAsync(new StatusSweepRun(0.01, RunSeconds: 60, IdleSweepsBeforeEnd: 3, IdleSweeps: 0), waker, default);

        (string jobId, ProviderVideo video) = Assert.Single(waker.Woken);
        Assert.Equal(("job-a", "ours-a", ProviderStatus.Completed), (jobId, video.Id, video.Status));
        // One sweep that woke the job, then three that found nothing rendering.
        Assert.Equal(new StatusSweepRunResult(4, 1, 3, Idle: true), result);
    }

    [Fact]
    public async Task Run_WakingFails_TheNextSweepWakesTheJobAgain()
    {
        StatusSweep sweep = RealTimeSweep();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        listed = [Video("ours-a", ProviderStatus.InProgress, now.AddSeconds(-3))];
        await sweep.SweepAsync(default);
        // A failure: no completion time, so only the memory of it rendering brings it back to the next sweep.
        listed = [Video("ours-a", ProviderStatus.Failed, now.AddSeconds(-3))];
        RecordingWaker waker = new() { FailFirst = 1 };

        StatusSweepRunResult result = await sweep.RunAsync(new StatusSweepRun(0.01, RunSeconds: 60, IdleSweepsBeforeEnd: 2, IdleSweeps: 0), waker, default);

        Assert.Equal("job-a", Assert.Single(waker.Woken).JobId);
        Assert.Equal(1, result.Woken);
    }

    [Fact]
    public async Task Run_SomethingStillRendering_ReportsBackAfterItsRunTime()
    {
        StatusSweep sweep = RealTimeSweep();
        listed = [Video("ours-a", ProviderStatus.InProgress, DateTimeOffset.UtcNow.AddSeconds(-3))];

        StatusSweepRunResult result = await sweep.RunAsync(new StatusSweepRun(0.05, RunSeconds: 0.3, IdleSweepsBeforeEnd: 2, IdleSweeps: 5), new RecordingWaker(), default);

        Assert.False(result.Idle);
        Assert.Equal(0, result.IdleSweeps);
        Assert.InRange(result.Sweeps, 1, 10);
    }

    [Fact]
    public async Task Run_HostStopping_ReturnsWhatItDid()
    {
        StatusSweep sweep = RealTimeSweep();
        listed = [Video("ours-a", ProviderStatus.InProgress, DateTimeOffset.UtcNow.AddSeconds(-3))];
        using CancellationTokenSource stopping = new();
        await stopping.CancelAsync();

        StatusSweepRunResult result = await sweep.RunAsync(new StatusSweepRun(1, RunSeconds: 60, IdleSweepsBeforeEnd: 2, IdleSweeps: 0), new RecordingWaker(), stopping.Token);

        Assert.False(result.Idle);
    }

    [Fact]
    public async Task ProviderWithoutAList_ReportsAFailedSweep()
    {
        var plain = new Mock<IVideoProvider>();
        var sweep = new StatusSweep(plain.Object, index.Object, Options.Create(new PipelineOptions { SweepSeconds = 2 }), time, NullLogger<StatusSweep>.Instance);

        StatusSweepResult result = await sweep.SweepAsync(default);

        Assert.True(result.Failed);
        Assert.Empty(result.Wake);
    }
}
