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
/// A <c>cancel</c> event ends the job as canceled (and deletes the provider job) at the next wait.
/// Kept in one file on purpose: the Durable Task analyzers crash (AD0001, "Syntax node is not within syntax tree") when
/// an orchestrator's methods are split across partial files.
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

    /// <summary>Tries for a slot in one generation before <c>ContinueAsNew</c>, so a long wait keeps the history small.</summary>
    const int AdmissionTriesPerGeneration = 40;

    /// <summary>How long a slot outlives the job's timeout before it counts as abandoned (a terminated or purged job).</summary>
    static readonly TimeSpan SlotLeaseMargin = TimeSpan.FromMinutes(15);

    /// <summary>Retries for activities that threw (storage or host trouble); provider errors come back as outcomes.</summary>
    static readonly TaskOptions ActivityRetries = TaskOptions.FromRetryPolicy(new RetryPolicy(
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
        readonly Task<string?> cancel;
        Task<JsonElement> providerEvent;

        /// <summary>When the provider answered the create that made the video (<see cref="PollingPolicy.AnsweredAt"/>); null until then.</summary>
        DateTime? createAnsweredAt;

        /// <summary>What the last provider event carried (the ended video, perhaps stored: <see cref="NoticedVideo"/>), until a check uses it.</summary>
        JsonElement? wokenWith;
        Task<string?> slotFreed;

        public Run(TaskOrchestrationContext context, VideoJobInput input)
        {
            this.context = context;
            this.input = input;
            pacing = input.Pacing;
            steps = new DurableSteps(context, pacing.WholeSecondTimers);
            cancel = context.WaitForExternalEvent<string?>(CancelEvent);
            providerEvent = context.WaitForExternalEvent<JsonElement>(ProviderEvent);
            slotFreed = context.WaitForExternalEvent<string?>(SlotFreedEvent);
        }

        bool CancelRequested => cancel.IsCompleted;

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
                        await RefundAsync();
                    }

                    return Canceled(null, 0);
                }

                // Without a cap or pacing there is nothing to wait for: no admission, and no slot to release later.
                bool? admitted = pacing.NeedsAdmission ? await AdmitAsync(startedAt) : true;
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
                    await ReleaseSlotAsync();
                    await RefundAsync();
                    return Canceled(null, 0);
                }

                DateTime admittedAt = context.CurrentUtcDateTime;
                log.LogInformation("Job {JobId}: creating a {Seconds}s {Size} video with {Model}", input.JobId, input.Spec.Seconds, input.Spec.Size, input.Spec.Model);
                (ProviderVideo? video, VideoJobResult? ended, bool mayExist) = await CreateAsync(startedAt);
                if (ended is not null)
                {
                    await ReleaseSlotAsync();
                    if (ended.ProviderVideoId is null && !mayExist)
                    {
                        await RefundAsync();
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
                await ReleaseSlotAsync();
            }

            return result!;
        }

        /// <summary>
        /// Waits for a provider slot and the create rate: true when admitted, false when canceled meanwhile, null when
        /// this generation has waited long enough and the next one should go on waiting.
        /// </summary>
        async Task<bool?> AdmitAsync(DateTime startedAt)
        {
            var admit = new AdmitJobInput(input.JobId, pacing.Timeout + SlotLeaseMargin);
            for (int tries = 1; tries <= AdmissionTriesPerGeneration; tries++)
            {
                Admission admission;
                try
                {
                    admission = await context.CallActivityAsync<Admission>(ActivityNames.AdmitJob, admit, ActivityRetries);
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
                slotFreed = context.WaitForExternalEvent<string?>(SlotFreedEvent);
            }

            return winner != cancel;
        }

        /// <summary>Frees the job's provider slot and wakes the oldest waiting jobs, one per free slot (idempotent; safe without a slot).</summary>
        async Task ReleaseSlotAsync()
        {
            if (!pacing.NeedsAdmission)
            {
                return;
            }

            try
            {
                JsonElement waiters = await context.CallActivityAsync<JsonElement>(ActivityNames.ReleaseJob, input.JobId, ActivityRetries);
                foreach (string next in EventPayloads.WaitersToWake(waiters).Where(next => next != input.JobId))
                {
                    context.SendEvent(next, SlotFreedEvent, input.JobId);
                }
            }
            catch (TaskFailedException ex)
            {
                // The slot's lease frees it in the end.
                context.CreateReplaySafeLogger<VideoOrchestrator>().LogWarning("Job {JobId}: releasing its provider slot failed: {Reason}", input.JobId, ex.FailureDetails.ErrorMessage);
            }
        }

        /// <summary>Gives the job's charge back to the budget: no provider video was made for it.</summary>
        async Task RefundAsync()
        {
            if (input.SubmittedAt is not { } chargedAt)
            {
                return;
            }

            try
            {
                await context.CallActivityAsync<decimal>(ActivityNames.RefundJob, new RefundJobInput(input.JobId, chargedAt), ActivityRetries);
            }
            catch (TaskFailedException ex)
            {
                context.CreateReplaySafeLogger<VideoOrchestrator>().LogWarning("Job {JobId}: refunding its budget charge failed: {Reason}", input.JobId, ex.FailureDetails.ErrorMessage);
            }
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
                            await DeleteProviderVideoAsync(result.Video!.Id);
                            return (null, Canceled(result.Video.Id, 0), true);
                        }

                        createAnsweredAt = PollingPolicy.AnsweredAt(result.ObservedAt, attemptAt, context.CurrentUtcDateTime);
                        return (result.Video, null, true);

                    case StepOutcome.Failed:
                        // A video may exist when an earlier attempt may have reached the provider, as this one or the
                        // activity (a run cut off after sending, run again by the engine) knows.
                        return (null, Failed(result.Error!, null, 0), lookupSince is not null || result.MayHaveReachedProvider);
                }

                if (result.MayHaveReachedProvider)
                {
                    lookupSince ??= attemptAt;
                }

                if (attempt >= pacing.CreateMaxAttempts)
                {
                    JobError last = result.Error ?? new JobError(JobErrorCodes.ProviderUnavailable, "The provider did not accept the job.");
                    return (null, Failed(new JobError(JobErrorCodes.ProviderUnavailable, $"The provider did not accept the job after {attempt} attempts: {last.Message}"), null, 0), lookupSince is not null);
                }

                TimeSpan delay = PollingPolicy.NextDelay(
                    new PollSignal { RetryAfter = result.RetryAfter, ConsecutiveFailures = attempt },
                    pacing.MinPollInterval,
                    pacing.MaxPollInterval);
                log.LogWarning("Job {JobId}: create attempt {Attempt} failed ({Code}); next attempt in {Delay}", input.JobId, attempt, result.Error?.Code, delay);
                SetStatus(JobStatus.Queued, null, null, 0, context.CurrentUtcDateTime + delay, startedAt);
                if (!await WaitAsync(context.CurrentUtcDateTime + delay))
                {
                    return (null, Canceled(null, 0), lookupSince is not null);
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
                    await DeleteProviderVideoAsync(state.ProviderVideoId);
                    return Failed(new JobError(JobErrorCodes.Timeout, $"The provider did not finish the video within {pacing.Timeout}."), state.ProviderVideoId, state.Checks);
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
                if (fireAt > now ? !await WaitAsync(fireAt) : CancelRequested)
                {
                    await DeleteProviderVideoAsync(state.ProviderVideoId);
                    return Canceled(state.ProviderVideoId, state.Checks);
                }

                if (context.CurrentUtcDateTime >= state.Deadline)
                {
                    continue;
                }

                GetVideoResult result;
                DateTime checkedFrom = context.CurrentUtcDateTime;
                NoticedVideo? noticed = wokenWith is { } payload ? EventPayloads.Noticed(payload, state.ProviderVideoId) : null;
                // A provider event says the video changed: check now, whatever the check was aimed at.
                DateTime? notBefore = wokenWith is null ? aimedAt : null;
                wokenWith = null;
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
                    state = state with { Checks = state.Checks + (noticed.ObservedAt is null ? 0 : 1) };
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
                    return Failed(result.Error!, state.ProviderVideoId, state.Checks);
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
                            return await StoreAsync(state, video, result.Stored);
                        case ProviderStatus.Failed:
                            return Failed(video.Error ?? new JobError(JobErrorCodes.ProviderRejected, "The provider failed the video without a reason."), state.ProviderVideoId, state.Checks);
                        case ProviderStatus.Cancelled:
                            return Failed(new JobError(JobErrorCodes.ProviderCanceled, "The provider canceled the video."), state.ProviderVideoId, state.Checks);
                        case ProviderStatus.Expired:
                            return Failed(new JobError(JobErrorCodes.Expired, "The provider expired the video before it could be stored."), state.ProviderVideoId, state.Checks);
                    }
                }

                if (checksThisGeneration >= pacing.ChecksPerGeneration && !cancel.IsCompleted && !providerEvent.IsCompleted)
                {
                    // Keep the history small however long the render takes. Not while a cancel or provider event has
                    // arrived: its waiter belongs to this generation, so the next would never see it; the next wait
                    // handles it at once instead.
                    context.ContinueAsNew(input with { Progress = state with { ConsecutiveFailures = failures, RetryAfter = retryAfter, PollAfter = pollAfter } });
                    return null;
                }
            }
        }

        /// <summary>Stores the completed video; <paramref name="storedByCheck"/> is the first attempt when the status check made it.</summary>
        async Task<VideoJobResult> StoreAsync(JobProgress state, ProviderVideo video, StoreVideoResult? storedByCheck = null)
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
                        return Failed(new JobError(JobErrorCodes.Expired, $"The provider's copy expired at {expiresAt:O} before it could be stored."), state.ProviderVideoId, state.Checks);
                    }

                    SetStatus(JobStatus.Storing, 100, state.ProviderVideoId, state.Checks, null, state.StartedAt);
                    try
                    {
                        result = await steps.CallAsync<StoreVideoResult>(ActivityNames.StoreVideo, StoreInputs.For(input, state), ActivityRetries);
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
                    return Failed(result.Outcome == StepOutcome.Failed ? error : new JobError(JobErrorCodes.StoreFailed, $"Storing the video failed {attempt} times: {error.Message}"), state.ProviderVideoId, state.Checks);
                }

                TimeSpan delay = PollingPolicy.NextDelay(
                    new PollSignal { RetryAfter = result.RetryAfter, ConsecutiveFailures = attempt },
                    pacing.MinPollInterval,
                    pacing.MaxPollInterval);
                log.LogWarning("Job {JobId}: store attempt {Attempt} failed ({Code}); next attempt in {Delay}", input.JobId, attempt, result.Error?.Code, delay);
                await steps.WaitUntilAsync(context.CurrentUtcDateTime + delay);
            }
        }

        /// <summary>Waits until <paramref name="dueAt"/>; false when a cancel request came first.</summary>
        async Task<bool> WaitAsync(DateTime dueAt)
        {
            if (CancelRequested)
            {
                return false;
            }

            Task? winner = await steps.WaitUntilAsync(dueAt, cancel, providerEvent);
            if (winner is null)
            {
                if (!context.IsReplaying)
                {
                    // How long after its due time the wait's episode ran: the engine's share of the noticing delay.
                    Telemetry.PipelineTelemetry.TimerLateness.Record(Math.Max(0, (context.CurrentUtcDateTime - dueAt).TotalSeconds));
                }

                return true;
            }

            if (winner == cancel)
            {
                return false;
            }

            // A webhook or the status sweep said the video changed: check now, and listen for the next one.
            context.CreateReplaySafeLogger<VideoOrchestrator>().LogInformation("Job {JobId}: woken by a provider event ({Event})", input.JobId, EventPayloads.Describe(providerEvent.Result));
            wokenWith = providerEvent.Result;
            providerEvent = context.WaitForExternalEvent<JsonElement>(ProviderEvent);
            return true;
        }

        async Task DeleteProviderVideoAsync(string providerVideoId)
        {
            ILogger log = context.CreateReplaySafeLogger<VideoOrchestrator>();
            try
            {
                await context.CallActivityAsync<bool>(ActivityNames.DeleteVideo, providerVideoId);
            }
            catch (TaskFailedException ex)
            {
                log.LogWarning("Job {JobId}: deleting provider video {VideoId} failed: {Reason}", input.JobId, providerVideoId, ex.FailureDetails.ErrorMessage);
            }
        }

        void SetStatus(string status, int? progress, string? providerVideoId, int checks, DateTime? nextCheckAt, DateTime startedAt) =>
            context.SetCustomStatus(new JobCustomStatus(status, progress, providerVideoId, checks, nextCheckAt, startedAt));

        VideoJobResult Failed(JobError error, string? providerVideoId, int checks)
        {
            ILogger log = context.CreateReplaySafeLogger<VideoOrchestrator>();
            log.LogWarning("Job {JobId} failed: {Code}: {Message}", input.JobId, error.Code, error.Message);
            if (!context.IsReplaying)
            {
                Telemetry.PipelineTelemetry.JobsFailed.Add(1, new KeyValuePair<string, object?>("code", error.Code));
            }

            return new VideoJobResult(JobStatus.Failed) { ProviderVideoId = providerVideoId, Error = error, Checks = checks, CompletedAt = context.CurrentUtcDateTime };
        }

        VideoJobResult Canceled(string? providerVideoId, int checks)
        {
            ILogger log = context.CreateReplaySafeLogger<VideoOrchestrator>();
            log.LogInformation("Job {JobId} canceled", input.JobId);
            return new VideoJobResult(JobStatus.Canceled) { ProviderVideoId = providerVideoId, Checks = checks, CompletedAt = context.CurrentUtcDateTime };
        }

        static string Public(string providerStatus) => providerStatus == ProviderStatus.Queued ? JobStatus.Queued : JobStatus.InProgress;
    }
}
