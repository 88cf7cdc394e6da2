using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using SoraFunctions.Configuration;
using SoraFunctions.Providers;

namespace SoraFunctions.Http;

/// <summary>Reads a submission sent as <c>multipart/form-data</c> (the way to send an image to animate).</summary>
public static class MultipartSubmit
{
    /// <summary>
    /// A <c>multipart/form-data</c> submission: the JSON body's fields as form fields (<c>renditions</c> repeated or
    /// comma-separated) and the image as the file <c>input_reference</c>, within <c>Videos__MaxImageBytes</c>.
    /// </summary>
    public static async Task<(SubmitParseResult Parsed, ImageUpload? Image, IResult? Problem)> ReadAsync(
        HttpRequest request, VideoApiOptions api, VideoModelCatalog models, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(api);
        SubmitParseResult none = new(null, new Dictionary<string, string[]>());
        if (request.ContentLength > api.MaxImageBytes + api.MaxRequestBytes)
        {
            return (none, null, Problems.Field("input_reference", $"The upload is larger than {api.MaxImageBytes} bytes."));
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(
                new FormOptions { MultipartBodyLengthLimit = api.MaxImageBytes + api.MaxRequestBytes, ValueLengthLimit = api.MaxRequestBytes, ValueCountLimit = 64 },
                cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException or InvalidOperationException)
        {
            return (none, null, Problems.Field("body", "The multipart body could not be read: send form fields and at most one file named input_reference within the size limit."));
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (string field in new[] { "prompt", "model", "seconds", "size", "id" })
            {
                if (form.TryGetValue(field, out StringValues value) && value.Count > 0)
                {
                    json.WriteString(field, value[^1]);
                }
            }

            if (form.TryGetValue("renditions", out StringValues renditions))
            {
                json.WriteStartArray("renditions");
                foreach (string name in renditions.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                {
                    json.WriteStringValue(name);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        SubmitParseResult parsed = SubmitRequestParser.Parse(buffer.WrittenSpan, api, models);
        IFormFile? file = form.Files.GetFile("input_reference");
        if (file is null || !parsed.IsValid)
        {
            return (parsed, null, null);
        }

        if (file.Length > api.MaxImageBytes)
        {
            return (parsed, null, Problems.Field("input_reference", $"The image is larger than {api.MaxImageBytes} bytes."));
        }

        using var bytes = new MemoryStream((int)file.Length);
        await file.CopyToAsync(bytes, cancellationToken);
        ImageInfo? info = ImageProbe.Read(bytes.GetBuffer().AsSpan(0, (int)bytes.Length));
        return info is null
            ? (parsed, null, Problems.Field("input_reference", "The file is not a JPEG, PNG or WebP image."))
            : (parsed, new ImageUpload(info, new BinaryData(bytes.ToArray())), null);
    }

    /// <summary>True for a <c>multipart/form-data</c> content type, whatever its parameters.</summary>
    public static bool IsMultipart(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? parsed)
        && parsed.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
}
