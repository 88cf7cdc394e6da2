using System.Text.Json.Serialization;
using Microsoft.DurableTask.Client;
using SoraFunctions.Jobs;

namespace SoraFunctions.Http;

/// <summary>A job as <c>GET /api/videos/{id}</c> shows it.</summary>
public sealed record JobView
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("progress")] public int? Progress { get; init; }
    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("seconds")] public string? Seconds { get; init; }
    [JsonPropertyName("size")] public string? Size { get; init; }
    [JsonPropertyName("providerVideoId")] public string? ProviderVideoId { get; init; }
    [JsonPropertyName("checks")] public int? Checks { get; init; }
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("lastUpdatedAt")] public DateTimeOffset LastUpdatedAt { get; init; }
    [JsonPropertyName("nextCheckAt")] public DateTime? NextCheckAt { get; init; }
    [JsonPropertyName("completedAt")] public DateTime? CompletedAt { get; init; }
    [JsonPropertyName("blob")] public BlobLocation? Blob { get; init; }
    [JsonPropertyName("bytes")] public long? Bytes { get; init; }
    [JsonPropertyName("error")] public JobError? Error { get; init; }
    [JsonPropertyName("estimatedCostUsd")] public decimal? EstimatedCostUsd { get; init; }
    [JsonPropertyName("queuePosition")] public int? QueuePosition { get; init; }
    [JsonPropertyName("caller")] public string? Caller { get; init; }
    [JsonPropertyName("remixOf")] public string? RemixOf { get; init; }
    [JsonPropertyName("batchId")] public string? BatchId { get; init; }
    [JsonPropertyName("renditions")] public IReadOnlyDictionary<string, BlobLocation>? Renditions { get; init; }

    /// <summary>Maps an orchestration's state, custom status and output to the job view.</summary>
    public static JobView From(OrchestrationMetadata instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        VideoJobInput? input = TryRead(instance.ReadInputAs<VideoJobInput>);
        var view = new JobView
        {
            Id = instance.InstanceId,
            Status = JobStatus.Queued,
            Prompt = input?.Spec.Prompt,
            Model = input?.Spec.Model,
            Seconds = input?.Spec.Seconds,
            Size = input?.Spec.Size,
            EstimatedCostUsd = input?.EstimatedCostUsd,
            Caller = input?.Caller,
            RemixOf = input?.RemixOf?.JobId,
            BatchId = input?.BatchId,

            // ContinueAsNew gives every generation a new creation time; the job began when it was submitted.
            CreatedAt = input?.SubmittedAt ?? instance.CreatedAt,
            LastUpdatedAt = instance.LastUpdatedAt,
        };

        switch (instance.RuntimeStatus)
        {
            case OrchestrationRuntimeStatus.Completed:
                VideoJobResult? result = TryRead(instance.ReadOutputAs<VideoJobResult>);
                if (result is null)
                {
                    return view with { Status = JobStatus.Failed, Error = new JobError(JobErrorCodes.Internal, "The job ended without a result.") };
                }

                return view with
                {
                    Status = result.Status,
                    Progress = result.Status == JobStatus.Completed ? 100 : null,
                    ProviderVideoId = result.ProviderVideoId,
                    Checks = result.Checks,
                    CompletedAt = result.CompletedAt,
                    Blob = result.Blob,
                    Bytes = result.Bytes,
                    // The stored URL needs a key; the API's own path redirects to a short-lived link (JobApi.RenditionAsync).
                    Renditions = result.Renditions?.ToDictionary(
                        r => r.Key,
                        r => r.Value with { Url = $"/api/videos/{Uri.EscapeDataString(instance.InstanceId)}/renditions/{Uri.EscapeDataString(r.Key)}" },
                        StringComparer.Ordinal),
                    Error = result.Error,
                };

            case OrchestrationRuntimeStatus.Failed:
                return view with
                {
                    Status = JobStatus.Failed,
                    // The exception text stays in the logs: it can name internals and other jobs.
                    Error = new JobError(JobErrorCodes.Internal, "The job failed unexpectedly; the service's logs have the details."),
                };

            case OrchestrationRuntimeStatus.Terminated:
                return view with { Status = JobStatus.Canceled };

            case OrchestrationRuntimeStatus.Pending:
                return view with { Status = JobStatus.Queued, Progress = 0 };

            default:
                JobCustomStatus? custom = TryRead(instance.ReadCustomStatusAs<JobCustomStatus>);
                return custom is null
                    ? view with { Status = JobStatus.Queued, Progress = 0 }
                    : view with
                    {
                        Status = custom.Status,
                        Progress = custom.Progress ?? 0,
                        ProviderVideoId = custom.ProviderVideoId,
                        Checks = custom.Checks,
                        NextCheckAt = custom.NextCheckAt,
                        QueuePosition = custom.QueuePosition,
                    };
        }
    }

    static T? TryRead<T>(Func<T?> read)
        where T : class
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }
}
