using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using SoraFunctions.Activities;
using SoraFunctions.Catalog;
using SoraFunctions.Jobs;

namespace SoraFunctions.Orchestration;

/// <summary>
/// One video job: create the provider job, check its status on durable timers with an adaptive interval
/// (<see cref="PollingPolicy"/>), then stream the finished MP4 into Blob Storage. Deterministic: time comes from
/// the context, waits from durable timers, all I/O from activities; no video bytes pass through its state.
/// A <c>cancel</c> event ends the job as canceled (and deletes the provider job) at the next wait. Its steps live in
/// their own classes, each given the context: the waits (<see cref="JobWaits"/>), the brakes (<see cref="JobAdmission"/>),
/// the store (<see cref="JobStore"/>) and the endings (<see cref="JobEndings"/>). Not partial files: the Durable Task
/// analyzers crash on those (AD0001, "Syntax node is not within syntax tree").
/// </summary>
public sealed class VideoOrchestrator : TaskOrchestrator<VideoJobInput, VideoJobResult>
{
    public const string Name = nameof(VideoOrchestrator);

    /// <summary>The external event <c>DELETE /api/videos/{id}</c> raises.</summary>
    public const string CancelEvent = "cancel";

    /// <summary>The external event a provider webhook raises: check the provider now rather than at the next timer.</summary>
    public const string ProviderEvent = "provider-event";

    /// <summary>The event a finishing job sends the oldest waiting jobs: a provider slot is free, ask now.</summary>
    public const string SlotFreedEvent = "slot-freed";

