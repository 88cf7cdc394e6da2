using Azure;
using Azure.Storage.Blobs;
using SoraFunctions.Catalog;
using SoraFunctions.Storage;

namespace SoraFunctions.LocalHost.Catalog;

/// <summary>
/// The local host's stand-in for the Event Grid system topic: it hands each committed video straight to
/// <see cref="VideoCatalogConsumer"/>, which is what the Functions app's Event Grid-sourced blob trigger calls
/// with the blob of a <c>BlobCreated</c> event. A consumer failure is logged and does not fail the job, as a
/// failed Event Grid delivery would not.
/// </summary>
public sealed class InProcessVideoStoredNotifier(
    BlobServiceClient blobService, VideoCatalogConsumer consumer, ILogger<InProcessVideoStoredNotifier> logger) : IVideoStoredNotifier
{
    /// <inheritdoc />
    public async Task OnVideoStoredAsync(StoredVideo video, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(video);
        BlobClient blob = blobService.GetBlobContainerClient(video.Container).GetBlobClient(video.BlobName);
        try
        {
            logger.LogInformation(
                "Delivering {BlobName} of job {JobId} ({Bytes} bytes) to the video catalog", video.BlobName, video.JobId, video.Bytes);
            await consumer.HandleAsync(blob, cancellationToken);
        }
        catch (Exception ex) when (ex is RequestFailedException or InvalidOperationException)
        {
            logger.LogWarning(ex, "The video catalog could not record {BlobName} of job {JobId}", video.BlobName, video.JobId);
        }
    }
}
