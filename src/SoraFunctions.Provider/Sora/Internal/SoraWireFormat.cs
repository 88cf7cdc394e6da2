using System.Globalization;
using System.Text.Json;

namespace SoraFunctions.Provider.Sora.Internal;

/// <summary>Parses the Videos API JSON answers tolerantly (unknown fields ignored, numbers or strings where gateways differ).</summary>
static class SoraWireFormat
{
    static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    /// <summary>Parses a video object; throws <see cref="FormatException"/> when the body is not one.</summary>
    public static SoraVideo ParseVideo(BinaryData body)
    {
        using JsonDocument document = Parse(body);
        return ReadVideo(document.RootElement);
    }

    public static SoraVideoPage ParsePage(BinaryData body)
    {
        using JsonDocument document = Parse(body);
        JsonElement root = document.RootElement;
        RequireObject(root, "list");
        var videos = new List<SoraVideo>();
        if (root.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in data.EnumerateArray())
            {
                videos.Add(ReadVideo(item));
            }
        }

        return new SoraVideoPage(
            videos,
            GetString(root, "first_id"),
            GetString(root, "last_id"),
            GetBoolean(root, "has_more") ?? false);
    }

    public static SoraDeleted ParseDeleted(BinaryData body)
    {
        using JsonDocument document = Parse(body);
        JsonElement root = document.RootElement;
        RequireObject(root, "deletion answer");
        string id = GetString(root, "id") ?? throw new FormatException("The deletion answer has no id.");
        return new SoraDeleted(id, GetBoolean(root, "deleted") ?? false);
    }

    /// <summary>Reads <c>{"error":{"message","type","param","code"}}</c>; null when the body is not that shape.</summary>
    public static ProviderErrorBody? TryParseError(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 32 });
            using var document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            JsonElement error = root.TryGetProperty("error", out JsonElement nested) && nested.ValueKind == JsonValueKind.Object ? nested : root;
            var parsed = new ProviderErrorBody(GetString(error, "message"), GetString(error, "type"), GetString(error, "param"), GetString(error, "code"));
            return parsed.Message is null && parsed.Code is null && parsed.Type is null ? null : parsed;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static SoraVideoStatus ParseStatus(string? status) => status?.Trim().ToUpperInvariant() switch
    {
        "QUEUED" => SoraVideoStatus.Queued,
        "IN_PROGRESS" => SoraVideoStatus.InProgress,
        "COMPLETED" => SoraVideoStatus.Completed,
        "FAILED" => SoraVideoStatus.Failed,
        "CANCELLED" or "CANCELED" => SoraVideoStatus.Cancelled,
        "EXPIRED" => SoraVideoStatus.Expired,
        _ => SoraVideoStatus.Unknown,
    };

    static JsonDocument Parse(BinaryData body)
    {
        try
        {
            return JsonDocument.Parse(body.ToMemory(), DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new FormatException("The provider's answer is not JSON.", ex);
        }
    }

    static void RequireObject(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"The provider's {what} is not a JSON object.");
        }
    }

    static SoraVideo ReadVideo(JsonElement element)
    {
        RequireObject(element, "video object");
        string? id = GetString(element, "id");
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new FormatException("The provider's video object has no id.");
        }

        string rawStatus = GetString(element, "status") ?? string.Empty;
        SoraVideoError? error = null;
        if (element.TryGetProperty("error", out JsonElement errorElement) && errorElement.ValueKind == JsonValueKind.Object)
        {
            error = new SoraVideoError(GetString(errorElement, "code"), GetString(errorElement, "message"));
        }

        return new SoraVideo
        {
            Id = id,
            Model = GetString(element, "model"),
            RawStatus = rawStatus,
            Status = ParseStatus(rawStatus),
            Progress = GetInt(element, "progress"),
            CreatedAt = GetTimestamp(element, "created_at"),
            CompletedAt = GetTimestamp(element, "completed_at"),
            ExpiresAt = GetTimestamp(element, "expires_at"),
            Seconds = GetString(element, "seconds"),
            Size = GetString(element, "size"),
            Prompt = GetString(element, "prompt"),
            RemixedFromVideoId = GetString(element, "remixed_from_video_id"),
            Error = error,
        };
    }

    /// <summary>A string property; a number is returned as its JSON text; null, absent or other kinds give null.</summary>
    static string? GetString(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    static bool? GetBoolean(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    static int? GetInt(JsonElement element, string name)
    {
        double? number = GetNumber(element, name);
        return number is null ? null : (int)Math.Clamp(Math.Floor(number.Value), int.MinValue, int.MaxValue);
    }

    static double? GetNumber(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
            _ => null,
        };
    }

    /// <summary>Unix seconds (possibly fractional, possibly a string); an ISO-8601 string is tolerated too.</summary>
    static DateTimeOffset? GetTimestamp(JsonElement element, string name)
    {
        double? seconds = GetNumber(element, name);
        if (seconds is not null)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds.Value * 1000));
        }

        if (element.TryGetProperty(name, out JsonElement value)
            && value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed))
        {
            return parsed;
        }

        return null;
    }
}

/// <summary>The fields of a provider error body.</summary>
sealed record ProviderErrorBody(string? Message, string? Type, string? Param, string? Code);
