using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using SoraFunctions.Limits;
using SoraFunctions.Orchestration;

namespace SoraFunctions.LocalHost.Engine;

/// <summary>
/// Runs <see cref="EndedJobReconciler"/> in the local host: a first pass shortly after start (jobs terminated in an
/// earlier run), then every <see cref="LimitsOptions.ReconcileSeconds"/>. The Functions app runs it on a timer trigger.
/// </summary>
public sealed class EndedJobReconcilerService(
    EndedJobReconciler reconciler,
    DurableTaskClient client,
    IOptions<LimitsOptions> options,
    TimeProvider time,
    ILogger<EndedJobReconcilerService> logger) : BackgroundService
{
    /// <summary>The wait before the first pass, so that it does not compete with the host's start.</summary>
    static readonly TimeSpan FirstPassAfter = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!reconciler.Enabled)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(options.Value.ReconcileSeconds);
        try
        {
            await Task.Delay(FirstPassAfter < interval ? FirstPassAfter : interval, time, stoppingToken);
            using var timer = new PeriodicTimer(interval, time);
            do
            {
                try
                {
                    await reconciler.RunAsync(client, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Storage or the engine is down for now; the next pass tries again.
                    logger.LogWarning("Settling the limits of ended jobs failed: {Reason}", ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
