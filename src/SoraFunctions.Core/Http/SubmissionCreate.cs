using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using SoraFunctions.Activities;
using SoraFunctions.Jobs;
using SoraFunctions.Orchestration;

namespace SoraFunctions.Http;

/// <summary>
/// The provider create a submission sends itself (<see cref="Configuration.PipelineOptions.CreateOnSubmit"/>), and the
/// start of its job. The render runs, and is billed, whether or not the job starts, so a failed start (storage trouble)
/// is tried again, an instance found afterwards counts as started (only the answer was lost), and a job known not to
/// have started, or whose index row written while the create was sent failed, has its provider video deleted rather
/// than left rendering with nobody to store it.
/// </summary>
static class SubmissionCreate
{
    const int Attempts = 3;

    static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);

    /// <summary>The job's first create; trouble other than the provider's leaves the create in doubt.</summary>
    public static async Task<CreateVideoResult> SendAsync(VideoJobInput job, VideoJobActivities work, ILogger logger)
    {
        var create = new CreateVideoInput(job.JobId, job.Spec, null) { RemixOfVideoId = job.RemixOf?.ProviderVideoId, InputImageBlob = job.InputImageBlob };
        try
        {
            return await work.CreateOnSubmitAsync(create, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Job {JobId}: the submission's create failed ({Reason}); the orchestration looks for the video before creating again", job.JobId, ex.Message);
            return new CreateVideoResult(StepOutcome.Retry)
            {
                MayHaveReachedProvider = true,
                Error = new JobError(JobErrorCodes.Internal, ex.Message),
            };
        }
    }

    /// <summary>
    /// Whether this process watches the video <paramref name="created"/> made (<see cref="Configuration.PipelineOptions.WatchInProcess"/>),
    /// so that the job's own checks are only the safety net: not when webhooks or the sweep wake jobs anyway.
    /// </summary>
    public static bool WillWatch(CreateVideoResult created, VideoWatch? watch, Configuration.JobPacingFactory pacing) =>
        created.Video is not null && watch is { CanWatch: true } && !pacing.WokenByProvider;

    /// <summary>
    /// Starts <paramref name="input"/>'s orchestration, then <paramref name="watch"/> (when given) watches its video;
    /// throws the last error when the job could not be started.
    /// </summary>
    public static async Task StartAsync(DurableTaskClient client, VideoJobInput input, VideoJobActivities work, TimeProvider time, ILogger logger, VideoWatch? watch = null)
    {
        await StartJobAsync(client, input, work, time, logger);
        if (watch is not null && input.CreatedOnSubmit is { Video: { } video } created
            && !watch.Watch(client, input.JobId, video, created.ObservedAt ?? input.SubmittedAt ?? time.GetUtcNow()))
        {
            logger.LogWarning("Job {JobId}: the watch is full; the job's safety-net checks will notice its end", input.JobId);
        }
    }

    static async Task StartJobAsync(DurableTaskClient client, VideoJobInput input, VideoJobActivities work, TimeProvider time, ILogger logger)
    {
        string? videoId = input.CreatedOnSubmit?.Video?.Id;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await client.ScheduleNewOrchestrationInstanceAsync(VideoOrchestrator.Name, input, new StartOrchestrationOptions(input.JobId), CancellationToken.None);
                return;
            }
            catch (Exception ex)
            {
                bool? exists = await ExistsAsync(client, input.JobId);
                if (exists == true)
                {
                    return;
                }

                if (attempt < Attempts)
                {
                    logger.LogWarning("Job {JobId}: starting it after its create failed ({Reason}); trying again", input.JobId, ex.Message);
                    await Task.Delay(FirstRetry * attempt, time);
                    continue;
                }

                if (exists == false && videoId is not null)
                {
                    await DeleteMadeVideoAsync(videoId, "started", ex, input, work, logger);
                }
                else
                {
                    logger.LogError("Job {JobId} could not be started after its create ({Reason}), and whether it exists cannot be read; provider video {VideoId} kept", input.JobId, ex.Message, videoId ?? "unknown");
                }

                throw;
            }
        }
    }

    /// <summary>
    /// Waits for the job's index row, written while the create was sent; when it failed, the job will not start, so the
    /// video it made is deleted before the error goes on.
    /// </summary>
    public static async Task RecordedAsync(Task recorded, VideoJobInput input, VideoJobActivities work, ILogger logger)
    {
        try
        {
            await recorded;
        }
        catch (Exception ex) when (input.CreatedOnSubmit?.Video?.Id is { } videoId)
        {
            await DeleteMadeVideoAsync(videoId, "recorded", ex, input, work, logger);
            throw;
        }
    }

    /// <summary>Deletes the video of a job that will not run (best effort) and says so.</summary>
    static async Task DeleteMadeVideoAsync(string videoId, string notDone, Exception reason, VideoJobInput input, VideoJobActivities work, ILogger logger)
    {
        bool deleted = await work.DeleteAsync(videoId, input.JobId, CancellationToken.None);
        logger.LogError("Job {JobId} could not be {NotDone} after its create ({Reason}); provider video {VideoId} {Outcome}", input.JobId, notDone, reason.Message, videoId, deleted ? "deleted" : "could not be deleted");
    }

    /// <summary>Whether the instance exists; null when even that cannot be read.</summary>
    static async Task<bool?> ExistsAsync(DurableTaskClient client, string instanceId)
    {
        try
        {
            return await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, CancellationToken.None) is not null;
        }
        catch (Exception)
        {
            return null;
        }
    }
}
