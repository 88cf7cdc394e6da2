using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using SoraEmulator.Jobs;

namespace SoraEmulator.Api;

/// <summary>The video object of the Videos API.</summary>
sealed record VideoObject(
    string Id,
    string Object,
    string Model,
    string Status,
    int Progress,
    long CreatedAt,
    long? CompletedAt,
    long? ExpiresAt,
    string Seconds,
    string Size,
    string Prompt,
    string? RemixedFromVideoId,
    VideoError? Error)
{
    public static VideoObject From(VideoJob job, VideoState state) => new(
        job.Id,
        "video",
        job.Spec.Model,
        state.Status switch
        {
            VideoStatus.Throttled or VideoStatus.Queued => "queued",
            VideoStatus.InProgress => "in_progress",
            VideoStatus.Completed => "completed",
            _ => "failed",
        },
        state.Progress,
        job.CreatedAt.ToUnixTimeSeconds(),
        state.CompletedAt?.ToUnixTimeSeconds(),
        state.ExpiresAt?.ToUnixTimeSeconds(),
        job.Spec.Seconds,
        job.Spec.Size,
        job.Spec.Prompt,
        job.RemixedFromVideoId,
        state.ErrorCode is { } code ? new VideoError(code, VideoError.MessageFor(code)) : null);
}

sealed record VideoError(string Code, string Message)
{
    public static string MessageFor(string code) => code == "moderation_blocked"
        ? "The video was blocked by the moderation system."
        : "Video generation failed due to an internal error.";
}

sealed record VideoList(string Object, IReadOnlyList<VideoObject> Data, string? FirstId, string? LastId, bool HasMore);

sealed record VideoDeleted(string Id, string Object, bool Deleted);

sealed record ErrorBody(ErrorDetail Error);

sealed record ErrorDetail(string Message, string Type, string? Param, string? Code);

static class WireJson
{
    /// <summary>The Videos API wire format: snake_case, nulls written.</summary>
    public static JsonSerializerOptions Api { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The admin endpoints: camelCase, times as ISO-8601 UTC with milliseconds.</summary>
    public static JsonSerializerOptions Admin { get; } = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new IsoMillisecondsConverter() },
    };

    sealed class IsoMillisecondsConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
    }
}
