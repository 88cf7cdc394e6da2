namespace SoraEmulator.Jobs;

/// <summary>
/// One video job (a Sora video or a Runway task). Its status is a pure function of the clock; the only background
/// work is the webhook timer, which reads <see cref="FinishesAt"/>. The render settings are fixed when the job is
/// created. A <c>throttled=S</c> job waits S seconds before its render time starts.
/// </summary>
sealed class VideoJob
{
    int highestProgress;

    public VideoJob(VideoRecord record, VideoSpec spec, PromptDirectives directives, TimeSpan renderTime,
        double queuedFraction, TimeSpan expiresAfter, string? remixedFromVideoId)
    {
        Record = record;
        Spec = spec;
        Directives = directives;
        RenderTime = renderTime;
        ThrottleTime = ThrottleOf(directives);
        QueuedTime = renderTime * queuedFraction;
        ExpiresAfter = expiresAfter;
        RemixedFromVideoId = remixedFromVideoId;
    }

    public VideoRecord Record { get; }
    public string Id => Record.Id;
    public long Sequence => Record.Sequence;
    public DateTimeOffset CreatedAt => Record.CreatedAt;
    public VideoSpec Spec { get; }
    public PromptDirectives Directives { get; }
    public TimeSpan RenderTime { get; }
    public TimeSpan ThrottleTime { get; }
    public TimeSpan QueuedTime { get; }
    public TimeSpan ExpiresAfter { get; }
    public string? RemixedFromVideoId { get; }

    /// <summary>The failure time (half the render time) of a job told to fail.</summary>
    TimeSpan FailTime => RenderTime / 2;

    /// <summary>When the job completes or fails; null for a stalled job.</summary>
    public DateTimeOffset? FinishesAt => Record.FinishesAt;

    /// <summary>The exact completion time; null for a job that fails or stalls.</summary>
    public static DateTimeOffset? CompletionOf(DateTimeOffset createdAt, TimeSpan renderTime, PromptDirectives directives) =>
        directives.FailCode is null && !directives.Stall ? createdAt + ThrottleOf(directives) + renderTime : null;

    /// <summary>The time the job completes or fails; null when it stalls (a stalled job never finishes).</summary>
    public static DateTimeOffset? FinishOf(DateTimeOffset createdAt, TimeSpan renderTime, PromptDirectives directives) =>
        directives.FailCode is not null ? createdAt + ThrottleOf(directives) + renderTime / 2
        : directives.Stall ? null
        : createdAt + ThrottleOf(directives) + renderTime;

    static TimeSpan ThrottleOf(PromptDirectives directives) => TimeSpan.FromSeconds(directives.ThrottledSeconds ?? 0);

    /// <summary>The state of the job at <paramref name="now"/>.</summary>
    public VideoState Observe(DateTimeOffset now)
    {
        TimeSpan elapsed = now - CreatedAt - ThrottleTime;
        if (now - CreatedAt < ThrottleTime)
        {
            return new VideoState(VideoStatus.Throttled, Ratchet(0), null, null, null);
        }

        if (elapsed < TimeSpan.Zero)
        {
            elapsed = TimeSpan.Zero;
        }

        if (Directives.FailCode is { } code && elapsed >= FailTime)
        {
            return new VideoState(VideoStatus.Failed, Ratchet(ProgressAt(FailTime)), null, null, code);
        }

        if (Directives.Stall)
        {
            TimeSpan stalled = elapsed < FailTime ? elapsed : FailTime;
            return new VideoState(StatusAt(stalled), Ratchet(Math.Min(50, ProgressAt(stalled))), null, null, null);
        }

        if (elapsed >= RenderTime)
        {
            DateTimeOffset completedAt = CreatedAt + ThrottleTime + RenderTime;
            return new VideoState(VideoStatus.Completed, Ratchet(100), completedAt, completedAt + ExpiresAfter, null);
        }

        return new VideoState(StatusAt(elapsed), Ratchet(ProgressAt(elapsed)), null, null, null);
    }

    VideoStatus StatusAt(TimeSpan elapsed) =>
        elapsed < QueuedTime || RenderTime <= TimeSpan.Zero ? VideoStatus.Queued : VideoStatus.InProgress;

    int ProgressAt(TimeSpan elapsed)
    {
        if (elapsed < QueuedTime || RenderTime <= TimeSpan.Zero)
        {
            return 0;
        }

        return (int)Math.Min(99, Math.Floor(100 * elapsed.Ticks / (double)RenderTime.Ticks));
    }

    /// <summary>Progress never goes down, whatever the clock does.</summary>
    int Ratchet(int progress)
    {
        while (true)
        {
            int seen = Volatile.Read(ref highestProgress);
            if (progress <= seen)
            {
                return seen;
            }

            if (Interlocked.CompareExchange(ref highestProgress, progress, seen) == seen)
            {
                return progress;
            }
        }
    }
}

/// <summary>What the client asked for (after defaults).</summary>
sealed record VideoSpec(string Prompt, string Model, string Seconds, string Size);

enum VideoStatus
{
    Throttled,
    Queued,
    InProgress,
    Completed,
    Failed,
}

sealed record VideoState(
    VideoStatus Status,
    int Progress,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? ExpiresAt,
    string? ErrorCode);
