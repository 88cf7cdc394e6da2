using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using SoraFunctions.Activities;

namespace SoraFunctions.Orchestration;

/// <param name="IntervalSeconds">Seconds between two sweeps.</param>
/// <param name="IdleSweepsBeforeEnd">Sweeps in a row that find nothing rendering before the sweeper ends.</param>
/// <param name="IdleSweeps">Idle sweeps so far (carried over <c>ContinueAsNew</c>).</param>
public sealed record StatusSweepInput(double IntervalSeconds, int IdleSweepsBeforeEnd, int IdleSweeps = 0);

/// <summary>How many sweeps the sweeper ran and how many jobs it woke before it ended.</summary>
public sealed record StatusSweepSummary(int Sweeps, int Woken);

/// <summary>
/// The status sweeper: one orchestration (instance <see cref="InstanceId"/>) that keeps the sweep activity running.
/// Each call sweeps every <see cref="StatusSweepInput.IntervalSeconds"/> for <see cref="RunSeconds"/>: it reads the
/// provider's video list (<see cref="StatusSweep"/>) and raises <see cref="VideoOrchestrator.ProviderEvent"/> on each
/// job whose video ended, with the video as the list showed it, so the job stores it (or fails) at once, without a
/// status call of its own. Sweeping inside the activity keeps its pace independent of the engine's queues (a sweep per
/// episode fell far behind with a thousand jobs in flight). It runs only while there is work: submissions start it
/// (<see cref="StatusSweepStarter"/>), and it ends after a run of sweeps that find nothing rendering.
/// </summary>
public sealed class StatusSweepOrchestrator : TaskOrchestrator<StatusSweepInput, StatusSweepSummary>
{
    public const string Name = nameof(StatusSweepOrchestrator);

    /// <summary>The one instance id the sweeper runs under, so that there is never more than one.</summary>
    public const string InstanceId = "sora-status-sweep";

    /// <summary>How long one call of the sweep activity sweeps before it reports back.</summary>
    public const double RunSeconds = 20;

    /// <summary>Activity calls per generation before <c>ContinueAsNew</c>, so the history stays small however long it runs.</summary>
    const int RunsPerGeneration = 30;

    public override async Task<StatusSweepSummary> RunAsync(TaskOrchestrationContext context, StatusSweepInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        ILogger log = context.CreateReplaySafeLogger<StatusSweepOrchestrator>();
        int idle = input.IdleSweeps;
        int sweeps = 0;
        int woken = 0;
        for (int run = 1; run <= RunsPerGeneration; run++)
        {
            StatusSweepRunResult result;
            try
            {
                result = await context.CallActivityAsync<StatusSweepRunResult>(
                    ActivityNames.SweepProvider, new StatusSweepRun(input.IntervalSeconds, RunSeconds, input.IdleSweepsBeforeEnd, idle));
            }
            catch (TaskFailedException ex)
            {
                // Storage or provider trouble beyond what the activity handles itself: pause, then sweep again.
                log.LogWarning("Status sweep failed: {Reason}", ex.FailureDetails.ErrorMessage);
                idle = 0;
                await context.CreateTimer(context.CurrentUtcDateTime + TimeSpan.FromSeconds(Math.Max(5, input.IntervalSeconds * 5)), CancellationToken.None);
                continue;
            }

            sweeps += result.Sweeps;
            woken += result.Woken;
            idle = result.IdleSweeps;
            if (result.Idle)
            {
                log.LogInformation("Status sweeper: nothing rendering for {Sweeps} sweeps; ending", idle);
                return new StatusSweepSummary(sweeps, woken);
            }
        }

        context.ContinueAsNew(input with { IdleSweeps = idle });
        return new StatusSweepSummary(sweeps, woken);
    }
}
