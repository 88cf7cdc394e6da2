using System.Globalization;
using System.Text.Json;

namespace SoraEmulator.Runway;

/// <summary>
/// The models, ratios and durations of Runway's task API (as in Runway's SDKs, API version 2024-11-06) and the
/// checks made on a create. Checks are strict: a field the model does not take is refused, so that a client sending
/// <c>seconds</c> instead of <c>duration</c> learns it here rather than in production.
/// </summary>
static class RunwayRules
{
    public const string ApiVersion = "2024-11-06";
    public const int MaxPromptTextLength = 1000;

    static readonly IReadOnlyList<string> Gen45TextRatios = ["1280:720", "720:1280"];
    static readonly IReadOnlyList<string> GenImageRatios = ["1280:720", "720:1280", "1104:832", "960:960", "832:1104", "1584:672"];
    static readonly IReadOnlyList<string> VeoRatios = ["1280:720", "720:1280", "1080:1920", "1920:1080"];
    static readonly IReadOnlyList<int> TwoToTen = [2, 3, 4, 5, 6, 7, 8, 9, 10];
    static readonly IReadOnlyList<int> VeoDurations = [4, 6, 8];
    static readonly IReadOnlyList<string> FirstOnly = ["first"];
    static readonly IReadOnlyList<string> FirstAndLast = ["first", "last"];
    static readonly IReadOnlyList<string> ImageTypes = ["image/jpeg", "image/png", "image/webp"];
    static readonly IReadOnlyList<string> Thresholds = ["auto", "low"];

    /// <summary>POST /v1/text_to_video.</summary>
    public static IReadOnlyDictionary<string, RunwayModel> TextToVideo { get; } = new Dictionary<string, RunwayModel>(StringComparer.Ordinal)
    {
        ["gen4.5"] = new("gen4.5", Gen45TextRatios, TwoToTen, null, PromptTextRequired: true, ["seed", "contentModeration"], []),
        ["veo3.1"] = new("veo3.1", VeoRatios, VeoDurations, 8, PromptTextRequired: true, ["audio"], []),
        ["veo3.1_fast"] = new("veo3.1_fast", VeoRatios, VeoDurations, 8, PromptTextRequired: true, ["audio"], []),
        ["veo3"] = new("veo3", VeoRatios, [8], null, PromptTextRequired: true, [], []),
    };

    /// <summary>POST /v1/image_to_video.</summary>
    public static IReadOnlyDictionary<string, RunwayModel> ImageToVideo { get; } = new Dictionary<string, RunwayModel>(StringComparer.Ordinal)
    {
        ["gen4.5"] = new("gen4.5", GenImageRatios, TwoToTen, null, PromptTextRequired: true, ["seed", "contentModeration"], FirstOnly),
        ["gen4_turbo"] = new("gen4_turbo", GenImageRatios, TwoToTen, 10, PromptTextRequired: false, ["seed", "contentModeration"], FirstOnly),
        ["veo3.1"] = new("veo3.1", VeoRatios, VeoDurations, 8, PromptTextRequired: false, ["audio", "negativePrompt"], FirstAndLast),
        ["veo3.1_fast"] = new("veo3.1_fast", VeoRatios, VeoDurations, 8, PromptTextRequired: false, ["audio", "negativePrompt"], FirstAndLast),
        ["veo3"] = new("veo3", VeoRatios, [8], null, PromptTextRequired: false, ["negativePrompt"], FirstOnly),
    };

