using System.ComponentModel.DataAnnotations;

namespace SoraFunctions.Configuration;

/// <summary>How the orchestration paces and bounds a job (configuration section <c>Pipeline</c>).</summary>
public sealed class PipelineOptions : IValidatableObject
{
    public const string SectionName = "Pipeline";

    /// <summary>Shortest wait between two status checks of one job, in seconds.</summary>
    [Range(0.1, 3600)]
    public double MinPollSeconds { get; set; } = 2;

    /// <summary>Longest wait between two status checks of one job, in seconds.</summary>
    [Range(0.1, 3600)]
    public double MaxPollSeconds { get; set; } = 30;

    /// <summary>
    /// With provider webhooks configured or the status sweep on, the shortest wait between status checks, in seconds: a
    /// webhook or the sweep wakes the job when its video ends, and polling is only the safety net for a lost wake-up.
    /// </summary>
    [Range(0.1, 3600)]
    public double WebhookPollSeconds { get; set; } = 60;

    /// <summary>
    /// Seconds between status sweeps; 0 (the default) turns the sweep off. With a provider that can list its videos
    /// (Sora), one sweeper reads the list (one request per 100 videos) and wakes only the jobs whose video ended, and
    /// each job's own checks become the safety net (<see cref="WebhookPollSeconds"/>), as with webhooks.
    /// </summary>
    [Range(0, 3600)]
    public double SweepSeconds { get; set; }

    /// <summary>The most videos one sweep reads from the provider's list (newest first); older ones rely on the safety net.</summary>
    [Range(100, 100_000)]
    public int SweepMaxVideos { get; set; } = 1000;

    /// <summary>A job still unfinished this long after it started ends as failed with code <c>timeout</c>.</summary>
    [Range(0.1, 10080)]
    public double JobTimeoutMinutes { get; set; } = 60;

    /// <summary>Status checks per orchestration generation before <c>ContinueAsNew</c> keeps the history small.</summary>
    [Range(1, 1000)]
    public int ChecksPerGeneration { get; set; } = 20;

    /// <summary>Attempts at creating the provider job before the job fails.</summary>
    [Range(1, 50)]
    public int CreateMaxAttempts { get; set; } = 6;

    /// <summary>Attempts at storing the finished video before the job fails.</summary>
    [Range(1, 50)]
    public int StoreMaxAttempts { get; set; } = 5;

    /// <summary>
    /// What a create does when an earlier attempt may have reached a provider that cannot look videos up:
    /// <see cref="UncertainCreatePolicy.Fail"/> never risks paying twice silently.
    /// </summary>
    public UncertainCreatePolicy UncertainCreate { get; set; } = UncertainCreatePolicy.Fail;

    /// <summary>
    /// Whether <c>POST /api/videos</c> sends the provider's create itself, before it answers, and hands the
    /// orchestration the video: the render starts at once instead of after the orchestration's first steps through
    /// the engine's queues. Only where nothing has to wait first (no <c>Limits</c> cap or pacing), for a job id the
    /// service chose (two submissions with the client's own id may race) and with a provider that can look videos up
    /// (a create in doubt is then looked up by the orchestration, never sent twice). Otherwise the orchestration creates.
    /// </summary>
    public bool CreateOnSubmit { get; set; } = true;

    /// <summary>
    /// Whether whoever notices that a job's video ended (a verified provider webhook, the status sweep) checks it and
    /// stores a completed video right there, then hands the job the stored result, instead of waking the job to check
    /// and store in an activity of its own: a crowd's last steps then skip a status activity's round trip through the
    /// engine's queues. Anything that goes wrong there falls back on waking the job as before.
    /// </summary>
    public bool StoreOnNotice { get; set; } = true;

    /// <summary>
    /// Whether the process that sent a submission's create (<see cref="CreateOnSubmit"/>) then polls that video itself, on
    /// its own timers and by the job's polling policy, and hands the job the end when it sees it (stored, as with
    /// <see cref="StoreOnNotice"/>); the job's own checks meanwhile come only <see cref="WebhookPollSeconds"/> apart, as
    /// the safety net for a watch lost with its process. Polling through the engine waits on its queues for every timer
    /// and every check, which a crowd of jobs fills; the watch does not. Off, or with webhooks or the status sweep
    /// waking jobs, each job polls through the engine as before.
    /// </summary>
    public bool WatchInProcess { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinPollSeconds > MaxPollSeconds)
        {
            yield return new ValidationResult(
                $"{SectionName}:MinPollSeconds ({MinPollSeconds}) must not exceed {SectionName}:MaxPollSeconds ({MaxPollSeconds}).",
                [nameof(MinPollSeconds), nameof(MaxPollSeconds)]);
        }
    }

    /// <summary>The settings the orchestration needs, as the orchestration input carries them.</summary>
    /// <param name="webhooks">Whether webhooks or the status sweep wake jobs: polling then waits at least <see cref="WebhookPollSeconds"/>.</param>
    public Jobs.JobPacing ToPacing(bool webhooks = false) => new(
        TimeSpan.FromSeconds(webhooks ? Math.Max(MinPollSeconds, WebhookPollSeconds) : MinPollSeconds),
        TimeSpan.FromSeconds(webhooks ? Math.Max(MaxPollSeconds, WebhookPollSeconds) : MaxPollSeconds),
        TimeSpan.FromMinutes(JobTimeoutMinutes),
        ChecksPerGeneration,
        CreateMaxAttempts,
        StoreMaxAttempts)
    {
        WholeSecondTimers = true,
        CancelBeforeCreate = true,
        AimAtEnd = true,
    };
}

/// <summary>See <see cref="PipelineOptions.UncertainCreate"/>.</summary>
public enum UncertainCreatePolicy
{
    /// <summary>The job fails with <c>create_uncertain</c>, saying a video may exist at the provider.</summary>
    Fail,

    /// <summary>Create again, accepting that the provider may bill two videos.</summary>
    Retry,
}
