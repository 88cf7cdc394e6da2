using System.Text.Json;
using Microsoft.Extensions.Primitives;

namespace SoraEmulator.Api;

/// <summary>Reads a create request sent as multipart/form-data or JSON, checking names and types.</summary>
static class CreateRequestReader
{
    static readonly HashSet<string> TextFields = new(StringComparer.Ordinal) { "prompt", "model", "seconds", "size" };

    public static async Task<(CreateInput? Input, ApiAnswer? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HasJsonContentType())
        {
            return await ReadJsonAsync(request, cancellationToken);
        }

        if (request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
        {
            return await ReadMultipartAsync(request, cancellationToken);
        }

        return (null, ApiAnswer.Invalid(
            $"Unsupported content type '{request.ContentType}': send multipart/form-data or application/json.",
            null,
            "unsupported_content_type"));
    }

    static async Task<(CreateInput?, ApiAnswer?)> ReadMultipartAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            return (null, ApiAnswer.Invalid("Could not read the multipart body: " + ex.Message, null, "invalid_multipart"));
        }

        foreach (string key in form.Keys)
        {
            if (!TextFields.Contains(key))
            {
                return (null, Unknown(key));
            }
        }

        foreach (IFormFile file in form.Files)
        {
            if (file.Name != "input_reference")
            {
                return (null, Unknown(file.Name));
            }

            if (!VideoRules.ImageTypes.Contains(file.ContentType?.ToLowerInvariant() ?? string.Empty))
            {
                return (null, VideoRules.InvalidValue("input_reference", file.ContentType ?? "(none)", VideoRules.ImageTypes));
            }
        }

        string? Field(string name) => form.TryGetValue(name, out StringValues values) ? values.ToString() : null;
        string? hash = null;
        if (form.Files.GetFile("input_reference") is { } image)
        {
            await using Stream content = image.OpenReadStream();
            hash = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(content, cancellationToken));
        }

        return (new CreateInput(Field("prompt"), Field("model"), Field("seconds"), Field("size")) { InputReferenceSha256 = hash }, null);
    }

    static async Task<(CreateInput?, ApiAnswer?)> ReadJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            return (null, InvalidJson());
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, InvalidJson());
            }

            string? prompt = null, model = null, seconds = null, size = null;
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                JsonElement value = property.Value;
                if (property.Name == "input_reference")
                {
                    if (CheckReference(value) is { } referenceError)
                    {
                        return (null, referenceError);
                    }

                    continue;
                }

                if (!TextFields.Contains(property.Name))
                {
                    return (null, Unknown(property.Name));
                }

                if (value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (value.ValueKind != JsonValueKind.String)
                {
                    return (null, InvalidType(property.Name, value));
                }

                string? text = value.GetString();
                switch (property.Name)
                {
                    case "prompt": prompt = text; break;
                    case "model": model = text; break;
                    case "seconds": seconds = text; break;
                    default: size = text; break;
                }
            }

            return (new CreateInput(prompt, model, seconds, size), null);
        }
    }

    /// <summary>A JSON <c>input_reference</c> is null or an object with one of <c>file_id</c> / <c>image_url</c>.</summary>
    static ApiAnswer? CheckReference(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            var names = value.EnumerateObject().ToList();
            if (names.Count == 1
                && names[0].Name is "file_id" or "image_url"
                && names[0].Value.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(names[0].Value.GetString()))
            {
                return null;
            }
        }

        return ApiAnswer.Invalid(
            "Invalid 'input_reference': expected an object with exactly one of 'file_id' or 'image_url'.",
            "input_reference",
            "invalid_value");
    }

    static ApiAnswer InvalidType(string name, JsonElement value)
    {
        string got = value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out _) ? "an integer" : "a decimal",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Array => "an array",
            _ => "an object",
        };
        string expected = name == "seconds"
            ? $"one of {string.Join(", ", VideoRules.Seconds.Select(s => $"'{s}'"))}"
            : "a string";
        return ApiAnswer.Invalid($"Invalid type for '{name}': expected {expected}, but got {got} instead.", name, "invalid_type");
    }

    static ApiAnswer Unknown(string name) =>
        ApiAnswer.Invalid($"Unrecognized request argument supplied: {name}", name, "unknown_parameter");

    static ApiAnswer InvalidJson() => ApiAnswer.Invalid(
        "We could not parse the JSON body of your request. The body must be a JSON object.",
        null,
        "invalid_json");
}
