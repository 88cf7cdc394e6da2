using System.Globalization;

namespace SoraEmulator.Api;

/// <summary>A JSON answer with a status code and extra headers.</summary>
sealed class ApiAnswer(int statusCode, object body, IReadOnlyDictionary<string, string>? headers = null) : IResult
{
    public int StatusCode { get; } = statusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        HttpResponse response = httpContext.Response;
        response.StatusCode = StatusCode;
        if (headers is not null)
        {
            foreach ((string? name, string? value) in headers)
            {
                response.Headers[name] = value;
            }
        }

        await response.WriteAsJsonAsync(body, body.GetType(), WireJson.Api, httpContext.RequestAborted);
    }

    public static ApiAnswer Ok(object body, int? pollAfterMs = null) => new(
        StatusCodes.Status200OK,
        body,
        pollAfterMs is { } ms
            ? new Dictionary<string, string> { ["openai-poll-after-ms"] = ms.ToString(CultureInfo.InvariantCulture) }
            : null);

    public static ApiAnswer Error(int statusCode, string message, string type, string? param, string? code,
        IReadOnlyDictionary<string, string>? headers = null) =>
        new(statusCode, new ErrorBody(new ErrorDetail(message, type, param, code)), headers);

    public static ApiAnswer Invalid(string message, string? param, string? code) =>
        Error(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);

    public static ApiAnswer VideoNotFound(string id) =>
        Error(StatusCodes.Status404NotFound, $"Video with id '{id}' not found.", "invalid_request_error", null, "not_found");

    public static ApiAnswer RateLimited(int retryAfterSeconds) => Error(
        StatusCodes.Status429TooManyRequests,
        $"Rate limit reached for requests. Please try again in {retryAfterSeconds}s.",
        "requests",
        null,
        "rate_limit_exceeded",
        new Dictionary<string, string>
        {
            ["retry-after"] = retryAfterSeconds.ToString(CultureInfo.InvariantCulture),
            ["retry-after-ms"] = (retryAfterSeconds * 1000L).ToString(CultureInfo.InvariantCulture),
        });

    public static ApiAnswer ServerError() => Error(
        StatusCodes.Status500InternalServerError,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        null,
        null);

    public static ApiAnswer Unavailable() => Error(
        StatusCodes.Status503ServiceUnavailable,
        "The server is overloaded or not ready yet.",
        "server_error",
        null,
        null);

    public static ApiAnswer InvalidApiKey() => Error(
        StatusCodes.Status401Unauthorized,
        "Incorrect API key provided.",
        "invalid_request_error",
        null,
        "invalid_api_key");
}
