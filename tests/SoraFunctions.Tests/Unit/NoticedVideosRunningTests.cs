using Microsoft.Extensions.Time.Testing;

namespace SoraFunctions.Tests.Unit;

/// <summary>
/// A notice waits for its job to be running before it raises the job's event (<see cref="NoticedVideos.RunningAsync"/>):
/// the engine can discard an event that reaches a job whose first message it put back.
/// </summary>
public class NoticedVideosRunningTests
{
    static OrchestrationMetadata Instance(OrchestrationRuntimeStatus status) => new(VideoOrchestrator.Name, "job-1") { RuntimeStatus = status };

    [Fact]
    public async Task PendingJob_IsReadAgainUntilItRuns()
    {
        var client = new Mock<DurableTaskClient>("test") { CallBase = true };
        client.SetupSequence(c => c.GetInstancesAsync("job-1", true, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Instance(OrchestrationRuntimeStatus.Pending))
            .ReturnsAsync(Instance(OrchestrationRuntimeStatus.Pending))
            .ReturnsAsync(Instance(OrchestrationRuntimeStatus.Running));

        OrchestrationMetadata? instance = await NoticedVideos.RunningAsync(client.Object, "job-1", getInputs: true, TimeSpan.FromSeconds(5), TimeProvider.System, default);

        Assert.Equal(OrchestrationRuntimeStatus.Running, instance?.RuntimeStatus);
        client.Verify(c => c.GetInstancesAsync("job-1", true, It.IsAny<CancellationToken>()), Times.Exactly(3));
    }

    [Fact]
    public async Task JobPendingPastTheWait_IsReturnedPending()
    {
        var time = new FakeTimeProvider();
        var client = new Mock<DurableTaskClient>("test") { CallBase = true };
        client.Setup(c => c.GetInstancesAsync("job-1", false, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Instance(OrchestrationRuntimeStatus.Pending))
            .Callback(() => time.Advance(TimeSpan.FromSeconds(1)));

        OrchestrationMetadata? instance = await NoticedVideos.RunningAsync(client.Object, "job-1", getInputs: false, TimeSpan.FromSeconds(1), time, default);

        Assert.Equal(OrchestrationRuntimeStatus.Pending, instance?.RuntimeStatus);
        client.Verify(c => c.GetInstancesAsync("job-1", false, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Running)]
    [InlineData(OrchestrationRuntimeStatus.Completed)]
    public async Task JobNotPending_IsReturnedAtOnce(OrchestrationRuntimeStatus status)
    {
        var client = new Mock<DurableTaskClient>("test") { CallBase = true };
        client.Setup(c => c.GetInstancesAsync("job-1", true, It.IsAny<CancellationToken>())).ReturnsAsync(Instance(status));

        OrchestrationMetadata? instance = await NoticedVideos.RunningAsync(client.Object, "job-1", getInputs: true, TimeSpan.FromSeconds(5), TimeProvider.System, default);

        Assert.Equal(status, instance?.RuntimeStatus);
        client.Verify(c => c.GetInstancesAsync("job-1", true, It.IsAny<CancellationToken>()), Times.Once);
    }
}
