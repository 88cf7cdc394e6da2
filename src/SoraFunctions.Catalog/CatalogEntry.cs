namespace SoraFunctions.Catalog;

/// <summary>One finished video as recorded in the catalog table.</summary>
public sealed record CatalogEntry
{
    /// <summary>The job id (blob metadata <c>jobid</c>, else the blob's file name without <c>.mp4</c>).</summary>
    public required string JobId { get; init; }

    /// <summary>The blob name inside its container, e.g. <c>2026/11/25/job-1.mp4</c>.</summary>
    public required string BlobName { get; init; }

    /// <summary>The blob URL without any query string (never a SAS).</summary>
    public required string BlobUrl { get; init; }

    /// <summary>The blob container, e.g. <c>videos</c>.</summary>
    public required string Container { get; init; }

    /// <summary>The blob size in bytes.</summary>
    public long ByteSize { get; init; }

    /// <summary>The blob's Content-Type.</summary>
    public string? ContentType { get; init; }

    /// <summary>The movie duration in seconds read from the MP4, when known.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>The video width in pixels read from the MP4, when known.</summary>
    public int? Width { get; init; }

    /// <summary>The video height in pixels read from the MP4, when known.</summary>
    public int? Height { get; init; }

    /// <summary>The model that rendered the video (metadata <c>model</c>).</summary>
    public string? Model { get; init; }

    /// <summary>The requested duration in seconds (metadata <c>seconds</c>).</summary>
    public int? Seconds { get; init; }

    /// <summary>The requested size, e.g. <c>720x1280</c> (metadata <c>size</c>).</summary>
    public string? Size { get; init; }

    /// <summary>The provider's video id (metadata <c>providervideoid</c>).</summary>
    public string? ProviderVideoId { get; init; }

    /// <summary>The job's estimated cost in USD (metadata <c>costusd</c>).</summary>
    public decimal? EstimatedCostUsd { get; init; }

    /// <summary>The job this video remixes (metadata <c>remixof</c>).</summary>
    public string? RemixOf { get; init; }

    /// <summary>The batch the job belongs to (metadata <c>batchid</c>).</summary>
    public string? BatchId { get; init; }

    /// <summary>Links to the renditions stored beside the video, by name (metadata <c>renditions</c>).</summary>
    public IReadOnlyDictionary<string, string>? Renditions { get; init; }

    /// <summary>True when the blob is a complete MP4 with a video track.</summary>
    public bool IsValidMp4 { get; init; }

    /// <summary>Why the blob is not a valid MP4; null when it is.</summary>
    public string? Problem { get; init; }

    /// <summary>When the blob was created (its <c>CreatedOn</c> property); also orders the catalog.</summary>
    public DateTimeOffset BlobCreatedAt { get; init; }

    /// <summary>When this row was written.</summary>
    public DateTimeOffset CatalogedAt { get; init; }
}

/// <summary>A page of catalog entries, newest first.</summary>
/// <param name="Items">The entries of this page.</param>
/// <param name="ContinuationToken">Pass to the next <see cref="VideoCatalog.ListAsync"/> call; null on the last page.</param>
public sealed record CatalogPage(IReadOnlyList<CatalogEntry> Items, string? ContinuationToken);
