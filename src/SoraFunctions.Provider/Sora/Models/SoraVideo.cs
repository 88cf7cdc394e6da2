namespace SoraFunctions.Provider.Sora;

/// <summary>The project's model of the Videos API video object (snake_case on the wire).</summary>
public sealed record SoraVideo
{
    /// <summary>The provider's video id (<c>video_...</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The model that renders the video.</summary>
    public string? Model { get; init; }

    /// <summary>The status exactly as the provider sent it.</summary>
    public required string RawStatus { get; init; }

    /// <summary>The parsed status; <see cref="SoraVideoStatus.Unknown"/> for a value this client does not know.</summary>
    public SoraVideoStatus Status { get; init; }

    /// <summary>Approximate completion percentage.</summary>
    public int? Progress { get; init; }

    /// <summary>When the job was created.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>When the job completed.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>When the downloadable assets expire.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The clip length in seconds (a string on the wire; a number is tolerated).</summary>
    public string? Seconds { get; init; }

    /// <summary>The frame size, <c>WIDTHxHEIGHT</c>.</summary>
    public string? Size { get; init; }

    /// <summary>The prompt as echoed by the provider.</summary>
    public string? Prompt { get; init; }

    /// <summary>The source video of a remix.</summary>
    public string? RemixedFromVideoId { get; init; }

    /// <summary>Why the job failed (status <c>failed</c>), for example code <c>moderation_blocked</c>.</summary>
    public SoraVideoError? Error { get; init; }

    /// <summary>True when the job will not change any more: completed, failed, cancelled or expired.</summary>
    public bool IsTerminal => Status is SoraVideoStatus.Completed or SoraVideoStatus.Failed or SoraVideoStatus.Cancelled or SoraVideoStatus.Expired;
}

/// <summary>The status of a video job.</summary>
public enum SoraVideoStatus
{
    /// <summary>A status this client does not know (kept in <see cref="SoraVideo.RawStatus"/>).</summary>
    Unknown,

    /// <summary><c>queued</c>.</summary>
    Queued,

    /// <summary><c>in_progress</c>.</summary>
    InProgress,

    /// <summary><c>completed</c>: the content can be downloaded.</summary>
    Completed,

    /// <summary><c>failed</c>: see <see cref="SoraVideo.Error"/>.</summary>
    Failed,

    /// <summary><c>cancelled</c> or <c>canceled</c> (gateways).</summary>
    Cancelled,

    /// <summary><c>expired</c> (batch output, gateways).</summary>
    Expired,
}

/// <summary>The error of a failed video job.</summary>
/// <param name="Code">The provider's code, for example <c>moderation_blocked</c>.</param>
/// <param name="Message">The provider's message.</param>
public sealed record SoraVideoError(string? Code, string? Message);
