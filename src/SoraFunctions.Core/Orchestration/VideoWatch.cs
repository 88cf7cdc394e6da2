using System.Collections.Concurrent;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Activities;
using SoraFunctions.Configuration;

namespace SoraFunctions.Orchestration;

/// <summary>
/// Polls the provider, in this process, for the videos that submissions here created (<see cref="PipelineOptions.WatchInProcess"/>),
/// on the job's own schedule (<see cref="PollingPolicy"/>, aimed checks included) but on the process's timers rather than
/// the engine's: a durable timer and a status activity each wait in the engine's queues, which a crowd of jobs fills,
/// so a thousand jobs polling through the engine notice their ends many seconds late. When a check sees the video end,
/// the watch hands it on as a webhook's receiver does (<see cref="NoticedVideos"/>: stored when it completed) and stops.
/// The job's own checks stay on as the safety net (<see cref="PipelineOptions.WebhookPollSeconds"/> apart), so a watch
/// lost with its process (a restart, a scale-in) only costs that delay.
/// </summary>
public sealed class VideoWatch(VideoJobActivities activities, NoticedVideos notices, IOptions<PipelineOptions> options, TimeProvider time, ILogger<VideoWatch> logger) : IDisposable
{
    /// <summary>Status calls under way at once; the rest wait their turn, so a crowd's checks cannot flood the provider.</summary>
    public const int ChecksInFlight = 64;

    /// <summary>The most videos watched at once in one process; a submission past it leaves its job to poll on its own.</summary>
    public const int MaxWatches = 100_000;

    /// <summary>Tries at handing an ended video to its job before the job's own safety-net check is left to find it.</summary>
    const int NoticeAttempts = 3;

    static readonly TimeSpan NoticeRetry = TimeSpan.FromSeconds(1);

    /// <summary>How long a notice waits for a job that has not started running yet (<see cref="NoticedVideos.RunningAsync"/>).</summary>
    static readonly TimeSpan StartWait = TimeSpan.FromSeconds(30);

    readonly ConcurrentDictionary<string, string> watched = new(StringComparer.Ordinal);
    readonly SemaphoreSlim checks = new(ChecksInFlight, ChecksInFlight);
    readonly CancellationTokenSource stopping = new();

    /// <summary>Whether a job submitted now would be watched: the setting is on and there is room.</summary>
    public bool CanWatch => options.Value.WatchInProcess && !stopping.IsCancellationRequested && watched.Count < MaxWatches;

    /// <summary>The jobs being watched now.</summary>
    public int Count => watched.Count;

    /// <summary>Whether job <paramref name="jobId"/>'s video is being watched here.</summary>
    public bool IsWatching(string jobId) => watched.ContainsKey(jobId);

    /// <summary>
    /// Starts watching <paramref name="created"/> for job <paramref name="jobId"/>, which has started; the provider answered
    /// its create at <paramref name="createdAt"/>. False when the job is already watched or the watch is full or off.
    /// </summary>
    /// <param name="client">The engine's client, for handing the ended video to the job.</param>
    public bool Watch(DurableTaskClient client, string jobId, ProviderVideo created, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(created);
        if (!CanWatch || !watched.TryAdd(jobId, created.Id))
        {
            return false;
        }

        PipelineOptions pipeline = options.Value;
        var start = WatchState.Created(createdAt, createdAt + TimeSpan.FromMinutes(pipeline.JobTimeoutMinutes), created.Progress ?? 0);
        Telemetry.PipelineTelemetry.WatchedVideos.Add(1);
        _ = RunAsync(client, jobId, created.Id, start, TimeSpan.FromSeconds(pipeline.MinPollSeconds), TimeSpan.FromSeconds(pipeline.MaxPollSeconds));
        return true;
    }

    public void Dispose()
    {
        stopping.Cancel();
        stopping.Dispose();
    }

    async Task RunAsync(DurableTaskClient client, string jobId, string videoId, WatchState state, TimeSpan minimum, TimeSpan maximum)
    {
        CancellationToken cancellationToken = stopping.Token;
        try
        {
            DateTimeOffset? dueAt = NextCheckAt(ref state, time.GetUtcNow(), minimum, maximum);
            while (dueAt is { } due)
            {
                TimeSpan wait = due - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }

                GetVideoResult answer = await CheckAsync(jobId, videoId, cancellationToken);
                state = state.After(answer, time.GetUtcNow());
                if (answer.Video is { } video && EventPayloads.HasEnded(video))
                {
                    await NoticeAsync(client, jobId, video, answer.ObservedAt ?? time.GetUtcNow(), state.Checks - 1, cancellationToken);
                    return;
                }

                // A video the provider no longer knows (the job was canceled and deleted it) or refuses to show: stop.
                dueAt = answer.Outcome == StepOutcome.Failed ? null : NextCheckAt(ref state, time.GetUtcNow(), minimum, maximum);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping; the job's safety-net checks carry on wherever it runs next.
        }
        catch (Exception ex)
        {
            logger.LogWarning("Job {JobId}: watching video {VideoId} stopped ({Reason}); the job's own checks will notice its end", jobId, videoId, ex.Message);
        }
        finally
        {
            watched.TryRemove(jobId, out _);
            Telemetry.PipelineTelemetry.WatchedVideos.Add(-1);
        }
    }

