namespace SoraFunctions.Catalog;

/// <summary>The parts of a <c>Microsoft.Storage.BlobCreated</c> event a video consumer needs.</summary>
/// <param name="EventId">The event id (the same on a redelivery).</param>
/// <param name="Subject">E.g. <c>/blobServices/default/containers/videos/blobs/2026/11/25/job-1.mp4</c>.</param>
/// <param name="Url">The blob URL.</param>
/// <param name="ContainerName">The container, from the subject.</param>
/// <param name="BlobName">The blob name inside the container, from the subject.</param>
/// <param name="ContentLength">The blob size in bytes, when the event carries it.</param>
/// <param name="ContentType">The blob's Content-Type, when the event carries it.</param>
/// <param name="Api">The storage operation that created the blob, e.g. <c>PutBlockList</c> or <c>PutBlob</c>.</param>
/// <param name="EventTime">When the event happened.</param>
public sealed record BlobCreatedEvent(
    string EventId,
    string Subject,
    Uri Url,
    string ContainerName,
    string BlobName,
    long? ContentLength,
    string? ContentType,
    string? Api,
    DateTimeOffset EventTime);
