using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using SoraFunctions.Activities;
using SoraFunctions.Jobs;

namespace SoraFunctions.Orchestration;

/// <summary>
/// A job's steps around the brakes (<see cref="Limits"/>): waiting for a provider slot and the create rate, freeing the
/// slot on every ending, and giving back the budget charge of a job that made no video. Runs inside
/// <see cref="VideoOrchestrator"/>, so deterministic like it. Created with the orchestration's other event waiters, in
/// the same order on every replay.
/// </summary>
sealed class JobAdmission(TaskOrchestrationContext context, VideoJobInput input, DurableSteps steps, Task<string?> cancel)
{
    /// <summary>Tries for a slot in one generation before <c>ContinueAsNew</c>, so a long wait keeps the history small.</summary>
    const int AdmissionTriesPerGeneration = 40;

    /// <summary>How long a slot outlives the job's timeout before it counts as abandoned (a terminated or purged job).</summary>
    static readonly TimeSpan SlotLeaseMargin = TimeSpan.FromMinutes(15);

    readonly JobPacing pacing = input.Pacing;
    Task<string?> slotFreed = context.WaitForExternalEvent<string?>(VideoOrchestrator.SlotFreedEvent);

    /// <summary>
    /// Waits for a provider slot and the create rate: true when admitted, false when canceled meanwhile, null when
    /// this generation has waited long enough and the next one should go on waiting.
    /// </summary>
    public async Task<bool?> AdmitAsync(DateTime startedAt)
    {
        var admit = new AdmitJobInput(input.JobId, pacing.Timeout + SlotLeaseMargin);
        for (int tries = 1; tries <= AdmissionTriesPerGeneration; tries++)
        {
            Admission admission;
            try
            {
                admission = await context.CallActivityAsync<Admission>(ActivityNames.AdmitJob, admit, VideoOrchestrator.ActivityRetries);
            }
            catch (TaskFailedException ex)
            {
                // The limits' storage kept failing: waiting is safe, creating past the brakes is not.
                context.CreateReplaySafeLogger<VideoOrchestrator>().LogWarning("Job {JobId}: admission failed ({Reason}); asking again", input.JobId, ex.FailureDetails.ErrorMessage);
                admission = new Admission(false, 0, pacing.MaxPollInterval);
            }

            if (admission.Admitted)
            {
                return true;
            }

            DateTime retryAt = context.CurrentUtcDateTime + admission.RetryAfter;
            context.SetCustomStatus(new JobCustomStatus(JobStatus.Queued, 0, null, 0, retryAt, startedAt)
            {
                QueuePosition = admission.QueuePosition > 0 ? admission.QueuePosition : null,
            });
            if (!await WaitForSlotAsync(retryAt))
            {
                return false;
            }
        }

        return null;
    }

    /// <summary>Waits until <paramref name="retryAt"/> or until a finishing job says a slot is free; false on cancel.</summary>
    async Task<bool> WaitForSlotAsync(DateTime retryAt)
    {
        Task? winner = await steps.WaitUntilAsync(retryAt, cancel, slotFreed);
        if (winner == slotFreed)
        {
            slotFreed = context.WaitForExternalEvent<string?>(VideoOrchestrator.SlotFreedEvent);
        }

        return winner != cancel;
    }

    /// <summary>Frees the job's provider slot and wakes the oldest waiting jobs, one per free slot (idempotent; safe without a slot).</summary>
    public async Task ReleaseSlotAsync()
    {
        if (!pacing.NeedsAdmission)
        {
            return;
        }

        try
        {
            JsonElement waiters = await context.CallActivityAsync<JsonElement>(ActivityNames.ReleaseJob, input.JobId, VideoOrchestrator.ActivityRetries);
            foreach (string next in EventPayloads.WaitersToWake(waiters).Where(next => next != input.JobId))
            {
                context.SendEvent(next, VideoOrchestrator.SlotFreedEvent, input.JobId);
            }
        }
        catch (TaskFailedException ex)
        {
            // The slot's lease frees it in the end.
            context.CreateReplaySafeLogger<VideoOrchestrator>().LogWarning("Job {JobId}: releasing its provider slot failed: {Reason}", input.JobId, ex.FailureDetails.ErrorMessage);
        }
    }

    /// <summary>Gives the job's charge back to the budget: no provider video was made for it.</summary>
    public async Task RefundAsync()
    {
        if (input.SubmittedAt is not { } chargedAt)
        {
            return;
        }

        try
        {
            await context.CallActivityAsync<decimal>(ActivityNames.RefundJob, new RefundJobInput(input.JobId, chargedAt), VideoOrchestrator.ActivityRetries);
        }
        catch (TaskFailedException ex)
        {
            context.CreateReplaySafeLogger<VideoOrchestrator>().LogWarning("Job {JobId}: refunding its budget charge failed: {Reason}", input.JobId, ex.FailureDetails.ErrorMessage);
        }
    }
}
