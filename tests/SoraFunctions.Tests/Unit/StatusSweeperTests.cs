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
    readonly Queue<StatusSweepResult> sweeps = new();
    readonly List<(string Instance, string Event)> sent = [];
    DateTime now = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);
    int timers;
    object? continuedWith;

    public StatusSweeperTests()
    {
        context.SetupGet(c => c.CurrentUtcDateTime).Returns(() => now);
        context.Protected().SetupGet<ILoggerFactory>("LoggerFactory").Returns(NullLoggerFactory.Instance);
        context.Setup(c => c.CallActivityAsync<StatusSweepResult>(It.Is<TaskName>(n => n.Name == ActivityNames.SweepProvider), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns(() => Task.FromResult(sweeps.Count > 0 ? sweeps.Dequeue() : Idle));
        context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
            .Returns((DateTime fireAt, CancellationToken _) =>
            {
                timers++;
                now = fireAt;
                return Task.CompletedTask;
            });
        context.Setup(c => c.SendEvent(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object>()))
            .Callback((string instance, string name, object _) => sent.Add((instance, name)));
        context.Setup(c => c.ContinueAsNew(It.IsAny<object?>(), It.IsAny<bool>())).Callback((object? input, bool _) => continuedWith = input);
    }

    static StatusSweepResult Idle => new([], 0, 3, 1, Failed: false);

    static StatusSweepResult Rendering(params string[] wake) => new(wake, 2, 5, 1, Failed: false);

    [Fact]
    public async Task Sweeper_WakesTheJobsEachSweepNamesAndEndsAfterTheIdleSweeps()
    {
        sweeps.Enqueue(Rendering("job-a", "job-b"));
        sweeps.Enqueue(Rendering());
        sweeps.Enqueue(new StatusSweepResult(["job-c"], 0, 3, 1, Failed: false));

        StatusSweepSummary summary = await new StatusSweepOrchestrator().RunAsync(context.Object, new StatusSweepInput(2, IdleSweepsBeforeEnd: 2));

        Assert.Equal(
            [("job-a", VideoOrchestrator.ProviderEvent), ("job-b", VideoOrchestrator.ProviderEvent), ("job-c", VideoOrchestrator.ProviderEvent)],
            sent);
        // Three sweeps with work (the last woke a job though nothing was left rendering), then two idle ones.
        Assert.Equal(new StatusSweepSummary(5, 3), summary);
        Assert.Equal(4, timers);
        Assert.Null(continuedWith);
    }

    [Fact]
    public async Task Sweeper_AFailedSweepIsNotIdle()
    {
        sweeps.Enqueue(new StatusSweepResult([], 0, 0, 1, Failed: true));

        StatusSweepSummary summary = await new StatusSweepOrchestrator().RunAsync(context.Object, new StatusSweepInput(2, IdleSweepsBeforeEnd: 1));

        Assert.Equal(2, summary.Sweeps);
    }

    [Fact]
    public async Task Sweeper_RunningLong_ContinuesAsNewCarryingItsIdleCount()
    {
        for (int i = 0; i < 49; i++)
        {
            sweeps.Enqueue(Rendering());
        }

        sweeps.Enqueue(Idle);

        await new StatusSweepOrchestrator().RunAsync(context.Object, new StatusSweepInput(2, IdleSweepsBeforeEnd: 3));

        Assert.Equal(new StatusSweepInput(2, 3, IdleSweeps: 1), continuedWith);
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
