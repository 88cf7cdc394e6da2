using System.Text.Json;
using System.Text.RegularExpressions;
using SoraFunctions.Configuration;
using SoraFunctions.Jobs;
using SoraFunctions.Providers;

namespace SoraFunctions.Http;

/// <summary>A validated <c>POST /api/videos</c> body.</summary>
public sealed record SubmitRequest(VideoSpec Spec, string? Id)
{
    /// <summary>Renditions to store beside the video (<see cref="Providers.Renditions"/>).</summary>
    public IReadOnlyList<string> Renditions { get; init; } = [];
}

/// <summary>The outcome of reading a request: the request, or the problems that name each bad field.</summary>
public sealed record SubmitParseResult(SubmitRequest? Request, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Request is not null;
}

/// <summary>
/// Reads and validates a <c>POST /api/videos</c> body: <c>{prompt, model?, seconds?, size?, id?}</c>. Every
/// problem names its field; nothing a client sends leads to an exception.
/// </summary>
public static partial class SubmitRequestParser
{
    /// <summary>What a job id may hold: it becomes an orchestration instance id and part of a blob name.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\z")]
    public static partial Regex JobIdPattern();

    /// <param name="models">The provider's models and defaults; <see cref="VideoApiOptions.Models"/> replaces its list when set.</param>
    public static SubmitParseResult Parse(ReadOnlySpan<byte> body, VideoApiOptions api, VideoModelCatalog models)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(models);
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Invalid("body", "The request body is empty; send a JSON object with at least a prompt.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            return Invalid("body", $"The request body is not valid JSON{Where(ex)}.");
        }

