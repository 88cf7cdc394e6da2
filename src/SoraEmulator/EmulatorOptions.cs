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

    /// <summary>Share of <see cref="RenderSeconds"/> a job spends <c>queued</c> (0 to 1).</summary>
    public double QueuedFraction { get; set; } = 0.1;

    /// <summary>When set, the <c>openai-poll-after-ms</c> header sent on create and retrieve answers.</summary>
    public int? PollAfterMs { get; set; }

    /// <summary>When set, every <c>/v1</c> call needs <c>Authorization: Bearer &lt;key&gt;</c> or <c>api-key: &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary><c>expires_at</c> = <c>completed_at</c> + this many seconds.</summary>
    public int ExpiresAfterSeconds { get; set; } = 3600;

    internal EmulatorOptions CopyTo(EmulatorOptions target)
    {
        target.RenderSeconds = RenderSeconds;
        target.QueuedFraction = QueuedFraction;
        target.PollAfterMs = PollAfterMs;
        target.ApiKey = ApiKey;
        target.ExpiresAfterSeconds = ExpiresAfterSeconds;
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
    }

    private static InvalidOperationException Invalid(string key, object? value, string expected) =>
        new(string.Create(
            CultureInfo.InvariantCulture,
            $"Invalid setting {SectionName}:{key} = '{value}': expected {expected}."));
}
