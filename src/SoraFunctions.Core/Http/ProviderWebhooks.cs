using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Configuration;
using SoraFunctions.Orchestration;
using SoraFunctions.Provider;
using SoraFunctions.Storage;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace SoraFunctions.Http;

/// <summary>
/// <c>POST /api/webhooks/sora</c>: the provider's <c>video.completed</c> / <c>video.failed</c> events, signed with
/// Standard Webhooks (<c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature</c>; 5 minutes tolerance).
/// A verified event wakes the job that owns the video, which then checks the provider at once instead of at its
/// next timer. Polling stays the safety net: a lost or late webhook only costs the usual delay, and a repeated
/// delivery (same <c>webhook-id</c>) only causes one more status check.
/// </summary>
public sealed class ProviderWebhooks
{
    readonly StandardWebhook? verifier;
    readonly ProviderVideoIndex index;
    readonly VideoApiOptions api;
    readonly ILogger<ProviderWebhooks> logger;

    public ProviderWebhooks(IOptions<SoraOptions> sora, IOptions<VideoApiOptions> api, ProviderVideoIndex index, ILogger<ProviderWebhooks> logger)
    {
        ArgumentNullException.ThrowIfNull(sora);
        ArgumentNullException.ThrowIfNull(api);
        string? secret = sora.Value.WebhookSecret;
        verifier = string.IsNullOrEmpty(secret) ? null : new StandardWebhook(secret);
        this.index = index;
        this.api = api.Value;
        this.logger = logger;
    }

    public async Task<IResult> ReceiveAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        if (verifier is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Webhooks are not configured.",
                detail: "Set Sora__WebhookSecret to the provider's signing secret to receive its events.");
        }

        byte[]? body = await VideoApi.ReadBoundedAsync(request.Body, api.MaxRequestBytes, cancellationToken);
        if (body is null)
        {
            return Problems.Field("body", $"The request body is larger than {api.MaxRequestBytes} bytes.");
        }

        string payload = Encoding.UTF8.GetString(body);
        try
        {
            verifier.Verify(payload, request.Headers);
        }
        catch (WebhookVerificationException ex)
        {
            logger.LogWarning("Rejected a provider webhook: {Reason}", ex.Message);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The webhook signature is not valid.", detail: ex.Message);
        }

        (string? type, string? videoId) = Read(payload);
        if (type is null)
        {
            return Problems.Field("body", "The event must be a JSON object with 'type' and 'data.id'.");
        }

        if (type is not ("video.completed" or "video.failed") || videoId is null)
        {
            return TypedResults.Ok(new WebhookAnswer("ignored", null));
        }

        string? jobId = await index.FindJobAsync(videoId, cancellationToken);
        if (jobId is null)
        {
            logger.LogInformation("Provider event {Type} for {VideoId}: no job of ours", type, videoId);
            return TypedResults.Ok(new WebhookAnswer("unknown video", null));
        }

        OrchestrationMetadata? instance = await client.GetInstanceAsync(jobId, getInputsAndOutputs: false, cancellationToken);
        if (instance is null || instance.RuntimeStatus is not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended))
        {
            return TypedResults.Ok(new WebhookAnswer("job already finished", jobId));
        }

        await client.RaiseEventAsync(jobId, VideoOrchestrator.ProviderEvent, type, cancellationToken);
        logger.LogInformation("Provider event {Type} for {VideoId} woke job {JobId}", type, videoId, jobId);
        return TypedResults.Ok(new WebhookAnswer("job woken", jobId));
    }

    static (string? Type, string? VideoId) Read(string payload)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(payload);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String)
            {
                return (null, null);
            }

            string? videoId = root.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
            return (type.GetString(), videoId);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}

/// <summary>What <c>POST /api/webhooks/sora</c> did with an event.</summary>
public sealed record WebhookAnswer(string Result, string? JobId);
