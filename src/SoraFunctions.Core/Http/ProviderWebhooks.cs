using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Activities;
using SoraFunctions.Configuration;
using SoraFunctions.Orchestration;
using SoraFunctions.Providers;
using SoraFunctions.Storage;

namespace SoraFunctions.Http;

/// <summary>
/// <c>POST /api/webhooks/{provider}</c>: a provider's signed events about its videos (for Sora, <c>video.completed</c> /
/// <c>video.failed</c> signed with Standard Webhooks). A verified event that says a video reached an end wakes the job
/// that owns it. With <see cref="PipelineOptions.StoreOnNotice"/> the receiver first confirms the end with the provider,
/// stores a completed video (<see cref="NoticedVideos"/>) and hands the job the result; otherwise, or when that cannot
/// be done, the job checks the provider at once instead of at its next timer. Polling stays the safety net: a lost or
/// late webhook only costs the usual delay, and a repeated delivery only causes one more status check.
/// </summary>
public sealed class ProviderWebhooks(IVideoProvider provider, IOptions<VideoApiOptions> api, ProviderVideoIndex index, WebhookDeliveries deliveries, NoticedVideos notices, ILogger<ProviderWebhooks> logger, TimeProvider? timeProvider = null)
{
    /// <summary>How long the receiver waits for a job that has not started running before asking for the event again.</summary>
    static readonly TimeSpan StartWait = TimeSpan.FromSeconds(3);

    readonly TimeProvider time = timeProvider ?? TimeProvider.System;

    public async Task<IResult> ReceiveAsync(HttpRequest request, string providerName, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        if (provider is not IProviderWebhooks webhooks || !webhooks.WebhooksEnabled || !string.Equals(providerName, provider.Name, StringComparison.OrdinalIgnoreCase))
        {
            return new ApiProblem(
                StatusCodes.Status404NotFound,
                ProblemCodes.WebhooksOff,
                "Webhooks are not configured.",
                $"This deployment takes no webhooks from '{Problems.Shorten(providerName)}'. For Sora, set Sora__WebhookSecret to the provider's signing secret.");
        }

        int limit = api.Value.MaxRequestBytes;
        byte[]? body = await ApiRequests.ReadBodyAsync(request, limit, cancellationToken);
        if (body is null)
        {
            return ApiRequests.TooLarge(limit);
        }

        string payload;
        try
        {
            payload = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return Problems.Field("body", "The request body is not valid UTF-8.");
        }

        WebhookCheck check = webhooks.Verify(payload, request.Headers);
        if (check.Rejected is not null)
        {
            logger.LogWarning("Rejected a provider webhook: {Reason}", check.Rejected);
            return new ApiProblem(StatusCodes.Status401Unauthorized, ProblemCodes.BadSignature, "The webhook signature is not valid.", check.Rejected);
        }

        if (check.EventType is null)
        {
            return Problems.Field("body", "The event must be a JSON object with 'type' and 'data.id'.");
        }

        // With StoreOnNotice, the end is confirmed with the provider as the event arrives, before the lookups below.
        GetVideoResult? confirmed = check.Finished && check.VideoId is not null ? await notices.CheckAsync(check.VideoId, cancellationToken) : null;

        // A delivery seen within the tolerance window is a replay: acknowledged, and no second event.
        string? deliveryId = string.IsNullOrEmpty(check.DeliveryId) ? null : check.DeliveryId;
        if (deliveryId is not null && !await deliveries.TryTakeAsync(deliveryId, cancellationToken))
        {
            logger.LogInformation("Provider event {Type}: delivery already taken, ignored", check.EventType);
            return TypedResults.Ok(new WebhookAnswer(WebhookAnswer.Duplicate, null));
        }

        try
        {
            IResult answer = await HandleAsync(check, confirmed, client, cancellationToken);
            if (answer is IStatusCodeHttpResult { StatusCode: >= 400 } && deliveryId is not null)
            {
                // Asked for again: the provider's next delivery of it must not count as a replay.
                await deliveries.ReleaseAsync(deliveryId, CancellationToken.None);
            }

            return answer;
        }
        catch when (deliveryId is not null)
        {
            // Not handled: the provider's retry of this delivery must not count as a replay.
            await deliveries.ReleaseAsync(deliveryId, CancellationToken.None);
            throw;
        }
    }

    async Task<IResult> HandleAsync(WebhookCheck check, GetVideoResult? confirmed, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (!check.Finished || check.VideoId is null)
        {
            return TypedResults.Ok(new WebhookAnswer(WebhookAnswer.Ignored, null));
        }

        string? jobId = await index.FindJobAsync(check.VideoId, cancellationToken);
        if (jobId is null)
        {
            logger.LogInformation("Provider event {Type} for {VideoId}: no job of ours", check.EventType, check.VideoId);
            return TypedResults.Ok(new WebhookAnswer(WebhookAnswer.UnknownVideo, null));
        }

        OrchestrationMetadata? instance = await NoticedVideos.RunningAsync(client, jobId, notices.Enabled, StartWait, time, cancellationToken);
        if (instance is null or { RuntimeStatus: OrchestrationRuntimeStatus.Pending })
        {
            // The submission created the video and has not scheduled its job yet (PipelineOptions.CreateOnSubmit), or the
            // job has not started running, when an event could be lost (NoticedVideos.RunningAsync): a 4xx has the
            // provider deliver the event again, by when the job runs.
            logger.LogInformation("Provider event {Type} for {VideoId}: job {JobId} is not started yet; asking for the event again", check.EventType, check.VideoId, jobId);
            return Problems.NotReady("The job is starting.", $"Job '{jobId}' of video '{check.VideoId}' is being started; deliver the event again.");
        }

        if (instance.RuntimeStatus is not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended))
        {
            return TypedResults.Ok(new WebhookAnswer(WebhookAnswer.JobFinished, jobId));
        }

        NoticedVideo? noticed = confirmed?.Video is { } ended && ended.Id == check.VideoId && instance.RuntimeStatus == OrchestrationRuntimeStatus.Running
            ? await notices.TakeAsync(instance, ended, confirmed.ObservedAt, cancellationToken)
            : null;
        // Not canceled with the request: a provider that gave up waiting (a stored video takes a while) would otherwise
        // leave the job without the result it already has, and its redelivery would store nothing new.
        await client.RaiseEventAsync(jobId, VideoOrchestrator.ProviderEvent, (object?)noticed ?? check.EventType, CancellationToken.None);
        logger.LogInformation("Provider event {Type} for {VideoId} woke job {JobId}", check.EventType, check.VideoId, jobId);
        return TypedResults.Ok(new WebhookAnswer(noticed?.Stored is null ? WebhookAnswer.Woken : WebhookAnswer.Stored, jobId));
    }

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}

/// <summary>
/// What <c>POST /api/webhooks/{provider}</c> did with an event: <c>video stored</c> (stored here, the job told),
/// <c>job woken</c>, <c>duplicate</c>, <c>ignored</c>, <c>unknown video</c> or <c>job already finished</c>.
/// </summary>
public sealed record WebhookAnswer(string Result, string? JobId)
{
    public const string Stored = "video stored";
    public const string Woken = "job woken";
    public const string Duplicate = "duplicate";
    public const string Ignored = "ignored";
    public const string UnknownVideo = "unknown video";
    public const string JobFinished = "job already finished";

    /// <summary>Every <see cref="Result"/> (the OpenAPI document lists them).</summary>
    public static IReadOnlyList<string> Results { get; } = [Stored, Woken, Duplicate, Ignored, UnknownVideo, JobFinished];
}
