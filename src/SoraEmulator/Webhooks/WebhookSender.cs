using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using SoraEmulator.Api;
using SoraEmulator.Jobs;

namespace SoraEmulator.Webhooks;

/// <summary>
/// Sends the Sora face's <c>video.completed</c> / <c>video.failed</c> events. Job status is computed from the clock
/// on request, so nothing else notices a job finishing: each job gets a timer on the emulator's clock (a fake clock
/// fires it when advanced past the finish time), which queues the event; a background loop delivers it, retrying a
/// failed delivery with backoff on the same clock.
/// </summary>
sealed class WebhookSender(
    EmulatorOptions options,
    TimeProvider time,
    EmulatorStats stats,
    IHttpClientFactory httpClientFactory,
    ILogger<WebhookSender> logger) : BackgroundService
{
    public const string HttpClientName = "SoraEmulator.Webhooks";

    readonly Channel<WebhookEvent> due = Channel.CreateUnbounded<WebhookEvent>(new UnboundedChannelOptions { SingleReader = true });
    readonly ConcurrentDictionary<string, ITimer> timers = new(StringComparer.Ordinal);

    /// <summary>
    /// Arms the job's webhook when webhooks are configured now, the job finishes at all (not stalled) and the
    /// prompt did not say <c>nowebhook</c>.
    /// </summary>
    public void Schedule(VideoJob job)
    {
        if (options.WebhookUrl is null || job.Directives.NoWebhook || job.FinishesAt is not { } finishesAt)
        {
            return;
        }

        string type = job.Directives.FailCode is null ? "video.completed" : "video.failed";
        TimeSpan delay = finishesAt - time.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            Fire(job, type, finishesAt);
            return;
        }

        ITimer timer = time.CreateTimer(_ =>
        {
            if (timers.TryRemove(job.Id, out ITimer? fired))
            {
                fired.Dispose();
            }

            Fire(job, type, finishesAt);
        }, null, delay, Timeout.InfiniteTimeSpan);
        timers[job.Id] = timer;
    }

    /// <summary>Forgets every armed timer (a reset forgets the jobs too); deliveries under way finish.</summary>
    public void CancelScheduled()
    {
        foreach (string id in timers.Keys)
        {
            if (timers.TryRemove(id, out ITimer? timer))
            {
                timer.Dispose();
            }
        }
    }

    public override void Dispose()
    {
        CancelScheduled();
        base.Dispose();
    }

    void Fire(VideoJob job, string type, DateTimeOffset finishedAt)
    {
        // A video deleted before it finished never finishes: no event.
        if (job.Record.RemovedAt is { } removedAt && removedAt <= finishedAt)
        {
            return;
        }

        due.Writer.TryWrite(new WebhookEvent(
            "evt_" + RandomNumberGenerator.GetHexString(32, lowercase: true), "event", finishedAt.ToUnixTimeSeconds(), type,
            new WebhookEventData(job.Id)));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (WebhookEvent evt in due.Reader.ReadAllAsync(stoppingToken))
            {
                // One receiver slow to answer or retrying must not hold back the next event.
                _ = DeliverAsync(evt, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    async Task DeliverAsync(WebhookEvent evt, CancellationToken cancellationToken)
    {
        string body = JsonSerializer.Serialize(evt, WireJson.Api);
        var backoff = TimeSpan.FromSeconds(1);
        int maxAttempts = Math.Max(1, options.WebhookMaxAttempts);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                if (options.WebhookUrl is not { } url || options.WebhookSecret is not { } secret
                    || WebhookSigner.TryReadSecret(secret) is not { } key)
                {
                    logger.LogWarning("Webhook {EventId} dropped: WebhookUrl or WebhookSecret is no longer set", evt.Id);
                    return;
                }

                stats.CountWebhookAttempt();
                string? failure = await PostAsync(url, key, evt.Id, body, cancellationToken);
                if (failure is null)
                {
                    stats.CountWebhookSent();
                    logger.LogInformation("Webhook {EventId} ({Type}, {VideoId}) delivered on attempt {Attempt}",
                        evt.Id, evt.Type, evt.Data.Id, attempt);
                    return;
                }

                if (attempt >= maxAttempts)
                {
                    stats.CountWebhookFailed();
                    logger.LogWarning("Webhook {EventId} ({Type}, {VideoId}) given up after {Attempts} attempts: {Failure}",
                        evt.Id, evt.Type, evt.Data.Id, attempt, failure);
                    return;
                }

                logger.LogInformation("Webhook {EventId} attempt {Attempt} failed ({Failure}); retrying in {Delay}",
                    evt.Id, attempt, failure, backoff);
                await Task.Delay(backoff, time, cancellationToken);
                backoff *= 2;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One attempt; null when the receiver answered 2xx, else what went wrong.</summary>
    async Task<string?> PostAsync(Uri url, byte[] key, string id, string body, CancellationToken cancellationToken)
    {
        // The receiver checks the timestamp against its own clock (5 minutes tolerance), so it is the wall clock even
        // when a fake clock drives the jobs; created_at in the body stays on the emulator's clock.
        long timestamp = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSigner.Sign(key, id, timestamp, body));
        try
        {
            using HttpClient client = httpClientFactory.CreateClient(HttpClientName);
            using HttpResponseMessage response = await client.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}");
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return "timeout: " + ex.Message;
        }
    }
}

/// <summary>The event body: <c>{"id":"evt_…","object":"event","created_at":…,"type":…,"data":{"id":"video_…"}}</c>.</summary>
sealed record WebhookEvent(string Id, string Object, long CreatedAt, string Type, WebhookEventData Data);

sealed record WebhookEventData(string Id);
