using Microsoft.Extensions.Logging;
using SoraFunctions.Jobs;
using SoraFunctions.Provider;
using SoraFunctions.Storage;

namespace SoraFunctions.Activities;

/// <summary>
/// The work behind the orchestration's activities, shared by both hosts (the Functions app calls it from
/// <c>[Function]</c> adapters, the local host from <c>TaskActivity</c> classes). Provider errors come back as
/// outcomes the orchestrator decides on; every method is safe to run twice.
/// </summary>
public sealed class VideoJobActivities
{
    /// <summary>How far back from <see cref="CreateVideoInput.LookupSince"/> the lookup reaches, for clock skew.</summary>
    static readonly TimeSpan LookupSkew = TimeSpan.FromMinutes(2);

    /// <summary>The most videos the lookup reads from the provider's list.</summary>
    const int LookupLimit = 300;

    readonly ISoraClient sora;
    readonly VideoBlobStore store;
    readonly ProviderVideoIndex index;
    readonly IVideoStoredNotifier notifier;
    readonly ILogger<VideoJobActivities> logger;

    public VideoJobActivities(ISoraClient sora, VideoBlobStore store, ProviderVideoIndex index, IVideoStoredNotifier notifier, ILogger<VideoJobActivities> logger)
    {
        this.sora = sora;
        this.store = store;
        this.index = index;
        this.notifier = notifier;
        this.logger = logger;
    }

    /// <summary>
    /// Creates the provider job. When an earlier attempt may have reached the provider (a 5xx, a timeout or a
    /// lost connection after sending), it first looks for the video that attempt may have made, so that a
    /// retry never pays for a second video.
    /// </summary>
    public async Task<CreateVideoResult> CreateAsync(CreateVideoInput input, CancellationToken cancellationToken)
    {
        if (input.LookupSince is { } since)
        {
            LookupResult lookup = await FindExistingAsync(input.Spec, since, cancellationToken);
            if (lookup.Video is not null)
            {
                logger.LogWarning("Job {JobId}: adopting provider video {VideoId} that an earlier, unanswered create made", input.JobId, lookup.Video.Id);
                await IndexAsync(lookup.Video.Id, input.JobId, cancellationToken);
                return new CreateVideoResult(StepOutcome.Succeeded) { Video = ToProviderVideo(lookup.Video), Adopted = true };
            }

            if (lookup.Error is { Kind: SoraErrorKind.Transient } listError)
            {
                // Not knowing whether the video exists, do not create another one yet.
                return new CreateVideoResult(StepOutcome.Retry)
                {
                    MayHaveReachedProvider = true,
                    RetryAfter = listError.RetryAfter,
                    Error = ToJobError(listError, JobErrorCodes.ProviderUnavailable),
                };
            }

            if (lookup.Error is not null)
            {
                logger.LogWarning("Job {JobId}: the provider cannot list videos ({Status}); creating without the lookup", input.JobId, lookup.Error.StatusCode);
            }
        }

        var request = new SoraCreateRequest(input.Spec.Prompt, input.Spec.Model, input.Spec.Seconds, input.Spec.Size);
        SoraResult<SoraVideo> result = await sora.CreateVideoAsync(request, cancellationToken);
        if (result.IsSuccess)
        {
            logger.LogInformation("Job {JobId}: provider video {VideoId} created", input.JobId, result.Value!.Id);
            await IndexAsync(result.Value.Id, input.JobId, cancellationToken);
            return new CreateVideoResult(StepOutcome.Succeeded) { Video = ToProviderVideo(result.Value), PollAfter = result.PollAfter };
        }

        SoraError error = result.Error!;
        logger.LogWarning("Job {JobId}: create failed ({Kind}, status {Status}, code {Code})", input.JobId, error.Kind, error.StatusCode, error.Code);
        return error.Kind == SoraErrorKind.Transient
            ? new CreateVideoResult(StepOutcome.Retry)
            {
                RetryAfter = error.RetryAfter,
                MayHaveReachedProvider = error.MayHaveReachedProvider,
                Error = ToJobError(error, JobErrorCodes.ProviderUnavailable),
            }
            : new CreateVideoResult(StepOutcome.Failed) { Error = ToJobError(error, JobErrorCodes.ProviderRejected) };
    }

    /// <summary>Reads the provider's view of a video.</summary>
    public async Task<GetVideoResult> GetAsync(string providerVideoId, CancellationToken cancellationToken)
    {
        SoraResult<SoraVideo> result = await sora.GetVideoAsync(providerVideoId, cancellationToken);
        if (result.IsSuccess)
        {
            return new GetVideoResult(StepOutcome.Succeeded) { Video = ToProviderVideo(result.Value!), PollAfter = result.PollAfter };
        }

        SoraError error = result.Error!;
        return error.Kind == SoraErrorKind.Transient
            ? new GetVideoResult(StepOutcome.Retry) { RetryAfter = error.RetryAfter, Error = ToJobError(error, JobErrorCodes.ProviderUnavailable) }
            : new GetVideoResult(StepOutcome.Failed) { Error = ToJobError(error, JobErrorCodes.ProviderRejected) };
    }

