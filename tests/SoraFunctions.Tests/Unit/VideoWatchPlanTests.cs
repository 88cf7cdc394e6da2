namespace SoraFunctions.Tests.Unit;

/// <summary>
/// When the in-process watch (<see cref="VideoWatch"/>) checks a video: the job's own polling policy, on timers that are
/// on time. (Its checks against the emulator and the engine: <c>VideoWatchTests</c>.)
/// </summary>
public class VideoWatchPlanTests
{
    static readonly TimeSpan Min = TimeSpan.FromSeconds(2);
    static readonly TimeSpan Max = TimeSpan.FromSeconds(30);
    static readonly DateTimeOffset Created = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    static WatchState Start(TimeSpan? timeout = null) => WatchState.Created(Created, Created + (timeout ?? TimeSpan.FromHours(1)), 0);

    static GetVideoResult Answer(int progress, DateTimeOffset at, string status = ProviderStatus.InProgress) =>
        new(StepOutcome.Succeeded) { Video = new ProviderVideo("video_1", status, progress, null, null, null, null), ObservedAt = at };

    [Fact]
    public void FirstCheck_ComesAfterTheMinimum()
    {
        WatchState state = Start();

        Assert.Equal(Created + Min, VideoWatch.NextCheckAt(ref state, Created, Min, Max));
    }

    [Fact]
    public void RenderEndingSoon_IsCheckedJustPastItsEstimatedEnd_ThenNotAimedAgainInARow()
    {
        // 0 % at the create, 40 % 4 s later, 80 % 4 s after that: the end is 2 s past the last answer.
        WatchState state = Start()
            .After(Answer(40, Created.AddSeconds(4)), Created.AddSeconds(4))
            .After(Answer(80, Created.AddSeconds(8)), Created.AddSeconds(8));

        DateTimeOffset? aimed = VideoWatch.NextCheckAt(ref state, Created.AddSeconds(8), Min, Max);
        Assert.Equal(Created.AddSeconds(10) + PollingPolicy.EndMargin, aimed);
        Assert.True(state.LastAimed);

        // Still 99 % at the aimed check: the next one is the policy's usual wait, not another aimed one.
        DateTimeOffset checkedAt = aimed!.Value;
        state = state.After(Answer(99, checkedAt), checkedAt);
        Assert.Equal(checkedAt + Min, VideoWatch.NextCheckAt(ref state, checkedAt, Min, Max));
        Assert.False(state.LastAimed);
        Assert.Equal(3, state.Checks);
    }

    [Fact]
    public void EstimatedEndAlreadyPast_IsCheckedAtOnce()
    {
        WatchState state = Start()
            .After(Answer(50, Created.AddSeconds(4)), Created.AddSeconds(4))
            .After(Answer(90, Created.AddSeconds(8)), Created.AddSeconds(8));
        DateTimeOffset late = Created.AddSeconds(12);

        Assert.Equal(late, VideoWatch.NextCheckAt(ref state, late, Min, Max));
    }

    [Fact]
    public void FailedChecks_BackOffAndKeepTheProvidersRetryAfter()
    {
        WatchState state = Start();
        GetVideoResult busy = new(StepOutcome.Retry) { Error = new JobError(JobErrorCodes.ProviderUnavailable, "busy") };
        DateTimeOffset now = Created.AddSeconds(2);

        state = state.After(busy, now).After(busy, now);
        Assert.Equal(now + (Min * 2), VideoWatch.NextCheckAt(ref state, now, Min, Max));

        state = state.After(new GetVideoResult(StepOutcome.Retry) { RetryAfter = TimeSpan.FromSeconds(20) }, now);
        Assert.Equal(now + TimeSpan.FromSeconds(20), VideoWatch.NextCheckAt(ref state, now, Min, Max));

        // A success clears the failures.
        state = state.After(Answer(10, now), now);
        Assert.Equal(0, state.Failures);
        Assert.Null(state.RetryAfter);
    }

    [Fact]
    public void CheckPastTheJobsDeadline_IsNotMade()
    {
        WatchState state = Start(TimeSpan.FromSeconds(5));

        Assert.Null(VideoWatch.NextCheckAt(ref state, Created.AddSeconds(4), Min, Max));
    }
}
