namespace SoraFunctions.Orchestration;

/// <summary>
/// When to ask a durable timer to fire so that it does not fire before the wait is due. The Azure Storage backend
/// sends a timer as a queue message hidden for <c>fireAt − now</c>, and Queue Storage takes that delay in whole
/// seconds, rounded down: a timer fires up to a second early, and one due in less than a second fires at once (a
/// poll loop with sub-second waits then checks the provider many times a second). Asking for the wait rounded up to
/// whole seconds, plus <see cref="Margin"/> for the time between the episode's clock and the message being sent,
/// makes the hidden time cover the wait; the orchestrator waits again if a busy engine still woke it early.
/// </summary>
public static class TimerRounding
{
    /// <summary>Covers the time from the episode's start to the engine sending the timer's message.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(250);

    /// <summary>The time to give <c>CreateTimer</c> at episode time <paramref name="now"/> for a wait due at <paramref name="dueAt"/>.</summary>
    public static DateTime FireAt(DateTime now, DateTime dueAt)
    {
        TimeSpan remaining = dueAt - now;
        if (remaining <= TimeSpan.Zero)
        {
            return dueAt;
        }

        return now + TimeSpan.FromSeconds(Math.Ceiling(remaining.TotalSeconds)) + Margin;
    }
}
