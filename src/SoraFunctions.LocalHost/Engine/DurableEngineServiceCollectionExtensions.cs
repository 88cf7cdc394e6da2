using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using SoraFunctions.Orchestration;

namespace SoraFunctions.LocalHost.Engine;

/// <summary>Connects the app's Durable Task client and worker to the running sidecar.</summary>
public static class DurableEngineServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DurableTaskClient"/> and a worker running the pipeline's orchestrator and activities,
    /// both over gRPC to <paramref name="sidecarAddress"/>.
    /// </summary>
    public static IServiceCollection AddVideoPipelineWorker(this IServiceCollection services, Uri sidecarAddress, DurableEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(sidecarAddress);
        ArgumentNullException.ThrowIfNull(options);
        string address = sidecarAddress.AbsoluteUri;
        services.AddDurableTaskClient(builder => builder.UseGrpc(address));
        services.AddDurableTaskWorker(builder =>
        {
            builder.AddTasks(registry => registry.AddVideoPipeline());
            builder.UseGrpc(address);
            builder.Configure(worker =>
            {
                worker.Concurrency.MaximumConcurrentActivityWorkItems = options.MaxConcurrentActivityFunctions;
                worker.Concurrency.MaximumConcurrentOrchestrationWorkItems = options.MaxConcurrentOrchestratorFunctions;
            });
        });
        return services;
    }
}
