using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Configuration;
using SoraFunctions.Providers;
using SoraFunctions.Storage;

namespace SoraFunctions.Activities;

/// <summary>A job to wake, with its ended video as the provider's list showed it (so the job needs no status call).</summary>
public sealed record SweepWake(string JobId, ProviderVideo Video);

/// <summary>What one sweep found: the jobs to wake, and how many videos are still rendering at the provider.</summary>
/// <param name="Wake">Jobs whose provider video reached an end since the last sweep.</param>
/// <param name="Open">Videos listed that are still queued or rendering (0 lets the sweeper end when idle).</param>
/// <param name="Listed">Videos read from the provider's list.</param>
/// <param name="Pages">List requests made.</param>
/// <param name="Failed">True when the provider's list failed; the sweeper keeps going.</param>
public sealed record StatusSweepResult(IReadOnlyList<SweepWake> Wake, int Open, int Listed, int Pages, bool Failed);

/// <summary>Wakes a job whose video ended, handing it the video (the status sweep's way of reaching orchestrations).</summary>
public interface IJobWaker
{
    Task WakeAsync(string jobId, ProviderVideo video, CancellationToken cancellationToken);
}

/// <summary>One call of the sweep activity: sweep every <paramref name="IntervalSeconds"/> for up to <paramref name="RunSeconds"/>.</summary>
/// <param name="IdleSweepsBeforeEnd">Sweeps in a row that find nothing rendering before the sweeper may end.</param>
/// <param name="IdleSweeps">Idle sweeps in a row so far, carried from the previous call.</param>
public sealed record StatusSweepRun(double IntervalSeconds, double RunSeconds, int IdleSweepsBeforeEnd, int IdleSweeps);

/// <summary>What one call of the sweep activity did.</summary>
/// <param name="Idle">True when it stopped because nothing was rendering for <see cref="StatusSweepRun.IdleSweepsBeforeEnd"/> sweeps.</param>
public sealed record StatusSweepRunResult(int Sweeps, int Woken, int IdleSweeps, bool Idle);

/// <summary>
/// One status sweep: reads the provider's video list newest first (one request per 100 videos) and finds the jobs whose
/// video reached an end since the previous sweep, so that only those check their video, instead of every job checking
/// its own on a timer. What it remembers between sweeps (the videos still rendering, those already reported) lives in
/// this process only; a sweep in another process, or after a restart, falls back on the providers' completion times,
/// and whatever a sweep misses is caught by the jobs' own slow safety-net checks.
/// </summary>
public sealed class StatusSweep
{
    /// <summary>Jobs woken at once: a wake may store the video (as many as <see cref="Orchestration.NoticedVideos.StoresInFlight"/> at once).</summary>
    const int WakesInFlight = 32;

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

    /// <summary>
    /// Sweeps every <see cref="StatusSweepRun.IntervalSeconds"/> for up to <see cref="StatusSweepRun.RunSeconds"/>, waking
    /// the jobs whose video ended as it finds them (so the sweep's pace does not depend on the engine's queues), and
    /// stops early once nothing was rendering for <see cref="StatusSweepRun.IdleSweepsBeforeEnd"/> sweeps in a row or
    /// when <paramref name="cancellationToken"/> (the host stopping) fires.
    /// </summary>
    public async Task<StatusSweepRunResult> RunAsync(StatusSweepRun run, IJobWaker waker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(waker);
        var interval = TimeSpan.FromSeconds(run.IntervalSeconds);
        DateTimeOffset until = time.GetUtcNow() + TimeSpan.FromSeconds(run.RunSeconds);
        int sweeps = 0;
        int woken = 0;
        int idle = run.IdleSweeps;
        try
        {
            while (true)
            {
                StatusSweepResult result = await SweepAsync(cancellationToken);
                sweeps++;
                // Several at once: waking a job may store its video first (PipelineOptions.StoreOnNotice).
                await Parallel.ForEachAsync(result.Wake, new ParallelOptions { MaxDegreeOfParallelism = WakesInFlight, CancellationToken = cancellationToken }, async (wake, ct) =>
                {
                    try
                    {
                        await waker.WakeAsync(wake.JobId, wake.Video, ct);
                        Interlocked.Increment(ref woken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // Storage trouble: let the next sweep report this video again.
                        Unreport(wake.Video);
                        logger.LogWarning("Status sweep: waking job {JobId} failed ({Reason}); trying again at the next sweep", wake.JobId, ex.Message);
                    }
                });

                idle = result.Open > 0 || result.Wake.Count > 0 || result.Failed ? 0 : idle + 1;
                if (idle >= run.IdleSweepsBeforeEnd)
                {
                    return new StatusSweepRunResult(sweeps, woken, idle, Idle: true);
                }

                if (time.GetUtcNow() + interval > until)
                {
                    return new StatusSweepRunResult(sweeps, woken, idle, Idle: false);
                }

                await Task.Delay(interval, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping: what was woken is woken; the sweeper calls again after the restart.
            return new StatusSweepRunResult(sweeps, woken, idle, Idle: false);
        }
    }

    bool WasReported(string videoId)
    {
        lock (reported)
        {
            return reported.ContainsKey(videoId);
        }
    }

    /// <summary>
    /// Forgets that <paramref name="video"/> was reported and counts it as still rendering, so the next sweep reports it
    /// again even when the provider gave it no completion time (a failure).
    /// </summary>
    void Unreport(ProviderVideo video)
    {
        // Wakes run several at once (RunAsync).
        lock (reported)
        {
            reported.Remove(video.Id);
            open[video.Id] = video.CreatedAt;
        }
    }

    /// <summary>One sweep: the jobs to wake (the caller wakes them) and how many videos are still rendering.</summary>
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
                    if (!WasReported(video.Id) && (open.ContainsKey(video.Id) || video.CompletedAt >= endedSince))
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
        List<SweepWake> wake = [];
        foreach (ProviderVideo video in ended)
        {
            if (await index.FindJobAsync(video.Id, cancellationToken) is { } jobId)
            {
                wake.Add(new SweepWake(jobId, video));
            }
        }

        lock (reported)
        {
            foreach (ProviderVideo video in ended)
            {
                reported[video.Id] = now;
            }

            foreach (string id in reported.Where(r => now - r.Value > ColdLookback).Select(r => r.Key).ToList())
            {
                reported.Remove(id);
            }
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
