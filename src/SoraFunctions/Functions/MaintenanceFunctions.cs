using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using SoraFunctions.Orchestration;

namespace SoraFunctions.Functions;

/// <summary>Housekeeping on a timer: the limits of jobs that ended without their own code running (<see cref="EndedJobReconciler"/>).</summary>
public sealed class MaintenanceFunctions(EndedJobReconciler reconciler)
{
    /// <summary>Every five minutes, one instance at a time (timer triggers hold a blob lease); off when <c>Limits__ReconcileSeconds</c> is 0.</summary>
    [Function("ReconcileEndedJobs")]
    public async Task ReconcileEndedJobs(
        [TimerTrigger("0 */5 * * * *")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        if (reconciler.Enabled)
        {
            await reconciler.RunAsync(client, cancellationToken);
        }
    }
}
