using Microsoft.Extensions.Logging;
using SoraFunctions.Limits;

namespace SoraFunctions.Activities;

/// <param name="Lease">How long the slot is held without a release: a job that is never heard of again frees it then.</param>
public sealed record AdmitJobInput(string JobId, TimeSpan Lease);

/// <summary>Whether the job may create its provider video now; if not, its place in the queue and when to ask again.</summary>
/// <param name="QueuePosition">The job's place among jobs waiting for a slot; 0 when it holds one and waits for the create rate.</param>
public sealed record Admission(bool Admitted, int QueuePosition, TimeSpan RetryAfter);

/// <param name="ChargedAt">When the budget was charged (the submission), which names the day to refund.</param>
public sealed record RefundJobInput(string JobId, DateTimeOffset ChargedAt);

/// <summary>
/// The brakes' activities: a cluster-wide slot for each provider job in flight and the create rate
/// (<see cref="IJobSlots"/>, <see cref="ICreatePacer"/>), and refunds to the spending ledger. Each is safe to run twice.
/// </summary>
public sealed class JobLimitActivities(IJobSlots slots, ICreatePacer pacer, ISpendLedger ledger, TimeProvider time, ILogger<JobLimitActivities> logger)
{
    /// <summary>Takes a slot (kept across calls), then a create token; the slot stays held while the token is awaited.</summary>
    public async Task<Admission> AdmitAsync(AdmitJobInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        DateTimeOffset now = time.GetUtcNow();
        SlotGrant slot = await slots.AcquireAsync(input.JobId, now, input.Lease, cancellationToken);
        if (!slot.Acquired)
        {
            return new Admission(false, slot.QueuePosition, slot.RetryAfter);
        }

        TimeSpan? wait = await pacer.TryTakeAsync(now, cancellationToken);
        return wait is { } w ? new Admission(false, 0, w) : new Admission(true, 0, TimeSpan.Zero);
    }

    /// <summary>The most waiting jobs one release wakes (one per free slot up to this).</summary>
    public const int MostWokenPerRelease = 10;

    /// <summary>
    /// Frees the job's slot; answers the oldest waiting jobs, one per slot free now, which the orchestrator wakes so they
    /// need not sleep out their retries. (Waking only the oldest left slots that freed together to the retry timers.)
    /// </summary>
    public async Task<IReadOnlyList<string>> ReleaseAsync(string jobId, CancellationToken cancellationToken)
    {
        await slots.ReleaseAsync(jobId, cancellationToken);
        return await slots.NextWaitersAsync(time.GetUtcNow(), MostWokenPerRelease, cancellationToken);
    }

    /// <summary>Returns a job's charge to the budget when no provider video was made for it.</summary>
    public async Task<decimal> RefundAsync(RefundJobInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        decimal refunded = await ledger.RefundAsync(input.JobId, input.ChargedAt, cancellationToken);
        if (refunded > 0)
        {
            logger.LogInformation("Job {JobId}: refunded {Amount} USD to the budget", input.JobId, refunded);
        }

        return refunded;
    }
}
