using System.Collections.Concurrent;
using System.Diagnostics;
using SoraFunctions.Telemetry;

namespace SoraFunctions.Tests.Integration;

/// <summary>The pipeline's spans and metrics for one real job (orchestrator and activities on the engine, emulator, Azurite).</summary>
[Collection(PipelineTestGroup.Name)]
public class PipelineTelemetryTests(PipelineFixture fixture)
{
    [Fact]
    public async Task Job_EverySpanOfThePipeline_CarriesTheJobId()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PipelineTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var metrics = new PipelineMetricsSummary();

        OrchestrationMetadata instance = await fixture.RunJobAsync($"[[render=2]] a heron lifting off a lake {Guid.NewGuid():N}");
        string jobId = instance.InstanceId;

        Activity[] mine = [.. spans.Where(s => (string?)s.GetTagItem(PipelineTelemetry.JobIdTag) == jobId)];
        string[] names = [.. mine.Select(s => s.OperationName).Distinct().Order(StringComparer.Ordinal)];
        Assert.Contains("create", names);
        Assert.Contains("get", names);
        Assert.Contains("store", names);
        // The listener hears the whole process, where API tests run alongside: a "submit" span gets its job id only
        // once a submission is accepted, so a refused one has none. This job was started on the engine directly.
        Assert.All(
            spans.Where(s => s.OperationName != "submit"),
            s => Assert.False(string.IsNullOrEmpty((string?)s.GetTagItem(PipelineTelemetry.JobIdTag)), $"span {s.OperationName} has no job id"));

        Assert.True(metrics.Total("sora.jobs.completed") >= 1, metrics.Describe());
        Assert.True(metrics.Total("sora.store.bytes") > 0, metrics.Describe());
        Assert.True(metrics.Total("sora.provider.calls", "kind=create") >= 1, metrics.Describe());
    }

    [Fact]
    public async Task Job_Failed_CountsTheFailureByCode()
    {
        using var metrics = new PipelineMetricsSummary();

        // A code of its own: the listener hears the whole process, where other tests fail jobs at the same time.
        string code = $"probe_{Guid.NewGuid():N}";

        await fixture.RunJobAsync($"[[render=1]][[fail={code}]] a storm {Guid.NewGuid():N}");

        Assert.Equal(1, metrics.Total("sora.jobs.failed", $"code={code}"));
        Assert.Contains($"{code} 1", metrics.Describe(), StringComparison.Ordinal);
    }
}
