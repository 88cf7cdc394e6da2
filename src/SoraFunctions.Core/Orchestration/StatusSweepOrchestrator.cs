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
/// The status sweeper: one orchestration (instance <see cref="InstanceId"/>) that, every
/// <see cref="StatusSweepInput.IntervalSeconds"/>, reads the provider's video list (<see cref="StatusSweep"/>) and
/// sends <see cref="VideoOrchestrator.ProviderEvent"/> to each job whose video ended, which then checks the provider at
/// once, as a webhook would make it. It runs only while there is work: submissions start it
/// (<see cref="StatusSweepStarter"/>), and it ends after a run of sweeps that find nothing rendering.
/// </summary>
public sealed class StatusSweepOrchestrator : TaskOrchestrator<StatusSweepInput, StatusSweepSummary>
{
    public const string Name = nameof(StatusSweepOrchestrator);

    /// <summary>The one instance id the sweeper runs under, so that there is never more than one.</summary>
    public const string InstanceId = "sora-status-sweep";

    /// <summary>Sweeps per generation before <c>ContinueAsNew</c>, so the history stays small however long it runs.</summary>
    const int SweepsPerGeneration = 50;

    public override async Task<StatusSweepSummary> RunAsync(TaskOrchestrationContext context, StatusSweepInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        ILogger log = context.CreateReplaySafeLogger<StatusSweepOrchestrator>();
        var interval = TimeSpan.FromSeconds(input.IntervalSeconds);
        int idle = input.IdleSweeps;
        int woken = 0;
        for (int sweep = 1; sweep <= SweepsPerGeneration; sweep++)
        {
            StatusSweepResult result;
            try
            {
                result = await context.CallActivityAsync<StatusSweepResult>(ActivityNames.SweepProvider);
            }
            catch (TaskFailedException ex)
            {
                // Storage trouble while looking jobs up: the next sweep finds the same videos again.
                log.LogWarning("Status sweep failed: {Reason}", ex.FailureDetails.ErrorMessage);
                result = new StatusSweepResult([], 0, 0, 0, Failed: true);
            }

            foreach (string jobId in result.Wake)
            {
                context.SendEvent(jobId, VideoOrchestrator.ProviderEvent, "status-sweep");
            }

            woken += result.Wake.Count;
            idle = result.Open > 0 || result.Wake.Count > 0 || result.Failed ? 0 : idle + 1;
            if (idle >= input.IdleSweepsBeforeEnd)
            {
                log.LogInformation("Status sweeper: nothing rendering for {Sweeps} sweeps; ending", idle);
                return new StatusSweepSummary(sweep, woken);
            }

            await context.CreateTimer(context.CurrentUtcDateTime + interval, CancellationToken.None);
        }

        context.ContinueAsNew(input with { IdleSweeps = idle });
        return new StatusSweepSummary(SweepsPerGeneration, woken);
    }
}