    /// <summary>Streams the finished video from the provider into its blob, committing at most once.</summary>
    public async Task<StoreVideoResult> StoreAsync(StoreVideoInput input, CancellationToken cancellationToken)
    {
        var metadata = new Dictionary<string, string>
        {
            [BlobMetadataKeys.JobId] = input.JobId,
            [BlobMetadataKeys.ProviderVideoId] = input.ProviderVideoId,
            [BlobMetadataKeys.Model] = input.Spec.Model,
            [BlobMetadataKeys.Seconds] = input.Spec.Seconds,
            [BlobMetadataKeys.Size] = input.Spec.Size,
        };

        SoraContent? content = null;
        try
        {
            BlobStoreResult stored = await store.StoreAsync(
                input.BlobName,
                metadata,
                async ct =>
                {
                    SoraResult<SoraContent> download = await sora.DownloadContentAsync(input.ProviderVideoId, SoraVariant.Video, ct);
                    if (!download.IsSuccess)
                    {
                        throw new SoraException(download.Error!);
                    }

                    content = download.Value!;
                    return (content.Stream, content.ContentLength);
                },
                cancellationToken);

            var location = new BlobLocation(store.ContainerName, input.BlobName, stored.BlobUri.AbsoluteUri);
            if (!stored.AlreadyStored)
            {
                await NotifyAsync(new StoredVideo(input.JobId, store.ContainerName, input.BlobName, stored.BlobUri, stored.Bytes), cancellationToken);
            }

            return new StoreVideoResult(StepOutcome.Succeeded) { Blob = location, Bytes = stored.Bytes, AlreadyStored = stored.AlreadyStored };
        }
        catch (SoraException ex)
        {
            logger.LogWarning("Job {JobId}: download failed ({Kind}, status {Status}, code {Code})", input.JobId, ex.Error.Kind, ex.Error.StatusCode, ex.Error.Code);
            return ex.Error.Kind == SoraErrorKind.Transient
                ? new StoreVideoResult(StepOutcome.Retry) { RetryAfter = ex.Error.RetryAfter, Error = ToJobError(ex.Error, JobErrorCodes.ProviderUnavailable) }
                : new StoreVideoResult(StepOutcome.Failed) { Error = ToJobError(ex.Error, JobErrorCodes.ProviderRejected) };
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

    /// <summary>Deletes the provider job, best effort: a failure is logged, never thrown.</summary>
    public async Task<bool> DeleteAsync(string providerVideoId, CancellationToken cancellationToken)
    {
        try
        {
            SoraResult<SoraDeleted> result = await sora.DeleteVideoAsync(providerVideoId, cancellationToken);
            if (result.IsSuccess || result.Error?.StatusCode == 404)
            {
                return true;
            }

            logger.LogWarning("Deleting provider video {VideoId} failed (status {Status}, code {Code})", providerVideoId, result.Error?.StatusCode, result.Error?.Code);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Deleting provider video {VideoId} failed", providerVideoId);
            return false;
        }
    }

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

    async Task<LookupResult> FindExistingAsync(VideoSpec spec, DateTime since, CancellationToken cancellationToken)
    {
        DateTimeOffset cutoff = new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)) - LookupSkew;
        int seen = 0;
        try
        {
            await foreach (SoraVideo video in sora.ListAllVideosAsync(SoraListOrder.Desc, 100, cancellationToken))
            {
                if (video.CreatedAt is { } created && created < cutoff)
                {
                    break;
                }

                if (video.Prompt == spec.Prompt
                    && string.Equals(video.Model, spec.Model, StringComparison.OrdinalIgnoreCase)
                    && (video.Size is null || video.Size == spec.Size)
                    && (video.Seconds is null || video.Seconds == spec.Seconds)
                    && video.Status is not (SoraVideoStatus.Failed or SoraVideoStatus.Cancelled or SoraVideoStatus.Expired))
                {
                    return new LookupResult(video, null);
                }

                if (++seen >= LookupLimit)
                {
                    break;
                }
            }

            return new LookupResult(null, null);
        }
        catch (SoraException ex)
        {
            return new LookupResult(null, ex.Error);
        }
    }

    internal static ProviderVideo ToProviderVideo(SoraVideo video) => new(
        video.Id,
        video.Status switch
        {
            SoraVideoStatus.Queued => ProviderStatus.Queued,
            SoraVideoStatus.InProgress => ProviderStatus.InProgress,
            SoraVideoStatus.Completed => ProviderStatus.Completed,
            SoraVideoStatus.Failed => ProviderStatus.Failed,
            SoraVideoStatus.Cancelled => ProviderStatus.Cancelled,
            SoraVideoStatus.Expired => ProviderStatus.Expired,
            _ => ProviderStatus.Unknown,
        },
        video.Progress,
        video.CreatedAt?.UtcDateTime,
        video.CompletedAt?.UtcDateTime,
        video.ExpiresAt?.UtcDateTime,
        video.Error is { } e ? new JobError(e.Code ?? JobErrorCodes.ProviderRejected, e.Message ?? "The provider reported a failure without a message.") : null);

    internal static JobError ToJobError(SoraError error, string fallbackCode)
    {
        string status = error.StatusCode is { } s ? $"HTTP {s}" : "no response";
        return new JobError(error.Code ?? fallbackCode, $"{error.Message} ({status})");
    }

    sealed record LookupResult(SoraVideo? Video, SoraError? Error);
}
