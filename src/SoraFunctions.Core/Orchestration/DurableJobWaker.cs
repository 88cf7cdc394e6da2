using Microsoft.DurableTask.Client;
using SoraFunctions.Activities;

namespace SoraFunctions.Orchestration;

/// <summary>
/// Wakes a job by raising <see cref="VideoOrchestrator.ProviderEvent"/> on it with the ended video, stored first when
/// it completed and <paramref name="notices"/> can (<see cref="Configuration.PipelineOptions.StoreOnNotice"/>).
/// </summary>
public sealed class DurableJobWaker(DurableTaskClient client, NoticedVideos? notices = null) : IJobWaker
{
    public async Task WakeAsync(string jobId, ProviderVideo video, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(video);
        object payload = video;
        if (notices is { Enabled: true } && video.Status == ProviderStatus.Completed
            && await client.GetInstanceAsync(jobId, getInputsAndOutputs: true, cancellationToken) is { RuntimeStatus: OrchestrationRuntimeStatus.Running } instance
            && await notices.TakeAsync(instance, video, observedAt: null, cancellationToken) is { } noticed)
        {
            payload = noticed;
        }

        await client.RaiseEventAsync(jobId, VideoOrchestrator.ProviderEvent, payload, cancellationToken);
    }
}
