using System.Security.Cryptography;
using System.Text;
using SoraEmulator.Jobs;
using SoraEmulator.Media;
using SoraEmulator.Runway;
using SoraEmulator.Webhooks;

namespace SoraEmulator;

/// <summary>Everything one emulator instance holds: options, clock, jobs of both faces, counters, media, webhooks.</summary>
sealed class EmulatorState(
    EmulatorOptions options,
    TimeProvider timeProvider,
    MediaLibrary media,
    EmulatorStats stats,
    WebhookSender webhooks)
{
    readonly byte[] signingKey = RandomNumberGenerator.GetBytes(32);

    public EmulatorOptions Options { get; } = options;
    public TimeProvider Time { get; } = timeProvider;
    public MediaLibrary Media { get; } = media;
    public JobStore Jobs { get; } = new();
    public RunwayTaskStore RunwayTasks { get; } = new();
    public EmulatorStats Stats { get; } = stats;

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Creates and stores a Sora job and schedules its webhook; render settings from the directives, else the options.</summary>
    public VideoJob CreateJob(VideoSpec spec, PromptDirectives directives, string? remixedFromVideoId)
    {
        (string? id, long sequence) = Jobs.NextId();
        VideoJob job = NewJob(id, sequence, spec, directives, remixedFromVideoId, JobFace.Sora);
        Jobs.Add(job);
        webhooks.Schedule(job);
        return job;
    }

    /// <summary>Creates and stores a Runway task (id: a UUID, as Runway's).</summary>
    public RunwayTask CreateRunwayTask(RunwayRequest request, PromptDirectives directives)
    {
        var spec = new VideoSpec(request.PromptText ?? string.Empty, request.Model,
            request.Duration.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Ratio.Replace(':', 'x'));
        VideoJob job = NewJob(Guid.NewGuid().ToString("D"), Jobs.NextSequence(), spec, directives, null, JobFace.Runway);
        var task = new RunwayTask(job, request);
        RunwayTasks.Add(task);
        return task;
    }

    VideoJob NewJob(string id, long sequence, VideoSpec spec, PromptDirectives directives, string? remixedFromVideoId, JobFace face)
    {
        DateTimeOffset createdAt = Now;
        var render = TimeSpan.FromSeconds(directives.RenderSeconds ?? Options.RenderSeconds);
        var record = new VideoRecord(id, sequence, spec.Prompt, createdAt, VideoJob.CompletionOf(createdAt, render, directives),
            VideoJob.FinishOf(createdAt, render, directives), face);
        var job = new VideoJob(record, spec, directives, render, Options.QueuedFraction,
            TimeSpan.FromSeconds(Options.ExpiresAfterSeconds), remixedFromVideoId);
        Stats.Add(record);
        return job;
    }

    public int? PollAfterFor(VideoJob job) => job.Directives.PollAfterMs ?? Options.PollAfterMs;

    /// <summary>The signature of a "signed URL" for one variant of one video (or one Runway output).</summary>
    public string Sign(string id, string variant) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(id + "\n" + variant)));

    public bool IsValidSignature(string id, string variant, string? signature)
    {
        if (signature is null)
        {
            return false;
        }

        byte[] expected = Encoding.ASCII.GetBytes(Sign(id, variant));
        byte[] actual = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    public void Reset()
    {
        webhooks.CancelScheduled();
        Jobs.Clear();
        RunwayTasks.Clear();
        Stats.Clear();
    }
}