        using (document)
        {
            return Parse(document.RootElement, api, models, readId: true);
        }
    }

    /// <summary>
    /// Reads one request from a JSON value: a whole body, or one job of a batch (<paramref name="readId"/> false: the
    /// batch names its jobs). Only the known fields are read; any other property is ignored.
    /// </summary>
    /// <param name="models">The provider's models and defaults; <see cref="VideoApiOptions.Models"/> replaces its list when set.</param>
    public static SubmitParseResult Parse(JsonElement root, VideoApiOptions api, VideoModelCatalog models, bool readId)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(models);
        models = api.Effective(models);
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Invalid("body", "The request body must be a JSON object.");
        }

        if (HasUndecodableName(root))
        {
            return Invalid("body", UndecodableName);
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? prompt = ReadString(root, "prompt", errors);
        string? model = ReadString(root, "model", errors);
        string? seconds = ReadSeconds(root, errors);
        string? size = ReadString(root, "size", errors);
        string? id = readId ? ReadString(root, "id", errors) : null;
        string[] renditions = ReadRenditions(root, errors);

        if (!errors.ContainsKey("prompt"))
        {
            if (string.IsNullOrWhiteSpace(prompt))
            {
                errors["prompt"] = ["The prompt is required and must not be blank."];
            }
            else if (prompt.Length > api.MaxPromptLength)
            {
                errors["prompt"] = [$"The prompt has {prompt.Length} characters; at most {api.MaxPromptLength} are allowed."];
            }
        }

        if (id is not null && !JobIdPattern().IsMatch(id))
        {
            errors["id"] = ["The id must be 1 to 100 letters, digits, '-', '_' or '.', starting with a letter or digit."];
        }

        model = string.IsNullOrWhiteSpace(model) ? models.DefaultModel : model.Trim();
        seconds = string.IsNullOrWhiteSpace(seconds) ? models.DefaultSeconds : seconds.Trim();
        size = string.IsNullOrWhiteSpace(size) ? models.DefaultSize : size.Trim();

        VideoModel? known = null;
        if (!errors.ContainsKey("model"))
        {
            known = models.Models.FirstOrDefault(m => string.Equals(m.Name, model, StringComparison.Ordinal));
            if (known is null)
            {
                errors["model"] = [$"The model '{model}' is not allowed. Allowed: {string.Join(", ", models.Models.Select(m => m.Name))}."];
            }
        }

        if (known is not null)
        {
            if (!errors.ContainsKey("size") && known.Sizes.Count > 0 && !known.Sizes.Contains(size))
            {
                errors["size"] = [$"The model '{model}' does not support size '{size}'. Supported: {string.Join(", ", known.Sizes)}."];
            }

            if (!errors.ContainsKey("seconds") && known.Seconds.Count > 0 && !known.Seconds.Contains(seconds))
            {
                errors["seconds"] = [$"The model '{model}' does not support {seconds} seconds. Supported: {string.Join(", ", known.Seconds)}."];
            }
        }

        if (!errors.ContainsKey("seconds") && !(int.TryParse(seconds, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int whole) && whole > 0))
        {
            // A model configured without a list of durations still prices and sends whole seconds.
            errors["seconds"] = ["'seconds' must be a whole number of seconds such as \"8\"."];
        }

        return errors.Count > 0
            ? new SubmitParseResult(null, errors)
            : new SubmitParseResult(new SubmitRequest(new VideoSpec(prompt!, model, seconds, size), id) { Renditions = renditions }, new Dictionary<string, string[]>());
    }

    /// <summary><c>renditions</c>: an array of names (<c>thumbnail</c>, <c>spritesheet</c>), each once.</summary>
    static string[] ReadRenditions(JsonElement root, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty("renditions", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        string known = string.Join(", ", Providers.Renditions.Known.Keys);
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            errors["renditions"] = [$"'renditions' must be an array of names: {known}."];
            return [];
        }

        string[] names = [.. value.EnumerateArray().Select(e => e.GetString()!.Trim()).Distinct(StringComparer.Ordinal)];
        string[] unknown = [.. names.Where(n => !Providers.Renditions.Known.ContainsKey(n))];
        if (unknown.Length > 0)
        {
            errors["renditions"] = [$"Unknown rendition '{unknown[0]}'. Known: {known}."];
            return [];
        }

        return names;
    }

    /// <summary>A string property, or null when absent or null; a value of another kind or one that decodes to no text is an error under <paramref name="name"/>.</summary>
    internal static string? ReadString(JsonElement root, string name, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors[name] = [$"'{name}' must be a JSON string, not {Describe(value.ValueKind)}."];
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            // Valid JSON escapes that decode to no text, such as a lone UTF-16 surrogate ("\ud800").
            errors[name] = [$"'{name}' holds text that cannot be decoded (an unpaired UTF-16 surrogate escape)."];
            return null;
        }
    }

    /// <summary>Why an object with a property name that decodes to no text is refused.</summary>
    public const string UndecodableName = "The JSON object has a property name that cannot be decoded (an unpaired UTF-16 surrogate escape).";

    /// <summary>
    /// Whether a property name of <paramref name="value"/> (an object) decodes to no text, such as a lone UTF-16
    /// surrogate ("\ud800"). Looking up any property of such an object throws, so callers refuse it first.
    /// </summary>
    public static bool HasUndecodableName(JsonElement value)
    {
        try
        {
            foreach (JsonProperty property in value.EnumerateObject())
            {
                _ = property.Name;
            }

            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>Where a JSON reader stopped, without the reader's own wording.</summary>
    static string Where(JsonException ex) =>
        ex.LineNumber is { } line && ex.BytePositionInLine is { } position
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" (line {line + 1}, byte {position + 1}{(string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : ", at " + ex.Path)})")
            : "";

    /// <summary><c>seconds</c> is a string on the provider's wire; a whole JSON number is accepted too.</summary>
    static string? ReadSeconds(JsonElement root, Dictionary<string, string[]> errors)
    {
        if (root.TryGetProperty("seconds", out JsonElement value) && value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt32(out int whole) && whole > 0)
            {
                return whole.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            errors["seconds"] = ["'seconds' must be a whole number of seconds such as \"8\"."];
            return null;
        }

        return ReadString(root, "seconds", errors);
    }

    static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => kind.ToString().ToLowerInvariant(),
    };

    static SubmitParseResult Invalid(string field, string message) =>
        new(null, new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });
}
