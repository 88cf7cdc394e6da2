using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using SoraFunctions.Activities;
using SoraFunctions.Catalog;
using SoraFunctions.Jobs;
using SoraFunctions.Orchestration;

namespace SoraFunctions.Functions;

/// <summary>The orchestrator and activities as Azure Functions: one adapter per row of <see cref="PipelineTasks.All"/>.</summary>
public sealed class VideoPipelineFunctions(VideoJobActivities work, JobLimitActivities limits, StatusSweep sweep, NoticedVideos notices, VideoCatalogConsumer consumer)
{
    [Function(VideoOrchestrator.Name)]
    public static Task<VideoJobResult> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        VideoJobInput input = context.GetInput<VideoJobInput>() ?? throw new InvalidOperationException("The orchestration has no input.");
        return new VideoOrchestrator().RunAsync(context, input);
    }

    [Function(BatchOrchestrator.Name)]
    public static Task<BatchResult> RunBatchOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        BatchInput input = context.GetInput<BatchInput>() ?? throw new InvalidOperationException("The orchestration has no input.");
        return new BatchOrchestrator().RunAsync(context, input);
    }

    [Function(StatusSweepOrchestrator.Name)]
    public static Task<StatusSweepSummary> RunStatusSweepOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        StatusSweepInput input = context.GetInput<StatusSweepInput>() ?? throw new InvalidOperationException("The orchestration has no input.");
        return new StatusSweepOrchestrator().RunAsync(context, input);
    }

    [Function(ActivityNames.CreateVideo)]
    public Task<CreateVideoResult> CreateVideo([ActivityTrigger] CreateVideoInput input, CancellationToken cancellationToken) =>
        work.CreateAsync(input, cancellationToken);

    [Function(ActivityNames.GetVideo)]
    public Task<GetVideoResult> GetVideo([ActivityTrigger] GetVideoInput input, FunctionContext context, CancellationToken cancellationToken) =>
        work.GetAsync(input, InstanceId(context), cancellationToken);

    [Function(ActivityNames.StoreVideo)]
    public Task<StoreVideoResult> StoreVideo([ActivityTrigger] StoreVideoInput input, CancellationToken cancellationToken) =>
        work.StoreAsync(input, cancellationToken);

    [Function(ActivityNames.DeleteVideo)]
    public Task<bool> DeleteVideo([ActivityTrigger] string providerVideoId, FunctionContext context, CancellationToken cancellationToken) =>
        work.DeleteAsync(providerVideoId, InstanceId(context), cancellationToken);

    [Function(ActivityNames.AdmitJob)]
    public Task<Admission> AdmitJob([ActivityTrigger] AdmitJobInput input, CancellationToken cancellationToken) =>
        limits.AdmitAsync(input, cancellationToken);

    [Function(ActivityNames.ReleaseJob)]
    public Task<IReadOnlyList<string>> ReleaseJob([ActivityTrigger] string jobId, CancellationToken cancellationToken) =>
        limits.ReleaseAsync(jobId, cancellationToken);

    [Function(ActivityNames.RefundJob)]
    public Task<decimal> RefundJob([ActivityTrigger] RefundJobInput input, CancellationToken cancellationToken) =>
        limits.RefundAsync(input, cancellationToken);

    [Function(ActivityNames.SweepProvider)]
    public Task<StatusSweepRunResult> SweepProvider([ActivityTrigger] StatusSweepRun run, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        sweep.RunAsync(run, new DurableJobWaker(client, notices), cancellationToken);

    /// <summary>
    /// The reference consumer: each finished video (Event Grid <c>BlobCreated</c> on <c>videos/</c>) is checked
    /// as an MP4 and recorded in the catalog. The container name is fixed here because the Event Grid
    /// subscription filters on it too.
    /// </summary>
    [Function("CatalogVideo")]
    public async Task CatalogVideo(
        [BlobTrigger("videos/{name}", Source = BlobTriggerSource.EventGrid, Connection = "VideoStorage")] BlobClient blob,
        CancellationToken cancellationToken) =>
        await consumer.HandleAsync(blob, cancellationToken);

    /// <summary>The orchestration instance (the job) an activity runs for, from the Durable trigger's binding data.</summary>
    static string? InstanceId(FunctionContext context) =>
        context?.BindingContext.BindingData.TryGetValue("instanceId", out object? id) == true ? id as string : null;
}
