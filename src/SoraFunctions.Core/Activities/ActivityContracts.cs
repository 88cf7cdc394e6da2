using System.Text.Json;
using System.Text.Json.Serialization;
using SoraFunctions.Jobs;

namespace SoraFunctions.Activities;

/// <summary>The names the orchestrator calls activities by; both hosts register them under these names.</summary>
public static class ActivityNames
{
    public const string CreateVideo = "CreateVideo";
    public const string GetVideo = "GetVideo";
    public const string StoreVideo = "StoreVideo";
    public const string DeleteVideo = "DeleteVideo";
    public const string AdmitJob = "AdmitJob";
    public const string ReleaseJob = "ReleaseJob";
    public const string RefundJob = "RefundJob";
    public const string SweepProvider = "SweepProvider";
}

/// <summary>How an activity's call to the provider or storage ended.</summary>
public enum StepOutcome
{
    /// <summary>It worked.</summary>
    Succeeded,

    /// <summary>A transient failure: try again later (after <see cref="StepResult.RetryAfter"/> when given).</summary>
    Retry,

    /// <summary>A failure that retrying cannot fix.</summary>
    Failed,
}

/// <summary>The parts every activity answer has.</summary>
public abstract record StepResult(StepOutcome Outcome)
{
    /// <summary>The wait the provider asked for (Retry-After), if any.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>What went wrong, for <see cref="StepOutcome.Retry"/> and <see cref="StepOutcome.Failed"/>.</summary>
    public JobError? Error { get; init; }
}

/// <summary>The provider's view of a video, small enough for orchestration history.</summary>
public sealed record ProviderVideo(
    string Id,
    string Status,
    int? Progress,
    DateTime? CreatedAt,
    DateTime? CompletedAt,
    DateTime? ExpiresAt,
    JobError? Error);

/// <summary>Provider statuses as <see cref="ProviderVideo.Status"/> carries them.</summary>
public static class ProviderStatus
{
    public const string Queued = "queued";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";
    public const string Unknown = "unknown";
}

/// <param name="JobId">The job (orchestration instance) id.</param>
/// <param name="Spec">What to make.</param>
/// <param name="LookupSince">
/// Set when an earlier attempt may have reached the provider: look for a video this job already created
/// (same prompt, model, size and duration, created since this time) before creating another.
/// </param>
public sealed record CreateVideoInput(string JobId, VideoSpec Spec, DateTime? LookupSince)
{
    /// <summary>The provider video to remix instead of creating from the prompt alone.</summary>
    public string? RemixOfVideoId { get; init; }

    /// <summary>The stored input image (a blob name in the inputs container) to animate.</summary>
    public string? InputImageBlob { get; init; }
}

public sealed record CreateVideoResult(StepOutcome Outcome) : StepResult(Outcome)
{
    public ProviderVideo? Video { get; init; }

    /// <summary>True when the video was found by the lookup rather than created by this attempt.</summary>
    public bool Adopted { get; init; }

    /// <summary>
    /// When the provider answered a create that made the video, by the activity's clock: the start of the render's
    /// progress for the orchestration's estimates (null for an adopted video, and in older histories).
    /// </summary>
    public DateTimeOffset? ObservedAt { get; init; }

    /// <summary>True when a failed attempt may still have created a video at the provider.</summary>
    public bool MayHaveReachedProvider { get; init; }

    /// <summary>True when the provider answered 429: everyone's creates should slow down, not just this job's.</summary>
    public bool RateLimited { get; init; }

    /// <summary>The provider's <c>openai-poll-after-ms</c>, if sent.</summary>
    public TimeSpan? PollAfter { get; init; }
}

/// <summary>
/// A status check, and where to store the video if the check finds it completed: storing in the same activity saves
/// the job an activity and an orchestration episode, and the wait between them. Histories and queued messages from
/// before the store was folded in carry the provider's video id alone, as a JSON string; both shapes read.
/// </summary>
[JsonConverter(typeof(GetVideoInputConverter))]
public sealed record GetVideoInput(string ProviderVideoId)
{
    /// <summary>Where to store the video once the check sees it completed; null checks only.</summary>
    public StoreVideoInput? StoreIfCompleted { get; init; }

    /// <summary>
    /// When the check is aimed at (UTC): the activity waits until then, at most <see cref="MaxWait"/>, before asking the
    /// provider. Its timer was due <see cref="Orchestration.PollingPolicy.AimedTimerLead"/> earlier, so that the
    /// engine's timer rounding and queue polling fall inside the wait instead of after the video's end.
    /// </summary>
    public DateTime? NotBefore { get; init; }

