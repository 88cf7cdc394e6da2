using SoraFunctions.Activities;
using SoraFunctions.Providers;

namespace SoraFunctions.Orchestration;

/// <summary>What the orchestration knows when it chooses the wait before the next status check.</summary>
public readonly record struct PollSignal
{
    /// <summary>Time since the provider job was created.</summary>
    public TimeSpan SinceCreated { get; init; }

    /// <summary>The progress the latest check reported, if any.</summary>
    public int? Progress { get; init; }

    /// <summary>The progress the check before it reported (0 for the creation).</summary>
    public int PreviousProgress { get; init; }

    /// <summary>Time between the check before and the latest one (or the creation).</summary>
    public TimeSpan SincePreviousCheck { get; init; }

    /// <summary>The provider's <c>openai-poll-after-ms</c>, if sent.</summary>
    public TimeSpan? ProviderPollAfter { get; init; }

    /// <summary>The provider's <c>Retry-After</c> on a failed call, if sent.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Transient failures since the last successful call.</summary>
    public int ConsecutiveFailures { get; init; }
}

/// <summary>
/// The adaptive interval between status checks: few provider calls per video, and little delay between the
/// provider finishing and the job noticing. In order of precedence:
/// <list type="number">
/// <item>After a failed call, the provider's <c>Retry-After</c> (never shorter), else exponential backoff.</item>
/// <item>The provider's <c>openai-poll-after-ms</c> when it sends one.</item>
/// <item>When progress rose from <c>p₀</c> to <c>p</c> over the last interval <c>Δt</c>, the remaining time is
/// estimated as <c>Δt·(100−p)/(p−p₀)</c> and the next check comes after <see cref="EstimateFraction"/> of it,
/// but never more than <see cref="MaxGrowth"/> times the last interval. The checks ramp up, then close in
/// geometrically on the end: a render of length <c>R</c> costs about <c>log₂(R/min) + log₄(R/min)</c> checks
/// and is noticed at most about one minimum interval late.</item>
/// <item>Without rising progress (queued, or a stalled figure), a wait of <see cref="QueuedFraction"/> of the
/// time elapsed so far: the checks thin out while nothing happens.</item>
/// </list>
/// Every wait except a provider's explicit <c>Retry-After</c> is clamped to [minimum, maximum].
/// </summary>
public static class PollingPolicy
{
    /// <summary>The share of the estimated remaining time to wait before the next check.</summary>
    public const double EstimateFraction = 0.75;

    /// <summary>
    /// The most a wait may grow over the last interval while estimating: an interval that began before the
    /// render did (or coarse whole-percent figures) makes the rate look slow, and this keeps such an estimate
    /// from overshooting the end.
    /// </summary>
    public const double MaxGrowth = 2;

    /// <summary>The share of the elapsed time to wait while progress does not rise.</summary>
    public const double QueuedFraction = 0.5;

    /// <summary>
    /// How long after the estimated end an aimed check (<see cref="AimedCheck"/>) comes: it covers whole-percent
    /// progress figures and the time between the provider's answer and the orchestration seeing it, both of which make
    /// the estimate fall short of the real end by a little.
    /// </summary>
    public static readonly TimeSpan EndMargin = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long before an aimed check its durable timer is due. The status activity waits out the rest
    /// (<c>GetVideoInput.NotBefore</c>): the engine's whole-second timers and idle queue polling make a timer fire up to
    /// about two seconds after it is due, which would otherwise all land on the noticing delay.
    /// </summary>
    public static readonly TimeSpan AimedTimerLead = TimeSpan.FromSeconds(2);

    /// <summary>The time until the render ends, estimated from how fast progress rose over the last interval; null when it did not rise.</summary>
    public static TimeSpan? EstimatedRemaining(PollSignal signal) =>
        signal.Progress is { } p && p < 100 && p > signal.PreviousProgress && signal.SincePreviousCheck > TimeSpan.Zero
            ? signal.SincePreviousCheck * ((100.0 - p) / (p - signal.PreviousProgress))
            : null;

    /// <summary>
    /// The time from now to check when the render is estimated to end within two minimum intervals: just past the
    /// estimated end (<see cref="EndMargin"/>), so that the check finds the video done instead of landing just before
    /// the end and leaving the next check a minimum interval later. Null (use <see cref="NextDelay"/>) after a failed
    /// call, when the provider says when to ask, or when progress did not rise. The caller aims at most one check in a
    /// row: a check aimed too early is followed by the usual minimum, so a stalled figure cannot make checks come
    /// faster than the minimum for long.
    /// </summary>
    public static TimeSpan? AimedCheck(PollSignal signal, TimeSpan minimum) => JustPastEnd(signal, minimum * 2);

    /// <summary>
    /// The time to just past the estimated end (<see cref="EndMargin"/>) when that is within <paramref name="within"/>;
    /// null when it is not, when progress did not rise, after a failed call, or when the provider said when to ask.
    /// </summary>
    static TimeSpan? JustPastEnd(PollSignal signal, TimeSpan within)
    {
        if (signal.RetryAfter is not null || signal.ConsecutiveFailures > 0 || signal.ProviderPollAfter is not null)
        {
            return null;
        }

        TimeSpan? untilEnd = EstimatedRemaining(signal) + EndMargin;
        return untilEnd <= within ? untilEnd : null;
    }

