using System.Text.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Activities;
using SoraFunctions.Configuration;
using SoraFunctions.Jobs;

namespace SoraFunctions.Orchestration;

/// <summary>
/// Stores a finished video where its end was noticed (a verified provider webhook, the status sweep) and gives the job
/// the result as its <see cref="VideoOrchestrator.ProviderEvent"/> payload (<see cref="NoticedVideo"/>), so that the job
/// ends in the episode that reads it: no status activity and no store activity, each a round trip through the engine's
/// queues, which is what a crowd of jobs finishing together waits for (<see cref="PipelineOptions.StoreOnNotice"/>).
/// The job stays the owner: it takes the result only for its own video and blob, and a null here (off, not ready, no
/// free store, any trouble) leaves the job to check and store as before. The store commits at most once, so a job
/// checking the same video at the same moment costs a second download at worst.
/// </summary>
public sealed class NoticedVideos(VideoJobActivities activities, IOptions<PipelineOptions> options, TimeProvider time, ILogger<NoticedVideos> logger) : IDisposable
{
    /// <summary>Stores under way at once in this process: each holds a block buffer, and a crowd's ends come together.</summary>
    public const int StoresInFlight = 64;

    /// <summary>How long a notice waits for a free store before it leaves the store to the job.</summary>
    static readonly TimeSpan StoreWait = TimeSpan.FromSeconds(5);

    readonly SemaphoreSlim stores = new(StoresInFlight, StoresInFlight);

    public bool Enabled => options.Value.StoreOnNotice;

    public void Dispose() => stores.Dispose();

    /// <summary>
    /// Asks the provider for <paramref name="providerVideoId"/> as its end is announced (a webhook): this check is the
    /// notice, made before the lookups that find the job, which queue on storage when a crowd's events come together.
    /// Null when the setting is off or the provider did not answer with an ended video (the job then checks itself).
    /// </summary>
    public async Task<GetVideoResult?> CheckAsync(string providerVideoId, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return null;
        }

        try
        {
            GetVideoResult result = await activities.GetAsync(new GetVideoInput(providerVideoId), jobId: null, cancellationToken);
            return result.Video is { } video && EventPayloads.HasEnded(video) ? result : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Checking video {VideoId} as its end was announced failed ({Reason}); its job will check", providerVideoId, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// For <paramref name="instance"/> (read with its inputs), whose video has ended as <paramref name="ended"/> shows
    /// (a webhook's check, the sweep's list entry): stores it when it completed and returns what to hand the job; null
    /// when the job should see to it itself.
    /// </summary>
    /// <param name="observedAt">When the provider answered the check that showed the end; null for the sweep's list.</param>
    public async Task<NoticedVideo?> TakeAsync(OrchestrationMetadata instance, ProviderVideo ended, DateTimeOffset? observedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(ended);
        if (!Enabled || !EventPayloads.HasEnded(ended) || StoreInputFor(instance, ended.Id) is not { } store)
        {
            return null;
        }

        if (ended.Status != ProviderStatus.Completed)
        {
            // A failure the check saw: the job fails with the provider's error without asking again.
            return observedAt is null ? null : new NoticedVideo(ended) { ObservedAt = observedAt };
        }

        if (ended.ExpiresAt is { } expiresAt && time.GetUtcNow() >= expiresAt)
        {
            return null;
        }

        if (!await stores.WaitAsync(StoreWait, cancellationToken))
        {
            logger.LogInformation("Job {JobId}: every store is busy; the job stores video {VideoId} itself", store.JobId, ended.Id);
            return null;
        }

        try
        {
            StoreVideoResult stored = await activities.StoreAsync(store, cancellationToken);
            if (stored is not { Outcome: StepOutcome.Succeeded, Blob: not null })
            {
                logger.LogWarning("Job {JobId}: storing video {VideoId} where its end was noticed failed ({Code}); the job stores it itself", store.JobId, ended.Id, stored.Error?.Code);
                return null;
            }

            logger.LogInformation("Job {JobId}: video {VideoId} stored where its end was noticed ({Bytes} bytes)", store.JobId, ended.Id, stored.Bytes);
            return new NoticedVideo(ended) { Stored = stored, ObservedAt = observedAt };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Job {JobId}: storing video {VideoId} where its end was noticed failed ({Reason}); the job stores it itself", store.JobId, ended.Id, ex.Message);
            return null;
        }
        finally
        {
            stores.Release();
        }
    }

    /// <summary>
    /// The job's instance once its orchestration has started running, reading it again every half second while it is
    /// still <c>Pending</c>, for at most <paramref name="wait"/>; whatever it last read after that (null: no such job).
    /// An event raised on a pending instance can be lost: when the engine puts the job's first message back (the Azure
    /// Storage backend does so when it reads the message before the instance's row), it discards the events that came
    /// meanwhile ("No such instance"), and the job would learn of its video only at its safety-net check.
    /// </summary>
    public static async Task<OrchestrationMetadata?> RunningAsync(DurableTaskClient client, string jobId, bool getInputs, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        DateTimeOffset giveUpAt = time.GetUtcNow() + wait;
        while (true)
        {
            OrchestrationMetadata? instance = await client.GetInstanceAsync(jobId, getInputs, cancellationToken);
            if (instance is not { RuntimeStatus: OrchestrationRuntimeStatus.Pending } || time.GetUtcNow() >= giveUpAt)
            {
                return instance;
            }

            await Task.Delay(PendingPoll, time, cancellationToken);
        }
    }

    static readonly TimeSpan PendingPoll = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Where the job would store <paramref name="providerVideoId"/>, read from its input and custom status; null when the
    /// job is not waiting on that video (not created yet, another video, already storing) or its state cannot be read.
    /// </summary>
    internal static StoreVideoInput? StoreInputFor(OrchestrationMetadata instance, string providerVideoId)
    {
        VideoJobInput? input;
        JobCustomStatus? status;
        try
        {
            input = instance.ReadInputAs<VideoJobInput>();
            status = instance.ReadCustomStatusAs<JobCustomStatus>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }

        if (input is null || status is null || status.ProviderVideoId != providerVideoId || status.Status == JobStatus.Storing)
        {
            return null;
        }

        // The orchestrator names the blob from the start of the generation that created the video, as its status says.
        string blobName = input.Progress is { } progress && progress.ProviderVideoId == providerVideoId
            ? progress.BlobName
            : BlobNames.For(input.JobId, DateTime.SpecifyKind(status.StartedAt, DateTimeKind.Utc));
        return StoreInputs.For(input, providerVideoId, blobName);
    }
}
