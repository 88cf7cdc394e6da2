using System.Text.Json;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;

namespace SoraFunctions.Catalog;

/// <summary>
/// Parses <c>Microsoft.Storage.BlobCreated</c> events delivered in the Event Grid schema (an array of events)
/// or the CloudEvents 1.0 schema (one event or a batch), keeping only video blobs: subjects under
/// <c>/blobServices/default/containers/{container}/</c> that end with <c>.mp4</c>.
/// </summary>
public static class BlobCreatedEvents
{
    /// <summary>The event type of a created blob.</summary>
    public const string BlobCreatedEventType = "Microsoft.Storage.BlobCreated";

    /// <summary>The default video container.</summary>
    public const string DefaultContainer = "videos";

    const string SubjectPrefix = "/blobServices/default/containers/";
    const string BlobsSegment = "/blobs/";

    /// <summary>
    /// Parses a request body in either schema and returns the BlobCreated events of <c>.mp4</c> blobs in
    /// <paramref name="containerName"/>. Other event types, containers and files are left out.
    /// </summary>
    /// <exception cref="FormatException">The body is not JSON, or not an event or an array of events.</exception>
    public static IReadOnlyList<BlobCreatedEvent> Parse(BinaryData body, string containerName = DefaultContainer)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(containerName);

        var results = new List<BlobCreatedEvent>();
        try
        {
            if (IsCloudEventSchema(body))
            {
                foreach (CloudEvent cloudEvent in CloudEvent.ParseMany(body, skipValidation: false))
                {
                    if (cloudEvent.Type == BlobCreatedEventType
                        && cloudEvent.Subject is { } subject
                        && cloudEvent.TryGetSystemEventData(out object? data)
                        && data is StorageBlobCreatedEventData blobData)
                    {
                        Add(results, containerName, cloudEvent.Id, subject, blobData, cloudEvent.Time ?? DateTimeOffset.MinValue);
                    }
                }
            }
            else
            {
                foreach (EventGridEvent? gridEvent in EventGridEvent.ParseMany(body))
                {
                    if (gridEvent.EventType == BlobCreatedEventType
                        && gridEvent.TryGetSystemEventData(out object? data)
                        && data is StorageBlobCreatedEventData blobData)
                    {
                        Add(results, containerName, gridEvent.Id, gridEvent.Subject, blobData, gridEvent.EventTime);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException("The body is not an Event Grid or CloudEvents event or batch of events: " + ex.Message, ex);
        }

        return results;
    }

    /// <summary>True when <paramref name="subject"/> names an <c>.mp4</c> blob in <paramref name="containerName"/>.</summary>
    public static bool IsVideoSubject(string subject, string containerName = DefaultContainer) =>
        TrySplitSubject(subject, out string? container, out string? blobName)
        && string.Equals(container, containerName, StringComparison.Ordinal)
        && blobName.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase);

    /// <summary>Splits a blob subject into container and blob name.</summary>
    public static bool TrySplitSubject(string? subject, out string containerName, out string blobName)
    {
        containerName = string.Empty;
        blobName = string.Empty;
        if (subject is null || !subject.StartsWith(SubjectPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> rest = subject.AsSpan(SubjectPrefix.Length);
        int blobs = rest.IndexOf(BlobsSegment, StringComparison.Ordinal);
        if (blobs <= 0 || blobs + BlobsSegment.Length >= rest.Length)
        {
            return false;
        }

        containerName = rest[..blobs].ToString();
        blobName = rest[(blobs + BlobsSegment.Length)..].ToString();
        return true;
    }

    static void Add(
        List<BlobCreatedEvent> results,
        string containerName,
        string eventId,
        string subject,
        StorageBlobCreatedEventData data,
        DateTimeOffset eventTime)
    {
        if (!IsVideoSubject(subject, containerName)
            || !TrySplitSubject(subject, out string? container, out string? blobName)
            || !Uri.TryCreate(data.Url, UriKind.Absolute, out Uri? url))
        {
            return;
        }

        results.Add(new BlobCreatedEvent(eventId, subject, url, container, blobName, data.ContentLength, data.ContentType, data.Api, eventTime));
    }

    static bool IsCloudEventSchema(BinaryData body)
    {
        using var document = JsonDocument.Parse(body);
        JsonElement first = document.RootElement;
        if (first.ValueKind == JsonValueKind.Array)
        {
            if (first.GetArrayLength() == 0)
            {
                return false;
            }

            first = first[0];
        }

        return first.ValueKind == JsonValueKind.Object && first.TryGetProperty("specversion", out _);
    }
}
