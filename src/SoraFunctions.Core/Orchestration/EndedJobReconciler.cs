using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Activities;
using SoraFunctions.Jobs;
using SoraFunctions.Limits;
using SoraFunctions.Storage;

namespace SoraFunctions.Orchestration;

/// <summary>What one pass of <see cref="EndedJobReconciler"/> did.</summary>
/// <param name="Examined">Jobs and batches found terminated or failed in the look-back window.</param>
/// <param name="SlotsFreed">Provider slots those jobs still held, now free (and the oldest waiters woken).</param>
/// <param name="Refunded">Charges given back: jobs that ended before any create was sent for them.</param>
/// <param name="RefundedUsd">What those charges came to.</param>
/// <param name="ChargesKept">Jobs whose create was sent (or may have been): a provider video may be billed, so the charge stays.</param>
public sealed record ReconcileReport(int Examined, int SlotsFreed, int Refunded, decimal RefundedUsd, int ChargesKept);

/// <summary>
/// Settles the limits of jobs that ended without their own code running: terminated by an operator (the status answer's
/// <c>terminatePostUri</c>, the portal) or failed by a crash. Such a job never reaches the orchestrator's
/// release and refund, so its provider slot would stay taken until its lease ran out (the job's timeout and a margin,
/// over an hour) and its charge would stay on the budget. Each pass:
/// <list type="bullet">
/// <item>frees the slot of every such job and wakes the oldest waiting jobs, one per slot freed;</item>
/// <item>refunds the charge of every such job that has no create record (<see cref="ICreateAttempts"/>: written before
/// every create is sent and kept once it succeeded), once <see cref="LimitsOptions.RefundGraceSeconds"/> have passed
/// since it ended, so that a create activity already queued when the job was terminated has run and left its record;</item>
/// <item>refunds the items of a terminated batch that never started (no instance under the item's id).</item>
/// </list>
/// Every step is idempotent (a freed slot frees nothing the next time, a refunded charge is marked), so passes may
/// overlap or repeat. Jobs purged before a pass are not seen.
/// </summary>
public sealed class EndedJobReconciler(
    IJobSlots slots,
    ISpendLedger ledger,
    ICreateAttempts attempts,
    IOptions<LimitsOptions> options,
    TimeProvider time,
    ILogger<EndedJobReconciler> logger)
{
    /// <summary>How far back a pass looks: the job timeout is an hour, and a charge belongs to its UTC day.</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromDays(2);

    readonly TimeSpan grace = TimeSpan.FromSeconds(options.Value.RefundGraceSeconds);

    /// <summary>Whether passes run at all (<see cref="LimitsOptions.ReconcileSeconds"/> above 0).</summary>
    public bool Enabled { get; } = options.Value.ReconcileSeconds > 0;

    public async Task<ReconcileReport> RunAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        DateTimeOffset now = time.GetUtcNow();
        var tally = new Tally();
        var query = new OrchestrationQuery
        {
            Statuses = [OrchestrationRuntimeStatus.Terminated, OrchestrationRuntimeStatus.Failed],
            CreatedFrom = now - LookBack,
            FetchInputsAndOutputs = true,
            PageSize = 100,
        };
        await foreach (OrchestrationMetadata instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            bool pastGrace = instance.LastUpdatedAt <= now - grace;
            try
            {
                switch (instance.Name)
                {
                    case VideoOrchestrator.Name when Read<VideoJobInput>(instance) is { } job:
                        tally.Examined++;
                        await SettleJobAsync(client, job, pastGrace, now, tally, cancellationToken);
                        break;
                    case BatchOrchestrator.Name when Read<BatchInput>(instance) is { } batch && pastGrace:
                        tally.Examined++;
                        await SettleBatchAsync(client, batch, tally, cancellationToken);
                        break;
                    default:
                        break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next pass tries again: every step is safe to repeat.
                logger.LogWarning("Settling the limits of ended job {JobId} failed: {Reason}", instance.InstanceId, ex.Message);
            }
        }

        var report = new ReconcileReport(tally.Examined, tally.SlotsFreed, tally.Refunded, tally.RefundedUsd, tally.ChargesKept);
        if (report.SlotsFreed > 0 || report.Refunded > 0)
        {
            logger.LogInformation(
                "Ended jobs settled: {SlotsFreed} provider slots freed, {Refunded} charges refunded ({RefundedUsd} USD), {Kept} kept for creates that were sent",
                report.SlotsFreed, report.Refunded, report.RefundedUsd, report.ChargesKept);
        }

        return report;
    }

    async Task SettleJobAsync(DurableTaskClient client, VideoJobInput job, bool pastGrace, DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        if (await slots.ReleaseAsync(job.JobId, cancellationToken))
        {
            tally.SlotsFreed++;
            logger.LogInformation("Job {JobId} ended without releasing its provider slot; freed it", job.JobId);
            foreach (string next in await slots.NextWaitersAsync(now, JobLimitActivities.MostWokenPerRelease, cancellationToken))
            {
                if (next != job.JobId)
                {
                    await client.RaiseEventAsync(next, VideoOrchestrator.SlotFreedEvent, job.JobId, cancellationToken);
                }
            }
        }

        if (!pastGrace || job.SubmittedAt is not { } chargedAt)
        {
            return;
        }

        if (await attempts.FindAsync(job.JobId, cancellationToken) is not null)
        {
            tally.ChargesKept++;
            return;
        }

        await RefundAsync(job.JobId, chargedAt, tally, cancellationToken);
    }

    async Task SettleBatchAsync(DurableTaskClient client, BatchInput batch, Tally tally, CancellationToken cancellationToken)
    {
        foreach (VideoJobInput item in batch.Items)
        {
            if ((item.SubmittedAt ?? batch.SubmittedAt) is not { } chargedAt)
            {
                continue;
            }

            // An item that started is a job of its own, settled (or running) under its own id.
            if (await client.GetInstanceAsync(item.JobId, getInputsAndOutputs: false, cancellationToken) is null)
            {
                await RefundAsync(item.JobId, chargedAt, tally, cancellationToken);
            }
        }
    }

    async Task RefundAsync(string jobId, DateTimeOffset chargedAt, Tally tally, CancellationToken cancellationToken)
    {
        decimal refunded = await ledger.RefundAsync(jobId, chargedAt, cancellationToken);
        if (refunded > 0)
        {
            tally.Refunded++;
            tally.RefundedUsd += refunded;
            logger.LogInformation("Job {JobId} ended before any create was sent; refunded {Amount} USD to the budget", jobId, refunded);
        }
    }

    T? Read<T>(OrchestrationMetadata instance)
        where T : class
    {
        try
        {
            return instance.ReadInputAs<T>();
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            logger.LogWarning("Ended instance {InstanceId} has an input this version cannot read; left as it is", instance.InstanceId);
            return null;
        }
    }

    sealed class Tally
    {
        public int Examined { get; set; }

        public int SlotsFreed { get; set; }

        public int Refunded { get; set; }

        public decimal RefundedUsd { get; set; }

        public int ChargesKept { get; set; }
    }
}
