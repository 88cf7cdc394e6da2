namespace SoraFunctions.Tests.Unit;

public class VideoOrchestratorTests
{
    static readonly DateTime Start = new(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc);
    static readonly VideoSpec Spec = new("a fox", "sora-2", "4", "720x1280");
    static readonly JobPacing Pacing = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(10), 50, 4, 3);
    static readonly VideoJobInput Input = new("job-1", Spec, Pacing);
    static readonly string[] ThreeWaiters = ["job-2", "job-1", "job-3"];

    static ProviderVideo Video(string status, int? progress = null, JobError? error = null, DateTime? expiresAt = null) =>
        new("video_1", status, progress, Start, null, expiresAt, error);

    static CreateVideoResult Created() => new(StepOutcome.Succeeded) { Video = Video(ProviderStatus.Queued, 0) };

    static GetVideoResult Polled(string status, int? progress = null, JobError? error = null) =>
        new(StepOutcome.Succeeded) { Video = Video(status, progress, error) };

    static StoreVideoResult Stored() => new(StepOutcome.Succeeded) { Blob = new BlobLocation("videos", "2026/11/25/job-1.mp4", "http://blob/job-1.mp4"), Bytes = 1000 };

    static Task<VideoJobResult> RunAsync(FakeOrchestrationContext fake, VideoJobInput? input = null) =>
        new VideoOrchestrator().RunAsync(fake.Mock.Object, input ?? Input);

    [Fact]
    public async Task Run_HappyPath_CreatesPollsStoresAndNamesTheBlobByStartDate()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 40))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal((1000L, 2), (result.Bytes!.Value, result.Checks));
        StoreVideoInput store = Assert.Single(fake.InputsOf<StoreVideoInput>(ActivityNames.StoreVideo));
        Assert.Equal("2026/11/25/job-1.mp4", store.BlobName);
        Assert.Equal("video_1", store.ProviderVideoId);
        Assert.Contains(fake.Statuses, s => s.Status == JobStatus.InProgress && s.Progress == 40 && s.ProviderVideoId == "video_1");
        Assert.Equal(JobStatus.Storing, fake.Statuses[^1].Status);
    }

    [Fact]
    public async Task Run_CheckFindsTheVideoCompletedAndStoresIt_NoStoreActivity()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 40))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100) with { Stored = Stored() });

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal((JobStatus.Completed, 1000L, "2026/11/25/job-1.mp4"), (result.Status, result.Bytes!.Value, result.Blob!.Name));
        Assert.Equal(0, fake.CountOf(ActivityNames.StoreVideo));
        GetVideoInput[] checks = [.. fake.InputsOf<GetVideoInput>(ActivityNames.GetVideo)];
        Assert.Equal(2, checks.Length);
        Assert.All(checks, c => Assert.Equal("video_1", c.ProviderVideoId));
        // A history written before aimed checks (AimAtEnd false) replays the checks it made.
        Assert.All(checks, c => Assert.Null(c.NotBefore));
        StoreVideoInput store = checks[^1].StoreIfCompleted!;
        Assert.Equal(("job-1", "video_1", "2026/11/25/job-1.mp4"), (store.JobId, store.ProviderVideoId, store.BlobName));
        Assert.Equal((string.Empty, "sora-2", "4", "720x1280"), (store.Spec.Prompt, store.Spec.Model, store.Spec.Seconds, store.Spec.Size));
        Assert.DoesNotContain(fake.Statuses, s => s.Status == JobStatus.Storing);
    }

    [Fact]
    public async Task Run_EndEstimatedWithinTwoMinimumIntervals_AimsOneCheckJustPastItThenFallsBackToTheMinimum()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 60))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 99))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100) with { Stored = Stored() });

        VideoJobResult result = await RunAsync(fake, Input with { Pacing = Pacing with { WholeSecondTimers = true, AimAtEnd = true } });

        Assert.Equal((JobStatus.Completed, 3), (result.Status, result.Checks));
        GetVideoInput[] checks = [.. fake.InputsOf<GetVideoInput>(ActivityNames.GetVideo)];
        // The first check (2 s asked in whole seconds: due at 2.25 s) saw 60 % after 2.25 s: 1.5 s to go. The aimed check
        // is due 1.75 s later, within the timer lead, so it goes out at once and the activity waits for its time.
        Assert.Null(checks[0].NotBefore);
        Assert.Equal(Start.AddSeconds(4), checks[1].NotBefore);
        Assert.Contains(fake.Statuses, s => s.NextCheckAt == Start.AddSeconds(4));
        // It found 99 %: the next check is not aimed, and waits the minimum.
        Assert.Null(checks[2].NotBefore);
        Assert.Equal([Start.AddSeconds(2.25), Start.AddSeconds(4.5)], fake.Timers);
    }

    [Fact]
    public async Task Run_EveryCheck_CarriesTheLastReadingAndCountsARecheckAsTwoChecks()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created() with { ObservedAt = Start })
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 40))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100) with { Stored = Stored(), Rechecked = true });

        VideoJobResult result = await RunAsync(fake, Input with { Pacing = Pacing with { AimAtEnd = true } });

        GetVideoInput[] checks = [.. fake.InputsOf<GetVideoInput>(ActivityNames.GetVideo)];
        // The create is the first reading (0 %); the first check's answer (40 % at 2 s) the second.
        Assert.Equal(new ProgressReading(0, Start), checks[0].LastReading);
        Assert.Equal(new ProgressReading(40, Start.AddSeconds(2)), checks[1].LastReading);
        // The last check asked twice (the activity waited for the end it saw coming): three status calls in all.
        Assert.Equal((JobStatus.Completed, 3), (result.Status, result.Checks));
    }

    [Fact]
    public async Task Run_HistoryBeforeAimedChecks_ChecksWithoutAReading()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100) with { Stored = Stored() });

        await RunAsync(fake);

        Assert.Null(Assert.Single(fake.InputsOf<GetVideoInput>(ActivityNames.GetVideo)).LastReading);
    }

    [Fact]
    public async Task Run_AimedCheckFurtherThanTheTimerLead_TimerDueTheLeadBeforeIt()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 45))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100) with { Stored = Stored() });

        await RunAsync(fake, Input with { Pacing = Pacing with { AimAtEnd = true } });

        // 45 % after 2 s: about 2.44 s to go, so the check is aimed at 4.69 s and its timer is due 2 s before.
        DateTime aimedAt = fake.InputsOf<GetVideoInput>(ActivityNames.GetVideo).Last().NotBefore!.Value;
        Assert.InRange((aimedAt - Start).TotalSeconds, 4.69, 4.70);
        Assert.Equal(aimedAt - PollingPolicy.AimedTimerLead, fake.Timers[^1]);
    }

    [Fact]
    public async Task Run_AnswersReachTheOrchestrationLate_AimsFromWhenTheProviderAnswered()
    {
        // Under load each answer reaches the orchestration 3 s after the provider gave it.
        var lag = TimeSpan.FromSeconds(3);
        FakeOrchestrationContext fake = new(Start);
        DateTime Answered()
        {
            DateTime answeredAt = fake.Now;
            fake.Now += lag;
            return answeredAt;
        }

        fake.Answer(ActivityNames.CreateVideo, _ => Created() with { ObservedAt = Answered() })
            .Answer(ActivityNames.GetVideo, _ => Polled(ProviderStatus.InProgress, 75) with { ObservedAt = Answered() })
            .Answer(ActivityNames.GetVideo, _ => Polled(ProviderStatus.Completed, 100) with { Stored = Stored(), ObservedAt = Answered() });

        await RunAsync(fake, Input with { Pacing = Pacing with { WholeSecondTimers = true, AimAtEnd = true } });

        // Created at 0 (seen at 3); the first check, due 2 s after that in whole seconds (5.25), saw 75 % at 5.25 (seen
        // at 8.25): the render ends at 7 by the provider's times, so the check is aimed at 7.25, already past: it goes
        // out at once. From the times the orchestration saw (3 and 8.25), it would have aimed at 8.25 + 1.75 + 0.25 = 10.25.
        GetVideoInput aimed = fake.InputsOf<GetVideoInput>(ActivityNames.GetVideo).Last();
        Assert.Equal(Start.AddSeconds(7.25), aimed.NotBefore);
        Assert.Single(fake.Timers);
    }

    [Fact]
    public async Task Run_AnswerTimeOutsideTheCheck_IsKeptWithinIt()
    {
        // A clock far behind: the answer's time is before the check was even sent, so the check's start counts instead.
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created() with { ObservedAt = Start.AddHours(-1) })
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 75) with { ObservedAt = Start.AddHours(-1) })
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100) with { Stored = Stored() });

        await RunAsync(fake, Input with { Pacing = Pacing with { WholeSecondTimers = true, AimAtEnd = true } });

        // As if answered when asked: created at 0, 75 % at 2.25, so the end is aimed at 2.25 + 0.75 + 0.25 = 3.25.
        Assert.Equal(Start.AddSeconds(3.25), fake.InputsOf<GetVideoInput>(ActivityNames.GetVideo).Last().NotBefore);
    }

    [Fact]
    public async Task Run_CheckFindsTheVideoCompletedButStorageFails_StoresAgainWithTheStoreActivity()
    {
        var storageDown = new StoreVideoResult(StepOutcome.Retry) { Error = new JobError(JobErrorCodes.StoreFailed, "503") };
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100) with { Stored = storageDown })
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal((1, 1), (fake.CountOf(ActivityNames.GetVideo), fake.CountOf(ActivityNames.StoreVideo)));
        Assert.Equal(JobStatus.Storing, fake.Statuses[^1].Status);
    }

    [Fact]
    public async Task Run_CheckFindsTheVideoCompletedButStorageFailsForGood_FailsWithoutAnotherStore()
    {
        var rejected = new StoreVideoResult(StepOutcome.Failed) { Error = new JobError(JobErrorCodes.StoreFailed, "too big") };
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100) with { Stored = rejected });

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal((JobStatus.Failed, "too big"), (result.Status, result.Error!.Message));
        Assert.Equal(0, fake.CountOf(ActivityNames.StoreVideo));
    }

    [Fact]
    public async Task Run_CreateRejected_FailsFastWithTheProvidersCode()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Failed) { Error = new JobError("invalid_api_key", "Incorrect API key provided. (HTTP 401)") });

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Failed, result.Status);
        Assert.Equal("invalid_api_key", result.Error!.Code);
        Assert.Empty(fake.Timers);
        Assert.Equal(1, fake.CountOf(ActivityNames.CreateVideo));
        Assert.Equal(0, fake.CountOf(ActivityNames.GetVideo));
    }

    [Fact]
    public async Task Run_CreateRateLimited_WaitsRetryAfterAndRetriesWithoutLookup()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Retry) { RetryAfter = TimeSpan.FromSeconds(7), Error = new JobError("rate_limit_exceeded", "slow down") })
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(Start.AddSeconds(7), fake.Timers[0]);
        Assert.All(fake.InputsOf<CreateVideoInput>(ActivityNames.CreateVideo), i => Assert.Null(i.LookupSince));
    }

    [Fact]
    public async Task Run_CreateMayHaveReachedProvider_RetriesWithALookupFromTheFirstAttempt()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Retry) { MayHaveReachedProvider = true, Error = new JobError("server_error", "500") })
            .Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Retry) { Error = new JobError("rate_limit_exceeded", "429") })
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());

        await RunAsync(fake);

        List<CreateVideoInput> creates = [.. fake.InputsOf<CreateVideoInput>(ActivityNames.CreateVideo)];
        Assert.Equal(3, creates.Count);
        Assert.Null(creates[0].LookupSince);
        Assert.Equal(Start, creates[1].LookupSince);
        Assert.Equal(Start, creates[2].LookupSince);
    }

    [Fact]
    public async Task Run_CreateActivityThrows_TreatsItAsAmbiguousInsteadOfRetryingBlindly()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, _ => throw new TaskFailedException("CreateVideo", 1, new TaskFailureDetails("IOException", "socket closed", null, null, null)))
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.NotNull(fake.InputsOf<CreateVideoInput>(ActivityNames.CreateVideo).Last().LookupSince);
    }

    [Fact]
    public async Task Run_CreateNeverAccepted_FailsAfterTheConfiguredAttempts()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Retry) { Error = new JobError("server_error", "503") });

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobErrorCodes.ProviderUnavailable, result.Error!.Code);
        Assert.Equal(Pacing.CreateMaxAttempts, fake.CountOf(ActivityNames.CreateVideo));
    }

    [Fact]
    public async Task Run_TransientPollErrors_NeverFailTheJob()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, new GetVideoResult(StepOutcome.Retry) { Error = new JobError("server_error", "500") })
            .Answer(ActivityNames.GetVideo, new GetVideoResult(StepOutcome.Retry) { RetryAfter = TimeSpan.FromSeconds(20), Error = new JobError("rate_limit_exceeded", "429") })
            .Answer(ActivityNames.GetVideo, new GetVideoResult(StepOutcome.Retry) { Error = new JobError("server_error", "503") })
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(4, result.Checks);
        // The wait after the 429 honoured its Retry-After.
        Assert.Equal(TimeSpan.FromSeconds(20), fake.Timers[2] - fake.Timers[1]);
    }

    [Fact]
    public async Task Run_ProviderFailsTheVideo_FailsWithTheProvidersCodeAndMessage()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Failed, 50, new JobError("moderation_blocked", "The video was blocked by the moderation system.")));

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Failed, result.Status);
        Assert.Equal(new JobError("moderation_blocked", "The video was blocked by the moderation system."), result.Error);
        Assert.Equal(0, fake.CountOf(ActivityNames.StoreVideo));
    }

    [Fact]
    public async Task Run_PollRejected_FailsFast()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, new GetVideoResult(StepOutcome.Failed) { Error = new JobError("not_found", "No such video (HTTP 404)") });

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(("failed", "not_found"), (result.Status, result.Error!.Code));
        Assert.Equal(1, fake.CountOf(ActivityNames.GetVideo));
    }

    [Fact]
    public async Task Run_NeverFinishes_FailsWithTimeoutAtTheDeadlineAndDeletesTheProviderJob()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 50))
            .Answer(ActivityNames.DeleteVideo, true);

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobErrorCodes.Timeout, result.Error!.Code);
        Assert.Equal(Start + Pacing.Timeout, fake.Timers.Max());
        Assert.Equal("video_1", Assert.Single(fake.InputsOf<string>(ActivityNames.DeleteVideo)));
        Assert.All(fake.Timers, t => Assert.True(t <= Start + Pacing.Timeout));
    }

    [Fact]
    public async Task Run_CancelDuringTheGenerationsLastCheck_CancelsInsteadOfContinuingAsNew()
    {
        // The cancel's waiter belongs to this generation: after ContinueAsNew nothing would ever see it.
        var fake = new FakeOrchestrationContext(Start);
        fake.Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, _ =>
            {
                fake.RequestCancel();
                return Polled(ProviderStatus.InProgress, 10);
            }).Answer(ActivityNames.DeleteVideo, true);

        VideoJobResult result = await RunAsync(fake, Input with { Pacing = Pacing with { ChecksPerGeneration = 1 } });

        Assert.Equal(JobStatus.Canceled, result.Status);
        Assert.Null(fake.ContinuedWith);
        Assert.Equal("video_1", Assert.Single(fake.InputsOf<string>(ActivityNames.DeleteVideo)));
    }

    [Fact]
    public async Task Run_ProviderEventDuringTheGenerationsLastCheck_ChecksAgainBeforeContinuingAsNew()
    {
        var fake = new FakeOrchestrationContext(Start);
        int checks = 0;
        fake.Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, _ =>
            {
                if (++checks == 1)
                {
                    fake.RaiseProviderEvent("video.completed");
                    return Polled(ProviderStatus.InProgress, 90);
                }

                return Polled(ProviderStatus.Completed, 100);
            })
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake, Input with { Pacing = Pacing with { ChecksPerGeneration = 1 } });

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Null(fake.ContinuedWith);
        Assert.Equal(2, checks);
    }

    [Fact]
    public async Task Run_GenerationEndsWhileChecksFail_CarriesTheBackoffIntoTheNext()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, new GetVideoResult(StepOutcome.Retry) { RetryAfter = TimeSpan.FromSeconds(40), Error = new JobError("rate_limited", "429") });

        await RunAsync(fake, Input with { Pacing = Pacing with { ChecksPerGeneration = 2 } });

        JobProgress progress = fake.ContinuedWith!.Progress!;
        Assert.Equal((2, TimeSpan.FromSeconds(40)), (progress.ConsecutiveFailures, progress.RetryAfter));
    }

    [Fact]
    public async Task Run_NextGenerationOfFailingChecks_WaitsOutTheRetryAfterFirst()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());
        var progress = new JobProgress(Start, Start + Pacing.Timeout, "2026/11/25/job-1.mp4", "video_1", Start, 20, 50, ProviderStatus.InProgress)
        {
            AdmittedAt = Start,
            ObservedAt = Start,
            PreviousObservedAt = Start,
            ConsecutiveFailures = 3,
            RetryAfter = TimeSpan.FromSeconds(40),
        };

        await RunAsync(fake, Input with { Progress = progress });

        Assert.True(fake.Timers[0] >= Start + TimeSpan.FromSeconds(40), $"first check at {fake.Timers[0]:O}");
    }

    [Fact]
    public async Task Run_CancelWhileBeingAdmitted_StopsBeforeTheCreateAndRefunds()
    {
        var fake = new FakeOrchestrationContext(Start);
        fake.Answer(ActivityNames.AdmitJob, _ =>
        {
            fake.RequestCancel();
            return new Admission(true, 0, TimeSpan.Zero);
        });

        VideoJobResult result = await RunAsync(fake, Input with { SubmittedAt = Start, Pacing = Pacing with { CancelBeforeCreate = true } });

        Assert.Equal(JobStatus.Canceled, result.Status);
        Assert.Equal(0, fake.CountOf(ActivityNames.CreateVideo));
        Assert.Equal(1, fake.CountOf(ActivityNames.ReleaseJob));
        Assert.Equal(1, fake.CountOf(ActivityNames.RefundJob));
    }

    [Fact]
    public async Task Run_OldHistoryCancelWhileBeingAdmitted_ReplaysItsCreateThenDelete()
    {
        // Written before CancelBeforeCreate: the history has the create, so the replay must schedule it too.
        var fake = new FakeOrchestrationContext(Start);
        fake.Answer(ActivityNames.AdmitJob, _ =>
        {
            fake.RequestCancel();
            return new Admission(true, 0, TimeSpan.Zero);
        }).Answer(ActivityNames.CreateVideo, Created()).Answer(ActivityNames.DeleteVideo, true);

        VideoJobResult result = await RunAsync(fake, Input with { SubmittedAt = Start });

        Assert.Equal(JobStatus.Canceled, result.Status);
        Assert.Equal(1, fake.CountOf(ActivityNames.CreateVideo));
        Assert.Equal(1, fake.CountOf(ActivityNames.DeleteVideo));
    }

    [Fact]
    public async Task Run_ManyChecks_ContinuesAsNewWithItsProgress()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 10));

        await RunAsync(fake, Input with { Pacing = Pacing with { ChecksPerGeneration = 3 } });

        Assert.NotNull(fake.ContinuedWith);
        JobProgress progress = fake.ContinuedWith!.Progress!;
        Assert.Equal(("video_1", 3, 10), (progress.ProviderVideoId, progress.Checks, progress.ProgressPercent));
        Assert.Equal("2026/11/25/job-1.mp4", progress.BlobName);
        Assert.Equal(Start + Pacing.Timeout, progress.Deadline);
    }

    [Fact]
    public async Task Run_ContinuedGeneration_DoesNotCreateAgain()
    {
        var progress = new JobProgress(Start, Start.AddMinutes(10), "2026/11/25/job-1.mp4", "video_1", Start, 3, 10, ProviderStatus.InProgress)
        {
            ObservedAt = Start.AddSeconds(30),
            PreviousObservedAt = Start.AddSeconds(20),
            PreviousProgress = 5,
        };
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start.AddSeconds(30))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake, Input with { Progress = progress });

        Assert.Equal((JobStatus.Completed, 4), (result.Status, result.Checks));
        Assert.Equal(0, fake.CountOf(ActivityNames.CreateVideo));
    }

    [Fact]
    public async Task Run_CanceledWhilePolling_DeletesTheProviderJobAndEndsCanceled()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 10))
            .Answer(ActivityNames.DeleteVideo, true);
        fake.OnTimer = count =>
        {
            if (count == 2)
            {
                fake.RequestCancel();
            }
        };

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Canceled, result.Status);
        Assert.Equal("video_1", Assert.Single(fake.InputsOf<string>(ActivityNames.DeleteVideo)));
        Assert.Equal(0, fake.CountOf(ActivityNames.StoreVideo));
    }

    [Fact]
    public async Task Run_CanceledBeforeStart_NeverCallsTheProvider()
    {
        var fake = new FakeOrchestrationContext(Start);
        fake.RequestCancel();

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Canceled, result.Status);
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public async Task Run_StoreBrokeOff_RetriesThenSucceeds()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, new StoreVideoResult(StepOutcome.Retry) { Error = new JobError(JobErrorCodes.StoreFailed, "connection reset") })
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(2, fake.CountOf(ActivityNames.StoreVideo));
    }

    [Fact]
    public async Task Run_StoreKeepsFailing_FailsWithStoreFailedAfterTheConfiguredAttempts()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, new StoreVideoResult(StepOutcome.Retry) { Error = new JobError(JobErrorCodes.StoreFailed, "truncated") });

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobErrorCodes.StoreFailed, result.Error!.Code);
        Assert.Equal(Pacing.StoreMaxAttempts, fake.CountOf(ActivityNames.StoreVideo));
    }

    [Fact]
    public async Task Run_ProviderCopyExpired_FailsWithoutDownloading()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, new GetVideoResult(StepOutcome.Succeeded) { Video = Video(ProviderStatus.Completed, 100, expiresAt: Start.AddSeconds(1)) });

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobErrorCodes.Expired, result.Error!.Code);
        Assert.Equal(0, fake.CountOf(ActivityNames.StoreVideo));
    }

    [Fact]
    public async Task Run_EveryWait_IsWithinThePacingBoundsUnlessTheProviderAsksForMore()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Queued, 0))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Queued, 0))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 5))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 30))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 80))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());

        await RunAsync(fake);

        DateTime previous = Start;
        foreach (DateTime timer in fake.Timers)
        {
            TimeSpan wait = timer - previous;
            Assert.InRange(wait, Pacing.MinPollInterval, Pacing.MaxPollInterval);
            previous = timer;
        }
    }

    [Fact]
    public async Task Run_StatusActivityKeepsThrowing_IsTransientAndTheJobGoesOn()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, _ => throw new TaskFailedException(ActivityNames.GetVideo, 1, new TaskFailureDetails("HttpRequestException", "reset", null, null, null)))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(2, fake.CountOf(ActivityNames.GetVideo));
    }

    [Fact]
    public async Task Run_StoreActivityKeepsThrowing_FailsWithStoreFailedInsteadOfCrashing()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, _ => throw new TaskFailedException(ActivityNames.StoreVideo, 1, new TaskFailureDetails("RequestFailedException", "storage unavailable", null, null, null)));

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal((JobStatus.Failed, JobErrorCodes.StoreFailed), (result.Status, result.Error!.Code));
        Assert.Equal(Pacing.StoreMaxAttempts, fake.CountOf(ActivityNames.StoreVideo));
    }

    [Fact]
    public async Task Run_ProviderEventWhileWaiting_ChecksAtOnceWithoutWaitingForTheTimer()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start) { HoldTimers = true }
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.InProgress, 50))
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());
        fake.OnTimer = _ => fake.RaiseProviderEvent("video.completed");

        // Timers never fire here: without the event the run would never end.
        VideoJobResult result = await RunAsync(fake).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((JobStatus.Completed, 2), (result.Status, result.Checks));
        Assert.Equal(Start, fake.Now);
        Assert.Equal(2, fake.Timers.Count);
    }

    [Fact]
    public async Task Run_SweepEventCarryingTheEndedVideo_StoresWithoutAStatusCall()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start) { HoldTimers = true }
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.StoreVideo, Stored());
        fake.OnTimer = _ => fake.RaiseProviderEvent(Video(ProviderStatus.Completed, 100));

        VideoJobResult result = await RunAsync(fake).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((JobStatus.Completed, 0), (result.Status, result.Checks));
        Assert.Equal(0, fake.CountOf(ActivityNames.GetVideo));
        Assert.Equal(1, fake.CountOf(ActivityNames.StoreVideo));
    }

    [Fact]
    public async Task Run_EventCarryingTheVideoStoredWhereItsEndWasNoticed_EndsWithNoStatusCallOrStore()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start) { HoldTimers = true }
            .Answer(ActivityNames.CreateVideo, Created());
        fake.OnTimer = _ => fake.RaiseProviderEvent(new NoticedVideo(Video(ProviderStatus.Completed, 100)) { Stored = Stored(), ObservedAt = Start.AddSeconds(20) });

        VideoJobResult result = await RunAsync(fake).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((JobStatus.Completed, 1), (result.Status, result.Checks));
        Assert.Equal(Stored().Blob, result.Blob);
        Assert.Equal(1000, result.Bytes);
        Assert.Equal(0, fake.CountOf(ActivityNames.GetVideo));
        Assert.Equal(0, fake.CountOf(ActivityNames.StoreVideo));
    }

    [Fact]
    public async Task Run_EventFromTheWatch_CountsTheWatchsStatusCallsAsTheJobs()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start) { HoldTimers = true }
            .Answer(ActivityNames.CreateVideo, Created());
        fake.OnTimer = _ => fake.RaiseProviderEvent(new NoticedVideo(Video(ProviderStatus.Completed, 100)) { Stored = Stored(), ObservedAt = Start.AddSeconds(20), EarlierChecks = 4 });

        VideoJobResult result = await RunAsync(fake).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((JobStatus.Completed, 5), (result.Status, result.Checks));
        Assert.Equal(0, fake.CountOf(ActivityNames.GetVideo));
    }

    [Fact]
    public async Task Run_EventCarryingAVideoStoredUnderAnotherName_IsStoredByTheJobUnderItsOwn()
    {
        StoreVideoResult elsewhere = Stored() with { Blob = new BlobLocation("videos", "2026/11/24/job-1.mp4", "http://blob/elsewhere.mp4") };
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start) { HoldTimers = true }
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.StoreVideo, Stored());
        fake.OnTimer = _ => fake.RaiseProviderEvent(new NoticedVideo(Video(ProviderStatus.Completed, 100)) { Stored = elsewhere });

        VideoJobResult result = await RunAsync(fake).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((JobStatus.Completed, "2026/11/25/job-1.mp4"), (result.Status, result.Blob?.Name));
        Assert.Equal(1, fake.CountOf(ActivityNames.StoreVideo));
    }

    [Fact]
    public async Task Run_EventCarryingAFailedStore_IsStoredByTheJob()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start) { HoldTimers = true }
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.StoreVideo, Stored());
        fake.OnTimer = _ => fake.RaiseProviderEvent(new NoticedVideo(Video(ProviderStatus.Completed, 100))
        {
            Stored = new StoreVideoResult(StepOutcome.Retry) { Error = new JobError(JobErrorCodes.StoreFailed, "blob trouble") },
        });

        VideoJobResult result = await RunAsync(fake).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(1, fake.CountOf(ActivityNames.StoreVideo));
        Assert.Equal(0, fake.CountOf(ActivityNames.GetVideo));
    }

    [Fact]
    public async Task Run_SweepEventCarryingAFailure_FailsWithTheProvidersErrorWithoutAStatusCall()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start) { HoldTimers = true }
            .Answer(ActivityNames.CreateVideo, Created());
        fake.OnTimer = _ => fake.RaiseProviderEvent(Video(ProviderStatus.Failed, 50, new JobError("moderation_blocked", "blocked")));

        VideoJobResult result = await RunAsync(fake).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((JobStatus.Failed, "moderation_blocked"), (result.Status, result.Error?.Code));
        Assert.Equal(0, fake.CountOf(ActivityNames.GetVideo));
    }

    [Fact]
    public async Task Run_EventCarryingAnotherVideo_IsCheckedWithTheProvider()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start) { HoldTimers = true }
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());
        fake.OnTimer = _ => fake.RaiseProviderEvent(new ProviderVideo("video_other", ProviderStatus.Completed, 100, Start, Start, null, null));

        VideoJobResult result = await RunAsync(fake).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((JobStatus.Completed, 1), (result.Status, result.Checks));
        Assert.Equal(1, fake.CountOf(ActivityNames.GetVideo));
    }

    [Fact]
    public async Task Run_NoSlotFree_WaitsQueuedWithItsPositionThenCreates()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.AdmitJob, new Admission(false, 3, TimeSpan.FromSeconds(15)))
            .Answer(ActivityNames.AdmitJob, new Admission(false, 1, TimeSpan.FromSeconds(5)))
            .Answer(ActivityNames.AdmitJob, new Admission(true, 0, TimeSpan.Zero))
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake);

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal([Start.AddSeconds(15), Start.AddSeconds(20)], fake.Timers.Take(2));
        Assert.Equal([3, 1], fake.Statuses.Where(s => s.QueuePosition is not null).Select(s => s.QueuePosition!.Value));
        Assert.All(fake.Statuses.Where(s => s.QueuePosition is not null), s => Assert.Equal(JobStatus.Queued, s.Status));
        Assert.Equal(1, fake.CountOf(ActivityNames.ReleaseJob));
        Assert.Equal(0, fake.CountOf(ActivityNames.RefundJob));
    }

    [Fact]
    public async Task Run_NoLimitsConfigured_CreatesWithoutAdmissionAndReleasesNothing()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake, Input with { Pacing = Pacing with { NeedsAdmission = false } });

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(ActivityNames.CreateVideo, fake.Calls[0].Name);
        Assert.Equal(0, fake.CountOf(ActivityNames.AdmitJob));
        Assert.Equal(0, fake.CountOf(ActivityNames.ReleaseJob));
    }

    [Fact]
    public async Task Run_NoLimitsConfigured_FailedCreateRefundsWithoutARelease()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Failed) { Error = new JobError("invalid_request", "no") });

        VideoJobResult result = await RunAsync(fake, Input with { Pacing = Pacing with { NeedsAdmission = false }, SubmittedAt = Start });

        Assert.Equal(JobStatus.Failed, result.Status);
        Assert.Equal(0, fake.CountOf(ActivityNames.ReleaseJob));
        Assert.Equal(1, fake.CountOf(ActivityNames.RefundJob));
    }

    [Fact]
    public async Task Run_SlotFreedEvent_AsksAgainBeforeItsTimer()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start) { HoldTimers = true }
            .Answer(ActivityNames.AdmitJob, new Admission(false, 1, TimeSpan.FromSeconds(30)))
            .Answer(ActivityNames.AdmitJob, new Admission(true, 0, TimeSpan.Zero))
            .Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Failed) { Error = new JobError("invalid_request", "no") });

        Task<VideoJobResult> run = RunAsync(fake);
        Assert.False(run.IsCompleted);
        fake.RaiseSlotFreed();
        VideoJobResult result = await run;

        Assert.Equal(JobStatus.Failed, result.Status);
        Assert.Equal(2, fake.CountOf(ActivityNames.AdmitJob));
    }

    [Fact]
    public async Task Run_CanceledWhileQueued_EndsCanceledRefundsAndCreatesNothing()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start) { HoldTimers = true }
            .Answer(ActivityNames.AdmitJob, new Admission(false, 2, TimeSpan.FromSeconds(30)));

        Task<VideoJobResult> run = RunAsync(fake, Input with { SubmittedAt = Start });
        fake.RequestCancel();
        VideoJobResult result = await run;

        Assert.Equal(JobStatus.Canceled, result.Status);
        Assert.Equal(0, fake.CountOf(ActivityNames.CreateVideo));
        Assert.Equal(1, fake.CountOf(ActivityNames.ReleaseJob));
        Assert.Equal(new RefundJobInput("job-1", Start), Assert.Single(fake.InputsOf<RefundJobInput>(ActivityNames.RefundJob)));
    }

    [Fact]
    public async Task Run_CreateRejected_ReleasesTheSlotAndRefunds()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Failed) { Error = new JobError("invalid_request", "no") });

        await RunAsync(fake, Input with { SubmittedAt = Start });

        Assert.Equal(1, fake.CountOf(ActivityNames.ReleaseJob));
        Assert.Equal(1, fake.CountOf(ActivityNames.RefundJob));
    }

    [Fact]
    public async Task Run_CreateUncertainThenFailed_ReleasesButDoesNotRefund()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Retry) { MayHaveReachedProvider = true, Error = new JobError("server_error", "500") })
            .Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Failed) { Error = new JobError(JobErrorCodes.CreateUncertain, "may exist") });

        VideoJobResult result = await RunAsync(fake, Input with { SubmittedAt = Start });

        Assert.Equal(JobErrorCodes.CreateUncertain, result.Error!.Code);
        Assert.Equal(1, fake.CountOf(ActivityNames.ReleaseJob));
        Assert.Equal(0, fake.CountOf(ActivityNames.RefundJob));
    }

    [Fact]
    public async Task Run_FirstCreateAnswerSaysAVideoMayExist_DoesNotRefund()
    {
        // The engine ran the create again after the host died mid-call: the activity knows of the cut-off run, the
        // orchestrator does not.
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, new CreateVideoResult(StepOutcome.Failed) { MayHaveReachedProvider = true, Error = new JobError(JobErrorCodes.CreateUncertain, "may exist") });

        VideoJobResult result = await RunAsync(fake, Input with { SubmittedAt = Start });

        Assert.Equal(JobErrorCodes.CreateUncertain, result.Error!.Code);
        Assert.Equal(0, fake.CountOf(ActivityNames.RefundJob));
    }

    [Theory]
    [InlineData(ProviderStatus.Completed)]
    [InlineData(ProviderStatus.Failed)]
    public async Task Run_AnyEndingAfterCreate_ReleasesTheSlotOnceAndWakesTheNextWaiter(string providerStatus)
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(providerStatus, 100, new JobError("moderation_blocked", "blocked")))
            .Answer(ActivityNames.StoreVideo, Stored())
            .Answer(ActivityNames.ReleaseJob, System.Text.Json.JsonSerializer.SerializeToElement(ThreeWaiters));

        await RunAsync(fake, Input with { SubmittedAt = Start });

        Assert.Equal(1, fake.CountOf(ActivityNames.ReleaseJob));
        Assert.Equal(0, fake.CountOf(ActivityNames.RefundJob));
        // One event per waiter named (the job itself excluded), so that slots freed together are all taken at once.
        Assert.Equal([("job-2", VideoOrchestrator.SlotFreedEvent), ("job-3", VideoOrchestrator.SlotFreedEvent)], fake.SentEvents);
    }

    [Fact]
    public async Task Run_ReplayingAReleaseThatAnsweredOneJob_WakesThatJob()
    {
        // Histories written before a release woke several jobs hold one id (or null) as its answer.
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored())
            .Answer(ActivityNames.ReleaseJob, System.Text.Json.JsonSerializer.SerializeToElement("job-2"));

        await RunAsync(fake, Input with { SubmittedAt = Start });

        Assert.Equal(("job-2", VideoOrchestrator.SlotFreedEvent), Assert.Single(fake.SentEvents));
    }

    [Fact]
    public async Task Run_Timeout_CountsFromAdmissionNotFromTheQueue()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.AdmitJob, new Admission(false, 1, TimeSpan.FromMinutes(30)))
            .Answer(ActivityNames.AdmitJob, new Admission(true, 0, TimeSpan.Zero))
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100))
            .Answer(ActivityNames.StoreVideo, Stored());

        VideoJobResult result = await RunAsync(fake);

        // 30 minutes in the queue is longer than the 10-minute timeout, and the job still completes.
        Assert.Equal(JobStatus.Completed, result.Status);
    }
    // The submission's own create (PipelineOptions.CreateOnSubmit): the job's first attempt, sent 5 s before the
    // orchestration's first step.
    static readonly DateTime SubmittedAt = Start.AddSeconds(-5);

    static VideoJobInput CreatedOnSubmit(CreateVideoResult created) =>
        Input with { Pacing = Pacing with { NeedsAdmission = false }, SubmittedAt = SubmittedAt, CreatedOnSubmit = created };

    [Fact]
    public async Task Run_CreatedOnSubmit_MakesNoCreateAndCountsTheRenderFromTheSubmissionsAnswer()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100) with { Stored = Stored() });

        VideoJobResult result = await RunAsync(fake, CreatedOnSubmit(Created() with { ObservedAt = SubmittedAt.AddSeconds(0.1) }));

        Assert.Equal((JobStatus.Completed, "video_1"), (result.Status, result.ProviderVideoId));
        Assert.Equal(0, fake.CountOf(ActivityNames.CreateVideo));
        Assert.Equal("video_1", Assert.Single(fake.InputsOf<GetVideoInput>(ActivityNames.GetVideo)).ProviderVideoId);
        // The render has run since the submission's create was answered (4.9 s before the first step), not since the
        // orchestration started: the first wait is the policy's for a render 4.9 s old, not for a new one.
        TimeSpan fromSubmission = PollingPolicy.NextDelay(new PollSignal { SinceCreated = TimeSpan.FromSeconds(4.9), Progress = 0 }, Pacing.MinPollInterval, Pacing.MaxPollInterval);
        TimeSpan fromStart = PollingPolicy.NextDelay(new PollSignal { SinceCreated = TimeSpan.Zero, Progress = 0 }, Pacing.MinPollInterval, Pacing.MaxPollInterval);
        Assert.NotEqual(fromStart, fromSubmission);
        Assert.Equal(Start + fromSubmission, fake.Timers[0]);
        Assert.Contains(fake.Statuses, s => s.ProviderVideoId == "video_1");
    }

    [Fact]
    public async Task Run_SubmissionsCreateInDoubt_LooksItUpFromTheSubmission()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start)
            .Answer(ActivityNames.CreateVideo, Created())
            .Answer(ActivityNames.GetVideo, Polled(ProviderStatus.Completed, 100) with { Stored = Stored() });

        VideoJobResult result = await RunAsync(fake, CreatedOnSubmit(new CreateVideoResult(StepOutcome.Retry) { MayHaveReachedProvider = true, Error = new JobError("server_error", "500") }));

        Assert.Equal(JobStatus.Completed, result.Status);
        CreateVideoInput create = Assert.Single(fake.InputsOf<CreateVideoInput>(ActivityNames.CreateVideo));
        Assert.Equal(SubmittedAt, create.LookupSince);
    }

    [Fact]
    public async Task Run_SubmissionsCreateRefusedForGood_FailsWithoutCreatingAgainAndRefunds()
    {
        FakeOrchestrationContext fake = new(Start);

        VideoJobResult result = await RunAsync(fake, CreatedOnSubmit(new CreateVideoResult(StepOutcome.Failed) { Error = new JobError("moderation_blocked", "no") }));

        Assert.Equal((JobStatus.Failed, "moderation_blocked"), (result.Status, result.Error!.Code));
        Assert.Equal(0, fake.CountOf(ActivityNames.CreateVideo));
        Assert.Equal(new RefundJobInput("job-1", SubmittedAt), Assert.Single(fake.InputsOf<RefundJobInput>(ActivityNames.RefundJob)));
    }

    [Fact]
    public async Task Run_CanceledBeforeItsFirstStepWithTheSubmissionsVideo_DeletesItAndKeepsTheCharge()
    {
        FakeOrchestrationContext fake = new FakeOrchestrationContext(Start).Answer(ActivityNames.DeleteVideo, true);
        fake.RequestCancel();

        VideoJobResult result = await RunAsync(fake, CreatedOnSubmit(Created()));

        Assert.Equal((JobStatus.Canceled, "video_1"), (result.Status, result.ProviderVideoId));
        Assert.Equal("video_1", Assert.Single(fake.InputsOf<string>(ActivityNames.DeleteVideo)));
        Assert.Equal(0, fake.CountOf(ActivityNames.CreateVideo));
        Assert.Equal(0, fake.CountOf(ActivityNames.RefundJob));
    }

    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, 1)]
    public async Task Run_CanceledBeforeItsFirstStepAfterTheSubmissionsCreateFailed_RefundsOnlyWhenNoVideoCanExist(bool mayHaveReachedProvider, int refunds)
    {
        FakeOrchestrationContext fake = new(Start);
        fake.RequestCancel();

        VideoJobResult result = await RunAsync(fake, CreatedOnSubmit(new CreateVideoResult(StepOutcome.Retry) { MayHaveReachedProvider = mayHaveReachedProvider }));

        Assert.Equal(JobStatus.Canceled, result.Status);
        Assert.Equal(0, fake.CountOf(ActivityNames.CreateVideo));
        Assert.Equal(refunds, fake.CountOf(ActivityNames.RefundJob));
    }
}
