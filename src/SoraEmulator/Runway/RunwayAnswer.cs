using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SoraEmulator.Runway;

/// <summary>A Runway JSON answer: camelCase, absent fields left out, errors as <c>{"error": "…"}</c>.</summary>
sealed class RunwayAnswer(int statusCode, object? body, IReadOnlyDictionary<string, string>? headers = null) : IResult
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

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

        if (body is not null)
        {
            await response.WriteAsJsonAsync(body, body.GetType(), Json, httpContext.RequestAborted);
        }
    }

    public static RunwayAnswer Ok(object body) => new(StatusCodes.Status200OK, body);

    public static RunwayAnswer NoContent() => new(StatusCodes.Status204NoContent, null);

    public static RunwayAnswer Error(int statusCode, string message, IReadOnlyDictionary<string, string>? headers = null) =>
        new(statusCode, new RunwayError(message), headers);

    public static RunwayAnswer Invalid(string message) => Error(StatusCodes.Status400BadRequest, message);

    public static RunwayAnswer TaskNotFound() => Error(StatusCodes.Status404NotFound, "Task not found.");

    public static RunwayAnswer RateLimited(int retryAfterSeconds) => Error(
        StatusCodes.Status429TooManyRequests,
        "You have exceeded the rate limit for this endpoint. Please retry later.",
        new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(CultureInfo.InvariantCulture) });

    public static RunwayAnswer ServerError() => Error(StatusCodes.Status500InternalServerError, "An internal error occurred.");

    public static RunwayAnswer Unavailable() => Error(StatusCodes.Status503ServiceUnavailable, "The service is temporarily unavailable.");
}

sealed record RunwayError(string Error);

sealed record RunwayCreated(string Id);

/// <summary>The answer of GET /v1/tasks/{id}.</summary>
sealed record RunwayTaskObject(
    string Id,
    string CreatedAt,
    string Status,
    double? Progress,
    IReadOnlyList<string>? Output,
    string? Failure,
    string? FailureCode);
