using System.Text.Json;
using SoraFunctions.Activities;

namespace SoraFunctions.Orchestration;

/// <summary>
/// Reads the payloads a job receives whose shape changed between versions or depends on the sender. Pure functions of
/// the payload, so replay reads them the same way.
/// </summary>
public static class EventPayloads
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The jobs <c>ReleaseJob</c> answered: a list, or (in histories written before it woke several) one id or null, so
    /// that a job that released its slot under the older version replays the same.
    /// </summary>
    public static IEnumerable<string> WaitersToWake(JsonElement answer) => answer.ValueKind switch
    {
        JsonValueKind.String => [answer.GetString()!],
        JsonValueKind.Array => answer.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!),
        _ => [],
    };

    /// <summary>
    /// What a <see cref="VideoOrchestrator.ProviderEvent"/> tells the job about <paramref name="providerVideoId"/>: the
    /// ended video, and the stored result when whoever noticed the end stored it (<see cref="NoticedVideo"/>), or the
    /// status sweep's list entry alone (a <see cref="ProviderVideo"/>, the shape of histories written before). Null
    /// for a webhook's event type, another video, a video not ended, or anything else: the job then checks itself.
    /// </summary>
    public static NoticedVideo? Noticed(JsonElement payload, string providerVideoId)
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        NoticedVideo? noticed;
        try
        {
            noticed = Property(payload, "video") is not null
                ? payload.Deserialize<NoticedVideo>(Json)
                : payload.Deserialize<ProviderVideo>(Json) is { } video ? new NoticedVideo(video) : null;
        }
        catch (JsonException)
        {
            return null;
        }

        return noticed?.Video is { } ended && HasEnded(ended) && ended.Id == providerVideoId ? noticed : null;
    }

    /// <summary>True when the provider will not change <paramref name="video"/> any more.</summary>
    public static bool HasEnded(ProviderVideo video) =>
        video.Status is ProviderStatus.Completed or ProviderStatus.Failed or ProviderStatus.Cancelled or ProviderStatus.Expired;

    /// <summary>How a log line names the event: a webhook's type, a noticed end, or the status the sweep saw.</summary>
    public static string Describe(JsonElement payload) => payload.ValueKind switch
    {
        JsonValueKind.String => payload.GetString() ?? "",
        JsonValueKind.Object when Property(payload, "video") is { ValueKind: JsonValueKind.Object }
            => Property(payload, "stored") is { ValueKind: JsonValueKind.Object } ? "video ended and stored" : "video ended",
        JsonValueKind.Object when Property(payload, "status") is { } status => $"status sweep: {status}",
        _ => payload.ValueKind.ToString(),
    };

    /// <summary>A property by its camel-case or Pascal-case name (the engine's serializer writes the latter).</summary>
    static JsonElement? Property(JsonElement payload, string camelName) =>
        payload.TryGetProperty(camelName, out JsonElement value) || payload.TryGetProperty(char.ToUpperInvariant(camelName[0]) + camelName[1..], out value)
            ? value
            : null;
}
