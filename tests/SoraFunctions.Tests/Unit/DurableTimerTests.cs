namespace SoraFunctions.Tests.Unit;

/// <summary>
/// Waits never end before they are due, though the Azure Storage backend hides a timer's queue message for whole
/// seconds only, rounded down (so a timer fires up to a second early, and one under a second at once).
/// </summary>
public class DurableTimerTests
{
    static readonly DateTime Start = new(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);
    static readonly VideoSpec Spec = new("a fox", "sora-2", "4", "720x1280");

    /// <summary>The sub-second intervals the end-to-end suite uses: the case that used to check many times a second.</summary>
    static readonly JobPacing SubSecond = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), 200, 4, 3)
    {
        NeedsAdmission = false,
        WholeSecondTimers = true,
    };

    /// <summary>
    /// When the Azure Storage backend delivers a timer asked for at <paramref name="fireAt"/> in an episode whose clock
    /// read <paramref name="now"/>: the message goes out <paramref name="lag"/> later, hidden for the rest rounded down.
    /// </summary>
    static DateTime QueueDelivers(DateTime now, DateTime fireAt, TimeSpan lag)
    {
        DateTime sent = now + lag;
        return sent + TimeSpan.FromSeconds(Math.Max(0, Math.Floor((fireAt - sent).TotalSeconds)));
    }

    [Theory]
    [InlineData(0.001)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    [InlineData(1)]
    [InlineData(1.3)]
    [InlineData(2)]
    [InlineData(7.75)]
    [InlineData(29.97)]
    public void FireAt_QueueRoundsTheDelayDown_FiresNoEarlierThanDueAndWithinASecondAndTheMarginAfter(double waitSeconds)
    {
        DateTime due = Start.AddSeconds(waitSeconds);

        foreach (int lagMs in new[] { 0, 5, 100, 250 })
        {
            DateTime fires = QueueDelivers(Start, TimerRounding.FireAt(Start, due), TimeSpan.FromMilliseconds(lagMs));

            Assert.True(fires >= due, $"a {waitSeconds} s wait sent {lagMs} ms late fired {(due - fires).TotalMilliseconds} ms early");
            Assert.True(fires - due < TimeSpan.FromSeconds(1) + TimerRounding.Margin, $"a {waitSeconds} s wait fired {(fires - due).TotalMilliseconds} ms late");
        }
    }

    [Fact]
    public void FireAt_WaitAlreadyDue_AsksForTheDueTime()
    {
        Assert.Equal(Start, TimerRounding.FireAt(Start, Start));
        Assert.Equal(Start.AddSeconds(-3), TimerRounding.FireAt(Start, Start.AddSeconds(-3)));
    }

    [Fact]
    public async Task Run_TimersFireEarlyAfterALateSend_NoStatusCheckBeforeItsAnnouncedTime()
    {
        // Episodes slower than the margin: the first timer of a wait can still fire early, and the job waits again.
        var checks = new List<(DateTime At, DateTime? Due)>();
        var fake = new FakeOrchestrationContext(Start) { FiresAt = (now, fireAt) => QueueDelivers(now, fireAt, TimeSpan.FromMilliseconds(600)) };
        fake.Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Succeeded) { Video = Video(ProviderStatus.Queued, 0) });
        foreach (int progress in new[] { 10, 25, 40, 55, 70, 85 })
        {
            fake.Answer(ActivityNames.GetVideo, _ => Check(fake, checks, Video(ProviderStatus.InProgress, progress)));
        }

        fake.Answer(ActivityNames.GetVideo, _ => Check(fake, checks, Video(ProviderStatus.Completed, 100)) with { Stored = Stored() });

        VideoJobResult result = await new VideoOrchestrator().RunAsync(fake.Mock.Object, new VideoJobInput("job-1", Spec, SubSecond));

        Assert.Equal((JobStatus.Completed, 7), (result.Status, result.Checks));
        Assert.All(checks, c => Assert.True(c.At >= c.Due, $"checked at {c.At:O}, announced {c.Due:O}"));
        DateTime[] times = [.. checks.Select(c => c.At)];
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second - pair.First >= SubSecond.MinPollInterval, $"checks {(pair.Second - pair.First).TotalMilliseconds} ms apart"));
        Assert.True(fake.Timers.Count > checks.Count, "no wait needed a second timer, so the early fire was not exercised");
    }

    [Fact]
    public async Task Run_HistoryFromBeforeWholeSecondTimers_OneTimerPerWaitAtItsDueTime()
    {
        // Such a history has one TimerCreated per wait, at the due time: replaying it must schedule the same.
        var checks = new List<(DateTime At, DateTime? Due)>();
        var fake = new FakeOrchestrationContext(Start) { FiresAt = (now, fireAt) => QueueDelivers(now, fireAt, TimeSpan.FromMilliseconds(20)) };
        fake.Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Succeeded) { Video = Video(ProviderStatus.Queued, 0) });
        fake.Answer(ActivityNames.GetVideo, _ => Check(fake, checks, Video(ProviderStatus.InProgress, 30)));
        fake.Answer(ActivityNames.GetVideo, _ => Check(fake, checks, Video(ProviderStatus.InProgress, 60)));
        fake.Answer(ActivityNames.GetVideo, _ => Check(fake, checks, Video(ProviderStatus.Completed, 100)) with { Stored = Stored() });

        VideoJobResult result = await new VideoOrchestrator().RunAsync(fake.Mock.Object, new VideoJobInput("job-1", Spec, SubSecond with { WholeSecondTimers = false }));

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(checks.Select(c => c.Due), fake.Timers.Select(t => (DateTime?)t));
    }

    static GetVideoResult Check(FakeOrchestrationContext fake, List<(DateTime At, DateTime? Due)> checks, ProviderVideo video)
    {
        checks.Add((fake.Now, fake.Statuses[^1].NextCheckAt));
        return new GetVideoResult(StepOutcome.Succeeded) { Video = video };
    }

    static ProviderVideo Video(string status, int progress) => new("video_1", status, progress, Start, null, null, null);

    static StoreVideoResult Stored() => new(StepOutcome.Succeeded) { Blob = new BlobLocation("videos", "2026/12/01/job-1.mp4", "http://blob/job-1.mp4"), Bytes = 1000 };
}
