using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SoraFunctions.Limits;
using SoraFunctions.Storage;

namespace SoraFunctions.Tests.Unit;

/// <summary>The reconciler's decisions for each kind of ended instance (the engine, Azurite and the emulator: <c>Integration/EndedJobReconcilerTests</c>).</summary>
public sealed class EndedJobReconcilerUnitTests
{
    static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    static readonly DateTimeOffset Submitted = Now.AddMinutes(-30);
    static readonly JsonDataConverter Converter = JsonDataConverter.Default;

    readonly Mock<DurableTaskClient> client = new("test");
    readonly Mock<IJobSlots> slots = new();
    readonly Mock<ISpendLedger> ledger = new();
    readonly Mock<ICreateAttempts> attempts = new();
    readonly List<OrchestrationMetadata> ended = [];

    public EndedJobReconcilerUnitTests()
    {
        client.Setup(c => c.GetAllInstancesAsync(It.IsAny<OrchestrationQuery?>()))
            .Returns(() => Pageable.Create((string? _, CancellationToken _) => Task.FromResult(new Page<OrchestrationMetadata>([.. ended], null))));
        client.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        slots.Setup(s => s.NextWaitersAsync(It.IsAny<DateTimeOffset>(), It.IsAny<int>(), It.IsAny<CancellationToken>())).ReturnsAsync([]);
        ledger.Setup(l => l.RefundAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>())).ReturnsAsync(0.4m);
    }

    EndedJobReconciler Reconciler(int graceSeconds = 600) => new(
        slots.Object,
        ledger.Object,
        attempts.Object,
        Options.Create(new LimitsOptions { RefundGraceSeconds = graceSeconds }),
        new FakeTimeProvider(Now),
        NullLogger<EndedJobReconciler>.Instance);

    static VideoJobInput Job(string id) =>
        new(id, new VideoSpec("a fox", "sora-2", "4", "720x1280"), TestPacing.Fast) { SubmittedAt = Submitted };

    void End(string name, string id, object input, TimeSpan ago, OrchestrationRuntimeStatus status = OrchestrationRuntimeStatus.Terminated) =>
        ended.Add(new OrchestrationMetadata(name, id)
        {
            RuntimeStatus = status,
            CreatedAt = Submitted,
            LastUpdatedAt = Now - ago,
            SerializedInput = input as string ?? Converter.Serialize(input),
            DataConverter = Converter,
        });

    [Fact]
    public async Task AJobEndedWithoutACreate_IsRefundedOnTheDayItWasCharged_AndOneWithACreateRecordKeepsItsCharge()
    {
        End(VideoOrchestrator.Name, "never-created", Job("never-created"), TimeSpan.FromMinutes(20));
        End(VideoOrchestrator.Name, "created", Job("created"), TimeSpan.FromMinutes(20), OrchestrationRuntimeStatus.Failed);
        attempts.Setup(a => a.FindAsync("created", It.IsAny<CancellationToken>())).ReturnsAsync(new CreateAttempt(Submitted, "spec", null));

        ReconcileReport report = await Reconciler().RunAsync(client.Object, default);

        Assert.Equal(new ReconcileReport(2, 0, 1, 0.4m, 1), report);
        ledger.Verify(l => l.RefundAsync("never-created", Submitted, It.IsAny<CancellationToken>()), Times.Once);
        ledger.Verify(l => l.RefundAsync("created", It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task WithinTheGrace_TheSlotIsFreedAndTheWaitersWoken_ButNothingIsRefundedYet()
    {
        End(VideoOrchestrator.Name, "just-ended", Job("just-ended"), TimeSpan.FromMinutes(1));
        slots.Setup(s => s.ReleaseAsync("just-ended", It.IsAny<CancellationToken>())).ReturnsAsync(true);
        slots.Setup(s => s.NextWaitersAsync(Now, JobLimitActivities.MostWokenPerRelease, It.IsAny<CancellationToken>())).ReturnsAsync(["waiting-1", "just-ended", "waiting-2"]);

        ReconcileReport report = await Reconciler(graceSeconds: 600).RunAsync(client.Object, default);

        Assert.Equal(new ReconcileReport(1, 1, 0, 0, 0), report);
        client.Verify(c => c.RaiseEventAsync("waiting-1", VideoOrchestrator.SlotFreedEvent, "just-ended", It.IsAny<CancellationToken>()), Times.Once);
        client.Verify(c => c.RaiseEventAsync("waiting-2", VideoOrchestrator.SlotFreedEvent, "just-ended", It.IsAny<CancellationToken>()), Times.Once);
        client.Verify(c => c.RaiseEventAsync("just-ended", It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never);
        ledger.Verify(l => l.RefundAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ASlotAlreadyFree_WakesNobody()
    {
        End(VideoOrchestrator.Name, "released", Job("released"), TimeSpan.FromMinutes(1));
        slots.Setup(s => s.ReleaseAsync("released", It.IsAny<CancellationToken>())).ReturnsAsync(false);

        ReconcileReport report = await Reconciler().RunAsync(client.Object, default);

        Assert.Equal(0, report.SlotsFreed);
        slots.Verify(s => s.NextWaitersAsync(It.IsAny<DateTimeOffset>(), It.IsAny<int>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ATerminatedBatch_RefundsOnlyTheItemsThatNeverStarted()
    {
        var batch = new BatchInput("batch-1", [Job("batch-1-1"), Job("batch-1-2")]) { SubmittedAt = Submitted };
        End(BatchOrchestrator.Name, "batch-1", batch, TimeSpan.FromMinutes(20));
        client.Setup(c => c.GetInstanceAsync("batch-1-1", false, It.IsAny<CancellationToken>())).ReturnsAsync(new OrchestrationMetadata(VideoOrchestrator.Name, "batch-1-1"));
        client.Setup(c => c.GetInstanceAsync("batch-1-2", false, It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);

        ReconcileReport report = await Reconciler().RunAsync(client.Object, default);

        Assert.Equal(1, report.Refunded);
        ledger.Verify(l => l.RefundAsync("batch-1-2", Submitted, It.IsAny<CancellationToken>()), Times.Once);
        ledger.Verify(l => l.RefundAsync("batch-1-1", It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task AnUnreadableInputOrAStorageErrorOnOneJob_DoesNotStopThePassForTheOthers()
    {
        End(VideoOrchestrator.Name, "unreadable", "{not json", TimeSpan.FromMinutes(20));
        End(VideoOrchestrator.Name, "storage-trouble", Job("storage-trouble"), TimeSpan.FromMinutes(20));
        End(VideoOrchestrator.Name, "fine", Job("fine"), TimeSpan.FromMinutes(20));
        slots.Setup(s => s.ReleaseAsync("storage-trouble", It.IsAny<CancellationToken>())).ThrowsAsync(new Azure.RequestFailedException(503, "busy"));

        ReconcileReport report = await Reconciler().RunAsync(client.Object, default);

        Assert.Equal((2, 1), (report.Examined, report.Refunded));
        ledger.Verify(l => l.RefundAsync("fine", Submitted, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ThePass_AsksOnlyForTerminatedAndFailedInstancesOfTheLastTwoDays()
    {
        OrchestrationQuery? asked = null;
        client.Setup(c => c.GetAllInstancesAsync(It.IsAny<OrchestrationQuery?>()))
            .Callback((OrchestrationQuery? query) => asked = query)
            .Returns(() => Pageable.Create((string? _, CancellationToken _) => Task.FromResult(new Page<OrchestrationMetadata>([], null))));

        await Reconciler().RunAsync(client.Object, default);

        Assert.NotNull(asked);
        Assert.Equal([OrchestrationRuntimeStatus.Terminated, OrchestrationRuntimeStatus.Failed], asked.Statuses);
        Assert.Equal(Now - EndedJobReconciler.LookBack, asked.CreatedFrom);
        Assert.True(asked.FetchInputsAndOutputs);
    }
}
