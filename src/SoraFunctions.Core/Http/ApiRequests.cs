using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace SoraFunctions.Http;

/// <summary>Reading what every handler of the HTTP API reads the same way: JSON bodies within a size, and <c>limit</c>.</summary>
static class ApiRequests
{
    /// <summary>The <c>limit</c> query parameter: 20 when absent, else a whole number from 1 to 100.</summary>
    public static bool TryReadLimit(HttpRequest request, out int limit)
    {
        limit = 20;
        return !request.Query.TryGetValue("limit", out StringValues text)
            || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= 100);
    }

    /// <summary>Whether the content type is <c>application/json</c> or a <c>+json</c> type.</summary>
    public static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? parsed)
        && (parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || parsed.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>The body when it is at most <paramref name="limit"/> bytes, by its declared length and as read; else null.</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[8192];
        while (true)
        {
            int read = await request.Body.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }
    }

    /// <summary>The 400 for a body over <paramref name="limit"/> bytes.</summary>
    public static ApiProblem TooLarge(int limit) =>
        Problems.Field("body", string.Create(CultureInfo.InvariantCulture, $"The request body is larger than {limit} bytes."));
}
