using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SoraFunctions.Http;

/// <summary>
/// The outermost middleware of an ASP.NET Core host of the API: an exception that escapes a handler is logged and
/// answered as <see cref="ApiFailures.ProblemFor"/> says (never the developer exception page, in any environment),
/// and a bare error status without a body (no route: 404; a known route with another method: 405 with <c>Allow</c>;
/// a binding failure: 400) gets a problem body with its code. A request its client abandoned is logged as that, not
/// as a failure, and gets no answer (<see cref="ApiFailures.ClientGone"/>).
/// </summary>
public sealed class ApiProblemMiddleware(RequestDelegate next, ILogger<ApiProblemMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            bool aborted = context.RequestAborted.IsCancellationRequested;
            if (ApiFailures.ClientGone(ex, aborted))
            {
                logger.LogInformation("{Method} {Path}: the client went away before the answer (trace {TraceId})", context.Request.Method, context.Request.Path, context.TraceIdentifier);
                context.Response.Clear();
                context.Response.StatusCode = ApiFailures.ClientClosedRequest;
                return;
            }

            ApiProblem problem = ApiFailures.ProblemFor(ex, aborted);
            LogFailure(logger, ex, problem, context);
            context.Response.Clear();
            await problem.ExecuteAsync(context);
            return;
        }

        HttpResponse response = context.Response;
        if (!response.HasStarted && response.StatusCode >= 400 && response.ContentLength is null or 0 && string.IsNullOrEmpty(response.ContentType))
        {
            await ForStatus(response.StatusCode, response.Headers.Allow.ToString()).ExecuteAsync(context);
        }
    }

    /// <summary>The problem of a bare status code.</summary>
    public static ApiProblem ForStatus(int status, string? allow = null) => status switch
    {
        StatusCodes.Status404NotFound => new ApiProblem(status, ProblemCodes.NotFound, "Not found.", "There is no such route or resource."),
        StatusCodes.Status405MethodNotAllowed => new ApiProblem(
            status,
            ProblemCodes.MethodNotAllowed,
            "Method not allowed.",
            string.IsNullOrEmpty(allow) ? "This route does not answer that method." : $"This route answers {allow}."),
        _ => new ApiProblem(status, ProblemCodes.ForStatus(status), status >= 500 ? "Something went wrong on our side." : "The request was refused."),
    };

    internal static void LogFailure(ILogger logger, Exception exception, ApiProblem problem, HttpContext context)
    {
        if (problem.Status >= 500)
        {
            logger.LogError(exception, "{Method} {Path} failed: {Code} (trace {TraceId})", context.Request.Method, context.Request.Path, problem.Code, context.TraceIdentifier);
        }
        else
        {
            logger.LogInformation("{Method} {Path} refused: {Code}: {Reason} (trace {TraceId})", context.Request.Method, context.Request.Path, problem.Code, exception.Message, context.TraceIdentifier);
        }
    }
}
