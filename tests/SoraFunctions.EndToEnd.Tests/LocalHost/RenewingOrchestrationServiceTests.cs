using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using SoraFunctions.LocalHost.Engine;

namespace SoraFunctions.EndToEnd.Tests.LocalHost;

/// <summary>The engine keeps a running activity's work item locked, and stops once it completes or is abandoned.</summary>
public sealed class RenewingOrchestrationServiceTests
{
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    static (Mock<IOrchestrationService> Inner, IOrchestrationService Service, TaskActivityWorkItem WorkItem) Create()
    {
        TaskActivityWorkItem workItem = new() { Id = "w1" };
        Mock<IOrchestrationService> inner = new();
        inner.Setup(s => s.LockNextTaskActivityWorkItem(It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>())).ReturnsAsync(workItem);
        inner.Setup(s => s.RenewTaskActivityWorkItemLockAsync(workItem)).ReturnsAsync(workItem);
        inner.Setup(s => s.CompleteTaskActivityWorkItemAsync(workItem, It.IsAny<TaskMessage>())).Returns(Task.CompletedTask);
        inner.Setup(s => s.AbandonTaskActivityWorkItemAsync(workItem)).Returns(Task.CompletedTask);
        inner.SetupGet(s => s.MaxConcurrentTaskActivityWorkItems).Returns(7);
        return (inner, RenewingOrchestrationService.Wrap(inner.Object, Interval, NullLogger.Instance), workItem);
    }

    static int Renewals(Mock<IOrchestrationService> inner) =>
        inner.Invocations.Count(i => i.Method.Name == nameof(IOrchestrationService.RenewTaskActivityWorkItemLockAsync));

