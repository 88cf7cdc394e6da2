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
/// The create activity: safe to run twice without paying for a second video (see <see cref="CreateAsync"/>).
/// </summary>
public sealed partial class VideoJobActivities
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

    /// <summary>How long a submission waits for the provider to accept its create before it leaves the job to the orchestration.</summary>
    public static readonly TimeSpan SubmitCreateTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The create a submission sends itself (<see cref="PipelineOptions.CreateOnSubmit"/>), as the job's first attempt.
    /// The job id is new, so no earlier attempt can exist and nothing is read or recorded before sending; the
    /// orchestration is not started yet, so nothing can run this again. A create in doubt (a 5xx, a lost connection,
    /// no answer within <see cref="SubmitCreateTimeout"/>) comes back as a retry that may have reached the provider,
    /// and the orchestration looks for the video before it creates again. Never throws for the provider's trouble.
    /// </summary>
    public async Task<CreateVideoResult> CreateOnSubmitAsync(CreateVideoInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        using System.Diagnostics.Activity? span = PipelineTelemetry.StartActivity("create", input.JobId);
        using var timeout = new CancellationTokenSource(SubmitCreateTimeout, time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        ProviderResult<ProviderVideo> result;
        try
        {
            result = await SendCreateAsync(input, budget.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Job {JobId}: the submission's create got no answer ({Reason}); the job's orchestration looks for the video before creating again", input.JobId, ex.Message);
            span.Fail("no_answer");
            return new CreateVideoResult(StepOutcome.Retry)
            {
                MayHaveReachedProvider = true,
                Error = new JobError(JobErrorCodes.ProviderUnavailable, $"The provider did not answer the create: {ex.Message}"),
            };
        }

        PipelineTelemetry.ProviderCall("create", Outcome(result.Error), result.Error?.StatusCode);
        if (result.IsSuccess)
        {
            logger.LogInformation("Job {JobId}: provider video {VideoId} created on submission", input.JobId, result.Value!.Id);
            span?.SetTag("sora.provider_video_id", result.Value.Id);
            await IndexAsync(result.Value.Id, input.JobId, CancellationToken.None);
            return new CreateVideoResult(StepOutcome.Succeeded) { Video = result.Value, PollAfter = result.PollAfter, ObservedAt = time.GetUtcNow() };
        }

        span.Fail(result.Error.Code);
        return await RefusedAsync(input.JobId, result.Error, earlierInDoubt: false, cancellationToken);
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
            return new CreateVideoResult(StepOutcome.Succeeded) { Video = result.Value, PollAfter = result.PollAfter, ObservedAt = time.GetUtcNow() };
        }

        if (!result.Error.MayHaveReachedProvider && earlier is null)
        {
            // Known to have made nothing (a 400, 401 or 429): the next attempt need not look first. A row of a run cut
            // off earlier stays, as its create is still in doubt.
            await ForgetAsync(input.JobId, cancellationToken);
        }

        return await RefusedAsync(input.JobId, result.Error, earlier is not null, cancellationToken);
    }

    /// <summary>
    /// The outcome of a create the provider refused or did not answer: a retry for a transient error (slowing everyone's
    /// creates after a 429), a failure otherwise.
    /// </summary>
    /// <param name="earlierInDoubt">Whether a run cut off earlier may still have made a video, whatever this attempt was told.</param>
    async Task<CreateVideoResult> RefusedAsync(string jobId, ProviderError error, bool earlierInDoubt, CancellationToken cancellationToken)
    {
        logger.LogWarning("Job {JobId}: create failed (transient {Transient}, status {Status}, code {Code})", jobId, error.Transient, error.StatusCode, error.Code);
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
            : new CreateVideoResult(StepOutcome.Failed)
            {
                MayHaveReachedProvider = earlierInDoubt,
                Error = error.ToJobError(JobErrorCodes.ProviderRejected),
            };
    }

    /// <summary>
    /// Before creating when an earlier create may have made a video since <paramref name="since"/>: the answer when it
    /// is decided (the video found, a wait, or a refusal under <see cref="UncertainCreatePolicy.Fail"/>), null to create.
    /// </summary>
    async Task<CreateVideoResult?> LookUpAsync(CreateVideoInput input, DateTimeOffset since, CancellationToken cancellationToken)
    {
        if (provider is not IFindCreatedVideos finder)
        {
            return CannotLookUp(input, "which offers no way to look it up");
        }

        ProviderResult<ProviderVideo?> lookup = await finder.FindCreatedAsync(input.Spec, since, cancellationToken);
        PipelineTelemetry.ProviderCall("find", Outcome(lookup.Error), lookup.Error?.StatusCode);
        if (lookup.IsSuccess && lookup.Value is { } found)
        {
            if (await index.FindJobAsync(found.Id, cancellationToken) is { } owner && owner != input.JobId)
            {
                // Another job's video with the same prompt and parameters (a batch of variations, a resubmission): not
                // ours to adopt, and whether an earlier create of this job made one cannot be told.
                logger.LogWarning("Job {JobId}: the video found, {VideoId}, belongs to job {Owner}", input.JobId, found.Id, owner);
                return CannotLookUp(input, "where the matching video found belongs to another job");
            }

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
            // The list refused for good (no permission, not offered): as if the provider could not look videos up.
            logger.LogWarning("Job {JobId}: the provider cannot list videos ({Status})", input.JobId, lookup.Error.StatusCode);
            return CannotLookUp(input, "which refused to list videos");
        }

        return null;
    }

    /// <summary>
    /// When an earlier create may have made a video that cannot be looked up: a refusal under
    /// <see cref="UncertainCreatePolicy.Fail"/> (the default), null to create again under <see cref="UncertainCreatePolicy.Retry"/>.
    /// </summary>
    /// <param name="why">Why the video cannot be looked up, after the provider's name: "which offers no way to look it up".</param>
    CreateVideoResult? CannotLookUp(CreateVideoInput input, string why)
    {
        if (pipeline.Value.UncertainCreate != UncertainCreatePolicy.Fail)
        {
            return null;
        }

        logger.LogWarning("Job {JobId}: an earlier create may have reached {Provider}, {Why}; failing rather than paying twice", input.JobId, provider.Name, why);
        return new CreateVideoResult(StepOutcome.Failed)
        {
            // The video may exist (and be billed): the charge stays.
            MayHaveReachedProvider = true,
            Error = new JobError(
                JobErrorCodes.CreateUncertain,
                $"An earlier attempt to create the video got no answer and may have created a video at {provider.Name}, {why}; the job stopped instead of risking a second paid video. Check the provider's dashboard."),
        };
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
}