    /// <summary>Checks a create body; on success <paramref name="request"/> holds the values after defaults.</summary>
    public static string? Check(JsonElement body, bool imageToVideo, out RunwayRequest request)
    {
        request = null!;
        if (body.ValueKind != JsonValueKind.Object)
        {
            return "body: Expected a JSON object.";
        }

        IReadOnlyDictionary<string, RunwayModel> models = imageToVideo ? ImageToVideo : TextToVideo;
        if (!body.TryGetProperty("model", out JsonElement modelValue))
        {
            return "model: Required.";
        }

        if (modelValue.ValueKind != JsonValueKind.String || !models.TryGetValue(modelValue.GetString()!, out RunwayModel? model))
        {
            return $"model: Invalid enum value. Expected {Expected(models.Keys)}, received {modelValue.GetRawText()}.";
        }

        string? promptText = null;
        string? ratio = null;
        int? duration = null;
        foreach (JsonProperty property in body.EnumerateObject())
        {
            JsonElement value = property.Value;
            string? error = property.Name switch
            {
                "model" => null,
                "promptText" => CheckPromptText(value, out promptText),
                "ratio" => CheckEnum("ratio", value, model.Ratios, out ratio),
                "duration" => CheckDuration(value, model, out duration),
                "promptImage" when imageToVideo => CheckPromptImage(value, model),
                "seed" when model.Extras.Contains("seed") => CheckSeed(value),
                "contentModeration" when model.Extras.Contains("contentModeration") => CheckContentModeration(value),
                "audio" when model.Extras.Contains("audio") =>
                    value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "audio: Expected boolean.",
                "negativePrompt" when model.Extras.Contains("negativePrompt") =>
                    value.ValueKind == JsonValueKind.String ? null : "negativePrompt: Expected string.",
                _ => $"{property.Name}: Unrecognized key for model '{model.Name}'.",
            };
            if (error is not null)
            {
                return error;
            }
        }

        if (promptText is null && model.PromptTextRequired)
        {
            return "promptText: Required.";
        }

        if (ratio is null)
        {
            return "ratio: Required.";
        }

        if (imageToVideo && !body.TryGetProperty("promptImage", out _))
        {
            return "promptImage: Required.";
        }

        duration ??= model.DefaultDuration;
        if (duration is null)
        {
            return "duration: Required.";
        }

        request = new RunwayRequest(model.Name, promptText, ratio, duration.Value);
        return null;
    }

    static string? CheckPromptText(JsonElement value, out string? promptText)
    {
        promptText = null;
        if (value.ValueKind != JsonValueKind.String)
        {
            return "promptText: Expected string.";
        }

        string text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return "promptText: String must contain at least 1 character(s).";
        }

