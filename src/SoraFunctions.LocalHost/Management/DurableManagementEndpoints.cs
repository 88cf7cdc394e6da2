using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using SoraFunctions.Http;

namespace SoraFunctions.LocalHost.Management;

/// <summary>
/// The Durable Functions HTTP management API for this host's instances, so that clients written for Durable
/// Functions' status query URLs work unchanged: status (200 when finished, 202 while running, 404 unknown),
/// terminate, raise event, suspend, resume and purge.
/// </summary>
public static class DurableManagementEndpoints
{
    /// <summary>Maps the routes under <see cref="DurableManagementRoutes.Prefix"/>.</summary>
    public static IEndpointRouteBuilder MapDurableManagementApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = endpoints.MapGroup(DurableManagementRoutes.Prefix).WithTags("Durable management");
        group.MapGet("/{instanceId}", GetStatusAsync);
        group.MapPost("/{instanceId}/terminate", TerminateAsync);
        group.MapPost("/{instanceId}/raiseEvent/{eventName}", RaiseEventAsync);
        group.MapPost("/{instanceId}/suspend", SuspendAsync);
        group.MapPost("/{instanceId}/resume", ResumeAsync);
        group.MapDelete("/{instanceId}", PurgeAsync);
        return endpoints;
    }

    internal static async Task<IResult> GetStatusAsync(string instanceId, DurableTaskClient client, HttpContext context, CancellationToken cancellationToken)
    {
        if (!IsStorableId(instanceId))
        {
            return NotFound(instanceId);
        }

        OrchestrationMetadata? metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
        {
            return NotFound(instanceId);
        }

        var body = DurableInstanceStatus.From(metadata);
        if (DurableInstanceStatus.IsFinished(metadata.RuntimeStatus))
        {
            return TypedResults.Ok(body);
        }

        HttpRequest request = context.Request;
        string location = $"{request.Scheme}://{request.Host}{request.PathBase}{DurableManagementRoutes.Instance(instanceId)}";
        return TypedResults.Accepted(location, body);
    }

    internal static async Task<IResult> TerminateAsync(string instanceId, string? reason, DurableTaskClient client, CancellationToken cancellationToken)
    {
        IResult? refusal = await RefuseUnlessRunningAsync(client, instanceId, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        await client.TerminateInstanceAsync(instanceId, new TerminateInstanceOptions { Output = reason }, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    internal static async Task<IResult> RaiseEventAsync(string instanceId, string eventName, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        JsonNode? payload;
        try
        {
            payload = request.ContentLength is 0 ? null : await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            return Problems.Field("body", "The event body is not valid JSON.");
        }

        if (!Decodes(payload))
        {
            return Problems.Field("body", "The event body holds text that cannot be decoded (an unpaired UTF-16 surrogate escape).");
        }

        IResult? refusal = await RefuseUnlessRunningAsync(client, instanceId, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        await client.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    internal static async Task<IResult> SuspendAsync(string instanceId, string? reason, DurableTaskClient client, CancellationToken cancellationToken)
    {
        IResult? refusal = await RefuseUnlessRunningAsync(client, instanceId, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        await client.SuspendInstanceAsync(instanceId, reason, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    internal static async Task<IResult> ResumeAsync(string instanceId, string? reason, DurableTaskClient client, CancellationToken cancellationToken)
    {
        IResult? refusal = await RefuseUnlessRunningAsync(client, instanceId, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        await client.ResumeInstanceAsync(instanceId, reason, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    internal static async Task<IResult> PurgeAsync(string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (!IsStorableId(instanceId))
        {
            return NotFound(instanceId);
        }

        OrchestrationMetadata? metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (metadata is null)
        {
            return NotFound(instanceId);
        }

        // Purging a live instance would leave its pending messages (timers, activity results) without history.
        if (!DurableInstanceStatus.IsFinished(metadata.RuntimeStatus))
        {
            return new ApiProblem(
                StatusCodes.Status409Conflict,
                ProblemCodes.Conflict,
                "The instance is still running.",
                $"Instance '{instanceId}' is {metadata.RuntimeStatus}; terminate it and wait until it has stopped before purging.");
        }

        PurgeResult result = await client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken);
        return result.PurgedInstanceCount > 0
            ? TypedResults.Ok(new PurgeHistoryResult(result.PurgedInstanceCount))
            : NotFound(instanceId);
    }

    /// <summary>404 when unknown, 410 Gone when already finished (as Durable Functions answers), else null.</summary>
    static async Task<IResult?> RefuseUnlessRunningAsync(DurableTaskClient client, string instanceId, CancellationToken cancellationToken)
    {
        if (!IsStorableId(instanceId))
        {
            return NotFound(instanceId);
        }

        OrchestrationMetadata? metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (metadata is null)
        {
            return NotFound(instanceId);
        }

        return DurableInstanceStatus.IsFinished(metadata.RuntimeStatus)
            ? new ApiProblem(StatusCodes.Status410Gone, ProblemCodes.Gone, "The instance has already finished.", $"Instance '{instanceId}' is {metadata.RuntimeStatus}.")
            : null;
    }

    static ApiProblem NotFound(string instanceId) =>
        new(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "Instance not found.", $"No instance with id '{Problems.Shorten(instanceId)}'.");

    /// <summary>
    /// Ids the engine's storage can hold as a key: no '/', '\', '#', '?' or control characters, at most 256
    /// characters. Any other id names no instance, and asking storage about it would only fail there.
    /// </summary>
    internal static bool IsStorableId(string instanceId) =>
        instanceId.Length is > 0 and <= 256 && !instanceId.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) || char.IsSurrogate(c));

    static bool Decodes(JsonNode? node)
    {
        try
        {
            _ = node?.ToJsonString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The body of a successful purge, as Durable Functions answers it.</summary>
    public sealed record PurgeHistoryResult(int InstancesDeleted);
}