    /// <summary>
    /// The aimed check (<see cref="AimedCheck"/>) counted from <paramref name="observedAt"/>, when the provider gave the
    /// last answer: when to check, and how long from <paramref name="now"/> its timer waits (<see cref="AimedTimerLead"/>
    /// before the check, or none when that is already past). Null when the check is not aimed or would pass the deadline.
    /// </summary>
    public static (DateTime CheckAt, TimeSpan TimerDelay)? Aim(PollSignal signal, DateTime observedAt, DateTime now, TimeSpan minimum, DateTime deadline)
    {
        if (AimedCheck(signal, minimum) is not { } aimed || observedAt + aimed >= deadline)
        {
            return null;
        }

        DateTime checkAt = observedAt + aimed;
        TimeSpan untilCheck = checkAt - now;
        return (checkAt, untilCheck > AimedTimerLead ? untilCheck - AimedTimerLead : TimeSpan.Zero);
    }

    /// <summary>
    /// When the provider gave an answer that the orchestration saw at <paramref name="seenAt"/>: the activity's time
    /// (<paramref name="answeredAt"/>), kept within the call's span from <paramref name="calledAt"/> in case the clocks
    /// differ, or <paramref name="seenAt"/> when the answer carries none (older histories, adopted videos).
    /// </summary>
    public static DateTime AnsweredAt(DateTimeOffset? answeredAt, DateTime calledAt, DateTime seenAt)
    {
        if (answeredAt is not { } at)
        {
            return seenAt;
        }

        DateTime utc = at.UtcDateTime;
        return utc < calledAt ? calledAt : utc > seenAt ? seenAt : utc;
    }

    /// <summary>
    /// How long until just past the render's end (<see cref="EndMargin"/>) when a check's answer shows it ending within
    /// <paramref name="within"/>, at the rate since <paramref name="last"/>; null when it does not, when progress did not
    /// rise, or when the provider said when to ask next (its hint is kept).
    /// </summary>
    public static TimeSpan? EndingWithin(ProgressReading? last, GetVideoResult answer, TimeSpan within)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (last is null || answer is not { Outcome: StepOutcome.Succeeded, ObservedAt: { } at, Video: { Status: ProviderStatus.InProgress } video })
        {
            return null;
        }

        return JustPastEnd(
            new PollSignal
            {
                Progress = video.Progress,
                PreviousProgress = last.Progress,
                SincePreviousCheck = at.UtcDateTime - DateTime.SpecifyKind(last.At, DateTimeKind.Utc),
                ProviderPollAfter = answer.PollAfter,
            },
            within);
    }

    public static TimeSpan NextDelay(PollSignal signal, TimeSpan minimum, TimeSpan maximum)
    {
        if (signal.RetryAfter is { } retryAfter)
        {
            return retryAfter > minimum ? retryAfter : minimum;
        }

        if (signal.ConsecutiveFailures > 0)
        {
            double factor = Math.Pow(2, Math.Min(signal.ConsecutiveFailures - 1, 16));
            return Clamp(minimum * factor, minimum, maximum);
        }

        if (signal.ProviderPollAfter is { } pollAfter)
        {
            return Clamp(pollAfter, minimum, maximum);
        }

        if (EstimatedRemaining(signal) is { } remaining)
        {
            TimeSpan estimate = remaining * EstimateFraction;
            TimeSpan ramp = signal.SincePreviousCheck * MaxGrowth;
            return Clamp(estimate < ramp ? estimate : ramp, minimum, maximum);
        }

        return Clamp(signal.SinceCreated * QueuedFraction, minimum, maximum);
    }

    /// <summary>
    /// The wait in whole seconds, the resolution of the Azure Storage backend's timers (<see cref="TimerRounding"/>):
    /// rounded down, so that the check comes no later than the policy chose, but never below the minimum (rounded up,
    /// and at least a second); a provider's <c>Retry-After</c> (<paramref name="retryAfter"/>) is rounded up, never
    /// shortened.
    /// </summary>
    public static TimeSpan WholeSeconds(TimeSpan delay, TimeSpan minimum, bool retryAfter = false)
    {
        if (retryAfter)
        {
            return TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(delay.TotalSeconds)));
        }

        double floor = Math.Max(1, Math.Ceiling(minimum.TotalSeconds));
        return TimeSpan.FromSeconds(Math.Max(floor, Math.Floor(delay.TotalSeconds)));
    }

    /// <summary>
    /// An upper bound on the status checks a render of <paramref name="renderTime"/>, of which
    /// <paramref name="queuedTime"/> is spent queued, needs under this policy when progress then grows steadily:
    /// the queued phase's checks (waits growing by half the elapsed time), the geometric approach, and the last
    /// check or two around the end.
    /// </summary>
    public static int MaxChecksFor(TimeSpan renderTime, TimeSpan queuedTime, TimeSpan minimum)
    {
        double queuedRatio = Math.Max(queuedTime / minimum, 1);
        int queued = 1 + (int)Math.Ceiling(Math.Log(queuedRatio) / Math.Log(1 + QueuedFraction));
        double ratio = Math.Max(renderTime / minimum, 1);
        int ramp = (int)Math.Ceiling(Math.Log(ratio) / Math.Log(MaxGrowth));
        int approach = (int)Math.Ceiling(Math.Log(ratio) / Math.Log(1 / (1 - EstimateFraction)));
        return queued + ramp + approach + 2;
    }

    static TimeSpan Clamp(TimeSpan value, TimeSpan minimum, TimeSpan maximum) =>
        value < minimum ? minimum : value > maximum ? maximum : value;
}