        // string.Length counts UTF-16 code units, which is how Runway measures the limit.
        if (text.Length > MaxPromptTextLength)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"promptText: String must contain at most {MaxPromptTextLength} character(s), received {text.Length}.");
        }

        promptText = text;
        return null;
    }

    static string? CheckEnum(string name, JsonElement value, IReadOnlyList<string> allowed, out string? chosen)
    {
        chosen = null;
        if (value.ValueKind != JsonValueKind.String || !allowed.Contains(value.GetString()!))
        {
            return $"{name}: Invalid enum value. Expected {Expected(allowed)}, received {value.GetRawText()}.";
        }

        chosen = value.GetString();
        return null;
    }

    static string? CheckDuration(JsonElement value, RunwayModel model, out int? duration)
    {
        duration = null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int seconds))
        {
            return $"duration: Expected integer, received {value.GetRawText()}.";
        }

        if (!model.Durations.Contains(seconds))
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"duration: Invalid value {seconds} for model '{model.Name}'. Expected one of {string.Join(", ", model.Durations)}.");
        }

        duration = seconds;
        return null;
    }

    static string? CheckSeed(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long seed) && seed is >= 0 and <= uint.MaxValue
            ? null
            : $"seed: Expected an integer from 0 to {uint.MaxValue}, received {value.GetRawText()}.";

    static string? CheckContentModeration(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return "contentModeration: Expected object.";
        }

        foreach (JsonProperty property in value.EnumerateObject())
        {
            if (property.Name != "publicFigureThreshold")
            {
                return $"contentModeration.{property.Name}: Unrecognized key.";
            }

            if (CheckEnum("contentModeration.publicFigureThreshold", property.Value, Thresholds, out _) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    static string? CheckPromptImage(JsonElement value, RunwayModel model)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return CheckImageUri("promptImage", value.GetString()!);
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return "promptImage: Expected a HTTPS URL, a data URI or an array of {uri, position}.";
        }

        int count = value.GetArrayLength();
        if (count == 0 || count > model.Positions.Count)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"promptImage: Expected 1 to {model.Positions.Count} image(s) for model '{model.Name}', received {count}.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        int index = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            string path = string.Create(CultureInfo.InvariantCulture, $"promptImage[{index++}]");
            if (item.ValueKind != JsonValueKind.Object)
            {
                return $"{path}: Expected object.";
            }

            string? uri = null;
            string? position = null;
            foreach (JsonProperty property in item.EnumerateObject())
            {
                string? error = property.Name switch
                {
                    "uri" => property.Value.ValueKind == JsonValueKind.String
                        ? CheckImageUri(path + ".uri", uri = property.Value.GetString()!)
                        : $"{path}.uri: Expected string.",
                    "position" => CheckEnum(path + ".position", property.Value, model.Positions, out position),
                    _ => $"{path}.{property.Name}: Unrecognized key.",
                };
                if (error is not null)
                {
                    return error;
                }
            }

            if (uri is null)
            {
                return $"{path}.uri: Required.";
            }

            if (position is null)
            {
                return $"{path}.position: Required.";
            }

            if (!seen.Add(position))
            {
                return $"{path}.position: Duplicate position '{position}'.";
            }
        }

        return seen.Contains("first") ? null : "promptImage: A 'first' image is required; this model cannot generate from a last frame only.";
    }

    static string? CheckImageUri(string path, string uri)
    {
        if (uri.StartsWith("data:", StringComparison.Ordinal))
        {
            int comma = uri.IndexOf(',', StringComparison.Ordinal);
            string header = comma > 5 ? uri[5..comma] : string.Empty;
            const string base64 = ";base64";
            if (!header.EndsWith(base64, StringComparison.Ordinal) || comma == uri.Length - 1)
            {
                return $"{path}: Invalid data URI.";
            }

            string mediaType = header[..^base64.Length].ToLowerInvariant();
            return ImageTypes.Contains(mediaType)
                ? null
                : $"{path}: Unsupported asset type '{mediaType}'. Expected {Expected(ImageTypes)}.";
        }

        if (!Uri.TryCreate(uri, UriKind.Absolute, out Uri? parsed))
        {
            return $"{path}: Invalid URL.";
        }

        if (parsed.Scheme != Uri.UriSchemeHttps)
        {
            return $"{path}: Only HTTPS URLs are allowed.";
        }

        return parsed.HostNameType == UriHostNameType.Dns ? null : $"{path}: URLs must be hosted on a domain.";
    }

    static string Expected<T>(IEnumerable<T> values) => string.Join(" | ", values.Select(v => $"'{v}'"));
}

/// <summary>One model of one endpoint: what it accepts.</summary>
/// <param name="DefaultDuration">The duration when none is sent; null when <c>duration</c> is required.</param>
/// <param name="Extras">Optional fields beyond model, promptText, promptImage, ratio and duration.</param>
/// <param name="Positions">The positions a promptImage array may use (empty for text to video).</param>
sealed record RunwayModel(
    string Name,
    IReadOnlyList<string> Ratios,
    IReadOnlyList<int> Durations,
    int? DefaultDuration,
    bool PromptTextRequired,
    IReadOnlyList<string> Extras,
    IReadOnlyList<string> Positions);

/// <summary>A valid create request, after defaults.</summary>
sealed record RunwayRequest(string Model, string? PromptText, string Ratio, int Duration)
{
    /// <summary>Wider than tall: served the landscape clip; square and portrait ratios get the portrait one.</summary>
    public bool IsLandscape
    {
        get
        {
            string[] parts = Ratio.Split(':');
            return int.Parse(parts[0], CultureInfo.InvariantCulture) > int.Parse(parts[1], CultureInfo.InvariantCulture);
        }
    }
}
