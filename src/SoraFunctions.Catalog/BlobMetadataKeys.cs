namespace SoraFunctions.Catalog;

/// <summary>The metadata the pipeline writes on every stored video and the catalog reads back (Event Grid carries none).</summary>
public static class BlobMetadataKeys
{
    public const string JobId = "jobid";
    public const string ProviderVideoId = "providervideoid";
    public const string Model = "model";
    public const string Seconds = "seconds";
    public const string Size = "size";

    /// <summary>The estimated cost in USD, invariant culture.</summary>
    public const string CostUsd = "costusd";

    /// <summary>The job whose video this one remixes.</summary>
    public const string RemixOf = "remixof";

    /// <summary>The batch the job is an item of.</summary>
    public const string BatchId = "batchid";

    /// <summary>The renditions stored beside the video (comma-separated names, e.g. <c>thumbnail,spritesheet</c>).</summary>
    public const string Renditions = "renditions";
}

/// <summary>The renditions a video may have beside it: the blob extension and content type of each, by name.</summary>
public static class RenditionFiles
{
    public static IReadOnlyDictionary<string, (string Extension, string ContentType)> Known { get; } =
        new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            ["thumbnail"] = (".webp", "image/webp"),
            ["spritesheet"] = (".jpg", "image/jpeg"),
        };

    /// <summary>The rendition's blob name beside the video's (<c>….mp4</c> → <c>….webp</c>).</summary>
    public static string Beside(string videoBlobName, string extension)
    {
        ArgumentNullException.ThrowIfNull(videoBlobName);
        return string.Concat(videoBlobName.AsSpan(0, videoBlobName.Length - ".mp4".Length), extension);
    }
}
