using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using SoraFunctions.Jobs;

namespace SoraFunctions.Orchestration;

/// <summary>A batch as the API submitted it: its items are ordinary jobs with ids <c>{batchId}-{n}</c>.</summary>
public sealed record BatchInput(string BatchId, IReadOnlyList<VideoJobInput> Items)
{
    public string Caller { get; init; } = "anonymous";

    public DateTimeOffset? SubmittedAt { get; init; }
}

/// <summary>How many items ended how.</summary>
public sealed record BatchResult(int Completed, int Failed, int Canceled);

/// <summary>
/// Fan-out/fan-in: every item runs as a sub-orchestration of <see cref="VideoOrchestrator"/> under its own job id, so
/// it is an ordinary job (status, content, cancel, blob, event) that waits for a provider slot like any other. The
/// batch only waits for them all; its history holds two events an item, however long the renders take.
/// </summary>
public sealed class BatchOrchestrator : TaskOrchestrator<BatchInput, BatchResult>
{
    public const string Name = nameof(BatchOrchestrator);

    public override async Task<BatchResult> RunAsync(TaskOrchestrationContext context, BatchInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        ILogger log = context.CreateReplaySafeLogger<BatchOrchestrator>();
        log.LogInformation("Batch {BatchId}: starting {Count} jobs", input.BatchId, input.Items.Count);
        VideoJobResult[] results = await Task.WhenAll(input.Items.Select(item => RunItemAsync(context, item)));
        var result = new BatchResult(
            results.Count(r => r.Status == JobStatus.Completed),
            results.Count(r => r.Status == JobStatus.Failed),
            results.Count(r => r.Status == JobStatus.Canceled));
        log.LogInformation("Batch {BatchId} ended: {Completed} completed, {Failed} failed, {Canceled} canceled", input.BatchId, result.Completed, result.Failed, result.Canceled);
        return result;
    }

    static async Task<VideoJobResult> RunItemAsync(TaskOrchestrationContext context, VideoJobInput item)
    {
        try
        {
            return await context.CallSubOrchestratorAsync<VideoJobResult>(VideoOrchestrator.Name, item, new SubOrchestrationOptions { InstanceId = item.JobId });
        }
        catch (TaskFailedException ex)
        {
            return new VideoJobResult(JobStatus.Failed) { Error = new JobError(JobErrorCodes.Internal, ex.FailureDetails.ErrorMessage) };
        }
    }
}
