using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SoraFunctions.LocalHost.Engine;

/// <summary>
/// The durable engine of the local host: the Durable Task gRPC sidecar (<see cref="TaskHubGrpcServer"/>) over the
/// Azure Storage orchestration service, on its own loopback HTTP/2 port. It is built from
/// <see cref="WebApplication.CreateEmptyBuilder"/>, so it reads none of the app's configuration and cannot take
/// the app's endpoints. The app's worker and client connect with <c>UseGrpc(Address)</c>.
/// </summary>
public sealed class DurableEngineSidecar : IAsyncDisposable
{
    readonly WebApplication host;
    readonly IOrchestrationService service;
    readonly WorkerConnections workers;
    readonly ILogger logger;
    bool disposed;

    DurableEngineSidecar(WebApplication host, IOrchestrationService service, WorkerConnections workers, ILogger logger, Uri address, string taskHubName)
    {
        this.host = host;
        this.service = service;
        this.workers = workers;
        this.logger = logger;
        Address = address;
        TaskHubName = taskHubName;
    }

    /// <summary>The sidecar's gRPC address, <c>http://127.0.0.1:{port}</c>.</summary>
    public Uri Address { get; }

    /// <summary>The task hub the engine runs on.</summary>
    public string TaskHubName { get; }

    /// <summary>
    /// Creates the task hub if needed and starts the sidecar on a free loopback port.
    /// Work is dispatched once a worker connects.
    /// </summary>
    public static async Task<DurableEngineSidecar> StartAsync(
        StorageAccountClientProvider storage,
        DurableEngineOptions options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        AzureStorageOrchestrationService service = new(CreateSettings(storage, options, loggerFactory));
        await service.CreateIfNotExistsAsync().WaitAsync(cancellationToken);

        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, SidecarLifetime>());
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddRouting();
        WorkerConnections workers = new();
        builder.Services.AddSingleton(workers);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<WorkerConnections>();
            grpc.Interceptors.Add<StorageFaultInterceptor>();
        });
        // The dispatchers see the service with activity lock renewal; clients (queries, purge) the service itself.
        IOrchestrationService dispatching = RenewingOrchestrationService.Wrap(
            service,
            options.WorkItemQueueVisibilityTimeout / 3,
            loggerFactory.CreateLogger<RenewingOrchestrationService>(),
            options.ActivityFetchers);
        builder.Services.AddSingleton(dispatching);
        builder.Services.AddSingleton<IOrchestrationServiceClient>(service);
        builder.Services.AddSingleton<TaskHubGrpcServer>();

        WebApplication host = builder.Build();
        host.UseRouting();
        host.MapGrpcService<TaskHubGrpcServer>();

        try
        {
            await host.StartAsync(cancellationToken);

            // Resolve it now so it subscribes to the host's lifetime events before the first worker connects.
            _ = host.Services.GetRequiredService<TaskHubGrpcServer>();
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        string bound = host.Urls.First();
        Uri address = new(bound.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        return new DurableEngineSidecar(host, dispatching, workers, loggerFactory.CreateLogger<DurableEngineSidecar>(), address, options.HubName);
    }

    internal static AzureStorageOrchestrationServiceSettings CreateSettings(
        StorageAccountClientProvider storage, DurableEngineOptions options, ILoggerFactory loggerFactory) => new()
        {
            TaskHubName = options.HubName,
            StorageAccountClientProvider = storage,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            PartitionCount = options.PartitionCount,
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivityFunctions,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestratorFunctions,
            LeaseInterval = options.LeaseInterval,
            LeaseRenewInterval = options.LeaseRenewInterval,
            LeaseAcquireInterval = options.LeaseAcquireInterval,
            WorkItemQueueVisibilityTimeout = options.WorkItemQueueVisibilityTimeout,
            ControlQueueVisibilityTimeout = options.ControlQueueVisibilityTimeout,

            // One node owns the hub: the blue/green app lease would only delay a restart after a crash.
            UseAppLease = false,
            LoggerFactory = loggerFactory,
        };

    /// <summary>Stops dispatching, releases the partition leases and closes the port.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!workers.AnyConnected)
        {
            // The provider starts when the first worker connects; stopping one that never started throws (on a
            // thread-pool thread, ending the process). Stopped before any worker came, there is nothing to stop.
            await host.DisposeAsync();
            return;
        }

        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(15));
        try
        {
            await host.StopAsync(timeout.Token);
        }
        finally
        {
            // The sidecar stops its dispatchers without waiting; stop the provider here (through the dispatchers'
            // view, which hands back prefetched activities) so leases are released and a restart can take the
            // partitions and the work at once.
            try
            {
                await service.StopAsync(isForced: false).WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // Work still in flight (a long store, say) holds the provider's stop; its locks and the partition
                // leases lapse on their own, and a restarted host takes the work over then.
                logger.LogWarning("The durable engine did not stop within 15 s; in-flight work resumes after its locks lapse.");
            }

            await host.DisposeAsync();
            (service as IDisposable)?.Dispose();
        }
    }
}
