using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using SoraFunctions.Catalog;
using SoraFunctions.Storage;

namespace SoraFunctions.LocalHost.Catalog;

/// <summary>
/// The local host's stand-in for the Event Grid system topic: for each committed video it builds the same
/// <c>Microsoft.Storage.BlobCreated</c> event (Event Grid schema) that Azure would deliver, parses it with the
/// consumer's own parser, and hands each matching blob to <see cref="VideoCatalogConsumer"/> in-process.
/// A consumer failure is logged and does not fail the job, as a failed Event Grid delivery would not.
/// </summary>
public sealed class InProcessVideoStoredNotifier : IVideoStoredNotifier
{
    private readonly BlobServiceClient blobService;
    private readonly VideoCatalogConsumer consumer;
    private readonly ILogger<InProcessVideoStoredNotifier> logger;

    public InProcessVideoStoredNotifier(BlobServiceClient blobService, VideoCatalogConsumer consumer, ILogger<InProcessVideoStoredNotifier> logger)
    {
        this.blobService = blobService;
        this.consumer = consumer;
        this.logger = logger;
    }

    /// <inheritdoc />
    public async Task OnVideoStoredAsync(StoredVideo video, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(video);
        BlobContainerClient container = blobService.GetBlobContainerClient(video.Container);
        try
        {
            BlobClient blob = container.GetBlobClient(video.BlobName);
            BlobProperties properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;

            // The event id is stable per job, as Event Grid keeps it across redeliveries.
            BinaryData body = BlobCreatedEventFactory.CreateEventGridSchema(
                CommittedBlob.From(blob, properties), properties.LastModified, eventId: $"local-{video.JobId}");

            foreach (BlobCreatedEvent created in BlobCreatedEvents.Parse(body, video.Container))
            {
                logger.LogInformation(
                    "Delivering BlobCreated {EventId} for {BlobName} ({Bytes} bytes) to the video catalog",
                    created.EventId, created.BlobName, created.ContentLength);
                await consumer.HandleAsync(container.GetBlobClient(created.BlobName), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is RequestFailedException or FormatException or InvalidOperationException)
        {
            logger.LogWarning(ex, "The video catalog could not record {BlobName} of job {JobId}", video.BlobName, video.JobId);
        }
    }
}
