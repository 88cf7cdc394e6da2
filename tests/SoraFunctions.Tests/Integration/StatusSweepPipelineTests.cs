namespace SoraFunctions.Tests.Integration;

/// <summary>The status sweeper on the real engine, reading the emulator's list over HTTP: it wakes jobs whose video ended.</summary>
[Collection(PipelineTestGroup.Name)]
public class StatusSweepPipelineTests(PipelineFixture fixture)
{
    [Fact]
    public async Task Sweeper_WakesJobsLongBeforeTheirNextTimer_WithoutAStatusCheck()
    {
        // The jobs' own first check would come after 40 s: only the sweeper can end them sooner.
        JobPacing slow = TestPacing.Fast with { MinPollInterval = TimeSpan.FromSeconds(40), MaxPollInterval = TimeSpan.FromSeconds(60) };
        string run = Guid.NewGuid().ToString("N");
        await fixture.Client.ScheduleNewOrchestrationInstanceAsync(
            StatusSweepOrchestrator.Name, new StatusSweepInput(0.5, IdleSweepsBeforeEnd: 120), new StartOrchestrationOptions(StatusSweepOrchestrator.InstanceId));
        try
        {
            string first = await fixture.StartJobAsync($"[[render=1]] a swept heron {run}", slow);
            string second = await fixture.StartJobAsync($"[[render=2]] a swept otter {run}", slow);

            OrchestrationMetadata[] finished = [await fixture.WaitAsync(first, TimeSpan.FromSeconds(30)), await fixture.WaitAsync(second, TimeSpan.FromSeconds(30))];

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
        }
        finally
        {
            await fixture.Client.TerminateInstanceAsync(StatusSweepOrchestrator.InstanceId);
        }
    }
}
