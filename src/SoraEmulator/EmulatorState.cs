using System.Security.Cryptography;
using System.Text;
using SoraEmulator.Jobs;
using SoraEmulator.Media;

namespace SoraEmulator;

/// <summary>Everything one emulator instance holds: options, clock, jobs, counters, media.</summary>
internal sealed class EmulatorState(EmulatorOptions options, TimeProvider timeProvider, MediaLibrary media)
{
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);

    public EmulatorOptions Options { get; } = options;
    public TimeProvider Time { get; } = timeProvider;
    public MediaLibrary Media { get; } = media;
    public JobStore Jobs { get; } = new();
    public EmulatorStats Stats { get; } = new();

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Creates and stores a job; its render settings come from the directives, else the options.</summary>
    public VideoJob CreateJob(VideoSpec spec, PromptDirectives directives, string? remixedFromVideoId)
    {
        var (id, sequence) = Jobs.NextId();
        var createdAt = Now;
        var render = TimeSpan.FromSeconds(directives.RenderSeconds ?? Options.RenderSeconds);
        var record = new VideoRecord(id, sequence, spec.Prompt, createdAt, VideoJob.CompletionOf(createdAt, render, directives));
        var job = new VideoJob(record, spec, directives, render, Options.QueuedFraction,
            TimeSpan.FromSeconds(Options.ExpiresAfterSeconds), remixedFromVideoId);
        Stats.Add(record);
        Jobs.Add(job);
        return job;
    }

    public int? PollAfterFor(VideoJob job) => job.Directives.PollAfterMs ?? Options.PollAfterMs;

    /// <summary>The signature of a "signed URL" for one variant of one video.</summary>
    public string Sign(string videoId, string variant) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey, Encoding.UTF8.GetBytes(videoId + "\n" + variant)));

    public bool IsValidSignature(string videoId, string variant, string? signature)
    {
        if (signature is null)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(videoId, variant));
        var actual = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    public void Reset()
    {
        Jobs.Clear();
        Stats.Clear();
    }
}
