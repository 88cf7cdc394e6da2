using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace SoraFunctions.Http;

/// <summary>The stable <c>code</c> of every problem answer: clients branch on it, never on the wording.</summary>
public static class ProblemCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string OverBudget = "over_budget";
    public const string NotReady = "not_ready";
    public const string IdTaken = "id_taken";
    public const string Conflict = "conflict";
    public const string Gone = "gone";
    public const string BadSignature = "bad_signature";
    public const string WebhooksOff = "webhooks_off";
    public const string HostNotAllowed = "host_not_allowed";
    public const string BadRequest = "bad_request";
    public const string BodyTooLarge = "body_too_large";
    public const string InternalError = "internal_error";
    public const string StorageUnavailable = "storage_unavailable";

    /// <summary>The code of a bare status answer (a 404 of no route, a 405 of a known route with another method).</summary>
    public static string ForStatus(int status) => status switch
    {
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status409Conflict => Conflict,
        StatusCodes.Status410Gone => Gone,
        StatusCodes.Status413PayloadTooLarge => BodyTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status503ServiceUnavailable => StorageUnavailable,
        >= 500 => InternalError,
        _ => BadRequest,
    };
}

/// <summary>
/// An <c>application/problem+json</c> answer with a stable <c>code</c> and the request's <c>traceId</c> (the
/// <see cref="HttpContext.TraceIdentifier"/>; the Functions app sets it to the invocation id). It writes itself, so the
/// body is the same whatever the client's <c>Accept</c> header and whichever host runs it.
/// </summary>
public sealed class ApiProblem : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IEndpointMetadataProvider
{
    public const string ContentType = "application/problem+json";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public ApiProblem(int status, string code, string title, string? detail = null, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        Status = status;
        Code = code;
        Title = title;
        Detail = detail;
        Errors = errors;
    }

    public int Status { get; }

    public string Code { get; }

    public string Title { get; }

    public string? Detail { get; }

    /// <summary>The fields in error (validation problems), each with what is wrong with it.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; }

    /// <summary>More members of the body (for example a budget's figures).</summary>
    public Dictionary<string, object?> Extensions { get; } = new(StringComparer.Ordinal);

    /// <summary>Response headers to send with it (<c>Retry-After</c>, <c>Allow</c>).</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    int? IStatusCodeHttpResult.StatusCode => Status;

    string IContentTypeHttpResult.ContentType => ContentType;

    public ProblemDetails ToProblemDetails(string traceId)
    {
        ProblemDetails problem = Errors is null
            ? new ProblemDetails()
            : new HttpValidationProblemDetails(Errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));
        problem.Status = Status;
        problem.Title = Title;
        problem.Detail = Detail;
        problem.Type = $"https://httpstatuses.io/{Status}";
        problem.Extensions["code"] = Code;
        foreach ((string key, object? value) in Extensions)
        {
            problem.Extensions[key] = value;
        }

        problem.Extensions["traceId"] = traceId;
        return problem;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        HttpResponse response = httpContext.Response;
        response.StatusCode = Status;
        foreach ((string name, string value) in Headers)
        {
            response.Headers[name] = value;
        }

        response.ContentType = ContentType;
        ProblemDetails problem = ToProblemDetails(httpContext.TraceIdentifier);
        await JsonSerializer.SerializeAsync(response.Body, problem, problem.GetType(), Json, httpContext.RequestAborted);
    }

    static void IEndpointMetadataProvider.PopulateMetadata(System.Reflection.MethodInfo method, Microsoft.AspNetCore.Builder.EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status400BadRequest, typeof(ProblemDetails), [ContentType]));
    }
}

/// <summary>
/// What an exception that escaped a handler means to the client, shared by both hosts: storage (or the durable
/// engine) out of reach is a 503 with <c>Retry-After</c>; a request the server could not read is a 4xx; anything
/// else a 500. The exception itself goes to the logs only.
/// </summary>
public static class ApiFailures
{
    /// <summary>Seconds a client should wait after a 503.</summary>
    public const int RetryAfterSeconds = 5;

    public static ApiProblem ProblemFor(Exception exception, bool requestAborted = false)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is BadHttpRequestException bad)
        {
            return bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? new ApiProblem(bad.StatusCode, ProblemCodes.BodyTooLarge, "The request body is too large.", "Send a smaller body.")
                : new ApiProblem(bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : 400, ProblemCodes.BadRequest, "The request could not be read.", "The request is malformed.");
        }

        if (!requestAborted && IsUnavailable(exception))
        {
            var problem = new ApiProblem(
                StatusCodes.Status503ServiceUnavailable,
                ProblemCodes.StorageUnavailable,
                "The service's storage is unavailable.",
                $"The request could not reach storage. Try again in {RetryAfterSeconds} seconds.");
            problem.Headers["Retry-After"] = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return problem;
        }

        return new ApiProblem(
            StatusCodes.Status500InternalServerError,
            ProblemCodes.InternalError,
            "Something went wrong on our side.",
            "The request could not be completed. Quote the traceId when reporting it.");
    }

    /// <summary>
    /// True when a dependency could not be reached: a storage call that got no answer (status 0) or a busy one
    /// (503), a connection failure, a timeout, or the Durable client's gRPC <c>Unavailable</c>/<c>DeadlineExceeded</c>.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            bool unavailable = current switch
            {
                Azure.RequestFailedException failed => failed.Status is 0 or 503,
                HttpRequestException or SocketException or TimeoutException or OperationCanceledException => true,
                AggregateException aggregate => aggregate.InnerExceptions.Any(IsUnavailable),
                _ => IsRpcUnavailable(current),
            };
            if (unavailable)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Status 499 (nginx's "client closed request"): what the access log records for a request its client abandoned
    /// (<see cref="ClientGone"/>), which gets no answer at all.
    /// </summary>
    public const int ClientClosedRequest = 499;

    /// <summary>
    /// True when the request was abandoned by its client (<paramref name="requestAborted"/>, a provider's webhook timeout
    /// among them) and the exception is only that cancellation reaching the handler: an <see cref="OperationCanceledException"/>,
    /// or the Durable client's gRPC <c>Cancelled</c>. Nobody is left to answer, and nothing failed on our side.
    /// </summary>
    public static bool ClientGone(Exception exception, bool requestAborted)
    {
        if (!requestAborted)
        {
            return false;
        }

        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is OperationCanceledException
                || (current.GetType().FullName == "Grpc.Core.RpcException" && current.Message.Contains("StatusCode=\"Cancelled\"", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Grpc.Core's <c>RpcException</c>, matched by name so that Core does not depend on gRPC.</summary>
    static bool IsRpcUnavailable(Exception exception) =>
        exception.GetType().FullName == "Grpc.Core.RpcException"
        && (exception.Message.Contains("StatusCode=\"Unavailable\"", StringComparison.Ordinal)
            || exception.Message.Contains("StatusCode=\"DeadlineExceeded\"", StringComparison.Ordinal));
}
