namespace SoraFunctions.Tests.Unit;

public class PollingPolicyTests
{
    static readonly TimeSpan Min = TimeSpan.FromSeconds(2);
    static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(2.0, 2, 2)]
    [InlineData(2.9, 2, 2)]
    [InlineData(7.75, 2, 7)]
    [InlineData(30, 2, 30)]
    [InlineData(0.5, 0.5, 1)]
    [InlineData(1.4, 0.5, 1)]
    [InlineData(2.5, 2.5, 3)]
    public void WholeSeconds_PolicyWait_RoundsDownButNotBelowTheMinimum(double wait, double minimum, double expected)
    {
        Assert.Equal(TimeSpan.FromSeconds(expected), PollingPolicy.WholeSeconds(TimeSpan.FromSeconds(wait), TimeSpan.FromSeconds(minimum)));
    }

    [Fact]
    public void AimedCheck_EndEstimatedWithinTwoMinimumIntervals_ComesJustPastTheEstimatedEnd()
    {
        // 40 % -> 80 % in the last 4 s: 20 % remain, 2 s; the check comes a margin after that.
        PollSignal signal = new() { SinceCreated = TimeSpan.FromSeconds(8), Progress = 80, PreviousProgress = 40, SincePreviousCheck = TimeSpan.FromSeconds(4) };

        Assert.Equal(TimeSpan.FromSeconds(2) + PollingPolicy.EndMargin, PollingPolicy.AimedCheck(signal, Min));
        // The usual policy would check after the minimum, before the end, and again a minimum later.
        Assert.Equal(Min, PollingPolicy.NextDelay(signal, Min, Max));
    }

    [Fact]
    public void Aim_CountsFromTheAnswerAndDuesTheTimerTheLeadBeforeTheCheck()
    {
        var observedAt = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);
        PollSignal signal = new() { SinceCreated = TimeSpan.FromSeconds(8), Progress = 80, PreviousProgress = 40, SincePreviousCheck = TimeSpan.FromSeconds(4) };
        DateTime checkAt = observedAt + TimeSpan.FromSeconds(2) + PollingPolicy.EndMargin;

        Assert.Equal((checkAt, TimeSpan.FromSeconds(0.25)), PollingPolicy.Aim(signal, observedAt, observedAt, Min, observedAt.AddHours(1)));
        // Seen 1 s after the answer: the timer waits none, the activity waits for the check's time.
        Assert.Equal((checkAt, TimeSpan.Zero), PollingPolicy.Aim(signal, observedAt, observedAt.AddSeconds(1), Min, observedAt.AddHours(1)));
        Assert.Null(PollingPolicy.Aim(signal, observedAt, observedAt, Min, checkAt));
    }

    [Theory]
    [InlineData(ProviderStatus.InProgress, 2.25)]
    [InlineData(ProviderStatus.Queued, null)]
    [InlineData(ProviderStatus.Completed, null)]
    public void EndingWithin_OnlyARenderInProgressEndsInSight(string status, double? expected)
    {
        var answeredAt = new DateTimeOffset(2026, 12, 1, 10, 0, 4, TimeSpan.Zero);
        var answer = new GetVideoResult(StepOutcome.Succeeded) { Video = new ProviderVideo("v1", status, 90, null, null, null, null), ObservedAt = answeredAt };

        // 80 % at 2 s, 90 % at 4 s: 2 s to go, and the margin past the end.
        TimeSpan? untilEnd = PollingPolicy.EndingWithin(new ProgressReading(80, answeredAt.UtcDateTime.AddSeconds(-2)), answer, TimeSpan.FromSeconds(3));

        Assert.Equal(expected is { } s ? TimeSpan.FromSeconds(s) : null, untilEnd);
        Assert.Null(PollingPolicy.EndingWithin(null, answer, TimeSpan.FromSeconds(3)));
        Assert.Null(PollingPolicy.EndingWithin(new ProgressReading(80, answeredAt.UtcDateTime.AddSeconds(-2)), answer, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void AnsweredAt_KeepsTheActivitysTimeWithinTheCall()
    {
        var calledAt = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);
        DateTime seenAt = calledAt.AddSeconds(3);

        Assert.Equal(calledAt.AddSeconds(1), PollingPolicy.AnsweredAt(new DateTimeOffset(calledAt.AddSeconds(1)), calledAt, seenAt));
        Assert.Equal(calledAt, PollingPolicy.AnsweredAt(new DateTimeOffset(calledAt.AddHours(-1)), calledAt, seenAt));
        Assert.Equal(seenAt, PollingPolicy.AnsweredAt(new DateTimeOffset(calledAt.AddHours(1)), calledAt, seenAt));
        Assert.Equal(seenAt, PollingPolicy.AnsweredAt(null, calledAt, seenAt));
    }

    [Fact]
    public void AimedCheck_EndFurtherAway_LeavesItToTheUsualApproach()
    {
        PollSignal signal = new() { SinceCreated = TimeSpan.FromSeconds(8), Progress = 50, PreviousProgress = 40, SincePreviousCheck = TimeSpan.FromSeconds(4) };

        Assert.Null(PollingPolicy.AimedCheck(signal, Min));
    }

    [Fact]
    public void AimedCheck_AfterAFailureWhenTheProviderSaysWhenOrWithoutRisingProgress_IsNotAimed()
    {
        PollSignal rising = new() { SinceCreated = TimeSpan.FromSeconds(8), Progress = 80, PreviousProgress = 40, SincePreviousCheck = TimeSpan.FromSeconds(4) };

        Assert.Null(PollingPolicy.AimedCheck(rising with { ConsecutiveFailures = 1 }, Min));
        Assert.Null(PollingPolicy.AimedCheck(rising with { RetryAfter = TimeSpan.FromSeconds(1) }, Min));
        Assert.Null(PollingPolicy.AimedCheck(rising with { ProviderPollAfter = TimeSpan.FromSeconds(1) }, Min));
        Assert.Null(PollingPolicy.AimedCheck(rising with { PreviousProgress = 80 }, Min));
        Assert.Null(PollingPolicy.AimedCheck(rising with { Progress = null }, Min));
    }

    [Theory]
    [InlineData(2.1, 3)]
    [InlineData(20, 20)]
    [InlineData(0.2, 1)]
    public void WholeSeconds_RetryAfter_RoundsUpNeverShortens(double retryAfter, double expected)
    {
        Assert.Equal(TimeSpan.FromSeconds(expected), PollingPolicy.WholeSeconds(TimeSpan.FromSeconds(retryAfter), Min, retryAfter: true));
    }

    [Fact]
    public void NextDelay_JustCreated_WaitsTheMinimum()
    {
        Assert.Equal(Min, PollingPolicy.NextDelay(new PollSignal(), Min, Max));
    }

    [Fact]
    public void NextDelay_QueuedForAWhile_GrowsWithElapsedTime()
    {
        TimeSpan delay = PollingPolicy.NextDelay(new PollSignal { SinceCreated = TimeSpan.FromSeconds(20), Progress = 0 }, Min, Max);
        Assert.Equal(TimeSpan.FromSeconds(10), delay);
    }

    [Fact]
    public void NextDelay_RisingProgress_WaitsThreeQuartersOfTheEstimatedRemainder()
    {
        // 10 % -> 35 % in the last 10 s: 65 % remain, about 26 s; the next check comes after 19.5 s.
        TimeSpan delay = PollingPolicy.NextDelay(Rising(40, 10, 35, 10), Min, Max);
        Assert.Equal(TimeSpan.FromSeconds(19.5), delay);
    }

    [Fact]
    public void NextDelay_ProgressNotRising_FallsBackToElapsedTime()
    {
        TimeSpan delay = PollingPolicy.NextDelay(Rising(40, 35, 35, 10), Min, Max);
        Assert.Equal(TimeSpan.FromSeconds(20), delay);
        Assert.Equal(TimeSpan.FromSeconds(6), PollingPolicy.NextDelay(Rising(12, 35, 35, 10), Min, Max));
    }

    [Fact]
    public void NextDelay_SlowLookingRate_GrowsAtMostDoubleTheLastInterval()
    {
        // 0 % -> 1 % in 4 s looks like 400 s to go, but the render may have started just now.
        TimeSpan delay = PollingPolicy.NextDelay(Rising(10, 0, 1, 4), Min, TimeSpan.FromMinutes(10));
        Assert.Equal(TimeSpan.FromSeconds(8), delay);
    }

    [Fact]
    public void NextDelay_NearlyDone_ClampsToTheMinimum()
    {
        TimeSpan delay = PollingPolicy.NextDelay(Rising(60, 90, 99, 5), Min, Max);
        Assert.Equal(Min, delay);
    }

    [Fact]
    public void NextDelay_LongEstimate_ClampsToTheMaximum()
    {
        TimeSpan delay = PollingPolicy.NextDelay(Rising(300, 0, 1, 30), Min, Max);
        Assert.Equal(Max, delay);
    }

    [Fact]
    public void NextDelay_ProviderPollAfter_WinsOverTheEstimate()
    {
        TimeSpan delay = PollingPolicy.NextDelay(Rising(40, 10, 35, 10) with { ProviderPollAfter = TimeSpan.FromSeconds(5) }, Min, Max);
        Assert.Equal(TimeSpan.FromSeconds(5), delay);
    }

    [Fact]
    public void NextDelay_ProviderPollAfter_IsClampedToTheBounds()
    {
        Assert.Equal(Min, PollingPolicy.NextDelay(new PollSignal { ProviderPollAfter = TimeSpan.FromMilliseconds(100) }, Min, Max));
        Assert.Equal(Max, PollingPolicy.NextDelay(new PollSignal { ProviderPollAfter = TimeSpan.FromMinutes(10) }, Min, Max));
    }

    [Fact]
    public void NextDelay_RetryAfter_IsHonouredEvenAboveTheMaximum()
    {
        TimeSpan delay = PollingPolicy.NextDelay(Rising(40, 10, 35, 10) with { RetryAfter = TimeSpan.FromSeconds(90), ConsecutiveFailures = 1 }, Min, Max);
        Assert.Equal(TimeSpan.FromSeconds(90), delay);
    }

    [Fact]
    public void NextDelay_RetryAfterBelowMinimum_WaitsTheMinimum()
    {
        TimeSpan delay = PollingPolicy.NextDelay(new PollSignal { RetryAfter = TimeSpan.FromMilliseconds(10), ConsecutiveFailures = 1 }, Min, Max);
        Assert.Equal(Min, delay);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(3, 8)]
    [InlineData(4, 16)]
    [InlineData(5, 30)]
    [InlineData(40, 30)]
    public void NextDelay_FailuresWithoutRetryAfter_BackOffExponentially(int failures, double expectedSeconds)
    {
        TimeSpan delay = PollingPolicy.NextDelay(Rising(40, 10, 35, 10) with { ConsecutiveFailures = failures }, Min, Max);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }

    static PollSignal Rising(double sinceCreated, int previous, int progress, double sincePrevious) => new()
    {
        SinceCreated = TimeSpan.FromSeconds(sinceCreated),
        PreviousProgress = previous,
        Progress = progress,
        SincePreviousCheck = TimeSpan.FromSeconds(sincePrevious),
    };

    [Theory]
    [InlineData(20, 2)]
    [InlineData(60, 2)]
    [InlineData(67, 7)]
    [InlineData(180, 5)]
    [InlineData(300, 10)]
    [InlineData(600, 60)]
    public void Simulation_SteadyRender_StaysWithinTheCheckBoundAndNoticesWithinOneMinimum(double renderSeconds, double queuedSeconds)
    {
        // A provider whose progress grows linearly after a queued phase; the policy decides every wait.
        var render = TimeSpan.FromSeconds(renderSeconds);
        var queued = TimeSpan.FromSeconds(queuedSeconds);
        TimeSpan now = TimeSpan.Zero;
        TimeSpan observedAt = TimeSpan.Zero, previousAt = TimeSpan.Zero;
        int progress = 0, previous = 0;
        int checks = 0;
        while (true)
        {
            var signal = new PollSignal
            {
                SinceCreated = now,
                Progress = progress,
                PreviousProgress = previous,
                SincePreviousCheck = observedAt - previousAt,
            };
            now += PollingPolicy.NextDelay(signal, Min, TimeSpan.FromMinutes(10));
            checks++;
            if (now >= render)
            {
                break;
            }

            (previous, previousAt) = (progress, observedAt);
            progress = now < queued ? 0 : (int)(100 * (now - queued) / (render - queued));
            observedAt = now;
        }

        TimeSpan late = now - render;
        Assert.True(checks <= PollingPolicy.MaxChecksFor(render, queued, Min), $"{checks} checks for a {renderSeconds}s render exceed the bound {PollingPolicy.MaxChecksFor(render, queued, Min)}");
        Assert.True(late <= Min + TimeSpan.FromSeconds(renderSeconds * 0.02), $"noticed {late} late");
    }
}
