namespace SoraFunctions.Orchestration;

/// <summary>What the orchestration knows when it chooses the wait before the next status check.</summary>
/// <param name="SinceCreated">Time since the provider job was created.</param>
/// <param name="Progress">The provider's last reported percentage, if any.</param>
/// <param name="ProviderPollAfter">The provider's <c>openai-poll-after-ms</c>, if sent.</param>
/// <param name="RetryAfter">The provider's <c>Retry-After</c> on a failed check, if sent.</param>
/// <param name="ConsecutiveFailures">Transient failures since the last successful check.</param>
public readonly record struct PollSignal(
    TimeSpan SinceCreated,
    int? Progress,
    TimeSpan? ProviderPollAfter = null,
    TimeSpan? RetryAfter = null,
    int ConsecutiveFailures = 0);

/// <summary>
/// The adaptive interval between status checks: few provider calls per video, and little delay between the
/// provider finishing and the job noticing. In order of precedence:
/// <list type="number">
/// <item>After a failed check, the provider's <c>Retry-After</c> (never shorter), else exponential backoff.</item>
/// <item>The provider's <c>openai-poll-after-ms</c> when it sends one.</item>
/// <item>With progress <c>p</c> after <c>t</c>, the remaining time is estimated as <c>t·(100−p)/p</c> and the
/// next check comes after <see cref="EstimateFraction"/> of it: the checks close in geometrically on the end,
/// so a render of length <c>R</c> costs about <c>log₄(R/min)</c> checks and is noticed at most one minimum
/// interval late.</item>
/// <item>Without progress yet (queued), a wait of <see cref="QueuedFraction"/> of the time elapsed so far.</item>
/// </list>
/// Every wait except a provider's explicit Retry-After is clamped to [minimum, maximum].
/// </summary>
public static class PollingPolicy
{
    /// <summary>The share of the estimated remaining time to wait before the next check.</summary>
    public const double EstimateFraction = 0.75;

    /// <summary>The share of the elapsed time to wait while no progress is reported.</summary>
    public const double QueuedFraction = 0.5;

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

        if (signal.Progress is > 0 and < 100 && signal.SinceCreated > TimeSpan.Zero)
        {
            int p = signal.Progress.Value;
            TimeSpan remaining = signal.SinceCreated * ((100.0 - p) / p);
            return Clamp(remaining * EstimateFraction, minimum, maximum);
        }

        return Clamp(signal.SinceCreated * QueuedFraction, minimum, maximum);
    }

    /// <summary>
    /// An upper bound on the status checks a render of <paramref name="renderTime"/> needs under this policy
    /// when progress grows steadily: the queued phase's checks, then the geometric approach, then one last check.
    /// </summary>
    public static int MaxChecksFor(TimeSpan renderTime, TimeSpan queuedTime, TimeSpan minimum)
    {
        double ratio = Math.Max(renderTime / minimum, 1);
        int approach = (int)Math.Ceiling(Math.Log(ratio) / Math.Log(1 / (1 - EstimateFraction)));
        double queuedRatio = Math.Max(queuedTime / minimum, 1);
        int queued = 1 + (int)Math.Ceiling(Math.Log(queuedRatio) / Math.Log(1 + QueuedFraction));
        return queued + approach + 2;
    }

    static TimeSpan Clamp(TimeSpan value, TimeSpan minimum, TimeSpan maximum) =>
        value < minimum ? minimum : value > maximum ? maximum : value;
}
