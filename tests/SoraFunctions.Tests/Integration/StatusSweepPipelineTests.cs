using SoraFunctions.Http;

namespace SoraFunctions.Tests.Integration;

/// <summary>The pipeline on an emulator of its own, so that the sweeper sees only these tests' videos.</summary>
public sealed class SweepPipelineFixture : PipelineFixture;

[CollectionDefinition(Name)]
public sealed class SweepPipelineTestGroup : ICollectionFixture<SweepPipelineFixture>
{
    public const string Name = "sweep pipeline";
}

/// <summary>The status sweeper on the real engine, reading the emulator's list over HTTP: it wakes jobs whose video ended.</summary>
[Collection(SweepPipelineTestGroup.Name)]
public class StatusSweepPipelineTests(SweepPipelineFixture fixture)
{
    [Fact]
    public async Task Sweeper_WakesJobsLongBeforeTheirNextTimerWithoutAStatusCall_ThenEndsWhenNothingRenders()
    {
        // The jobs' own first check would come after 40 s: only the sweeper can end them sooner.
        JobPacing slow = TestPacing.Fast with { MinPollInterval = TimeSpan.FromSeconds(40), MaxPollInterval = TimeSpan.FromSeconds(60) };
        string run = Guid.NewGuid().ToString("N");
        string first = await fixture.StartJobAsync($"[[render=1]] a swept heron {run}", slow);
        string second = await fixture.StartJobAsync($"[[render=3]] a swept otter {run}", slow);
        await ProviderVideoOfAsync(first);
        await ProviderVideoOfAsync(second);

        // Started once the videos exist: the first may already have ended (a sweep with nothing remembered still
        // wakes a job whose video ended moments ago), the second is still rendering.
        await fixture.Client.ScheduleNewOrchestrationInstanceAsync(
            StatusSweepOrchestrator.Name, new StatusSweepInput(0.5, IdleSweepsBeforeEnd: 4), new StartOrchestrationOptions(StatusSweepOrchestrator.InstanceId));
        OrchestrationMetadata[] finished = [await fixture.WaitAsync(first, TimeSpan.FromSeconds(30)), await fixture.WaitAsync(second, TimeSpan.FromSeconds(30))];
        OrchestrationMetadata sweeper = await fixture.WaitAsync(StatusSweepOrchestrator.InstanceId, TimeSpan.FromSeconds(30));

        foreach (OrchestrationMetadata job in finished)
        {
            VideoJobResult result = job.ReadOutputAs<VideoJobResult>()!;
            Assert.Equal(JobStatus.Completed, result.Status);

            // The event carried the ended video from the list: the job went straight to storing it.
            Assert.Equal(0, result.Checks);
            Assert.Equal(0, fixture.Emulator.Stats.RetrievesOf(result.ProviderVideoId!));
            Assert.Equal(1, fixture.Emulator.Stats.DownloadsOf(result.ProviderVideoId!));
            Assert.True(job.LastUpdatedAt - job.CreatedAt < TimeSpan.FromSeconds(30), "the job waited for its 40 s timer");
        }

        Assert.Equal(OrchestrationRuntimeStatus.Completed, sweeper.RuntimeStatus);
        Assert.Equal(2, sweeper.ReadOutputAs<StatusSweepSummary>()!.Woken);
    }

    async Task<string> ProviderVideoOfAsync(string jobId)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            OrchestrationMetadata? instance = await fixture.Client.GetInstanceAsync(jobId, getInputsAndOutputs: true);
            if (instance is not null && JobView.From(instance).ProviderVideoId is { } videoId)
            {
                return videoId;
            }

            Assert.True(DateTime.UtcNow < deadline, "the job did not create its provider video in time");
            await Task.Delay(100);
        }
    }
}
