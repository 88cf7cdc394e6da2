using Grpc.Core;
using Grpc.Core.Interceptors;

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
