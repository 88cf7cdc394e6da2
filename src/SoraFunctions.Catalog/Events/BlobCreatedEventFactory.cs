using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace SoraFunctions.Catalog;

/// <summary>A committed blob as described by a BlobCreated event.</summary>
/// <param name="Url">The blob URL, without a SAS.</param>
/// <param name="ContainerName">The container.</param>
/// <param name="BlobName">The blob name.</param>
/// <param name="ContentLength">The size in bytes.</param>
/// <param name="ContentType">The Content-Type.</param>
/// <param name="ETag">The ETag, when known.</param>
public sealed record CommittedBlob(Uri Url, string ContainerName, string BlobName, long ContentLength, string? ContentType, string? ETag)
{
    /// <summary>Describes <paramref name="blob"/> from its <paramref name="properties"/> (the URL loses any query string).</summary>
    public static CommittedBlob From(BlobClient blob, BlobProperties properties)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(properties);
        var url = new Uri(blob.Uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped));
        return new CommittedBlob(url, blob.BlobContainerName, blob.Name, properties.ContentLength, properties.ContentType, properties.ETag.ToString());
    }
}

/// <summary>
/// Builds the <c>Microsoft.Storage.BlobCreated</c> event that Event Grid delivers for a committed blob, so that a
/// host without Event Grid (the local host) can hand consumers exactly the shape they get in Azure.
/// </summary>
public static class BlobCreatedEventFactory
{
    /// <summary>The topic prefix used when none is given; the account name is taken from the blob URL.</summary>
    public const string LocalTopicPrefix = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/";

    /// <summary>The event in the Event Grid schema: a JSON array holding one event.</summary>
    public static BinaryData CreateEventGridSchema(CommittedBlob blob, DateTimeOffset eventTime, string? eventId = null, string? topic = null, string api = "PutBlockList")
    {
        ArgumentNullException.ThrowIfNull(blob);
        return Write(writer =>
        {
            writer.WriteStartArray();
            writer.WriteStartObject();
            writer.WriteString("topic", topic ?? LocalTopic(blob.Url));
            writer.WriteString("subject", BlobCreatedEvents.Subject(blob.ContainerName, blob.BlobName));
            writer.WriteString("eventType", BlobCreatedEvents.BlobCreatedEventType);
            writer.WriteString("id", eventId ?? Guid.NewGuid().ToString());
            WriteData(writer, blob, api);
            writer.WriteString("dataVersion", string.Empty);
            writer.WriteString("metadataVersion", "1");
            writer.WriteString("eventTime", eventTime.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
            writer.WriteEndArray();
        });
    }

    /// <summary>The event in the CloudEvents 1.0 schema: one JSON object.</summary>
    public static BinaryData CreateCloudEventSchema(CommittedBlob blob, DateTimeOffset eventTime, string? eventId = null, string? topic = null, string api = "PutBlockList")
    {
        ArgumentNullException.ThrowIfNull(blob);
        return Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("source", topic ?? LocalTopic(blob.Url));
            writer.WriteString("subject", BlobCreatedEvents.Subject(blob.ContainerName, blob.BlobName));
            writer.WriteString("type", BlobCreatedEvents.BlobCreatedEventType);
            writer.WriteString("time", eventTime.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            writer.WriteString("id", eventId ?? Guid.NewGuid().ToString());
            WriteData(writer, blob, api);
            writer.WriteString("specversion", "1.0");
            writer.WriteEndObject();
        });
    }

    private static void WriteData(Utf8JsonWriter writer, CommittedBlob blob, string api)
    {
        writer.WriteStartObject("data");
        writer.WriteString("api", api);
        writer.WriteString("clientRequestId", Guid.NewGuid().ToString());
        writer.WriteString("requestId", Guid.NewGuid().ToString());
        if (blob.ETag is not null)
        {
            writer.WriteString("eTag", blob.ETag);
        }

        if (blob.ContentType is not null)
        {
            writer.WriteString("contentType", blob.ContentType);
        }

        writer.WriteNumber("contentLength", blob.ContentLength);
        writer.WriteString("blobType", "BlockBlob");
        writer.WriteString("url", blob.Url.AbsoluteUri);
        writer.WriteString("sequencer", "0000000000000000000000000000000000000000000000000000000000000000");
        writer.WriteStartObject("storageDiagnostics");
        writer.WriteString("batchId", Guid.NewGuid().ToString());
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string LocalTopic(Uri blobUrl) => LocalTopicPrefix + new BlobUriBuilder(blobUrl).AccountName;

    private static BinaryData Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        return new BinaryData(stream.ToArray());
    }
}