    /// <summary>Waits, with a deadline, until the work item was renewed at least <paramref name="times"/> times.</summary>
    static async Task WaitForRenewalsAsync(Mock<IOrchestrationService> inner, int times)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (Renewals(inner) < times)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {Renewals(inner)} renewals, expected {times}");
            await Task.Delay(Interval);
        }
    }

    [Fact]
    public async Task LockedActivity_WhileRunning_IsRenewedUntilCompleted()
    {
        (Mock<IOrchestrationService> inner, IOrchestrationService service, TaskActivityWorkItem workItem) = Create();

        TaskActivityWorkItem locked = await service.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(1), CancellationToken.None);
        await WaitForRenewalsAsync(inner, 3);
        await service.CompleteTaskActivityWorkItemAsync(locked, new TaskMessage());
        int renewedWhileRunning = Renewals(inner);

        // Nothing to wait for but time: a few more intervals in which no renewal may come.
        await Task.Delay(Interval * 4);

        Assert.Same(workItem, locked);
        // One renewal may already have been on its way when the activity completed; none may start after.
        Assert.InRange(Renewals(inner), renewedWhileRunning, renewedWhileRunning + 1);
        inner.Verify(s => s.CompleteTaskActivityWorkItemAsync(workItem, It.IsAny<TaskMessage>()), Times.Once);
    }

    [Fact]
    public async Task LockedActivity_Abandoned_StopsRenewing()
    {
        (Mock<IOrchestrationService> inner, IOrchestrationService service, TaskActivityWorkItem workItem) = Create();

        await service.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(1), CancellationToken.None);
        await service.AbandonTaskActivityWorkItemAsync(workItem);
        int renewedBeforeAbandon = Renewals(inner);

        // Nothing to wait for but time: a few intervals in which no renewal may start (on a slow machine one may
        // already have run between the lock and the abandon).
        await Task.Delay(Interval * 4);

        Assert.Equal(renewedBeforeAbandon, Renewals(inner));
        inner.Verify(s => s.AbandonTaskActivityWorkItemAsync(workItem), Times.Once);
    }

    [Fact]
    public async Task Renewal_StorageFailing_KeepsTryingWithoutFailingTheActivity()
    {
        (Mock<IOrchestrationService> inner, IOrchestrationService service, TaskActivityWorkItem workItem) = Create();
        inner.Setup(s => s.RenewTaskActivityWorkItemLockAsync(workItem)).ThrowsAsync(new InvalidOperationException("storage down"));

        await service.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(1), CancellationToken.None);
        await WaitForRenewalsAsync(inner, 2);
        await service.CompleteTaskActivityWorkItemAsync(workItem, new TaskMessage());

        inner.Verify(s => s.RenewTaskActivityWorkItemLockAsync(workItem), Times.AtLeast(2));
        inner.Verify(s => s.CompleteTaskActivityWorkItemAsync(workItem, It.IsAny<TaskMessage>()), Times.Once);
    }

    [Fact]
    public async Task Abandon_StorageFailing_ForgetsTheActivitySoItsMessageRunsAgain()
    {
        TaskActivityWorkItem workItem = new() { Id = "w1" };
        Mock<IOrchestrationService> inner = new();
        inner.Setup(s => s.LockNextTaskActivityWorkItem(It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>())).ReturnsAsync(workItem);
        inner.Setup(s => s.AbandonTaskActivityWorkItemAsync(workItem)).ThrowsAsync(new InvalidOperationException("storage down"));
        List<string> forgotten = [];
        IOrchestrationService service = RenewingOrchestrationService.Wrap(inner.Object, Interval, NullLogger.Instance, forgetActivity: id =>
        {
            forgotten.Add(id);
            return true;
        });

        await service.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(1), CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => service.AbandonTaskActivityWorkItemAsync(workItem));

        Assert.Equal(["w1"], forgotten);
    }

    [Fact]
    public async Task Abandon_Succeeding_ForgetsNothing()
    {
        (Mock<IOrchestrationService> inner, _, TaskActivityWorkItem workItem) = Create();
        List<string> forgotten = [];
        IOrchestrationService service = RenewingOrchestrationService.Wrap(inner.Object, Interval, NullLogger.Instance, forgetActivity: id =>
        {
            forgotten.Add(id);
            return true;
        });

        await service.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(1), CancellationToken.None);
        await service.AbandonTaskActivityWorkItemAsync(workItem);

        Assert.Empty(forgotten);
    }

    /// <summary>The pinned Azure Storage provider keeps running activities where the engine looks for them.</summary>
    [Fact]
    public void ForgetActivitySession_AzureStorageProvider_RemovesItsRecordOfTheActivity()
    {
        using AzureStorageOrchestrationService provider = new(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = "forgettest",
            StorageAccountClientProvider = new StorageAccountClientProvider("UseDevelopmentStorage=true"),
        });
        var sessions = (System.Collections.IDictionary)typeof(AzureStorageOrchestrationService)
            .GetField("activeActivitySessions", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
            .GetValue(provider)!;
        sessions.Add("w1", null);

        Assert.True(RenewingOrchestrationService.ForgetActivitySession(provider, "w1"));
        Assert.False(sessions.Contains("w1"));
        Assert.False(RenewingOrchestrationService.ForgetActivitySession(provider, "w1"));
    }

    [Fact]
    public void OtherMembers_PassThrough()
    {
        (_, IOrchestrationService service, _) = Create();

        Assert.Equal(7, service.MaxConcurrentTaskActivityWorkItems);
    }

    [Fact]
    public async Task CompletedOrchestration_SubOrchestrationStartWithProtobufTags_IsHandedOnWithPlainTags()
    {
        (Mock<IOrchestrationService> inner, IOrchestrationService service, _) = Create();
        IList<TaskMessage>? handedOn = null;
        inner.Setup(s => s.CompleteTaskOrchestrationWorkItemAsync(
                It.IsAny<TaskOrchestrationWorkItem>(), It.IsAny<OrchestrationRuntimeState>(), It.IsAny<IList<TaskMessage>>(),
                It.IsAny<IList<TaskMessage>>(), It.IsAny<IList<TaskMessage>>(), It.IsAny<TaskMessage>(), It.IsAny<OrchestrationState>()))
            .Callback((TaskOrchestrationWorkItem _, OrchestrationRuntimeState _, IList<TaskMessage> _, IList<TaskMessage> orchestrator, IList<TaskMessage> _, TaskMessage _, OrchestrationState _) => handedOn = orchestrator)
            .Returns(Task.CompletedTask);
        var tags = new Google.Protobuf.Collections.MapField<string, string> { ["team"] = "video" };
        var start = new DurableTask.Core.History.ExecutionStartedEvent(-1, "{}") { Tags = tags };

        await service.CompleteTaskOrchestrationWorkItemAsync(new TaskOrchestrationWorkItem(), new OrchestrationRuntimeState(), [], [new TaskMessage { Event = start }], [], null!, new OrchestrationState());

        var started = (DurableTask.Core.History.ExecutionStartedEvent)Assert.Single(handedOn!).Event;
        Assert.IsType<Dictionary<string, string>>(started.Tags);
        Assert.Equal("video", started.Tags!["team"]);
    }

    /// <summary>An inner service whose activity receives block until the test hands each one a work item.</summary>
    static (Mock<IOrchestrationService> Inner, System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource<TaskActivityWorkItem>> Receives) Receiving()
    {
        var receives = new System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource<TaskActivityWorkItem>>();
        Mock<IOrchestrationService> inner = new();
        inner.Setup(s => s.LockNextTaskActivityWorkItem(It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .Returns((TimeSpan _, CancellationToken token) =>
            {
                var receive = new TaskCompletionSource<TaskActivityWorkItem>(TaskCreationOptions.RunContinuationsAsynchronously);
                token.Register(() => receive.TrySetResult(null!));
                receives.Enqueue(receive);
                return receive.Task;
            });
        inner.Setup(s => s.RenewTaskActivityWorkItemLockAsync(It.IsAny<TaskActivityWorkItem>())).ReturnsAsync((TaskActivityWorkItem w) => w);
        inner.Setup(s => s.AbandonTaskActivityWorkItemAsync(It.IsAny<TaskActivityWorkItem>())).Returns(Task.CompletedTask);
        inner.Setup(s => s.StopAsync(It.IsAny<bool>())).Returns(Task.CompletedTask);
        return (inner, receives);
    }

    static async Task WaitForReceivesAsync(System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource<TaskActivityWorkItem>> receives, int count)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (receives.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {receives.Count} receives started, expected {count}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task SeveralFetchers_OneAsk_KeepsThatManyReceivesInFlightAndHandsOverTheFirst()
    {
        (Mock<IOrchestrationService> inner, System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource<TaskActivityWorkItem>> receives) = Receiving();
        IOrchestrationService service = RenewingOrchestrationService.Wrap(inner.Object, TimeSpan.FromMinutes(1), NullLogger.Instance, activityFetchers: 4);

        Task<TaskActivityWorkItem> next = service.LockNextTaskActivityWorkItem(TimeSpan.FromMinutes(1), CancellationToken.None);
        await WaitForReceivesAsync(receives, 4);
        Assert.False(next.IsCompleted);
        TaskCompletionSource<TaskActivityWorkItem>[] started = [.. receives];
        started[2].SetResult(new TaskActivityWorkItem { Id = "w3" });

        Assert.Equal("w3", (await next).Id);
        Assert.Equal(4, receives.Count);
    }

    [Fact]
    public async Task SeveralFetchers_ItemsFetchedAhead_AreHandedOverAndNeverExceedTheFetchers()
    {
        (Mock<IOrchestrationService> inner, System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource<TaskActivityWorkItem>> receives) = Receiving();
        IOrchestrationService service = RenewingOrchestrationService.Wrap(inner.Object, TimeSpan.FromMinutes(1), NullLogger.Instance, activityFetchers: 3);

        Task<TaskActivityWorkItem> asking = service.LockNextTaskActivityWorkItem(TimeSpan.FromMinutes(1), CancellationToken.None);
        await WaitForReceivesAsync(receives, 3);
        TaskCompletionSource<TaskActivityWorkItem>[] started = [.. receives];
        for (int i = 0; i < started.Length; i++)
        {
            started[i].SetResult(new TaskActivityWorkItem { Id = $"w{i + 1}" });
        }

        TaskActivityWorkItem first = await asking;
        // Two were fetched ahead: the next asks take them without a new receive beyond the fetcher count.
        TaskActivityWorkItem second = await service.LockNextTaskActivityWorkItem(TimeSpan.FromMinutes(1), CancellationToken.None);
        TaskActivityWorkItem third = await service.LockNextTaskActivityWorkItem(TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(["w1", "w2", "w3"], new[] { first.Id, second.Id, third.Id }.Order());
        Assert.InRange(receives.Count, 3, 6);
        Assert.True(receives.Count(r => !r.Task.IsCompleted) <= 3, "more receives in flight than fetchers");
    }

    [Fact]
    public async Task SeveralFetchers_Stop_HandsBackWhatWasFetchedButNotDispatched()
    {
        (Mock<IOrchestrationService> inner, System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource<TaskActivityWorkItem>> receives) = Receiving();
        IOrchestrationService service = RenewingOrchestrationService.Wrap(inner.Object, TimeSpan.FromMinutes(1), NullLogger.Instance, activityFetchers: 2);

        Task<TaskActivityWorkItem> asking = service.LockNextTaskActivityWorkItem(TimeSpan.FromMinutes(1), CancellationToken.None);
        await WaitForReceivesAsync(receives, 2);
        TaskCompletionSource<TaskActivityWorkItem>[] started = [.. receives];
        started[0].SetResult(new TaskActivityWorkItem { Id = "taken" });
        Assert.Equal("taken", (await asking).Id);
        var ahead = new TaskActivityWorkItem { Id = "ahead" };
        started[1].SetResult(ahead);

        await service.StopAsync(false);

        // Whether the fetched-ahead item reached the buffer before the stop or after it, it is handed back.
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!inner.Invocations.Any(i => i.Method.Name == nameof(IOrchestrationService.AbandonTaskActivityWorkItemAsync)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the item fetched ahead was never handed back");
            await Task.Delay(10);
        }

        inner.Verify(s => s.AbandonTaskActivityWorkItemAsync(ahead), Times.Once);
        inner.Verify(s => s.StopAsync(false), Times.Once);
        Assert.Null(await service.LockNextTaskActivityWorkItem(TimeSpan.FromMinutes(1), CancellationToken.None));
    }

    [Fact]
    public async Task SeveralFetchers_DispatcherStopsWaiting_AnswersNull()
    {
        (Mock<IOrchestrationService> inner, _) = Receiving();
        IOrchestrationService service = RenewingOrchestrationService.Wrap(inner.Object, TimeSpan.FromMinutes(1), NullLogger.Instance, activityFetchers: 2);
        using var cancel = new CancellationTokenSource();

        Task<TaskActivityWorkItem> asking = service.LockNextTaskActivityWorkItem(TimeSpan.FromMinutes(1), cancel.Token);
        await cancel.CancelAsync();

        Assert.Null(await asking);
    }

    [Fact]
    public async Task Stop_AskedTwice_StopsTheProviderOnce()
    {
        (Mock<IOrchestrationService> inner, _) = Receiving();
        IOrchestrationService service = RenewingOrchestrationService.Wrap(inner.Object, TimeSpan.FromMinutes(1), NullLogger.Instance, activityFetchers: 2);

        await Task.WhenAll(service.StopAsync(false), service.StopAsync(false));
        await service.StopAsync(true);

        inner.Verify(s => s.StopAsync(It.IsAny<bool>()), Times.Once);
    }
}
