using System.Text.Json;

namespace SoraFunctions.Provider.Sora;

/// <summary>Reads <c>{"type": "video.completed", "data": {"id": "video_…"}}</c> without trusting its shape.</summary>
static class SoraWebhookEvent
{
    public static (string? Type, string? VideoId) Read(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String)
            {
                return (null, null);
            }

            string? videoId = root.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
            return (type.GetString(), videoId);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string whose escapes decode to no text (a lone UTF-16 surrogate).
            return (null, null);
        }
    }
}
