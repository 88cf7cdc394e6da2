using System.Collections.Concurrent;
using System.Reflection;
using DurableTask.Core;
using DurableTask.Core.History;

namespace SoraFunctions.LocalHost.Engine;

/// <summary>
/// The orchestration service as the sidecar's dispatchers see it, with two additions. Sub-orchestration start messages
/// get plain tags (see <see cref="PlainTags"/>). And while an activity runs, its
/// work-item message is kept invisible by renewing it (<see cref="IOrchestrationService.RenewTaskActivityWorkItemLockAsync"/>)
/// every third of <c>WorkItemQueueVisibilityTimeout</c>. DurableTask.Core's own activity dispatcher does this; the gRPC
/// sidecar's does not, so without it a visibility timeout had to outlast the longest activity (5 minutes) and a crash
/// left in-flight work invisible that long. With renewal the timeout can be short (a minute): a live host keeps its
/// long store to itself, a dead one stops renewing and the restarted host gets the message within the timeout.
/// </summary>
public class RenewingOrchestrationService : DispatchProxy
{
    readonly ConcurrentDictionary<string, Renewal> renewals = new(StringComparer.Ordinal);
    IOrchestrationService inner = null!;
    TimeSpan interval;
    ILogger logger = null!;

    /// <summary>The service with activity lock renewal every <paramref name="interval"/>.</summary>
    public static IOrchestrationService Wrap(IOrchestrationService inner, TimeSpan interval, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(logger);
        IOrchestrationService proxy = Create<IOrchestrationService, RenewingOrchestrationService>();
        var self = (RenewingOrchestrationService)(object)proxy;
        self.inner = inner;
        self.interval = interval;
        self.logger = logger;
        return proxy;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        switch (targetMethod.Name)
        {
            case nameof(IOrchestrationService.LockNextTaskActivityWorkItem):
                return StartRenewingAsync((Task<TaskActivityWorkItem>)Call(targetMethod, args)!);
            case nameof(IOrchestrationService.CompleteTaskOrchestrationWorkItemAsync):
                PlainTags(args);
                return Call(targetMethod, args);
            case nameof(IOrchestrationService.CompleteTaskActivityWorkItemAsync):
            case nameof(IOrchestrationService.AbandonTaskActivityWorkItemAsync):
                return StopRenewingThenAsync((TaskActivityWorkItem)args![0]!, () => (Task)Call(targetMethod, args)!);
            default:
                return Call(targetMethod, args);
        }
    }

    /// <summary>
    /// The gRPC sidecar hands a sub-orchestration's start message the tags as a protobuf <c>MapField</c>, which the
    /// Azure Storage provider serializes with its type name and then cannot read back (the message is retried for
    /// ever and the sub-orchestration never starts). A plain dictionary round-trips.
    /// </summary>
    static void PlainTags(object?[]? args)
    {
        foreach (object? arg in args ?? [])
        {
            IEnumerable<TaskMessage> messages = arg switch
            {
                IEnumerable<TaskMessage> list => list,
                TaskMessage one => [one],
                _ => [],
            };
            foreach (TaskMessage message in messages)
            {
                if (message?.Event is ExecutionStartedEvent { Tags: { } tags } started && tags.GetType() != typeof(Dictionary<string, string>))
                {
                    started.Tags = new Dictionary<string, string>(tags, StringComparer.Ordinal);
                }
            }
        }
    }

    object? Call(MethodInfo method, object?[]? args)
    {
        try
        {
            return method.Invoke(inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    async Task<TaskActivityWorkItem> StartRenewingAsync(Task<TaskActivityWorkItem> locking)
    {
        TaskActivityWorkItem workItem = await locking.ConfigureAwait(false);
        if (workItem is not null)
        {
            CancellationTokenSource stop = new();
            renewals[workItem.Id] = new Renewal(stop, RenewUntilStoppedAsync(workItem, stop.Token));
        }

        return workItem!;
    }

    async Task StopRenewingThenAsync(TaskActivityWorkItem workItem, Func<Task> next)
    {
        if (renewals.TryRemove(workItem.Id, out Renewal? renewal))
        {
            await renewal.Stop.CancelAsync().ConfigureAwait(false);
            await renewal.Loop.ConfigureAwait(false);
            renewal.Stop.Dispose();
        }

        await next().ConfigureAwait(false);
    }

    async Task RenewUntilStoppedAsync(TaskActivityWorkItem workItem, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                await Task.Delay(interval, stop).ConfigureAwait(false);
                await inner.RenewTaskActivityWorkItemLockAsync(workItem).WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Storage briefly unreachable: keep trying; if the lock lapses meanwhile, the provider's duplicate
                // checks and the activity's own idempotence (a conditional commit) make a second run harmless.
                logger.LogWarning(e, "Could not renew the lock of activity work item {WorkItemId}; retrying.", workItem.Id);
            }
        }
    }

    sealed record Renewal(CancellationTokenSource Stop, Task Loop);
}
