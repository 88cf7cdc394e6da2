namespace SoraFunctions.LocalHost.Engine;

/// <summary>
/// Settings of the local durable engine (the gRPC sidecar over the Azure Storage provider). Values come from
/// the top-level <c>host.json</c> (<c>extensions.durableTask</c>), so both hosts stay in step, and may be
/// overridden by the <c>DurableTask</c> configuration section (for example <c>DurableTask__HubName</c>).
/// </summary>
public sealed class DurableEngineOptions
{
    /// <summary>Task hub name: 3-45 letters and digits, starting with a letter.</summary>
    public string HubName { get; set; } = "SoraFunctions";

    /// <summary>
    /// Upper bound of the idle back-off of queue polling. A durable timer is a queue message that becomes visible
    /// at its due time and is noticed at the next poll, so this bounds timer lateness; lower means more storage
    /// transactions while idle (about one poll per queue per interval). 2 s keeps a job within ~2 s of the
    /// provider finishing at a few thousand transactions per hour per queue.
    /// </summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Control queue partitions of a new task hub (fixed once the hub exists).</summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>Activities run at the same time on this node.</summary>
    public int MaxConcurrentActivityFunctions { get; set; } = 10;

    /// <summary>Orchestration episodes run at the same time on this node.</summary>
    public int MaxConcurrentOrchestratorFunctions { get; set; } = 10;

    /// <summary>
    /// How long a partition lease lasts without renewal. After a crash the restarted host waits up to this long
    /// before it owns the partitions again.
    /// </summary>
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a held partition lease is renewed; must be well below <see cref="LeaseInterval"/>.</summary>
    public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often this node checks whether it can take more partitions.</summary>
    public TimeSpan LeaseAcquireInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a dequeued activity message stays invisible. The sidecar does not renew it, so it should exceed the
    /// longest activity (a large download); after a crash an activity in flight is retried once it elapses.
    /// </summary>
    public TimeSpan WorkItemQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a dequeued orchestration message stays invisible; after a crash mid-episode the episode is
    /// replayed once it elapses.
    /// </summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Validates the values and returns the problems, each naming its configuration key.
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        List<string> problems = [];
        if (!IsValidHubName(HubName))
        {
            problems.Add($"DurableTask:HubName '{HubName}' must be 3-45 letters and digits, starting with a letter.");
        }

        if (MaxQueuePollingInterval < TimeSpan.FromMilliseconds(100) || MaxQueuePollingInterval > TimeSpan.FromMinutes(5))
        {
            problems.Add("DurableTask:MaxQueuePollingInterval must be between 00:00:00.1 and 00:05:00.");
        }

        if (PartitionCount is < 1 or > 16)
        {
            problems.Add("DurableTask:PartitionCount must be between 1 and 16.");
        }

        if (MaxConcurrentActivityFunctions < 1)
        {
            problems.Add("DurableTask:MaxConcurrentActivityFunctions must be at least 1.");
        }

        if (MaxConcurrentOrchestratorFunctions < 1)
        {
            problems.Add("DurableTask:MaxConcurrentOrchestratorFunctions must be at least 1.");
        }

        if (LeaseRenewInterval <= TimeSpan.Zero || LeaseInterval <= LeaseRenewInterval)
        {
            problems.Add("DurableTask:LeaseInterval must be longer than DurableTask:LeaseRenewInterval, both positive.");
        }

        if (LeaseAcquireInterval <= TimeSpan.Zero)
        {
            problems.Add("DurableTask:LeaseAcquireInterval must be positive.");
        }

        if (WorkItemQueueVisibilityTimeout < TimeSpan.FromSeconds(5) || ControlQueueVisibilityTimeout < TimeSpan.FromSeconds(5))
        {
            problems.Add("DurableTask:WorkItemQueueVisibilityTimeout and DurableTask:ControlQueueVisibilityTimeout must be at least 00:00:05.");
        }

        return problems;
    }

    private static bool IsValidHubName(string? name) =>
        name is { Length: >= 3 and <= 45 } && char.IsAsciiLetter(name[0]) && name.All(char.IsAsciiLetterOrDigit);
}