    /// <summary>
    /// The orchestration's last reading of the render (the create's answer counts as 0 %). When the provider's answer
    /// shows the render ending within <see cref="MaxWait"/> at the rate since then, the activity waits for the end and
    /// asks once more (<see cref="GetVideoResult.Rechecked"/>), instead of a round trip through the engine's queues,
    /// which in a crowd takes longer than the wait. Null asks once.
    /// </summary>
    public ProgressReading? LastReading { get; init; }

    /// <summary>
    /// The longest a check waits, for its aimed time (more means a skewed clock: then it checks at once) or for an end
    /// it saw coming.
    /// </summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(3);
}

/// <summary>A render's progress as the provider reported it, and when (UTC).</summary>
public sealed record ProgressReading(int Progress, DateTime At);

/// <summary>Reads a <see cref="GetVideoInput"/> written as an object, or as the bare video id of older histories.</summary>
public sealed class GetVideoInputConverter : JsonConverter<GetVideoInput>
{
    public override GetVideoInput? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new GetVideoInput(reader.GetString()!);
        }

        Shape shape = JsonSerializer.Deserialize<Shape>(ref reader, options) ?? throw new JsonException("A status check needs its provider video id.");
        return string.IsNullOrEmpty(shape.ProviderVideoId)
            ? throw new JsonException("A status check needs its provider video id.")
            : new GetVideoInput(shape.ProviderVideoId) { StoreIfCompleted = shape.StoreIfCompleted, NotBefore = shape.NotBefore, LastReading = shape.LastReading };
    }

    public override void Write(Utf8JsonWriter writer, GetVideoInput value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        JsonSerializer.Serialize(writer, new Shape(value.ProviderVideoId, value.StoreIfCompleted) { NotBefore = value.NotBefore, LastReading = value.LastReading }, options);
    }

    sealed record Shape(string ProviderVideoId, StoreVideoInput? StoreIfCompleted)
    {
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public DateTime? NotBefore { get; init; }

        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public ProgressReading? LastReading { get; init; }
    }
}

public sealed record GetVideoResult(StepOutcome Outcome) : StepResult(Outcome)
{
    public ProviderVideo? Video { get; init; }

    public TimeSpan? PollAfter { get; init; }

    /// <summary>
    /// When the provider answered, by the activity's clock. The orchestration estimates the render's end from it
    /// rather than from when it saw the answer, which under load comes seconds later (null in older histories).
    /// </summary>
    public DateTimeOffset? ObservedAt { get; init; }

    /// <summary>
    /// True when the first answer showed the render about to end and the activity asked again after waiting for it
    /// (<see cref="GetVideoInput.LastReading"/>): two status calls, and the answer is the second one's when it succeeded.
    /// </summary>
    public bool Rechecked { get; init; }

    /// <summary>
    /// What storing the video in the same activity gave, when the check found it completed and was asked to store;
    /// null when it did not try (the orchestrator then calls <see cref="ActivityNames.StoreVideo"/> itself).
    /// </summary>
    public StoreVideoResult? Stored { get; init; }
}

/// <summary>
/// What a job's <c>provider-event</c> carries when whoever noticed its video's end (a provider webhook, the status sweep)
/// also stored it there (<see cref="Configuration.PipelineOptions.StoreOnNotice"/>): the ended video and the store's
/// result, so the job ends in the episode that reads it, with no status check or store activity of its own.
/// </summary>
/// <param name="Video">The video as the provider last answered it, ended.</param>
public sealed record NoticedVideo(ProviderVideo Video)
{
    /// <summary>The store's result when the video completed and was stored; null when it was not (the job then stores).</summary>
    public StoreVideoResult? Stored { get; init; }

    /// <summary>When the provider answered the status call that noticed the end; null when the status sweep's list did.</summary>
    public DateTimeOffset? ObservedAt { get; init; }

    /// <summary>
    /// Status calls the noticer made before the one that saw the end (the in-process watch's, <see cref="Orchestration.VideoWatch"/>),
    /// which the job counts as its own; 0 for a webhook or the sweep.
    /// </summary>
    public int EarlierChecks { get; init; }
}

public sealed record StoreVideoInput(string JobId, string ProviderVideoId, string BlobName, VideoSpec Spec)
{
    /// <summary>Renditions to store beside the MP4, each committed once like the MP4.</summary>
    public IReadOnlyList<string> Renditions { get; init; } = [];

    /// <summary>Extra blob metadata (cost, remix source, batch).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

public sealed record StoreVideoResult(StepOutcome Outcome) : StepResult(Outcome)
{
    public BlobLocation? Blob { get; init; }

    public long Bytes { get; init; }

    /// <summary>True when an earlier attempt had already committed the blob and this one changed nothing.</summary>
    public bool AlreadyStored { get; init; }

    public IReadOnlyDictionary<string, BlobLocation>? Renditions { get; init; }
}
