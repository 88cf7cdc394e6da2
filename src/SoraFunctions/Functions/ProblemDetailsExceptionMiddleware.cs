using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using SoraFunctions.Http;

namespace SoraFunctions.Functions;

/// <summary>
/// Makes the invocation id the request's trace id (every problem body carries it as <c>traceId</c>), logs an unhandled
/// exception of an HTTP function and answers it as the local host does (<see cref="ApiFailures.ProblemFor"/>: a 503
/// with <c>Retry-After</c> while storage is out of reach, else a 500), with no internals in the body; a request its
/// client abandoned is logged as that and gets no answer (<see cref="ApiFailures.ClientGone"/>).
/// </summary>
public sealed class ProblemDetailsExceptionMiddleware(ILogger<ProblemDetailsExceptionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is { } httpContext)
        {
            httpContext.TraceIdentifier = context.InvocationId;
        }

        try
        {
            await next(context);
        }
        catch (Exception ex) when (context.GetHttpContext() is { Response.HasStarted: false })
        {
            HttpContext http = context.GetHttpContext()!;
            if (ApiFailures.ClientGone(ex, http.RequestAborted.IsCancellationRequested))
            {
                logger.LogInformation("Function {Function}: the client went away before the answer (invocation {InvocationId})", context.FunctionDefinition.Name, context.InvocationId);
                http.Response.Clear();
                http.Response.StatusCode = ApiFailures.ClientClosedRequest;
                return;
            }

            ApiProblem problem = ApiFailures.ProblemFor(ex, http.RequestAborted.IsCancellationRequested);
            if (problem.Status >= 500)
            {
                logger.LogError(ex, "Function {Function} failed: {Code} (invocation {InvocationId})", context.FunctionDefinition.Name, problem.Code, context.InvocationId);
            }
            else
            {
                logger.LogInformation("Function {Function} refused the request: {Code}: {Reason} (invocation {InvocationId})", context.FunctionDefinition.Name, problem.Code, ex.Message, context.InvocationId);
            }

            http.Response.Clear();
            await problem.ExecuteAsync(http);
        }
    }
}
