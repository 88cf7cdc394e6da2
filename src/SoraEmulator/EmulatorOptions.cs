using System.Globalization;

namespace SoraEmulator;

/// <summary>
/// Settings of the emulator (configuration section <c>Emulator</c>). Read at request time: a change made to a
/// running emulator's instance applies to the next request; a job keeps the render settings it was created with.
/// </summary>
public sealed class EmulatorOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Emulator";

    /// <summary>Time from <c>queued</c> to <c>completed</c> of a job, in seconds.</summary>
    public double RenderSeconds { get; set; } = 20;

    /// <summary>When set, a Sora create answers 429 while this many jobs are in flight (a provider's concurrency limit).</summary>
    public int? MaxInFlight { get; set; }

    /// <summary>Share of <see cref="RenderSeconds"/> a job spends <c>queued</c> (0 to 1).</summary>
    public double QueuedFraction { get; set; } = 0.1;

    /// <summary>When set, the <c>openai-poll-after-ms</c> header sent on create and retrieve answers.</summary>
    public int? PollAfterMs { get; set; }

    /// <summary>When set, every <c>/v1</c> call needs <c>Authorization: Bearer &lt;key&gt;</c> or <c>api-key: &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary><c>expires_at</c> = <c>completed_at</c> + this many seconds.</summary>
    public int ExpiresAfterSeconds { get; set; } = 3600;

    /// <summary>
    /// When set (with <see cref="WebhookSecret"/>), Sora jobs created from then on POST signed <c>video.completed</c> /
    /// <c>video.failed</c> events here when they finish.
    /// </summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>The Standard Webhooks signing secret, <c>whsec_&lt;base64&gt;</c>.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Delivery attempts per event (the first one included); waits of 1, 2, 4 … s on the emulator's clock between them.</summary>
    public int WebhookMaxAttempts { get; set; } = 5;

    internal EmulatorOptions CopyTo(EmulatorOptions target)
    {
        target.RenderSeconds = RenderSeconds;
        target.QueuedFraction = QueuedFraction;
        target.PollAfterMs = PollAfterMs;
        target.ApiKey = ApiKey;
        target.ExpiresAfterSeconds = ExpiresAfterSeconds;
        target.WebhookUrl = WebhookUrl;
        target.WebhookSecret = WebhookSecret;
        target.WebhookMaxAttempts = WebhookMaxAttempts;
        return target;
    }

    /// <summary>Throws an <see cref="InvalidOperationException"/> naming the key of the first bad value.</summary>
    internal void Validate()
    {
        if (!double.IsFinite(RenderSeconds) || RenderSeconds < 0)
        {
            throw Invalid(nameof(RenderSeconds), RenderSeconds, "a number of seconds >= 0");
        }

        if (!double.IsFinite(QueuedFraction) || QueuedFraction < 0 || QueuedFraction > 1)
        {
            throw Invalid(nameof(QueuedFraction), QueuedFraction, "a number between 0 and 1");
        }

        if (PollAfterMs is < 0)
        {
            throw Invalid(nameof(PollAfterMs), PollAfterMs, "milliseconds >= 0");
        }

        if (ExpiresAfterSeconds < 0)
        {
            throw Invalid(nameof(ExpiresAfterSeconds), ExpiresAfterSeconds, "seconds >= 0");
        }

        if (WebhookUrl is not null && (!WebhookUrl.IsAbsoluteUri || WebhookUrl.Scheme is not ("http" or "https")))
        {
            throw Invalid(nameof(WebhookUrl), WebhookUrl, "an absolute http or https URL");
        }

        if (WebhookSecret is not null && Webhooks.WebhookSigner.TryReadSecret(WebhookSecret) is null)
        {
            throw Invalid(nameof(WebhookSecret), "(hidden)", "whsec_ followed by base64");
        }

        if (WebhookUrl is not null && WebhookSecret is null)
        {
            throw Invalid(nameof(WebhookSecret), null, "a secret whenever WebhookUrl is set (events are always signed)");
        }

        if (WebhookMaxAttempts < 1)
        {
            throw Invalid(nameof(WebhookMaxAttempts), WebhookMaxAttempts, "a number of attempts >= 1");
        }
    }

    static InvalidOperationException Invalid(string key, object? value, string expected) =>
        new(string.Create(
            CultureInfo.InvariantCulture,
            $"Invalid setting {SectionName}:{key} = '{value}': expected {expected}."));
}
