using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Configuration;
using SoraFunctions.Providers;

namespace SoraFunctions.Orchestration;

/// <summary>
/// Starts the status sweeper (<see cref="StatusSweepOrchestrator"/>) when a job is submitted and it is not running.
/// Cheap on the submit path: one process asks the engine at most once per sweep interval, one call at a time (a
/// submission that finds a check under way does not wait for it), and a failure here never fails a submission: a job
/// the sweeper misses is still noticed by its own safety-net checks.
/// </summary>
public sealed class StatusSweepStarter
{
    /// <summary>Nothing rendering for this long ends the sweeper (a new submission starts it again).</summary>
    static readonly TimeSpan IdleBeforeEnd = TimeSpan.FromMinutes(2);

    readonly PipelineOptions options;
    readonly TimeProvider time;
    readonly ILogger<StatusSweepStarter> logger;
    int checking;
    long confirmedUntilTicks;

    public StatusSweepStarter(IVideoProvider provider, IOptions<PipelineOptions> options, TimeProvider time, ILogger<StatusSweepStarter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        Enabled = this.options.SweepSeconds > 0 && provider is IListVideos;
        if (this.options.SweepSeconds > 0 && !Enabled)
        {
            logger.LogWarning("{Setting} is set, but the {Provider} provider has no video list to sweep: each job checks its own video", "Pipeline:SweepSeconds", provider.Name);
        }
    }

    /// <summary>True when <c>Pipeline:SweepSeconds</c> is set and the provider can list its videos.</summary>
    public bool Enabled { get; }

    /// <summary>What the sweeper starts with: the interval and how many idle sweeps in a row end it.</summary>
    public StatusSweepInput Input => new(
        options.SweepSeconds,
        Math.Max(3, (int)Math.Ceiling(IdleBeforeEnd.TotalSeconds / options.SweepSeconds)));

    public async Task EnsureRunningAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!Enabled || time.GetUtcNow().UtcTicks < Interlocked.Read(ref confirmedUntilTicks) || Interlocked.Exchange(ref checking, 1) == 1)
        {
            return;
        }

        try
        {
            DateTimeOffset now = time.GetUtcNow();
            OrchestrationMetadata? sweeper = await client.GetInstanceAsync(StatusSweepOrchestrator.InstanceId, getInputsAndOutputs: false, cancellationToken);
            if (sweeper?.RuntimeStatus is not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended))
            {
                await client.ScheduleNewOrchestrationInstanceAsync(
                    StatusSweepOrchestrator.Name, Input, new StartOrchestrationOptions(StatusSweepOrchestrator.InstanceId), cancellationToken);
                logger.LogInformation("Status sweeper started: the provider's video list every {Seconds} s", options.SweepSeconds);
            }

            Interlocked.Exchange(ref confirmedUntilTicks, (now + TimeSpan.FromSeconds(options.SweepSeconds)).UtcTicks);
        }
#pragma warning disable CA1031 // Never fail a submission over the sweeper: the job's own safety-net checks still notice its video.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            // Most often another instance started it a moment earlier.
            logger.LogWarning("Could not make sure the status sweeper runs: {Reason}", ex.Message);
        }
        finally
        {
            Volatile.Write(ref checking, 0);
        }
    }
}
