using Microsoft.DurableTask;

namespace SoraFunctions.Orchestration;

/// <summary>
/// The two durable steps every wait and every activity call of a job goes through: a wait that never ends before it is
/// due, and an activity call that records its round trip. Kept apart from <see cref="VideoOrchestrator"/>, which must
/// stay one file (the Durable Task analyzers crash on partial orchestrators); deterministic like it.
/// </summary>
sealed class DurableSteps(TaskOrchestrationContext context, bool wholeSecondTimers)
{
    /// <summary>The most durable timers one wait takes when they keep firing early (<see cref="TimerRounding"/>).</summary>
    const int TimersPerWait = 5;

    /// <summary>
    /// Waits on durable timers until <paramref name="dueAt"/>, or until one of <paramref name="events"/> completes;
    /// returns that event, or null when the wait is due. With <see cref="JobPacing.WholeSecondTimers"/> the timer is
    /// asked for in whole seconds, and one that still fired before <paramref name="dueAt"/> is followed by another
    /// (<see cref="TimerRounding"/>): a check, retry or admission try never runs before its time. Histories written
    /// before that setting replay their single timer per wait.
    /// </summary>
    public async Task<Task?> WaitUntilAsync(DateTime dueAt, params Task[] events)
    {
        for (int timers = 1; timers <= TimersPerWait; timers++)
        {
            DateTime fireAt = wholeSecondTimers ? TimerRounding.FireAt(context.CurrentUtcDateTime, dueAt) : dueAt;
            using var timerCancellation = new CancellationTokenSource();
            Task timer = context.CreateTimer(fireAt, timerCancellation.Token);
            Task winner = await Task.WhenAny([timer, .. events]);
            if (winner != timer)
            {
                // Synchronously: CancelAsync would run the timer's callbacks on the thread pool, and an
                // orchestrator must never leave its own thread (the episode would end with nothing to do).
#pragma warning disable CA1849
                timerCancellation.Cancel();
#pragma warning restore CA1849
                return winner;
            }

            if (!wholeSecondTimers || context.CurrentUtcDateTime >= dueAt)
            {
                return null;
            }
        }

        // Each further timer covers the rest of the wait rounded up to a second: only an engine whose episodes
        // start late every time gets here, and then the wait is as good as due.
        return null;
    }

    /// <summary>Calls an activity and records its round trip: from the episode that scheduled it to the one that saw its result.</summary>
    public async Task<T> CallAsync<T>(string name, object activityInput, TaskOptions? options)
    {
        DateTime calledAt = context.CurrentUtcDateTime;
        try
        {
            return await context.CallActivityAsync<T>(name, activityInput, options);
        }
        finally
        {
            if (!context.IsReplaying)
            {
                Telemetry.PipelineTelemetry.ActivityRoundTrip.Record(
                    Math.Max(0, (context.CurrentUtcDateTime - calledAt).TotalSeconds),
                    new KeyValuePair<string, object?>("activity", name));
            }
        }
    }
}
