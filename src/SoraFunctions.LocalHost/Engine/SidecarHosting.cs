using Grpc.Core;
using Grpc.Core.Interceptors;
using SoraFunctions.Http;

namespace SoraFunctions.LocalHost.Engine;

/// <summary>
/// The sidecar's host lifetime: it neither listens for Ctrl+C/SIGTERM nor prints start-up banners; the app
/// that owns the sidecar stops it explicitly after its own worker has stopped.
/// </summary>
sealed class SidecarLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Forwards the sidecar's loggers to the app's logger factory (whose filters then apply).</summary>
sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
        // The target factory belongs to the caller.
    }
}

/// <summary>Notes whether a worker has opened the sidecar's work-item stream, which is what starts the provider.</summary>
sealed class WorkerConnections : Interceptor
{
    int connected;

    public bool AnyConnected => Volatile.Read(ref connected) == 1;

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (context.Method.EndsWith("/GetWorkItems", StringComparison.Ordinal))
        {
            Volatile.Write(ref connected, 1);
        }

        return continuation(request, responseStream, context);
    }
}

/// <summary>
/// Answers a client call (a status read, a start, an event) that failed because storage is out of reach with gRPC
/// <c>Unavailable</c> (<see cref="SidecarFaults"/>) instead of <c>Unknown</c>.
/// </summary>
sealed class StorageFaultInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation) =>
        SidecarFaults.AnswerAsync(() => continuation(request, context), context.CancellationToken);
}

/// <summary>
/// How the sidecar answers a client call (a status read, a start, an event) that failed because storage could not be
/// reached. The sidecar's own handlers let the storage SDK's exception escape, which gRPC sends as <c>Unknown</c>
/// ("Exception was thrown by handler"); the app's API then could not tell an outage from a bug and answered
/// <c>500</c>. As <c>Unavailable</c> it answers <c>503</c> with <c>Retry-After</c> (<see cref="ApiFailures.IsUnavailable"/>).
/// </summary>
public static class SidecarFaults
{
    /// <summary>Runs <paramref name="call"/>; a storage outage comes out as an <see cref="RpcException"/> with <see cref="StatusCode.Unavailable"/>.</summary>
    /// <param name="callCancelled">The call's own token: a call its client cancelled is left as it is.</param>
    public static async Task<TResponse> AnswerAsync<TResponse>(Func<Task<TResponse>> call, CancellationToken callCancelled)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException && !callCancelled.IsCancellationRequested && ApiFailures.IsUnavailable(ex))
        {
            // The message names no host, account or SDK detail: the exception itself is in the sidecar's log.
            throw new RpcException(new Status(StatusCode.Unavailable, "The durable engine's storage is unavailable.", ex));
        }
    }
}
