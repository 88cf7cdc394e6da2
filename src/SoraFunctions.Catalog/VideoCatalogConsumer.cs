using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;

namespace SoraFunctions.Catalog;

/// <summary>
/// The reference consumer of finished videos: for each committed <c>.mp4</c> blob it reads the blob's
/// properties and metadata, inspects the MP4 through ranged reads and records one catalog row.
/// Safe to run again for the same blob (a redelivered event): the row is replaced, not duplicated.
/// </summary>
public sealed class VideoCatalogConsumer
{
    readonly VideoCatalog catalog;
    readonly TimeProvider timeProvider;
    readonly ILogger<VideoCatalogConsumer> logger;
    readonly Mp4InspectorOptions inspectorOptions;

    /// <summary>Creates the consumer.</summary>
    public VideoCatalogConsumer(
        VideoCatalog catalog,
        TimeProvider timeProvider,
        ILogger<VideoCatalogConsumer> logger,
        Mp4InspectorOptions? inspectorOptions = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        this.catalog = catalog;
        this.timeProvider = timeProvider;
        this.logger = logger;
        this.inspectorOptions = inspectorOptions ?? Mp4InspectorOptions.Default;
    }

    /// <summary>
    /// Catalogs <paramref name="blob"/>. Returns the recorded entry, or null when the blob is not an
    /// <c>.mp4</c> or no longer exists (both are logged and skipped, not retried).
    /// </summary>
    public async Task<CatalogEntry?> HandleAsync(BlobClient blob, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (!blob.Name.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase))
        {
            logger.LogDebug("Skipping blob {Container}/{BlobName}: not an .mp4", blob.BlobContainerName, blob.Name);
            return null;
        }

        Azure.Storage.Blobs.Models.BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            logger.LogWarning("Skipping blob {Container}/{BlobName}: it no longer exists", blob.BlobContainerName, blob.Name);
            return null;
        }

        Mp4Info info = await Mp4Inspector.InspectAsync(
            properties.ContentLength,
            BlobRangeReader.Create(blob, properties.ETag),
            inspectorOptions,
            cancellationToken).ConfigureAwait(false);

        IDictionary<string, string> metadata = properties.Metadata;
        var entry = new CatalogEntry
        {
            JobId = Metadata(metadata, BlobMetadataKeys.JobId) ?? JobIdFromName(blob.Name),
            BlobName = blob.Name,
            BlobUrl = WithoutQuery(blob.Uri),
            Container = blob.BlobContainerName,
            ByteSize = properties.ContentLength,
            ContentType = properties.ContentType,
            DurationSeconds = info.Duration?.TotalSeconds,
            Width = info.Width,
            Height = info.Height,
            Model = Metadata(metadata, BlobMetadataKeys.Model),
            Seconds = int.TryParse(Metadata(metadata, BlobMetadataKeys.Seconds), NumberStyles.Integer, CultureInfo.InvariantCulture, out int seconds) ? seconds : null,
            Size = Metadata(metadata, BlobMetadataKeys.Size),
            ProviderVideoId = Metadata(metadata, BlobMetadataKeys.ProviderVideoId),
            EstimatedCostUsd = decimal.TryParse(Metadata(metadata, BlobMetadataKeys.CostUsd), NumberStyles.Number, CultureInfo.InvariantCulture, out decimal cost) ? cost : null,
            RemixOf = Metadata(metadata, BlobMetadataKeys.RemixOf),
            BatchId = Metadata(metadata, BlobMetadataKeys.BatchId),
            Renditions = RenditionLinks(blob.Uri, Metadata(metadata, BlobMetadataKeys.Renditions)),
            IsValidMp4 = info.IsValid,
            Problem = info.Problem,
            BlobCreatedAt = properties.CreatedOn,
            CatalogedAt = timeProvider.GetUtcNow(),
        };

        await catalog.UpsertAsync(entry, cancellationToken).ConfigureAwait(false);

        if (info.IsValid)
        {
            logger.LogInformation(
                "Cataloged video {JobId} ({BlobName}): {Width}x{Height}, {DurationSeconds} s, {ByteSize} bytes",
                entry.JobId,
                entry.BlobName,
                entry.Width,
                entry.Height,
                entry.DurationSeconds,
                entry.ByteSize);
        }
        else
        {
            logger.LogWarning(
                "Cataloged invalid video {JobId} ({BlobName}, {ByteSize} bytes): {Problem}",
                entry.JobId,
                entry.BlobName,
                entry.ByteSize,
                entry.Problem);
        }

        return entry;
    }

    /// <summary>The renditions the pipeline stored before the video, linked beside it.</summary>
    static Dictionary<string, string>? RenditionLinks(Uri video, string? names)
    {
        if (string.IsNullOrEmpty(names))
        {
            return null;
        }

        string url = WithoutQuery(video);
        return names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(RenditionFiles.Known.ContainsKey)
            .ToDictionary(n => n, n => RenditionFiles.Beside(url, RenditionFiles.Known[n].Extension), StringComparer.Ordinal);
    }

    static string? Metadata(IDictionary<string, string> metadata, string key)
    {
        if (metadata.TryGetValue(key, out string? value))
        {
            return string.IsNullOrEmpty(value) ? null : value;
        }

        foreach (KeyValuePair<string, string> pair in metadata)
        {
            if (string.Equals(pair.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return string.IsNullOrEmpty(pair.Value) ? null : pair.Value;
            }
        }

        return null;
    }

    static string JobIdFromName(string blobName)
    {
        string fileName = blobName[(blobName.LastIndexOf('/') + 1)..];
        return fileName[..^".mp4".Length];
    }

    static string WithoutQuery(Uri uri) =>
        uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
}
