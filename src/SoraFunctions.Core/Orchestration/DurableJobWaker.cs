using Microsoft.DurableTask.Client;
using SoraFunctions.Activities;

namespace SoraFunctions.Orchestration;

/// <summary>Wakes a job by raising <see cref="VideoOrchestrator.ProviderEvent"/> on it with the ended video.</summary>
public sealed class DurableJobWaker(DurableTaskClient client) : IJobWaker
{
    public Task WakeAsync(string jobId, ProviderVideo video, CancellationToken cancellationToken) =>
        client.RaiseEventAsync(jobId, VideoOrchestrator.ProviderEvent, video, cancellationToken);
}
