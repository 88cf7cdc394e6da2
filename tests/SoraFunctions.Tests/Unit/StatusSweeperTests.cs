using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq.Protected;
using SoraFunctions.Configuration;

namespace SoraFunctions.Tests.Unit;

/// <summary>The sweeper orchestration, and what starts it when jobs are submitted.</summary>
public sealed class StatusSweeperTests
{
    readonly Mock<TaskOrchestrationContext> context = new() { CallBase = true };
    readonly Queue<Func<StatusSweepRunResult>> runs = new();
    readonly List<StatusSweepRun> inputs = [];
    DateTime now = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);
    int timers;
    object? continuedWith;

    public StatusSweeperTests()
    {
        context.SetupGet(c => c.CurrentUtcDateTime).Returns(() => now);
        context.Protected().SetupGet<ILoggerFactory>("LoggerFactory").Returns(NullLoggerFactory.Instance);
        context.Setup(c => c.CallActivityAsync<StatusSweepRunResult>(It.Is<TaskName>(n => n.Name == ActivityNames.SweepProvider), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName _, object? input, TaskOptions? _) =>
            {
                inputs.Add((StatusSweepRun)input!);
                return Task.FromResult(runs.Count > 0 ? runs.Dequeue()() : Busy());
            });
        context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
            .Returns((DateTime fireAt, CancellationToken _) =>
            {
                timers++;
                now = fireAt;
                return Task.CompletedTask;
            });
        context.Setup(c => c.ContinueAsNew(It.IsAny<object?>(), It.IsAny<bool>())).Callback((object? input, bool _) => continuedWith = input);
    }

    static StatusSweepRunResult Busy() => new(20, 1, 0, Idle: false);

    [Fact]
    public async Task Sweeper_KeepsTheSweepActivityRunningUntilItReportsIdle_CarryingTheIdleCount()
    {
        runs.Enqueue(() => new StatusSweepRunResult(20, 3, 0, Idle: false));
        runs.Enqueue(() => new StatusSweepRunResult(20, 0, 20, Idle: false));
        runs.Enqueue(() => new StatusSweepRunResult(10, 0, 30, Idle: true));

        StatusSweepSummary summary = await new StatusSweepOrchestrator().RunAsync(context.Object, new StatusSweepInput(1, IdleSweepsBeforeEnd: 30));

        Assert.Equal(new StatusSweepSummary(50, 3), summary);
        Assert.Equal([0, 0, 20], inputs.Select(i => i.IdleSweeps));
        Assert.All(inputs, i => Assert.Equal((1, StatusSweepOrchestrator.RunSeconds, 30), (i.IntervalSeconds, i.RunSeconds, i.IdleSweepsBeforeEnd)));
        Assert.Equal(0, timers);
        Assert.Null(continuedWith);
    }

    [Fact]
    public async Task Sweeper_ActivityFailing_PausesThenSweepsAgain()
    {
        runs.Enqueue(() => throw new TaskFailedException(ActivityNames.SweepProvider, 1, new TaskFailureDetails("RequestFailedException", "storage down", null, null, null)));
        runs.Enqueue(() => new StatusSweepRunResult(3, 0, 3, Idle: true));

        StatusSweepSummary summary = await new StatusSweepOrchestrator().RunAsync(context.Object, new StatusSweepInput(1, IdleSweepsBeforeEnd: 3));

        Assert.Equal(new StatusSweepSummary(3, 0), summary);
        Assert.Equal(1, timers);
        Assert.Equal(2, inputs.Count);
    }

    [Fact]
    public async Task Sweeper_RunningLong_ContinuesAsNewCarryingItsIdleCount()
    {
        for (int i = 0; i < 29; i++)
        {
            runs.Enqueue(Busy);
        }

        runs.Enqueue(() => new StatusSweepRunResult(20, 0, 7, Idle: false));

        await new StatusSweepOrchestrator().RunAsync(context.Object, new StatusSweepInput(1, IdleSweepsBeforeEnd: 100));

        Assert.Equal(30, inputs.Count);
        Assert.Equal(new StatusSweepInput(1, 100, IdleSweeps: 7), continuedWith);
    }

    static StatusSweepStarter Starter(double sweepSeconds, IVideoProvider? provider = null, TimeProvider? time = null) =>
        new(provider ?? TestProviders.Sora, Options.Create(new PipelineOptions { SweepSeconds = sweepSeconds }), time ?? TimeProvider.System, NullLogger<StatusSweepStarter>.Instance);

    [Fact]
    public async Task Starter_SweepOff_AsksTheEngineNothing()
    {
        var client = new Mock<DurableTaskClient>("test");

        StatusSweepStarter starter = Starter(0);
        await starter.EnsureRunningAsync(client.Object, default);

        Assert.False(starter.Enabled);
        Assert.Empty(client.Invocations);
    }

    [Fact]
    public void Starter_ProviderWithoutAList_IsOff()
    {
        Assert.False(Starter(2, Mock.Of<IVideoProvider>(p => p.Name == "Plain")).Enabled);
    }

    [Fact]
    public async Task Starter_NoSweeperRunning_StartsOneAndAsksAgainOnlyAfterTheInterval()
    {
        FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var client = new Mock<DurableTaskClient>("test");
        client.Setup(c => c.GetInstanceAsync(StatusSweepOrchestrator.InstanceId, false, It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(StatusSweepOrchestrator.InstanceId);
        StatusSweepStarter starter = Starter(2, time: time);

        await starter.EnsureRunningAsync(client.Object, default);
        await starter.EnsureRunningAsync(client.Object, default);
        time.Advance(TimeSpan.FromSeconds(3));
        client.Setup(c => c.GetInstanceAsync(StatusSweepOrchestrator.InstanceId, false, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new OrchestrationMetadata(StatusSweepOrchestrator.Name, StatusSweepOrchestrator.InstanceId) { RuntimeStatus = OrchestrationRuntimeStatus.Running });
        await starter.EnsureRunningAsync(client.Object, default);

        client.Verify(c => c.GetInstanceAsync(StatusSweepOrchestrator.InstanceId, false, It.IsAny<CancellationToken>()), Times.Exactly(2));
        client.Verify(
            c => c.ScheduleNewOrchestrationInstanceAsync(
                It.Is<TaskName>(n => n.Name == StatusSweepOrchestrator.Name),
                It.Is<object?>(i => i is StatusSweepInput && ((StatusSweepInput)i).IntervalSeconds == 2 && ((StatusSweepInput)i).IdleSweepsBeforeEnd == 60),
                It.Is<StartOrchestrationOptions?>(o => o!.InstanceId == StatusSweepOrchestrator.InstanceId),
                It.IsAny<CancellationToken>()),
            Times.Once);
    }

    [Fact]
    public async Task Starter_EngineFailing_NeverFailsTheSubmission()
    {
        var client = new Mock<DurableTaskClient>("test");
        client.Setup(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>())).ThrowsAsync(new InvalidOperationException("storage down"));

        await Starter(2).EnsureRunningAsync(client.Object, default);

        client.Verify(c => c.GetInstanceAsync(StatusSweepOrchestrator.InstanceId, false, It.IsAny<CancellationToken>()), Times.Once);
    }
}
