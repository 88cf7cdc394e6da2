using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace SoraFunctions.Functions;

/// <summary>Logs an unhandled exception of an HTTP function and answers a problem+json 500 without internals.</summary>
public sealed class ProblemDetailsExceptionMiddleware(ILogger<ProblemDetailsExceptionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context);
        }
        catch (Exception ex) when (context.GetHttpContext() is { Response.HasStarted: false })
        {
            logger.LogError(ex, "Function {Function} failed (invocation {InvocationId})", context.FunctionDefinition.Name, context.InvocationId);
            HttpContext http = context.GetHttpContext()!;
            await TypedResults.Problem(
                statusCode: StatusCodes.Status500InternalServerError,
                title: "Something went wrong on our side.",
                detail: $"The request could not be completed. Quote invocation {context.InvocationId} when reporting it.").ExecuteAsync(http);
        }
    }
}
