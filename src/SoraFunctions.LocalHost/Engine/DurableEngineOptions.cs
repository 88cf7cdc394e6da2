using System.ComponentModel.DataAnnotations;

namespace SoraFunctions.LocalHost.Engine;

/// <summary>
/// Settings of the local durable engine (the gRPC sidecar over the Azure Storage provider). Values come from
/// the top-level <c>host.json</c> (<c>extensions.durableTask</c>), so both hosts stay in step, and may be
/// overridden by the <c>DurableTask</c> configuration section (for example <c>DurableTask__HubName</c>).
/// </summary>
public sealed class DurableEngineOptions : IValidatableObject
{
    /// <summary>Task hub name (Azure Storage names its queues, tables and containers after it).</summary>
    [Required(ErrorMessage = "DurableTask:HubName is required.")]
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,44}$", ErrorMessage = "DurableTask:HubName must be 3-45 letters and digits, starting with a letter.")]
    public string HubName { get; set; } = "SoraFunctions";

    /// <summary>
    /// Upper bound of the idle back-off of queue polling. A durable timer is a queue message that becomes visible
    /// at its due time and is noticed at the next poll, so this bounds timer lateness; lower means more storage
    /// transactions while idle (about one poll per queue per interval). 2 s keeps a job within ~2 s of the
    /// provider finishing at a few thousand transactions per hour per queue.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:05:00", ParseLimitsInInvariantCulture = true, ErrorMessage = "DurableTask:MaxQueuePollingInterval must be between 00:00:00.1 and 00:05:00.")]
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Control queue partitions of a new task hub (fixed once the hub exists).</summary>
    [Range(1, 16, ErrorMessage = "DurableTask:PartitionCount must be between {1} and {2}.")]
    public int PartitionCount { get; set; } = 4;

    /// <summary>Activities run at the same time on this node.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "DurableTask:MaxConcurrentActivityFunctions must be at least {1}.")]
    public int MaxConcurrentActivityFunctions { get; set; } = 100;

    /// <summary>Orchestration episodes run at the same time on this node.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "DurableTask:MaxConcurrentOrchestratorFunctions must be at least {1}.")]
    public int MaxConcurrentOrchestratorFunctions { get; set; } = 100;

    /// <summary>
    /// Activity messages received from the work-item queue at the same time (local host only). The Azure Storage
    /// provider receives one message per request and the dispatcher asks for one at a time, so with one receiver
    /// activity throughput is one storage round trip per activity; a few receivers in parallel remove that limit.
    /// Each receiver polls an idle queue on its own, so more receivers cost more idle transactions.
    /// </summary>
    [Range(1, 64, ErrorMessage = "DurableTask:ActivityFetchers must be between {1} and {2}.")]
    public int ActivityFetchers { get; set; } = 2;

    /// <summary>
    /// How long a partition lease lasts without renewal. After a crash the restarted host waits up to this long
    /// before it owns the partitions again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807", ParseLimitsInInvariantCulture = true, ErrorMessage = "DurableTask:LeaseInterval must be positive.")]
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a held partition lease is renewed; must be well below <see cref="LeaseInterval"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807", ParseLimitsInInvariantCulture = true, ErrorMessage = "DurableTask:LeaseRenewInterval must be positive.")]
    public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often this node checks whether it can take more partitions.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807", ParseLimitsInInvariantCulture = true, ErrorMessage = "DurableTask:LeaseAcquireInterval must be positive.")]
    public TimeSpan LeaseAcquireInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a dequeued activity message stays invisible without renewal. The engine renews it every third of
    /// this while the activity runs (<see cref="RenewingOrchestrationService"/>), so a long store is never handed to a
    /// second worker while it is alive; after a crash the activity in flight runs again once this elapses.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "7.00:00:00", ParseLimitsInInvariantCulture = true, ErrorMessage = "DurableTask:WorkItemQueueVisibilityTimeout must be between 00:00:05 and 7.00:00:00 (the queue service's limit).")]
    public TimeSpan WorkItemQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a dequeued orchestration message stays invisible; after a crash mid-episode the episode is
    /// replayed once it elapses. Episodes take milliseconds (all I/O is in activities), so a minute is ample.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "7.00:00:00", ParseLimitsInInvariantCulture = true, ErrorMessage = "DurableTask:ControlQueueVisibilityTimeout must be between 00:00:05 and 7.00:00:00 (the queue service's limit).")]
    public TimeSpan ControlQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LeaseInterval <= LeaseRenewInterval)
        {
            yield return new ValidationResult(
                "DurableTask:LeaseInterval must be longer than DurableTask:LeaseRenewInterval.",
                [nameof(LeaseInterval), nameof(LeaseRenewInterval)]);
        }
    }
}
