using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Catalog;
using SoraFunctions.Configuration;
using SoraFunctions.Jobs;
using SoraFunctions.Limits;
using SoraFunctions.Orchestration;
using SoraFunctions.Providers;
using SoraFunctions.Storage;
using SoraFunctions.Telemetry;

namespace SoraFunctions.Activities;

/// <summary>
/// The work behind the orchestration's activities, shared by both hosts (the Functions app calls it from
/// <c>[Function]</c> adapters, the local host from <c>TaskActivity</c> classes). Provider errors come back as
/// outcomes the orchestrator decides on; every method is safe to run twice.
/// </summary>
public sealed partial class VideoJobActivities(
    IVideoProvider provider,
    VideoBlobStore store,
    InputImageStore images,
    ProviderVideoIndex index,
    ICreateAttempts attempts,
    IVideoStoredNotifier notifier,
    ICreatePacer pacer,
    IOptions<PipelineOptions> pipeline,
    TimeProvider time,
    ILogger<VideoJobActivities> logger)
{
    /// <summary>
    /// Reads the provider's view of a video and, when it is completed and the check says where, stores it at once
    /// (unless the provider's copy has already expired, which the orchestrator reports).
    /// </summary>
    /// <param name="jobId">The job, for its spans; null takes it from the enclosing Durable Task span.</param>
    public async Task<GetVideoResult> GetAsync(GetVideoInput input, string? jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.NotBefore is { } notBefore)
        {
            // An aimed check (PollingPolicy.AimedCheck): its timer came early on purpose; ask at the aimed time.
            TimeSpan early = DateTime.SpecifyKind(notBefore, DateTimeKind.Utc) - time.GetUtcNow().UtcDateTime;
            if (early > TimeSpan.Zero)
            {
                await Task.Delay(early < GetVideoInput.MaxWait ? early : GetVideoInput.MaxWait, time, cancellationToken);
            }
        }

        GetVideoResult checkedVideo = await CheckAsync(input.ProviderVideoId, jobId, cancellationToken);
        if (PollingPolicy.EndingWithin(input.LastReading, checkedVideo, GetVideoInput.MaxWait) is { } untilEnd)
        {
            // The render ends in a moment: wait for it here rather than go back through the engine's queues.
            await Task.Delay(untilEnd, time, cancellationToken);
            GetVideoResult again = await CheckAsync(input.ProviderVideoId, jobId, cancellationToken);
            checkedVideo = (again.Outcome == StepOutcome.Succeeded ? again : checkedVideo) with { Rechecked = true };
        }

        if (checkedVideo.Video is { Status: ProviderStatus.Completed } video
            && input.StoreIfCompleted is { } store
            && (video.ExpiresAt is not { } expiresAt || time.GetUtcNow() < expiresAt))
        {
            StoreVideoResult stored;
            try
            {
                stored = await StoreAsync(store, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Storage trouble the store does not turn into an outcome: the check itself succeeded, so the job goes
                // on to its bounded store retries (StoreMaxAttempts) rather than checking again until its deadline.
                logger.LogWarning("Job {JobId}: storing the completed video failed: {Reason}", store.JobId, ex.Message);
                stored = new StoreVideoResult(StepOutcome.Retry) { Error = new JobError(JobErrorCodes.StoreFailed, ex.Message) };
            }

            return checkedVideo with { Stored = stored };
        }

        return checkedVideo;
    }

    async Task<GetVideoResult> CheckAsync(string providerVideoId, string? jobId, CancellationToken cancellationToken)
    {
        using System.Diagnostics.Activity? span = PipelineTelemetry.StartActivity("get", jobId);
        span?.SetTag("sora.provider_video_id", providerVideoId);
        ProviderResult<ProviderVideo> result = await provider.GetAsync(providerVideoId, cancellationToken);
        PipelineTelemetry.ProviderCall("get", Outcome(result.Error), result.Error?.StatusCode);
        if (result.IsSuccess)
        {
            span?.SetTag("sora.progress", result.Value!.Progress);
            return new GetVideoResult(StepOutcome.Succeeded) { Video = result.Value, PollAfter = result.PollAfter, ObservedAt = time.GetUtcNow() };
        }

        ProviderError error = result.Error;
        span.Fail(error.Code);
        return error.Transient
            ? new GetVideoResult(StepOutcome.Retry) { RetryAfter = error.RetryAfter, Error = error.ToJobError(JobErrorCodes.ProviderUnavailable) }
            : new GetVideoResult(StepOutcome.Failed) { Error = error.ToJobError(JobErrorCodes.ProviderRejected) };
    }

    /// <summary>
    /// Streams the finished video from the provider into its blob, committing at most once. Asked-for renditions
    /// are stored first, so that the video's <c>BlobCreated</c> consumers find them beside it.
    /// </summary>
    public async Task<StoreVideoResult> StoreAsync(StoreVideoInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        using System.Diagnostics.Activity? span = PipelineTelemetry.StartActivity("store", input.JobId);
        StoreVideoResult outcome = await StoreCoreAsync(input, cancellationToken);
        if (outcome.Outcome == StepOutcome.Succeeded)
        {
            span?.SetTag("sora.bytes", outcome.Bytes);
            span?.SetTag("sora.already_stored", outcome.AlreadyStored);
        }
        else
        {
            span.Fail(outcome.Error?.Code);
        }

        return outcome;
    }

    async Task<StoreVideoResult> StoreCoreAsync(StoreVideoInput input, CancellationToken cancellationToken)
    {
        var metadata = new Dictionary<string, string>(input.Metadata)
        {
            [BlobMetadataKeys.JobId] = input.JobId,
            [BlobMetadataKeys.ProviderVideoId] = input.ProviderVideoId,
            [BlobMetadataKeys.Model] = input.Spec.Model,
            [BlobMetadataKeys.Seconds] = input.Spec.Seconds,
            [BlobMetadataKeys.Size] = input.Spec.Size,
        };
        Dictionary<string, BlobLocation> renditions = await StoreRenditionsAsync(input, cancellationToken);
        if (renditions.Count > 0)
        {
            metadata[BlobMetadataKeys.Renditions] = string.Join(',', renditions.Keys);
        }

        ProviderContent? content = null;
        try
        {
            BlobStoreResult stored = await store.StoreAsync(
                input.BlobName,
                metadata,
                async ct =>
                {
                    ProviderResult<ProviderContent> download = await provider.OpenContentAsync(input.ProviderVideoId, ct);
                    PipelineTelemetry.ProviderCall("content", Outcome(download.Error), download.Error?.StatusCode);
                    if (!download.IsSuccess)
                    {
                        throw new ProviderException(download.Error);
                    }

                    content = download.Value!;
                    return (content.Stream, content.Length);
                },
                cancellationToken);

            var location = new BlobLocation(store.ContainerName, input.BlobName, stored.BlobUri.AbsoluteUri);
            if (!stored.AlreadyStored)
            {
                PipelineTelemetry.BytesStored.Add(stored.Bytes);
                await NotifyAsync(new StoredVideo(input.JobId, store.ContainerName, input.BlobName, stored.BlobUri, stored.Bytes), cancellationToken);
            }

            return new StoreVideoResult(StepOutcome.Succeeded)
            {
                Blob = location,
                Bytes = stored.Bytes,
                AlreadyStored = stored.AlreadyStored,
                Renditions = renditions.Count > 0 ? renditions : null,
            };
        }
        catch (ProviderException ex)
        {
            logger.LogWarning("Job {JobId}: download failed (transient {Transient}, status {Status}, code {Code})", input.JobId, ex.Error.Transient, ex.Error.StatusCode, ex.Error.Code);

            // The provider reported the video completed before this ran, so a 404 on its content that does not say the
            // video itself is unknown (`not_found`) is the content lagging the status (eventual consistency): retried
            // like any transient failure, within StoreMaxAttempts.
            bool contentLagging = ex.Error.StatusCode == 404 && ex.Error.Code is not ("not_found" or "video_not_found");
            return ex.Error.Transient || contentLagging
                ? new StoreVideoResult(StepOutcome.Retry) { RetryAfter = ex.Error.RetryAfter, Error = ex.Error.ToJobError(JobErrorCodes.ProviderUnavailable) }
                : new StoreVideoResult(StepOutcome.Failed) { Error = ex.Error.ToJobError(JobErrorCodes.ProviderRejected) };
        }
        catch (VideoTooLargeException ex)
        {
            // The same video would be as large the next time: not worth retrying.
            logger.LogWarning("Job {JobId}: the download passed the limit of {MaxBytes} bytes", input.JobId, ex.MaxBytes);
            return new StoreVideoResult(StepOutcome.Failed) { Error = new JobError(JobErrorCodes.VideoTooLarge, ex.Message) };
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The body broke off, stalled past the read timeout or came up short: the uncommitted blocks stay
            // invisible; try again.
            logger.LogWarning("Job {JobId}: the download broke off: {Reason}", input.JobId, ex.Message);
            return new StoreVideoResult(StepOutcome.Retry) { Error = new JobError(JobErrorCodes.StoreFailed, ex.Message) };
        }
        catch (InvalidOperationException ex)
        {
            return new StoreVideoResult(StepOutcome.Failed) { Error = new JobError(JobErrorCodes.StoreFailed, ex.Message) };
        }
        finally
        {
            if (content is not null)
            {
                await content.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Stores each asked-for rendition the provider offers, committed once like the video. A rendition is an extra:
    /// one that cannot be had is logged and left out, never failing the job.
    /// </summary>
    async Task<Dictionary<string, BlobLocation>> StoreRenditionsAsync(StoreVideoInput input, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, BlobLocation>(StringComparer.Ordinal);
        if (input.Renditions.Count == 0 || provider is not IVideoRenditions source)
        {
            return stored;
        }

        foreach (string name in input.Renditions.Where(r => source.RenditionNames.Contains(r) && Renditions.Known.ContainsKey(r)))
        {
            (string extension, string contentType) = Renditions.Known[name];
            string blobName = BlobNames.Beside(input.BlobName, extension);
            ProviderContent? content = null;
            try
            {
                BlobStoreResult result = await store.StoreAsync(
                    blobName,
                    new Dictionary<string, string> { [BlobMetadataKeys.JobId] = input.JobId, [BlobMetadataKeys.ProviderVideoId] = input.ProviderVideoId },
                    async ct =>
                    {
                        ProviderResult<ProviderContent> opened = await source.OpenRenditionAsync(input.ProviderVideoId, name, ct);
                        content = opened.IsSuccess ? opened.Value! : throw new ProviderException(opened.Error);
                        return (content.Stream, content.Length);
                    },
                    cancellationToken,
                    contentType);
                stored[name] = new BlobLocation(store.ContainerName, blobName, result.BlobUri.AbsoluteUri);
            }
            catch (Exception ex) when (ex is ProviderException or IOException or HttpRequestException or InvalidOperationException or Azure.RequestFailedException)
            {
                logger.LogWarning("Job {JobId}: the {Rendition} could not be stored ({Reason}); the video is stored without it", input.JobId, name, ex.Message);
            }
            finally
            {
                if (content is not null)
                {
                    await content.DisposeAsync();
                }
            }
        }

        return stored;
    }

    /// <summary>Deletes the provider job, best effort: a failure is logged, never thrown.</summary>
    /// <param name="jobId">The job, for its spans; null takes it from the enclosing Durable Task span.</param>
    public async Task<bool> DeleteAsync(string providerVideoId, string? jobId, CancellationToken cancellationToken)
    {
        using System.Diagnostics.Activity? span = PipelineTelemetry.StartActivity("delete", jobId);
        span?.SetTag("sora.provider_video_id", providerVideoId);
        try
        {
            ProviderResult<bool> result = await provider.DeleteAsync(providerVideoId, cancellationToken);
            PipelineTelemetry.ProviderCall("delete", Outcome(result.Error), result.Error?.StatusCode);
            if (result.IsSuccess)
            {
                return true;
            }

            logger.LogWarning("Deleting provider video {VideoId} failed (status {Status}, code {Code})", providerVideoId, result.Error.StatusCode, result.Error.Code);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Deleting provider video {VideoId} failed", providerVideoId);
            return false;
        }
    }

    static string Outcome(ProviderError? error) => error switch
    {
        null => "success",
        { StatusCode: 429 } => "throttled",
        { Transient: true } => "transient",
        _ => "rejected",
    };

    /// <summary>Records the job's provider video for webhooks; polling still works when this fails.</summary>
    async Task IndexAsync(string providerVideoId, string jobId, CancellationToken cancellationToken)
    {
        try
        {
            await index.RecordAsync(providerVideoId, jobId, cancellationToken);
        }
        catch (Azure.RequestFailedException ex)
        {
            logger.LogWarning("Job {JobId}: could not index provider video {VideoId} for webhooks ({Status} {Code}); the job relies on polling", jobId, providerVideoId, ex.Status, ex.ErrorCode);
        }
    }

    async Task NotifyAsync(StoredVideo video, CancellationToken cancellationToken)
    {
        try
        {
            await notifier.OnVideoStoredAsync(video, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The video is stored; a consumer's trouble must not fail the job.
            logger.LogError(ex, "Notifying consumers of {BlobName} failed", video.BlobName);
        }
    }
}
