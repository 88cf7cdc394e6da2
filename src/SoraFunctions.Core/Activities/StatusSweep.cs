using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Configuration;
using SoraFunctions.Providers;
using SoraFunctions.Storage;

namespace SoraFunctions.Activities;

/// <summary>What one sweep found: the jobs to wake, and how many videos are still rendering at the provider.</summary>
/// <param name="Wake">Jobs whose provider video reached an end since the last sweep.</param>
/// <param name="Open">Videos listed that are still queued or rendering (0 lets the sweeper end when idle).</param>
/// <param name="Listed">Videos read from the provider's list.</param>
/// <param name="Pages">List requests made.</param>
/// <param name="Failed">True when the provider's list failed; the sweeper keeps going.</param>
public sealed record StatusSweepResult(IReadOnlyList<string> Wake, int Open, int Listed, int Pages, bool Failed);

/// <summary>
/// One status sweep: reads the provider's video list newest first (one request per 100 videos) and finds the jobs whose
/// video reached an end since the previous sweep, so that only those check their video, instead of every job checking
/// its own on a timer. What it remembers between sweeps (the videos still rendering, those already reported) lives in
/// this process only; a sweep in another process, or after a restart, falls back on the providers' completion times,
/// and whatever a sweep misses is caught by the jobs' own slow safety-net checks.
/// </summary>
public sealed class StatusSweep
{
    /// <summary>Slack for the clocks of this host and the provider, which stamps completion times.</summary>
    static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(10);

    /// <summary>How far back a sweep with nothing remembered reads, and how long a reported video is remembered.</summary>
    static readonly TimeSpan ColdLookback = TimeSpan.FromMinutes(15);

    readonly IVideoProvider provider;
    readonly IProviderVideoIndex index;
    readonly TimeProvider time;
    readonly ILogger<StatusSweep> logger;
    readonly int maxVideos;
    int sweeping;

    /// <summary>Videos still rendering at the last sweep, with their creation times.</summary>
    Dictionary<string, DateTime?> open = new(StringComparer.Ordinal);

    /// <summary>Videos already reported (woken or found not ours), and when, so each is reported once.</summary>
    readonly Dictionary<string, DateTimeOffset> reported = new(StringComparer.Ordinal);

    DateTimeOffset? lastSweepAt;

    public StatusSweep(IVideoProvider provider, IProviderVideoIndex index, IOptions<PipelineOptions> options, TimeProvider time, ILogger<StatusSweep> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.provider = provider;
        this.index = index;
        this.time = time;
        this.logger = logger;
        maxVideos = options.Value.SweepMaxVideos;
    }

    public async Task<StatusSweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        if (provider is not IListVideos lister)
        {
            return new StatusSweepResult([], 0, 0, 0, Failed: true);
        }

        // One sweep at a time per process (a repeated activity can overlap its first try): the other reports nothing.
        if (Interlocked.Exchange(ref sweeping, 1) == 1)
        {
            return new StatusSweepResult([], open.Count, 0, 0, Failed: true);
        }

        try
        {
            return await SweepOnceAsync(lister, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref sweeping, 0);
        }
    }

    async Task<StatusSweepResult> SweepOnceAsync(IListVideos lister, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();

        // Newest first, down to the oldest video still rendering last time (every video that can have ended since is
        // newer than that), or, with nothing remembered, a fixed lookback.
        DateTime readBackTo = (open.Count > 0 && open.Values.Min() is { } oldestOpen
            ? oldestOpen
            : (lastSweepAt ?? now - ColdLookback).UtcDateTime) - ClockSlack;
        DateTime endedSince = (lastSweepAt ?? now - ClockSlack).UtcDateTime - ClockSlack;

        Dictionary<string, DateTime?> stillOpen = new(StringComparer.Ordinal);
        List<ProviderVideo> ended = [];
        int listed = 0;
        int pages = 0;
        string? after = null;
        do
        {
            ProviderResult<ProviderVideoPage> page = await lister.ListVideosAsync(after, cancellationToken);
            pages++;
            if (!page.IsSuccess)
            {
                logger.LogWarning("Status sweep: listing the provider's videos failed: {Error}", page.Error.Message);
                return new StatusSweepResult([], open.Count, listed, pages, Failed: true);
            }

            bool pastWindow = false;
            foreach (ProviderVideo video in page.Value!.Videos)
            {
                if (video.CreatedAt is { } created && created < readBackTo)
                {
                    pastWindow = true;
                    break;
                }

                listed++;
                if (IsEnded(video.Status))
                {
                    if (!reported.ContainsKey(video.Id) && (open.ContainsKey(video.Id) || video.CompletedAt >= endedSince))
                    {
                        ended.Add(video);
                    }
                }
                else
                {
                    stillOpen[video.Id] = video.CreatedAt;
                }
            }

            after = pastWindow || listed >= maxVideos ? null : page.Value.NextAfter;
        }
        while (after is not null);

        // A lookup that throws (storage trouble) fails the whole sweep before anything is marked reported, so the next
        // sweep finds the same videos again.
        List<string> wake = [];
        foreach (ProviderVideo video in ended)
        {
            if (await index.FindJobAsync(video.Id, cancellationToken) is { } jobId)
            {
                wake.Add(jobId);
            }
        }

        foreach (ProviderVideo video in ended)
        {
            reported[video.Id] = now;
        }

        foreach (string id in reported.Where(r => now - r.Value > ColdLookback).Select(r => r.Key).ToList())
        {
            reported.Remove(id);
        }

        open = stillOpen;
        lastSweepAt = now;
        if (wake.Count > 0)
        {
            logger.LogInformation("Status sweep: {Count} videos ended; waking their jobs ({Listed} videos listed in {Pages} requests)", wake.Count, listed, pages);
        }

        return new StatusSweepResult(wake, stillOpen.Count, listed, pages, Failed: false);
    }

    static bool IsEnded(string status) =>
        status is ProviderStatus.Completed or ProviderStatus.Failed or ProviderStatus.Cancelled or ProviderStatus.Expired;
}
