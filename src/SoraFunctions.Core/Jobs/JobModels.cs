using System.Text.Json.Serialization;

namespace SoraFunctions.Jobs;

/// <summary>What a job is asked to make, as validated from <c>POST /api/videos</c>.</summary>
public sealed record VideoSpec(string Prompt, string Model, string Seconds, string Size);

/// <summary>How the orchestration paces and bounds a job; an input so that tests can make it fast.</summary>
public sealed record JobPacing(
    TimeSpan MinPollInterval,
    TimeSpan MaxPollInterval,
    TimeSpan Timeout,
    int ChecksPerGeneration,
    int CreateMaxAttempts,
    int StoreMaxAttempts)
{
    /// <summary>
    /// Whether the job takes a provider slot and a create token before creating (the <c>Limits</c> cap or pacing is on).
    /// Without either there is nothing to wait for, and the job skips the admission and release activities.
    /// </summary>
    public bool NeedsAdmission { get; init; } = true;

    /// <summary>
    /// Whether waits ask the engine for whole seconds and wait out a timer that fired before it was due
    /// (<see cref="Orchestration.TimerRounding"/>). False in histories written before that, which then replay the
    /// single timer they had; every new job sets it.
    /// </summary>
    public bool WholeSecondTimers { get; init; }

    /// <summary>
    /// Whether a cancel that arrives while the job is being admitted stops it before the create. False in histories
    /// written before that (they created, then deleted the video), which then replay as they ran; every new job sets it.
    /// </summary>
    public bool CancelBeforeCreate { get; init; }

    /// <summary>
    /// Whether the check after which the render is estimated to end is aimed just past that end
    /// (<see cref="Orchestration.PollingPolicy.AimedCheck"/>), and each check carries the last reading so that the
    /// activity waits for an end it sees coming (<c>GetVideoInput.LastReading</c>). False in histories written before
    /// that, which then replay the checks they made; every new job sets it.
    /// </summary>
    public bool AimAtEnd { get; init; }
}

/// <summary>The orchestration input: the job, its pacing, and (after <c>ContinueAsNew</c>) where it got to.</summary>
public sealed record VideoJobInput(string JobId, VideoSpec Spec, JobPacing Pacing)
{
    /// <summary>Null on the first generation; carried across <c>ContinueAsNew</c> afterwards.</summary>
    public JobProgress? Progress { get; init; }

    /// <summary>Who asked: only they (and admins) see the job.</summary>
    public string Caller { get; init; } = "anonymous";

    /// <summary>The cost the price table gave at submission, charged to the caller's budget then.</summary>
    public decimal? EstimatedCostUsd { get; init; }

    /// <summary>When the budget was charged; a refund goes back to that day.</summary>
    public DateTimeOffset? SubmittedAt { get; init; }

    /// <summary>The job whose video this one remixes, and that video at the provider.</summary>
    public RemixSource? RemixOf { get; init; }

    /// <summary>The blob (in the inputs container) holding the image this video starts from, for image-to-video.</summary>
    public string? InputImageBlob { get; init; }

    /// <summary>Renditions to store beside the MP4 (<see cref="Providers.Renditions"/>).</summary>
    public IReadOnlyList<string> Renditions { get; init; } = [];

    /// <summary>The batch this job is an item of.</summary>
    public string? BatchId { get; init; }

    /// <summary>Generations that ended waiting for admission (<c>ContinueAsNew</c> while queued); 0 on the first.</summary>
    public int QueuedGenerations { get; init; }

    /// <summary>
    /// What the submission's own create got (<see cref="Configuration.PipelineOptions.CreateOnSubmit"/>): the job's first
    /// create attempt, sent at <see cref="SubmittedAt"/>. Null when the orchestration creates, and in older histories.
    /// </summary>
    public Activities.CreateVideoResult? CreatedOnSubmit { get; init; }
}

/// <summary>What a remix starts from: the source job and its video at the provider.</summary>
public sealed record RemixSource(
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("providerVideoId")] string ProviderVideoId);

