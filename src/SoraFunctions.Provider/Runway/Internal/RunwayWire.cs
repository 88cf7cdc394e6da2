using System.Globalization;
using System.Text;
using System.Text.Json;
using SoraFunctions.Activities;
using SoraFunctions.Jobs;

namespace SoraFunctions.Provider.Runway;

/// <summary>Translations between the public API's terms and Runway's, and the JSON of the wire.</summary>
static class RunwayWire
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary><c>1280x720</c> → <c>1280:720</c>; null when the size is not <c>WIDTHxHEIGHT</c> in pixels.</summary>
    public static string? ToRatio(string? size)
    {
        string[]? parts = size?.Trim().Split('x');
        return parts is [string width, string height] && IsPixels(width) && IsPixels(height) ? $"{width}:{height}" : null;
    }

    /// <summary><c>1280:720</c> → <c>1280x720</c>.</summary>
    public static string? FromRatio(string? ratio)
    {
        string[]? parts = ratio?.Trim().Split(':');
        return parts is [string width, string height] && IsPixels(width) && IsPixels(height) ? $"{width}x{height}" : null;
    }

    /// <summary><c>"5"</c> → 5; null unless a whole, positive number of seconds.</summary>
    public static int? ToDuration(string? seconds)
    {
        string? text = seconds?.Trim();
        return !string.IsNullOrEmpty(text) && text.Length <= 4 && text.All(char.IsAsciiDigit)
            && int.Parse(text, CultureInfo.InvariantCulture) is var value and > 0
                ? value
                : null;
    }

    public static string Status(string? runwayStatus) => runwayStatus?.Trim().ToUpperInvariant() switch
    {
        // THROTTLED: waiting for one of the account's concurrency slots, which is queueing from our side.
        "PENDING" or "THROTTLED" => ProviderStatus.Queued,
        "RUNNING" => ProviderStatus.InProgress,
        "SUCCEEDED" => ProviderStatus.Completed,
        "FAILED" => ProviderStatus.Failed,
        "CANCELLED" or "CANCELED" => ProviderStatus.Cancelled,
        _ => ProviderStatus.Unknown,
    };

    /// <summary>0..1 → 0..100, rounded; a finished task is 100 whatever it reported.</summary>
    public static int? Percent(RunwayTask task)
    {
        string status = Status(task.Status);
        if (status == ProviderStatus.Completed)
        {
            return 100;
        }

        if (status == ProviderStatus.Queued)
        {
            return 0;
        }

        return task.Progress is { } p && double.IsFinite(p)
            ? (int)Math.Round(Math.Clamp(p, 0, 1) * 100, MidpointRounding.AwayFromZero)
            : null;
    }

    public static ProviderVideo ToProviderVideo(RunwayTask task)
    {
        string status = Status(task.Status);
        JobError? error = status == ProviderStatus.Failed
            ? new JobError(
                string.IsNullOrWhiteSpace(task.FailureCode) ? JobErrorCodes.ProviderRejected : task.FailureCode,
                string.IsNullOrWhiteSpace(task.Failure) ? "Runway reported a failure without a message." : task.Failure)
            : null;
        return new ProviderVideo(task.Id, status, Percent(task), task.CreatedAt?.UtcDateTime, null, null, error);
    }

    /// <summary>
    /// The message of an error body: <c>{"error": "..."}</c>, <c>{"error": {"message": "..."}}</c> or
    /// <c>{"message": "..."}</c>, with the paths and messages of <c>issues</c> (request validation) appended.
    /// Null when the body is not one of them.
    /// </summary>
    public static string? ErrorMessage(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!JsonDocument.TryParseValue(ref reader, out JsonDocument? document))
            {
                return null;
            }

            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                string? message = root.TryGetProperty("error", out JsonElement error)
                    ? error.ValueKind switch
                    {
                        JsonValueKind.String => error.GetString(),
                        JsonValueKind.Object when error.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.String => m.GetString(),
                        _ => null,
                    }
                    : null;
                if (message is null && root.TryGetProperty("message", out JsonElement plain) && plain.ValueKind == JsonValueKind.String)
                {
                    message = plain.GetString();
                }

                var text = new StringBuilder(message);
                if (root.TryGetProperty("issues", out JsonElement issues) && issues.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement issue in issues.EnumerateArray().Take(5))
                    {
                        string? issueMessage = issue.ValueKind == JsonValueKind.Object && issue.TryGetProperty("message", out JsonElement im) && im.ValueKind == JsonValueKind.String
                            ? im.GetString()
                            : null;
                        if (issueMessage is null)
                        {
                            continue;
                        }

                        string path = issue.TryGetProperty("path", out JsonElement p) && p.ValueKind == JsonValueKind.Array
                            ? string.Join('.', p.EnumerateArray().Select(e => e.ToString()))
                            : "";
                        text.Append(text.Length == 0 ? "" : "; ").Append(path.Length == 0 ? issueMessage : $"{path}: {issueMessage}");
                    }
                }

                return text.Length == 0 ? null : text.ToString();
            }
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static bool IsPixels(string value) =>
        value.Length is > 0 and <= 5 && value.All(char.IsAsciiDigit) && int.Parse(value, CultureInfo.InvariantCulture) > 0;
}
