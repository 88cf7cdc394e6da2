using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace SoraFunctions.Http;

/// <summary>The Durable Functions management URLs of one job, in the shape Durable clients expect.</summary>
public sealed record DurableManagementUrls(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("statusQueryGetUri")] string StatusQueryGetUri,
    [property: JsonPropertyName("sendEventPostUri")] string SendEventPostUri,
    [property: JsonPropertyName("terminatePostUri")] string TerminatePostUri,
    [property: JsonPropertyName("purgeHistoryDeleteUri")] string PurgeHistoryDeleteUri,
    [property: JsonPropertyName("suspendPostUri")] string SuspendPostUri,
    [property: JsonPropertyName("resumePostUri")] string ResumePostUri);

/// <summary>Makes the management URLs for a job; each host knows where its management endpoints are.</summary>
public interface IManagementUrlFactory
{
    /// <summary>The job's Durable management URLs, or null where the host offers none without a secret.</summary>
    DurableManagementUrls? Create(HttpRequest request, string instanceId);
}
