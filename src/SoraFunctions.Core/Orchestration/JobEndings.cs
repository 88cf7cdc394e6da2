using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using SoraFunctions.Activities;
using SoraFunctions.Jobs;

namespace SoraFunctions.Orchestration;

/// <summary>
/// How a job ends when it does not complete: its result, its log line and its counter (outside replay), and the
/// provider video it leaves behind deleted.
/// </summary>
sealed class JobEndings(TaskOrchestrationContext context, string jobId)
{
    public VideoJobResult Failed(JobError error, string? providerVideoId, int checks)
    {
        ILogger log = context.CreateReplaySafeLogger<VideoOrchestrator>();
        log.LogWarning("Job {JobId} failed: {Code}: {Message}", jobId, error.Code, error.Message);
        if (!context.IsReplaying)
        {
            Telemetry.PipelineTelemetry.JobsFailed.Add(1, new KeyValuePair<string, object?>("code", error.Code));
        }

        return new VideoJobResult(JobStatus.Failed) { ProviderVideoId = providerVideoId, Error = error, Checks = checks, CompletedAt = context.CurrentUtcDateTime };
    }

    public VideoJobResult Canceled(string? providerVideoId, int checks)
    {
        ILogger log = context.CreateReplaySafeLogger<VideoOrchestrator>();
        log.LogInformation("Job {JobId} canceled", jobId);
        return new VideoJobResult(JobStatus.Canceled) { ProviderVideoId = providerVideoId, Checks = checks, CompletedAt = context.CurrentUtcDateTime };
    }

    /// <summary>Deletes the job's provider video (a cancel, a timeout), best effort: a failure is logged.</summary>
    public async Task DeleteProviderVideoAsync(string providerVideoId)
    {
        ILogger log = context.CreateReplaySafeLogger<VideoOrchestrator>();
        try
        {
            await context.CallActivityAsync<bool>(ActivityNames.DeleteVideo, providerVideoId);
        }
        catch (TaskFailedException ex)
        {
            log.LogWarning("Job {JobId}: deleting provider video {VideoId} failed: {Reason}", jobId, providerVideoId, ex.FailureDetails.ErrorMessage);
        }
    }
}
