using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;

namespace SoraFunctions.LocalHost.Management;

/// <summary>The body of Durable Functions' instance status query.</summary>
public sealed record DurableInstanceStatus(
    string Name,
    string InstanceId,
    string RuntimeStatus,
    JsonNode? Input,
    JsonNode? CustomStatus,
    JsonNode? Output,
    DateTimeOffset CreatedTime,
    DateTimeOffset LastUpdatedTime)
{
    /// <summary>Maps the client's metadata (fetched with inputs and outputs) to the Durable Functions shape.</summary>
    public static DurableInstanceStatus From(OrchestrationMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new DurableInstanceStatus(
            metadata.Name,
            metadata.InstanceId,
            metadata.RuntimeStatus.ToString(),
            ParseJson(metadata.SerializedInput),
            ParseJson(metadata.SerializedCustomStatus),
            metadata.RuntimeStatus == OrchestrationRuntimeStatus.Failed && metadata.FailureDetails is { } failure
                ? JsonValue.Create($"{failure.ErrorType}: {failure.ErrorMessage}")
                : ParseJson(metadata.SerializedOutput),
            metadata.CreatedAt,
            metadata.LastUpdatedAt);
    }

    /// <summary>Whether Durable Functions answers 200 (finished) rather than 202 (still going) for this status.</summary>
    public static bool IsFinished(OrchestrationRuntimeStatus status) =>
        status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;

    static JsonNode? ParseJson(string? serialized)
    {
        if (string.IsNullOrEmpty(serialized))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(serialized);
        }
        catch (JsonException)
        {
            return JsonValue.Create(serialized);
        }
    }
}