    /// <summary>Retries for activities that threw (storage or host trouble); provider errors come back as outcomes.</summary>
    internal static readonly TaskOptions ActivityRetries = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 3,
        firstRetryInterval: TimeSpan.FromSeconds(2),
        backoffCoefficient: 2,
        maxRetryInterval: TimeSpan.FromSeconds(30)));

    public override async Task<VideoJobResult> RunAsync(TaskOrchestrationContext context, VideoJobInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var run = new Run(context, input);
        return await run.ExecuteAsync();
    }

    sealed class Run
    {
        readonly TaskOrchestrationContext context;
        readonly VideoJobInput input;
        readonly JobPacing pacing;
        readonly DurableSteps steps;
        readonly JobWaits waits;
        readonly JobAdmission admission;
        readonly JobEndings endings;
        readonly JobStore store;

        /// <summary>When the provider answered the create that made the video (<see cref="PollingPolicy.AnsweredAt"/>); null until then.</summary>
        DateTime? createAnsweredAt;

        public Run(TaskOrchestrationContext context, VideoJobInput input)
        {
            this.context = context;
            this.input = input;
            pacing = input.Pacing;
            steps = new DurableSteps(context, pacing.WholeSecondTimers);
            waits = new JobWaits(context, input.JobId, steps);
            admission = new JobAdmission(context, input, steps, waits.Cancel);
            endings = new JobEndings(context, input.JobId);
            store = new JobStore(context, input, steps, endings);
        }

        bool CancelRequested => waits.CancelRequested;

        public async Task<VideoJobResult> ExecuteAsync()
        {
            ILogger log = context.CreateReplaySafeLogger<VideoOrchestrator>();
            JobProgress? state = input.Progress;
            if (state is null)
            {
                DateTime startedAt = context.CurrentUtcDateTime;
                if (!context.IsReplaying && input.QueuedGenerations == 0 && input.SubmittedAt is { } submittedAt)
                {
                    Telemetry.PipelineTelemetry.JobStartDelay.Record(Math.Max(0, (startedAt - submittedAt.UtcDateTime).TotalSeconds));
                }

                SetStatus(JobStatus.Queued, null, null, 0, null, startedAt);
                if (CancelRequested && input.CreatedOnSubmit?.Video is null)
                {
                    // A video the submission made is deleted by the create step below; one it may have made is billed.
                    if (input.CreatedOnSubmit is not { MayHaveReachedProvider: true })
                    {
                        await admission.RefundAsync();
                    }

                    return endings.Canceled(null, 0);
                }

                // Without a cap or pacing there is nothing to wait for: no admission, and no slot to release later.
                bool? admitted = pacing.NeedsAdmission ? await admission.AdmitAsync(startedAt) : true;
                // A cancel that came while the job was admitted stops it here: its waiter would not outlive a ContinueAsNew,
                // and after the create it would cost a video made and deleted.
                // (A video the submission made is deleted by the create step instead.)
                bool canceledMeanwhile = CancelRequested && pacing.CancelBeforeCreate && input.CreatedOnSubmit?.Video is null;
                if (admitted is null && !canceledMeanwhile)
                {
                    context.ContinueAsNew(input with { QueuedGenerations = input.QueuedGenerations + 1 });
                    return null!;
                }

                if (admitted != true || canceledMeanwhile)
                {
                    // Canceled in the queue: give up the place (or a slot taken at the last moment) and the charge.
                    await admission.ReleaseSlotAsync();
                    await admission.RefundAsync();
                    return endings.Canceled(null, 0);
                }

                DateTime admittedAt = context.CurrentUtcDateTime;
                log.LogInformation("Job {JobId}: creating a {Seconds}s {Size} video with {Model}", input.JobId, input.Spec.Seconds, input.Spec.Size, input.Spec.Model);
                (ProviderVideo? video, VideoJobResult? ended, bool mayExist) = await CreateAsync(startedAt);
                if (ended is not null)
                {
                    await admission.ReleaseSlotAsync();
                    if (ended.ProviderVideoId is null && !mayExist)
                    {
                        await admission.RefundAsync();
                    }

                    return ended;
                }

                DateTime createdAt = createAnsweredAt ?? context.CurrentUtcDateTime;
                state = new JobProgress(
                    startedAt,
                    admittedAt + pacing.Timeout,
                    BlobNames.For(input.JobId, startedAt),
                    video!.Id,
                    createdAt,
                    0,
                    video.Progress,
                    video.Status)
                {
                    AdmittedAt = admittedAt,
                    ObservedAt = createdAt,
                    PreviousObservedAt = createdAt,
                };
            }

            VideoJobResult? result = await PollAsync(state);
            if (result is not null)
            {
                // Every ending frees the provider slot; a ContinueAsNew (null) keeps it for the next generation.
                await admission.ReleaseSlotAsync();
            }

            return result!;
        }

        /// <returns>The video, or how the job ended and whether an earlier attempt may still have made a (billed) video.</returns>
        async Task<(ProviderVideo? Video, VideoJobResult? Ended, bool MayExist)> CreateAsync(DateTime startedAt)
        {
            ILogger log = context.CreateReplaySafeLogger<VideoOrchestrator>();
            DateTime? lookupSince = null;
            for (int attempt = 1; ; attempt++)
            {
                DateTime attemptAt = context.CurrentUtcDateTime;
                CreateVideoResult result;
                if (attempt == 1 && input.CreatedOnSubmit is { } submitted)
                {
                    // The submission sent the first create itself (PipelineOptions.CreateOnSubmit) when it was charged.
                    (result, attemptAt) = (submitted, input.SubmittedAt?.UtcDateTime ?? attemptAt);
                }
                else
                {
                    result = await CallCreateAsync(lookupSince);
                }

                switch (result.Outcome)
                {
                    case StepOutcome.Succeeded:
                        if (CancelRequested)
                        {
                            await endings.DeleteProviderVideoAsync(result.Video!.Id);
                            return (null, endings.Canceled(result.Video.Id, 0), true);
                        }

                        createAnsweredAt = PollingPolicy.AnsweredAt(result.ObservedAt, attemptAt, context.CurrentUtcDateTime);
                        return (result.Video, null, true);

                    case StepOutcome.Failed:
                        // A video may exist when an earlier attempt may have reached the provider, as this one or the
                        // activity (a run cut off after sending, run again by the engine) knows.
                        return (null, endings.Failed(result.Error!, null, 0), lookupSince is not null || result.MayHaveReachedProvider);
                }

                if (result.MayHaveReachedProvider)
                {
                    lookupSince ??= attemptAt;
                }

                if (attempt >= pacing.CreateMaxAttempts)
                {
                    JobError last = result.Error ?? new JobError(JobErrorCodes.ProviderUnavailable, "The provider did not accept the job.");
                    return (null, endings.Failed(new JobError(JobErrorCodes.ProviderUnavailable, $"The provider did not accept the job after {attempt} attempts: {last.Message}"), null, 0), lookupSince is not null);
                }

                TimeSpan delay = PollingPolicy.NextDelay(
                    new PollSignal { RetryAfter = result.RetryAfter, ConsecutiveFailures = attempt },
                    pacing.MinPollInterval,
                    pacing.MaxPollInterval);
                log.LogWarning("Job {JobId}: create attempt {Attempt} failed ({Code}); next attempt in {Delay}", input.JobId, attempt, result.Error?.Code, delay);
                SetStatus(JobStatus.Queued, null, null, 0, context.CurrentUtcDateTime + delay, startedAt);
                if (!await waits.WaitAsync(context.CurrentUtcDateTime + delay))
                {
                    return (null, endings.Canceled(null, 0), lookupSince is not null);
                }
            }
        }

        /// <summary>One run of the create activity; an activity that threw counts as a create that may have reached the provider.</summary>
        async Task<CreateVideoResult> CallCreateAsync(DateTime? lookupSince)
        {
            try
            {
                // No automatic retry here: a repeated create could pay for a second video.
                return await steps.CallAsync<CreateVideoResult>(
                    ActivityNames.CreateVideo,
                    new CreateVideoInput(input.JobId, input.Spec, lookupSince) { RemixOfVideoId = input.RemixOf?.ProviderVideoId, InputImageBlob = input.InputImageBlob },
                    null);
            }
            catch (TaskFailedException ex)
            {
                return new CreateVideoResult(StepOutcome.Retry)
                {
                    MayHaveReachedProvider = true,
                    Error = new JobError(JobErrorCodes.Internal, ex.FailureDetails.ErrorMessage),
                };
            }
        }

        /// <returns>How the job ended, or null after <c>ContinueAsNew</c>.</returns>
        async Task<VideoJobResult?> PollAsync(JobProgress state)
        {
            ILogger log = context.CreateReplaySafeLogger<VideoOrchestrator>();
            int checksThisGeneration = 0;
            int failures = state.ConsecutiveFailures;
            TimeSpan? retryAfter = state.RetryAfter;
            TimeSpan? pollAfter = state.PollAfter;

            while (true)
            {
                DateTime now = context.CurrentUtcDateTime;
                if (now >= state.Deadline)
                {
                    log.LogWarning("Job {JobId}: no result after {Timeout}; giving up", input.JobId, pacing.Timeout);
                    await endings.DeleteProviderVideoAsync(state.ProviderVideoId);
                    return endings.Failed(new JobError(JobErrorCodes.Timeout, $"The provider did not finish the video within {pacing.Timeout}."), state.ProviderVideoId, state.Checks);
                }

                var signal = new PollSignal
                {
                    SinceCreated = now - state.ProviderCreatedAt,
                    Progress = state.ProgressPercent,
                    PreviousProgress = state.PreviousProgress,
                    SincePreviousCheck = state.ObservedAt - state.PreviousObservedAt,
                    ProviderPollAfter = pollAfter,
                    RetryAfter = retryAfter,
                    ConsecutiveFailures = failures,
                };
                TimeSpan delay = PollingPolicy.NextDelay(signal, pacing.MinPollInterval, pacing.MaxPollInterval);
                DateTime? aimedAt = null;
                if (pacing.AimAtEnd && !state.LastCheckAimed && PollingPolicy.Aim(signal, state.ObservedAt, now, pacing.MinPollInterval, state.Deadline) is { } aim)
                {
                    // The render should end within two minimum intervals of when the provider last answered: check just
                    // past that end. The timer is due earlier and the activity waits out the rest, so the engine's timer
                    // lateness does not delay the check (nor, when the answer reached the orchestration late, that lag).
                    (aimedAt, delay) = (aim.CheckAt, aim.TimerDelay);
                }
                else if (pacing.WholeSecondTimers)
                {
                    delay = PollingPolicy.WholeSeconds(delay, pacing.MinPollInterval, retryAfter is not null);
                }

                DateTime fireAt = now + delay < state.Deadline ? now + delay : state.Deadline;
                SetStatus(Public(state.Status), state.ProgressPercent, state.ProviderVideoId, state.Checks, aimedAt ?? fireAt, state.StartedAt);
                if (fireAt > now ? !await waits.WaitAsync(fireAt) : CancelRequested)
                {
                    await endings.DeleteProviderVideoAsync(state.ProviderVideoId);
                    return endings.Canceled(state.ProviderVideoId, state.Checks);
                }

                if (context.CurrentUtcDateTime >= state.Deadline)
                {
                    continue;
                }

                GetVideoResult result;
                DateTime checkedFrom = context.CurrentUtcDateTime;
                JsonElement? wokenWith = waits.TakeWokenWith();
                NoticedVideo? noticed = wokenWith is { } payload ? EventPayloads.Noticed(payload, state.ProviderVideoId) : null;
                // A provider event says the video changed: check now, whatever the check was aimed at.
                DateTime? notBefore = wokenWith is null ? aimedAt : null;
                if (noticed is not null)
                {
                    // Whoever noticed the end (the status sweep's list, a webhook's check) read the ended video a moment
                    // ago, and stored it when it could (PipelineOptions.StoreOnNotice): no status call, and no store
                    // either when the result is this job's own blob.
                    result = new GetVideoResult(StepOutcome.Succeeded)
                    {
                        Video = noticed.Video,
                        ObservedAt = noticed.ObservedAt,
                        Stored = noticed.Stored is { Outcome: StepOutcome.Succeeded, Blob: { } blob } stored && blob.Name == state.BlobName ? stored : null,
                    };
                    state = state with { Checks = state.Checks + (noticed.ObservedAt is null ? 0 : 1) + Math.Max(0, noticed.EarlierChecks) };
                }
                else
                {
                    try
                    {
                        // A check that finds the video completed stores it in the same activity: one episode fewer.
                        var check = new GetVideoInput(state.ProviderVideoId)
                        {
                            StoreIfCompleted = StoreInputs.For(input, state),
                            NotBefore = notBefore,
                            LastReading = pacing.AimAtEnd ? new ProgressReading(state.ProgressPercent ?? 0, state.ObservedAt) : null,
                        };
                        result = await steps.CallAsync<GetVideoResult>(ActivityNames.GetVideo, check, ActivityRetries);
                    }
                    catch (TaskFailedException ex)
                    {
                        // The activity kept throwing (host or network trouble): a transient failure like any other.
                        result = new GetVideoResult(StepOutcome.Retry) { Error = new JobError(JobErrorCodes.Internal, ex.FailureDetails.ErrorMessage) };
                    }

                    state = state with { Checks = state.Checks + (result.Rechecked ? 2 : 1), LastCheckAimed = notBefore is not null };
                    checksThisGeneration++;
                }

                if (result.Outcome == StepOutcome.Retry)
                {
                    // Transient trouble while checking never fails the job; the deadline bounds it.
                    failures++;
                    retryAfter = result.RetryAfter;
                    log.LogWarning("Job {JobId}: status check failed ({Code}), will retry", input.JobId, result.Error?.Code);
                }
                else if (result.Outcome == StepOutcome.Failed)
                {
                    return endings.Failed(result.Error!, state.ProviderVideoId, state.Checks);
                }
                else
                {
                    failures = 0;
                    retryAfter = null;
                    pollAfter = result.PollAfter;
                    ProviderVideo video = result.Video!;
                    state = state with
                    {
                        Status = video.Status,
                        ProgressPercent = video.Progress ?? state.ProgressPercent,
                        PreviousProgress = state.ProgressPercent ?? 0,
                        PreviousObservedAt = state.ObservedAt,
                        ObservedAt = PollingPolicy.AnsweredAt(result.ObservedAt, checkedFrom, context.CurrentUtcDateTime),
                    };
                    switch (video.Status)
                    {
                        case ProviderStatus.Completed:
                            log.LogInformation("Job {JobId}: provider finished after {Checks} checks; storing", input.JobId, state.Checks);
                            return await store.StoreAsync(state, video, result.Stored);
                        case ProviderStatus.Failed:
                            return endings.Failed(video.Error ?? new JobError(JobErrorCodes.ProviderRejected, "The provider failed the video without a reason."), state.ProviderVideoId, state.Checks);
                        case ProviderStatus.Cancelled:
                            return endings.Failed(new JobError(JobErrorCodes.ProviderCanceled, "The provider canceled the video."), state.ProviderVideoId, state.Checks);
                        case ProviderStatus.Expired:
                            return endings.Failed(new JobError(JobErrorCodes.Expired, "The provider expired the video before it could be stored."), state.ProviderVideoId, state.Checks);
                    }
                }

                if (checksThisGeneration >= pacing.ChecksPerGeneration && !waits.EventWaiting)
                {
                    // Keep the history small however long the render takes. Not while a cancel or provider event has
                    // arrived: its waiter belongs to this generation, so the next would never see it; the next wait
                    // handles it at once instead.
                    context.ContinueAsNew(input with { Progress = state with { ConsecutiveFailures = failures, RetryAfter = retryAfter, PollAfter = pollAfter } });
                    return null;
                }
            }
        }

        void SetStatus(string status, int? progress, string? providerVideoId, int checks, DateTime? nextCheckAt, DateTime startedAt) =>
            context.SetCustomStatus(new JobCustomStatus(status, progress, providerVideoId, checks, nextCheckAt, startedAt));

        static string Public(string providerStatus) => providerStatus == ProviderStatus.Queued ? JobStatus.Queued : JobStatus.InProgress;
    }
}