/// <summary>The state a job carries from one orchestration generation to the next.</summary>
public sealed record JobProgress(
    DateTime StartedAt,
    DateTime Deadline,
    string BlobName,
    string ProviderVideoId,
    DateTime ProviderCreatedAt,
    int Checks,
    int? ProgressPercent,
    string Status)
{
    /// <summary>When the job got its provider slot; the timeout counts from here, not from a wait in the queue.</summary>
    public DateTime AdmittedAt { get; init; }

    /// <summary>When the provider's view was last read (the creation counts as the first reading).</summary>
    public DateTime ObservedAt { get; init; }

    /// <summary>The progress and time of the reading before the last one, for the rate estimate.</summary>
    public int PreviousProgress { get; init; }

    public DateTime PreviousObservedAt { get; init; }

    /// <summary>
    /// The status checks' backoff, carried across <c>ContinueAsNew</c> so that a new generation keeps backing off and
    /// honours a provider's <c>Retry-After</c>: failed checks in a row, the last <c>Retry-After</c> and poll hint.
    /// </summary>
    public int ConsecutiveFailures { get; init; }

    public TimeSpan? RetryAfter { get; init; }

    public TimeSpan? PollAfter { get; init; }

    /// <summary>Whether the last check was aimed at the estimated end: the next one is not (see <see cref="JobPacing.AimAtEnd"/>).</summary>
    public bool LastCheckAimed { get; init; }
}

/// <summary>The small JSON the orchestration keeps in its custom status while it runs.</summary>
public sealed record JobCustomStatus(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("progress")] int? Progress,
    [property: JsonPropertyName("providerVideoId")] string? ProviderVideoId,
    [property: JsonPropertyName("checks")] int Checks,
    [property: JsonPropertyName("nextCheckAt")] DateTime? NextCheckAt,
    [property: JsonPropertyName("startedAt")] DateTime StartedAt)
{
    /// <summary>The job's place in the queue for a provider slot (1 = next), while it waits for one.</summary>
    [JsonPropertyName("queuePosition")]
    public int? QueuePosition { get; init; }
}

/// <summary>Where a finished video is stored.</summary>
public sealed record BlobLocation(
    [property: JsonPropertyName("container")] string Container,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("url")] string Url);

/// <summary>Why a job failed: a provider error code (e.g. <c>moderation_blocked</c>) or one of ours (e.g. <c>timeout</c>).</summary>
public sealed record JobError(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);

/// <summary>The orchestration output.</summary>
public sealed record VideoJobResult([property: JsonPropertyName("status")] string Status)
{
    [JsonPropertyName("providerVideoId")]
    public string? ProviderVideoId { get; init; }

    [JsonPropertyName("blob")]
    public BlobLocation? Blob { get; init; }

    [JsonPropertyName("bytes")]
    public long? Bytes { get; init; }

    [JsonPropertyName("error")]
    public JobError? Error { get; init; }

    [JsonPropertyName("checks")]
    public int Checks { get; init; }

    [JsonPropertyName("completedAt")]
    public DateTime? CompletedAt { get; init; }

    /// <summary>The renditions stored beside the MP4, by name.</summary>
    [JsonPropertyName("renditions")]
    public IReadOnlyDictionary<string, BlobLocation>? Renditions { get; init; }
}

/// <summary>The job statuses of the HTTP API.</summary>
public static class JobStatus
{
    public const string Queued = "queued";
    public const string InProgress = "in_progress";
    public const string Storing = "storing";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Canceled = "canceled";

    public static bool IsTerminal(string status) => status is Completed or Failed or Canceled;
}

/// <summary>Error codes of our own (provider codes pass through unchanged).</summary>
public static class JobErrorCodes
{
    public const string Timeout = "timeout";
    public const string ProviderUnavailable = "provider_unavailable";
    public const string ProviderRejected = "provider_rejected";
    public const string ProviderCanceled = "provider_canceled";
    public const string Expired = "expired";
    public const string StoreFailed = "store_failed";
    public const string VideoTooLarge = "video_too_large";
    public const string Internal = "internal_error";
    public const string CreateUncertain = "create_uncertain";
}
