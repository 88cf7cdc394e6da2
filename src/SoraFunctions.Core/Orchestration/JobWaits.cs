using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace SoraFunctions.Orchestration;

/// <summary>
/// A job's waits on durable timers, cut short by a <c>cancel</c> (the wait answers false) or by a provider event (a
/// webhook or the status sweep: the wait ends at once and keeps what the event carried for the next check). Runs
/// inside <see cref="VideoOrchestrator"/>, so deterministic like it; created first, so its event waiters come first on
/// every replay.
/// </summary>
sealed class JobWaits(TaskOrchestrationContext context, string jobId, DurableSteps steps)
{
    /// <summary>Completes when <c>DELETE /api/videos/{id}</c> raised <see cref="VideoOrchestrator.CancelEvent"/>.</summary>
    public Task<string?> Cancel { get; } = context.WaitForExternalEvent<string?>(VideoOrchestrator.CancelEvent);

    Task<JsonElement> providerEvent = context.WaitForExternalEvent<JsonElement>(VideoOrchestrator.ProviderEvent);

    /// <summary>What the last provider event carried (the ended video, perhaps stored: <see cref="Activities.NoticedVideo"/>), until a check takes it.</summary>
    JsonElement? wokenWith;

    public bool CancelRequested => Cancel.IsCompleted;

    /// <summary>
    /// True when a cancel or provider event has arrived and not been taken: its waiter belongs to this generation, so
    /// a <c>ContinueAsNew</c> now would lose it.
    /// </summary>
    public bool EventWaiting => Cancel.IsCompleted || providerEvent.IsCompleted;

    /// <summary>What the last provider event carried, once: null when none woke the job since the last check.</summary>
    public JsonElement? TakeWokenWith()
    {
        JsonElement? payload = wokenWith;
        wokenWith = null;
        return payload;
    }

    /// <summary>Waits until <paramref name="dueAt"/>; false when a cancel request came first.</summary>
    public async Task<bool> WaitAsync(DateTime dueAt)
    {
        if (CancelRequested)
        {
            return false;
        }

        Task? winner = await steps.WaitUntilAsync(dueAt, Cancel, providerEvent);
        if (winner is null)
        {
            if (!context.IsReplaying)
            {
                // How long after its due time the wait's episode ran: the engine's share of the noticing delay.
                Telemetry.PipelineTelemetry.TimerLateness.Record(Math.Max(0, (context.CurrentUtcDateTime - dueAt).TotalSeconds));
            }

            return true;
        }

        if (winner == Cancel)
        {
            return false;
        }

        // A webhook or the status sweep said the video changed: check now, and listen for the next one.
        context.CreateReplaySafeLogger<VideoOrchestrator>().LogInformation("Job {JobId}: woken by a provider event ({Event})", jobId, EventPayloads.Describe(providerEvent.Result));
        wokenWith = providerEvent.Result;
        providerEvent = context.WaitForExternalEvent<JsonElement>(VideoOrchestrator.ProviderEvent);
        return true;
    }
}
