using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Catalog;
using SoraFunctions.Configuration;
using SoraFunctions.Jobs;
using SoraFunctions.Limits;
using SoraFunctions.Providers;
using SoraFunctions.Storage;
using SoraFunctions.Telemetry;

namespace SoraFunctions.Activities;

/// <summary>
/// The work behind the orchestration's activities, shared by both hosts (the Functions app calls it from
/// <c>[Function]</c> adapters, the local host from <c>TaskActivity</c> classes). Provider errors come back as
/// outcomes the orchestrator decides on; every method is safe to run twice.
/// </summary>
public sealed class VideoJobActivities(
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
    /// <summary>How long everyone's creates pause after a provider 429 that named no wait.</summary>
    static readonly TimeSpan DefaultBackOff = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Creates the provider job. When an earlier attempt may have reached the provider (a 5xx, a timeout or a
    /// lost connection after sending), it first looks for the video that attempt may have made, so that a
    /// retry never pays for a second video; a provider that cannot look videos up follows
    /// <see cref="PipelineOptions.UncertainCreate"/>. Safe to run twice: a row in <see cref="ICreateAttempts"/>,
    /// written before the create is sent and marked with the video once it is known, tells a run of the same
    /// activity again (the host died mid-create, and the engine delivers the activity again without
    /// <see cref="CreateVideoInput.LookupSince"/>) to answer with that video or to look for it first.
    /// </summary>
    public async Task<CreateVideoResult> CreateAsync(CreateVideoInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        using System.Diagnostics.Activity? span = PipelineTelemetry.StartActivity("create", input.JobId);
        CreateVideoResult outcome = await CreateCoreAsync(input, cancellationToken);
        if (outcome.Outcome != StepOutcome.Succeeded)
        {
            span.Fail(outcome.Error?.Code);
        }

        span?.SetTag("sora.provider_video_id", outcome.Video?.Id);
        return outcome;
    }

    async Task<CreateVideoResult> CreateCoreAsync(CreateVideoInput input, CancellationToken cancellationToken)
    {
        string spec = CreateAttempts.Fingerprint(input.Spec, input.RemixOfVideoId, input.InputImageBlob);

        // What earlier runs of this job's create left. Storage trouble here fails the activity (the orchestrator then
        // tries again, with a lookup) rather than creating without knowing.
        CreateAttempt? earlier = await attempts.FindAsync(input.JobId, cancellationToken);
        if (earlier is not null && !string.Equals(earlier.Spec, spec, StringComparison.Ordinal))
        {
            logger.LogWarning("Job {JobId}: ignoring the create record of an earlier job under the same id", input.JobId);
            earlier = null;
        }

        if (earlier is { VideoId: { } made })
        {
            // The orchestrator never creates again after a create succeeded: this is that create run again by the
            // engine, because its answer was lost with the host.
            CreateVideoResult? again = await ReadoptAsync(input, made, cancellationToken);
            if (again is not null)
            {
                return again;
            }

            earlier = null;
        }

        DateTimeOffset? since = Earliest(input.LookupSince, earlier?.StartedAt);
        if (since is { } from)
        {
            if (earlier is not null)
            {
                logger.LogWarning("Job {JobId}: an earlier run of this create was cut off after sending at {StartedAt}; looking for the video it may have made", input.JobId, earlier.StartedAt);
            }

            CreateVideoResult? decided = await LookUpAsync(input, from, cancellationToken);
            if (decided is not null)
            {
                if (decided.Outcome == StepOutcome.Succeeded)
                {
                    await MarkDoneAsync(input.JobId, new CreateAttempt(earlier?.StartedAt ?? from, spec, decided.Video!.Id), cancellationToken);
                }

                return decided;
            }
        }

        // Recorded before sending, so that a run cut off from here on leaves its trace for the run after it. A failure
        // to record throws: creating unprotected could pay twice.
        CreateAttempt pending = earlier ?? new CreateAttempt(time.GetUtcNow(), spec, null);
        if (earlier is null)
        {
            await attempts.SaveAsync(input.JobId, pending, cancellationToken);
        }

        ProviderResult<ProviderVideo> result = await SendCreateAsync(input, cancellationToken);
        PipelineTelemetry.ProviderCall("create", Outcome(result.Error), result.Error?.StatusCode);
        if (result.IsSuccess)
        {
            logger.LogInformation("Job {JobId}: provider video {VideoId} created", input.JobId, result.Value!.Id);
            await IndexAsync(result.Value.Id, input.JobId, cancellationToken);
            await MarkDoneAsync(input.JobId, pending with { VideoId = result.Value.Id }, cancellationToken);
            return new CreateVideoResult(StepOutcome.Succeeded) { Video = result.Value, PollAfter = result.PollAfter };
        }

        ProviderError error = result.Error;
        logger.LogWarning("Job {JobId}: create failed (transient {Transient}, status {Status}, code {Code})", input.JobId, error.Transient, error.StatusCode, error.Code);
        if (!error.MayHaveReachedProvider && earlier is null)
        {
            // Known to have made nothing (a 400, 401 or 429): the next attempt need not look first. A row of a run cut
            // off earlier stays, as its create is still in doubt.
            await ForgetAsync(input.JobId, cancellationToken);
        }

        if (error.StatusCode == 429)
        {
            // The provider's limit is everyone's: slow every job's creates down, not just this one's.
            await pacer.BackOffAsync(time.GetUtcNow() + (error.RetryAfter ?? DefaultBackOff), cancellationToken);
        }

        return error.Transient
            ? new CreateVideoResult(StepOutcome.Retry)
            {
                RetryAfter = error.RetryAfter,
                MayHaveReachedProvider = error.MayHaveReachedProvider,
                RateLimited = error.StatusCode == 429,
                Error = error.ToJobError(JobErrorCodes.ProviderUnavailable),
            }
            : new CreateVideoResult(StepOutcome.Failed) { Error = error.ToJobError(JobErrorCodes.ProviderRejected) };
    }

    /// <summary>
    /// Before creating when an earlier create may have made a video since <paramref name="since"/>: the answer when it
    /// is decided (the video found, a wait, or a refusal under <see cref="UncertainCreatePolicy.Fail"/>), null to create.
    /// </summary>
    async Task<CreateVideoResult?> LookUpAsync(CreateVideoInput input, DateTimeOffset since, CancellationToken cancellationToken)
    {
        if (provider is not IFindCreatedVideos finder)
        {
            if (pipeline.Value.UncertainCreate == UncertainCreatePolicy.Fail)
            {
                logger.LogWarning("Job {JobId}: an earlier create may have reached {Provider}, which cannot look it up; failing rather than paying twice", input.JobId, provider.Name);
                return new CreateVideoResult(StepOutcome.Failed)
                {
                    Error = new JobError(
                        JobErrorCodes.CreateUncertain,
                        $"An earlier attempt to create the video got no answer and may have created a video at {provider.Name}, which offers no way to look it up; the job stopped instead of risking a second paid video. Check the provider's dashboard."),
                };
            }

            return null;
        }

        ProviderResult<ProviderVideo?> lookup = await finder.FindCreatedAsync(input.Spec, since, cancellationToken);
        PipelineTelemetry.ProviderCall("find", Outcome(lookup.Error), lookup.Error?.StatusCode);
        if (lookup.IsSuccess && lookup.Value is { } found)
        {
            logger.LogWarning("Job {JobId}: adopting provider video {VideoId} that an earlier, unanswered create made", input.JobId, found.Id);
            await IndexAsync(found.Id, input.JobId, cancellationToken);
            return new CreateVideoResult(StepOutcome.Succeeded) { Video = found, Adopted = true };
        }

        if (lookup.Error is { Transient: true } listError)
        {
            // Not knowing whether the video exists, do not create another one yet.
            return new CreateVideoResult(StepOutcome.Retry)
            {
                MayHaveReachedProvider = true,
                RetryAfter = listError.RetryAfter,
                Error = listError.ToJobError(JobErrorCodes.ProviderUnavailable),
            };
        }

        if (lookup.Error is not null)
        {
            logger.LogWarning("Job {JobId}: the provider cannot list videos ({Status}); creating without the lookup", input.JobId, lookup.Error.StatusCode);
        }

        return null;
    }

    /// <summary>
    /// The answer of a create run again after it made <paramref name="videoId"/>: that video (as the provider shows it
    /// now, or as just queued when the provider cannot say), or null when the provider no longer knows it (a stale
    /// row: create afresh).
    /// </summary>
    async Task<CreateVideoResult?> ReadoptAsync(CreateVideoInput input, string videoId, CancellationToken cancellationToken)
    {
        ProviderResult<ProviderVideo> current = await provider.GetAsync(videoId, cancellationToken);
        PipelineTelemetry.ProviderCall("get", Outcome(current.Error), current.Error?.StatusCode);
        if (current.IsSuccess)
        {
            logger.LogWarning("Job {JobId}: an earlier run of this create made provider video {VideoId} and its answer was lost; answering with it", input.JobId, videoId);
            await IndexAsync(videoId, input.JobId, cancellationToken);
            return new CreateVideoResult(StepOutcome.Succeeded) { Video = current.Value, Adopted = true };
        }

        if (current.Error.Transient)
        {
            // The video is ours whatever the provider answers now; the status checks that follow learn its state
            // (a retry here would spend the job's create attempts on a provider's bad minute).
            logger.LogWarning("Job {JobId}: an earlier run of this create made provider video {VideoId} and its answer was lost; answering with it unread ({Status})", input.JobId, videoId, current.Error.StatusCode);
            await IndexAsync(videoId, input.JobId, cancellationToken);
            return new CreateVideoResult(StepOutcome.Succeeded) { Video = new ProviderVideo(videoId, ProviderStatus.Queued, null, null, null, null, null), Adopted = true };
        }

        logger.LogWarning("Job {JobId}: provider video {VideoId} of an earlier create is unknown to the provider ({Status}); creating afresh", input.JobId, videoId, current.Error.StatusCode);
        return null;
    }

    /// <summary>The earlier of the orchestrator's lookup time and the start of a create cut off mid-call.</summary>
    static DateTimeOffset? Earliest(DateTime? lookupSince, DateTimeOffset? cutOffAt)
    {
        DateTimeOffset? fromInput = lookupSince is { } since ? new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)) : null;
        return fromInput is { } a && cutOffAt is { } b ? (a < b ? a : b) : fromInput ?? cutOffAt;
    }

    /// <summary>Records the job's video, best effort: without it a run again only looks the video up.</summary>
    async Task MarkDoneAsync(string jobId, CreateAttempt done, CancellationToken cancellationToken)
    {
        try
        {
            await attempts.SaveAsync(jobId, done, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Job {JobId}: could not record that provider video {VideoId} is the job's ({Reason}); a run again looks it up", jobId, done.VideoId, ex.Message);
        }
    }

    /// <summary>Forgets the job's create record, best effort: a row left behind only costs the next attempt a lookup.</summary>
    async Task ForgetAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            await attempts.ClearAsync(jobId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Job {JobId}: could not clear its create record ({Reason}); the next attempt looks first", jobId, ex.Message);
        }
    }

    /// <summary>A plain create, a remix or an image-to-video create, as the input asks and the provider can.</summary>
    async Task<ProviderResult<ProviderVideo>> SendCreateAsync(CreateVideoInput input, CancellationToken cancellationToken)
    {
        if (input.RemixOfVideoId is { } source)
        {
            return provider is IRemixVideos remixer
                ? await remixer.RemixAsync(source, input.Spec.Prompt, cancellationToken)
                : Unsupported("remix");
        }

        if (input.InputImageBlob is { } imageBlob)
        {
            if (provider is not IImageToVideo animator)
            {
                return Unsupported("image input");
            }

            (Stream Content, string ContentType)? image = await images.OpenAsync(imageBlob, cancellationToken);
            if (image is not { } opened)
            {
                return ProviderResult<ProviderVideo>.Failure(new ProviderError { Transient = false, Code = "input_missing", Message = $"The input image {imageBlob} is gone." });
            }

            await using (opened.Content)
            {
                return await animator.CreateFromImageAsync(input.Spec, new ProviderImage(opened.Content, opened.ContentType, imageBlob), cancellationToken);
            }
        }

        return await provider.CreateAsync(input.Spec, cancellationToken);
    }

    ProviderResult<ProviderVideo> Unsupported(string capability) =>
        ProviderResult<ProviderVideo>.Failure(new ProviderError { Transient = false, Code = "unsupported", Message = $"{provider.Name} offers no {capability}." });

    /// <summary>Reads the provider's view of a video.</summary>
    /// <param name="jobId">The job, for its spans; null takes it from the enclosing Durable Task span.</param>
    public async Task<GetVideoResult> GetAsync(string providerVideoId, string? jobId, CancellationToken cancellationToken)
    {
        using System.Diagnostics.Activity? span = PipelineTelemetry.StartActivity("get", jobId);
        span?.SetTag("sora.provider_video_id", providerVideoId);
        ProviderResult<ProviderVideo> result = await provider.GetAsync(providerVideoId, cancellationToken);
        PipelineTelemetry.ProviderCall("get", Outcome(result.Error), result.Error?.StatusCode);
        if (result.IsSuccess)
        {
            span?.SetTag("sora.progress", result.Value!.Progress);
            return new GetVideoResult(StepOutcome.Succeeded) { Video = result.Value, PollAfter = result.PollAfter };
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
