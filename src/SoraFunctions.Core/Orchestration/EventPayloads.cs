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
    /// The video a <see cref="VideoOrchestrator.ProviderEvent"/> carries when the status sweep sent it (the provider's
    /// list entry, read a moment ago), if it is <paramref name="providerVideoId"/> and has ended; null for a webhook's
    /// event (its type only) or anything else, which the job answers with a status check of its own.
    /// </summary>
    public static ProviderVideo? EndedVideo(JsonElement payload, string providerVideoId)
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        ProviderVideo? video;
        try
        {
            video = payload.Deserialize<ProviderVideo>(Json);
        }
        catch (JsonException)
        {
            return null;
        }

        return video is { Status: ProviderStatus.Completed or ProviderStatus.Failed or ProviderStatus.Cancelled or ProviderStatus.Expired } && video.Id == providerVideoId
            ? video
            : null;
    }

    /// <summary>How a log line names the event: a webhook's type, or the status the sweep saw.</summary>
    public static string Describe(JsonElement payload) => payload.ValueKind switch
    {
        JsonValueKind.String => payload.GetString() ?? "",
        JsonValueKind.Object when payload.TryGetProperty("status", out JsonElement status) || payload.TryGetProperty("Status", out status) => $"status sweep: {status}",
        _ => payload.ValueKind.ToString(),
    };
}