    async Task<GetVideoResult> CheckAsync(string jobId, string videoId, CancellationToken cancellationToken)
    {
        await checks.WaitAsync(cancellationToken);
        try
        {
            return await activities.GetAsync(new GetVideoInput(videoId), jobId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new GetVideoResult(StepOutcome.Retry) { Error = new Jobs.JobError(Jobs.JobErrorCodes.Internal, ex.Message) };
        }
        finally
        {
            checks.Release();
        }
    }

    /// <summary>Hands the ended video to a job that is still running, stored first when it completed (as a webhook would).</summary>
    async Task NoticeAsync(DurableTaskClient client, string jobId, ProviderVideo video, DateTimeOffset observedAt, int earlierChecks, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                OrchestrationMetadata? instance = await NoticedVideos.RunningAsync(client, jobId, notices.Enabled, StartWait, time, cancellationToken);
                if (instance is null || instance.RuntimeStatus is not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended))
                {
                    // Ended already, or still not started (its own check will see to it).
                    return;
                }

                NoticedVideo noticed = (instance.RuntimeStatus == OrchestrationRuntimeStatus.Running ? await notices.TakeAsync(instance, video, observedAt, cancellationToken) : null)
                    ?? new NoticedVideo(video) { ObservedAt = observedAt };
                await client.RaiseEventAsync(jobId, VideoOrchestrator.ProviderEvent, noticed with { EarlierChecks = earlierChecks }, cancellationToken);
                Telemetry.PipelineTelemetry.WatchNotices.Add(1, new KeyValuePair<string, object?>("stored", noticed.Stored is not null));
                logger.LogInformation("Job {JobId}: video {VideoId} {Status}, noticed by the watch{Stored}", jobId, video.Id, video.Status, noticed.Stored is null ? "" : " and stored");
                return;
            }
            catch (Exception ex) when (attempt < NoticeAttempts && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
            {
                logger.LogWarning("Job {JobId}: handing it video {VideoId} failed ({Reason}); trying again", jobId, video.Id, ex.Message);
                await Task.Delay(NoticeRetry * attempt, time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// When to check next, by the same policy as the job's own checks (<see cref="PollingPolicy"/>): just past the
    /// estimated end when it is near (one aimed check in a row), else the policy's wait. Null past the job's deadline,
    /// where the job's own timeout takes over.
    /// </summary>
    internal static DateTimeOffset? NextCheckAt(ref WatchState state, DateTimeOffset now, TimeSpan minimum, TimeSpan maximum)
    {
        var signal = new PollSignal
        {
            SinceCreated = now - state.CreatedAt,
            Progress = state.Progress,
            PreviousProgress = state.PreviousProgress,
            SincePreviousCheck = state.ObservedAt - state.PreviousObservedAt,
            ProviderPollAfter = state.PollAfter,
            RetryAfter = state.RetryAfter,
            ConsecutiveFailures = state.Failures,
        };
        DateTimeOffset dueAt;
        if (!state.LastAimed && PollingPolicy.AimedCheck(signal, minimum) is { } aimed)
        {
            // In-process timers are on time, so the aimed check needs none of the durable timer's lead; an estimated end
            // already past is checked at once.
            DateTimeOffset aimedAt = state.ObservedAt + aimed;
            (dueAt, state) = (aimedAt > now ? aimedAt : now, state with { LastAimed = true });
        }
        else
        {
            (dueAt, state) = (now + PollingPolicy.NextDelay(signal, minimum, maximum), state with { LastAimed = false });
        }

        return dueAt < state.Deadline ? dueAt : null;
    }
}

/// <summary>What a watch knows of its video between checks (<see cref="VideoWatch.NextCheckAt"/>).</summary>
readonly record struct WatchState(
    DateTimeOffset CreatedAt,
    DateTimeOffset Deadline,
    int? Progress,
    int PreviousProgress,
    DateTimeOffset ObservedAt,
    DateTimeOffset PreviousObservedAt)
{
    public int Failures { get; init; }

    public TimeSpan? RetryAfter { get; init; }

    public TimeSpan? PollAfter { get; init; }

    /// <summary>Whether the last check was aimed at the estimated end: the next one is not, so a stalled figure cannot speed checks up.</summary>
    public bool LastAimed { get; init; }

    /// <summary>Status calls made so far.</summary>
    public int Checks { get; init; }

    /// <summary>The state when the provider answered the create at <paramref name="createdAt"/> (the create's progress counts as the first reading).</summary>
    public static WatchState Created(DateTimeOffset createdAt, DateTimeOffset deadline, int progress) =>
        new(createdAt, deadline, progress, progress, createdAt, createdAt);

    /// <summary>The state after a check answered <paramref name="answer"/> at <paramref name="now"/>.</summary>
    public WatchState After(GetVideoResult answer, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(answer);
        WatchState counted = this with { Checks = Checks + 1 };
        return answer is { Outcome: StepOutcome.Succeeded, Video: { } video }
            ? counted with
            {
                Progress = video.Progress ?? Progress,
                PreviousProgress = Progress ?? 0,
                PreviousObservedAt = ObservedAt,
                ObservedAt = answer.ObservedAt ?? now,
                Failures = 0,
                RetryAfter = null,
                PollAfter = answer.PollAfter,
            }
            : counted with { Failures = Failures + 1, RetryAfter = answer.RetryAfter };
    }
}
