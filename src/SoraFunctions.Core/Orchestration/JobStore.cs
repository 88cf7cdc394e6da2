using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using SoraFunctions.Activities;
using SoraFunctions.Jobs;

namespace SoraFunctions.Orchestration;

/// <summary>
/// A job's last step: the completed video stored into its blob, retried up to <see cref="JobPacing.StoreMaxAttempts"/>
/// before the provider's copy expires. Runs inside <see cref="VideoOrchestrator"/>, so deterministic like it.
/// </summary>
sealed class JobStore(TaskOrchestrationContext context, VideoJobInput input, DurableSteps steps, JobEndings endings)
{
    readonly JobPacing pacing = input.Pacing;

    /// <summary>Stores the completed video; <paramref name="storedByCheck"/> is the first attempt when the status check made it.</summary>
    public async Task<VideoJobResult> StoreAsync(JobProgress state, ProviderVideo video, StoreVideoResult? storedByCheck = null)
    {
        ILogger log = context.CreateReplaySafeLogger<VideoOrchestrator>();
        for (int attempt = 1; ; attempt++)
        {
            StoreVideoResult result;
            if (attempt == 1 && storedByCheck is not null)
            {
                result = storedByCheck;
            }
            else
            {
                if (video.ExpiresAt is { } expiresAt && context.CurrentUtcDateTime >= expiresAt)
                {
                    return endings.Failed(new JobError(JobErrorCodes.Expired, $"The provider's copy expired at {expiresAt:O} before it could be stored."), state.ProviderVideoId, state.Checks);
                }

                context.SetCustomStatus(new JobCustomStatus(JobStatus.Storing, 100, state.ProviderVideoId, state.Checks, null, state.StartedAt));
                try
                {
                    result = await steps.CallAsync<StoreVideoResult>(ActivityNames.StoreVideo, StoreInputs.For(input, state), VideoOrchestrator.ActivityRetries);
                }
                catch (TaskFailedException ex)
                {
                    // Storage kept failing through the activity's own retries; try again later, up to the limit.
                    result = new StoreVideoResult(StepOutcome.Retry) { Error = new JobError(JobErrorCodes.StoreFailed, ex.FailureDetails.ErrorMessage) };
                }
            }

            if (result.Outcome == StepOutcome.Succeeded)
            {
                log.LogInformation("Job {JobId}: stored {Bytes} bytes as {Blob}", input.JobId, result.Bytes, result.Blob!.Name);
                if (!context.IsReplaying)
                {
                    Telemetry.PipelineTelemetry.JobsCompleted.Add(1);
                    if (video.CompletedAt is { } finishedAt)
                    {
                        Telemetry.PipelineTelemetry.StoreDelay.Record(Math.Max(0, (context.CurrentUtcDateTime - finishedAt).TotalSeconds));
                    }
                }

                return new VideoJobResult(JobStatus.Completed)
                {
                    ProviderVideoId = state.ProviderVideoId,
                    Blob = result.Blob,
                    Bytes = result.Bytes,
                    Renditions = result.Renditions,
                    Checks = state.Checks,
                    CompletedAt = context.CurrentUtcDateTime,
                };
            }

            if (result.Outcome == StepOutcome.Failed || attempt >= pacing.StoreMaxAttempts)
            {
                JobError error = result.Error ?? new JobError(JobErrorCodes.StoreFailed, "Storing the video failed.");
                return endings.Failed(result.Outcome == StepOutcome.Failed ? error : new JobError(JobErrorCodes.StoreFailed, $"Storing the video failed {attempt} times: {error.Message}"), state.ProviderVideoId, state.Checks);
            }

            TimeSpan delay = PollingPolicy.NextDelay(
                new PollSignal { RetryAfter = result.RetryAfter, ConsecutiveFailures = attempt },
                pacing.MinPollInterval,
                pacing.MaxPollInterval);
            log.LogWarning("Job {JobId}: store attempt {Attempt} failed ({Code}); next attempt in {Delay}", input.JobId, attempt, result.Error?.Code, delay);
            await steps.WaitUntilAsync(context.CurrentUtcDateTime + delay);
        }
    }
}
