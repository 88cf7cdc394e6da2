using System.Collections.Concurrent;
using System.Reflection;
using System.Threading.Channels;
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
/// <para>
/// Activity messages are also fetched by several concurrent receivers (<c>DurableTask:ActivityFetchers</c>). The
/// sidecar's dispatcher fetches one work item at a time and the Azure Storage provider receives one activity message
/// per request, so activity throughput was one storage round trip per activity: measured with 1,000 jobs on Azurite,
/// activities waited over a minute in the queue while both cores sat half idle. Fetched items wait in a small buffer
/// (never more than the number of receivers), their locks renewed like running ones, and are abandoned on stop.
/// </para>
/// </summary>
public class RenewingOrchestrationService : DispatchProxy, IDisposable
{
    readonly ConcurrentDictionary<string, Renewal> renewals = new(StringComparer.Ordinal);
    readonly Channel<TaskActivityWorkItem> fetched = Channel.CreateUnbounded<TaskActivityWorkItem>();
    readonly CancellationTokenSource stopping = new();
    IOrchestrationService inner = null!;
    TimeSpan interval;
    ILogger logger = null!;
    int fetchers = 1;
    Func<string, bool> forgetActivity = _ => false;
    int fetching;
    Task? stopped;

    /// <inheritdoc />
    public void Dispose()
    {
        stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The service with activity lock renewal every <paramref name="interval"/>.</summary>
    /// <param name="activityFetchers">Activity messages received at the same time (1: one at a time, as the dispatcher asks).</param>
    /// <param name="forgetActivity">Drops an activity the provider still counts as running; by default the Azure Storage provider's own record.</param>
    public static IOrchestrationService Wrap(IOrchestrationService inner, TimeSpan interval, ILogger logger, int activityFetchers = 1, Func<string, bool>? forgetActivity = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(activityFetchers, 1);
        IOrchestrationService proxy = Create<IOrchestrationService, RenewingOrchestrationService>();
        var self = (RenewingOrchestrationService)(object)proxy;
        self.inner = inner;
        self.interval = interval;
        self.logger = logger;
        self.fetchers = activityFetchers;
        self.forgetActivity = forgetActivity ?? (id => ForgetActivitySession(inner, id));
        return proxy;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        switch (targetMethod.Name)
        {
            case nameof(IOrchestrationService.LockNextTaskActivityWorkItem) when fetchers == 1:
                return StartRenewingAsync((Task<TaskActivityWorkItem>)Call(targetMethod, args)!);
            case nameof(IOrchestrationService.LockNextTaskActivityWorkItem):
                return NextFetchedAsync(targetMethod, (TimeSpan)args![0]!, (CancellationToken)args[1]!);
            case nameof(IOrchestrationService.StopAsync):
                return StopOnceAsync(() => (Task)Call(targetMethod, args)!);
            case nameof(IOrchestrationService.CompleteTaskOrchestrationWorkItemAsync):
                PlainTags(args);
                return Call(targetMethod, args);
            case nameof(IOrchestrationService.CompleteTaskActivityWorkItemAsync):
                return StopRenewingThenAsync((TaskActivityWorkItem)args![0]!, () => (Task)Call(targetMethod, args)!);
            case nameof(IOrchestrationService.AbandonTaskActivityWorkItemAsync):
                var abandoned = (TaskActivityWorkItem)args![0]!;
                return StopRenewingThenAsync(abandoned, () => ForgetIfFailingAsync(abandoned, () => (Task)Call(targetMethod, args)!));
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

    /// <summary>
    /// The next fetched activity work item, keeping <see cref="fetchers"/> receives in flight; null when the dispatcher
    /// stops waiting (its token, or its receive timeout), as the provider itself answers then.
    /// </summary>
    async Task<TaskActivityWorkItem> NextFetchedAsync(MethodInfo lockNext, TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            int now = Volatile.Read(ref fetching);
            if (now >= fetchers - fetched.Reader.Count || stopping.IsCancellationRequested)
            {
                break;
            }

            if (Interlocked.CompareExchange(ref fetching, now + 1, now) == now)
            {
                _ = FetchOneAsync(lockNext, receiveTimeout);
            }
        }

        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
        if (receiveTimeout > TimeSpan.Zero && receiveTimeout < TimeSpan.FromDays(1))
        {
            waiting.CancelAfter(receiveTimeout);
        }

        try
        {
            return await fetched.Reader.ReadAsync(waiting.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null!;
        }
    }

    /// <summary>One receive from the provider into the buffer, with the lock renewed from the moment it is held.</summary>
    async Task FetchOneAsync(MethodInfo lockNext, TimeSpan receiveTimeout)
    {
        try
        {
            var locking = (Task<TaskActivityWorkItem>)Call(lockNext, [receiveTimeout, stopping.Token])!;
            TaskActivityWorkItem? workItem = await StartRenewingAsync(locking).ConfigureAwait(false);
            if (workItem is not null && !fetched.Writer.TryWrite(workItem))
            {
                await AbandonAsync(workItem).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Receiving an activity work item failed; trying again.");
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref fetching);
        }
    }

    /// <summary>
    /// Stops once: the sidecar's dispatchers and the engine's own shutdown both ask, in either order, and a second stop
    /// of the Azure Storage provider throws (on a thread-pool thread, ending the process).
    /// </summary>
    Task StopOnceAsync(Func<Task> stop)
    {
        Task? first = Volatile.Read(ref stopped);
        if (first is not null)
        {
            return first;
        }

        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        first = Interlocked.CompareExchange(ref stopped, mine.Task, null);
        if (first is not null)
        {
            return first;
        }

        _ = RunStopAsync();
        return mine.Task;

        async Task RunStopAsync()
        {
            try
            {
                await StopThenAsync(stop).ConfigureAwait(false);
                mine.SetResult();
            }
            catch (Exception e)
            {
                mine.SetException(e);
            }
        }
    }

    /// <summary>Stops receiving, hands back what was fetched but not dispatched, then stops the provider.</summary>
    async Task StopThenAsync(Func<Task> stop)
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        fetched.Writer.TryComplete();
        while (fetched.Reader.TryRead(out TaskActivityWorkItem? workItem))
        {
            await AbandonAsync(workItem).ConfigureAwait(false);
        }

        await stop().ConfigureAwait(false);
    }

    async Task AbandonAsync(TaskActivityWorkItem workItem)
    {
        try
        {
            await StopRenewingThenAsync(workItem, () => ForgetIfFailingAsync(workItem, () => inner.AbandonTaskActivityWorkItemAsync(workItem))).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Its lock lapses on its own; another receive gets it then.
            logger.LogWarning(e, "Could not hand back activity work item {WorkItemId}.", workItem.Id);
        }
    }

    /// <summary>
    /// Hands a work item back; when that fails (storage unreachable), the provider's record of it is dropped too. The
    /// Azure Storage provider forgets an activity it received only once completing or abandoning it succeeded, and
    /// refuses the same message while it remembers it ("being processed multiple times concurrently"): after a
    /// storage outage in the middle of an activity, its message came back again and again and never ran, and the job
    /// waited for ever. Forgotten, the message runs again once its lock lapses (activities are safe to repeat).
    /// </summary>
    async Task ForgetIfFailingAsync(TaskActivityWorkItem workItem, Func<Task> abandon)
    {
        try
        {
            await abandon().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            bool forgotten = forgetActivity(workItem.Id);
            logger.LogWarning(
                "Could not hand back activity work item {WorkItemId} ({Reason}); {Outcome}",
                workItem.Id,
                e.Message,
                forgotten ? "it runs again when its lock lapses." : "the engine may not run it again until the host restarts.");
            throw;
        }
    }

    /// <summary>Removes an activity the Azure Storage provider still counts as running (see <see cref="ForgetIfFailingAsync"/>).</summary>
    public static bool ForgetActivitySession(object service, string workItemId) =>
        ActiveActivitySessions?.GetValue(service) is System.Collections.IDictionary sessions && Forget(sessions, workItemId);

    static bool Forget(System.Collections.IDictionary sessions, string workItemId)
    {
        bool held = sessions.Contains(workItemId);
        sessions.Remove(workItemId);
        return held;
    }

    /// <summary>The provider's private table of running activities (a test checks it against the pinned package).</summary>
    static readonly FieldInfo? ActiveActivitySessions =
        typeof(DurableTask.AzureStorage.AzureStorageOrchestrationService).GetField("activeActivitySessions", BindingFlags.Instance | BindingFlags.NonPublic);

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
