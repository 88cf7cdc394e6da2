using SoraEmulator.Jobs;

namespace SoraEmulator.Api;

/// <summary>The models, durations and sizes the Sora 2 Videos API accepts, and the checks made on a create.</summary>
static class VideoRules
{
    public const string DefaultModel = "sora-2";
    public const string DefaultSeconds = "4";
    public const string DefaultSize = "720x1280";

    public static IReadOnlyList<string> Models { get; } =
        ["sora-2", "sora-2-pro", "sora-2-2025-10-06", "sora-2-2025-12-08", "sora-2-pro-2025-10-06"];

    public static IReadOnlyList<string> Seconds { get; } = ["4", "8", "12", "16", "20"];

    public static IReadOnlyList<string> Sizes { get; } = ["720x1280", "1280x720", "1024x1792", "1792x1024"];

    public static IReadOnlyList<string> ProSizes { get; } = [.. Sizes, "1920x1080", "1080x1920"];

    public static IReadOnlyList<string> ImageTypes { get; } = ["image/jpeg", "image/png", "image/webp"];

    public static bool IsPro(string model) => model.StartsWith("sora-2-pro", StringComparison.Ordinal);

    /// <summary>Checks the prompt and its directives.</summary>
    public static ApiAnswer? CheckPrompt(string? prompt, out PromptDirectives directives)
    {
        directives = PromptDirectives.None;
        if (prompt is null)
        {
            return ApiAnswer.Invalid("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
        }

        if (string.IsNullOrWhiteSpace(prompt))
        {
            return ApiAnswer.Invalid("Invalid 'prompt': string must not be empty.", "prompt", "empty_string");
        }

        return PromptDirectives.TryParse(prompt, out directives, out string? error)
            ? null
            : ApiAnswer.Invalid(error!, "prompt", "invalid_directive");
    }

    /// <summary>Applies defaults and checks every field of a create request.</summary>
    public static ApiAnswer? Check(CreateInput input, out VideoSpec spec, out PromptDirectives directives)
    {
        spec = null!;
        if (CheckPrompt(input.Prompt, out directives) is { } promptError)
        {
            return promptError;
        }

        string model = input.Model ?? DefaultModel;
        string seconds = input.Seconds ?? DefaultSeconds;
        string size = input.Size ?? DefaultSize;
        if (!Models.Contains(model))
        {
            return InvalidValue("model", model, Models);
        }

        if (!Seconds.Contains(seconds))
        {
            return InvalidValue("seconds", seconds, Seconds);
        }

        IReadOnlyList<string> sizes = IsPro(model) ? ProSizes : Sizes;
        if (!sizes.Contains(size))
        {
            return InvalidValue("size", size, sizes, $" for model '{model}'");
        }

        spec = new VideoSpec(input.Prompt!, model, seconds, size);
        return null;
    }

    public static ApiAnswer InvalidValue(string param, string value, IReadOnlyList<string> supported, string context = "") =>
        ApiAnswer.Invalid(
            $"Invalid value: '{value}'. Supported values{context} are: {string.Join(", ", supported.Select(s => $"'{s}'"))}.",
            param,
            "invalid_value");
}

/// <summary>The fields of a create request as sent (null when absent).</summary>
sealed record CreateInput(string? Prompt, string? Model, string? Seconds, string? Size)
{
    /// <summary>The SHA-256 (hex) of an uploaded <c>input_reference</c> file, for tests that check it arrived intact.</summary>
    public string? InputReferenceSha256 { get; init; }
}
