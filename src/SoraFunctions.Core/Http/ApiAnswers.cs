namespace SoraFunctions.Http;

/// <summary>
/// The <c>POST /api/videos</c> answer: the job, its own URLs, and the Durable management URLs where the host offers
/// them without a secret (the local host; the Functions app only when <c>Videos__DurableManagementUrls</c> is on, as
/// its URLs carry the extension's system key). <c>statusQueryGetUri</c> is always there, so Durable clients work.
/// </summary>
public sealed record SubmitResponse
{
    public SubmitResponse(JobView job, Uri jobUri, DurableManagementUrls? durable)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(jobUri);
        Id = job.Id;
        Status = job.Status;
        Progress = job.Progress;
        Model = job.Model;
        Seconds = job.Seconds;
        Size = job.Size;
        EstimatedCostUsd = job.EstimatedCostUsd;
        ProviderVideoId = job.ProviderVideoId;
        CreatedAt = job.CreatedAt;
        StatusUri = jobUri.AbsoluteUri;
        ContentUri = jobUri.AbsoluteUri + "/content";
        StatusQueryGetUri = durable?.StatusQueryGetUri ?? jobUri.AbsoluteUri;
        SendEventPostUri = durable?.SendEventPostUri;
        TerminatePostUri = durable?.TerminatePostUri;
        PurgeHistoryDeleteUri = durable?.PurgeHistoryDeleteUri;
        SuspendPostUri = durable?.SuspendPostUri;
        ResumePostUri = durable?.ResumePostUri;
    }

    public string Id { get; }
    public string Status { get; }
    public int? Progress { get; }
    public string? Model { get; }
    public string? Seconds { get; }
    public string? Size { get; }
    public decimal? EstimatedCostUsd { get; }

    /// <summary>The provider's video, when the submission created it (<c>Pipeline:CreateOnSubmit</c>); else absent.</summary>
    public string? ProviderVideoId { get; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The job (<c>GET</c>; <c>DELETE</c> cancels it).</summary>
    public string StatusUri { get; }

    /// <summary>The finished MP4.</summary>
    public string ContentUri { get; }
    public string StatusQueryGetUri { get; }
    public string? SendEventPostUri { get; }
    public string? TerminatePostUri { get; }
    public string? PurgeHistoryDeleteUri { get; }
    public string? SuspendPostUri { get; }
    public string? ResumePostUri { get; }
}

/// <summary>A page of <c>GET /api/videos</c>; <see cref="ContinuationToken"/> fetches the next one.</summary>
public sealed record JobList(IReadOnlyList<JobView> Items, string? ContinuationToken);

/// <summary>An image uploaded for image-to-video: what it is, and its bytes (bounded by <c>Videos__MaxImageBytes</c>).</summary>
public sealed record ImageUpload(ImageInfo Info, BinaryData Content);

/// <summary>The <c>GET /api/models</c> answer.</summary>
public sealed record ModelsAnswer(
    string Provider,
    string DefaultModel,
    string DefaultSeconds,
    string DefaultSize,
    int MaxPromptLength,
    IReadOnlyList<ModelInfo> Models,
    ModelCapabilities Capabilities);

/// <summary>A model with its sizes and durations, and the estimated price per second of each size.</summary>
public sealed record ModelInfo(string Name, IReadOnlyList<string> Sizes, IReadOnlyList<string> Seconds, IReadOnlyDictionary<string, decimal> UsdPerSecond);

/// <summary>The optional features this deployment offers; a page hides what is off.</summary>
public sealed record ModelCapabilities(bool Batches, bool ImageInput, bool Remix, bool Renditions, bool Webhooks);
