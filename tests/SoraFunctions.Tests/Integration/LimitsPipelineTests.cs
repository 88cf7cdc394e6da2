using SoraFunctions.Http;

namespace SoraFunctions.Tests.Integration;

/// <summary>
/// The cluster-wide cap on the real engine, counted where it matters: at the provider (the emulator's peak of jobs
/// in flight). Every ending of a job frees its slot, or the jobs queued behind it would never start.
/// </summary>
[Collection(CappedPipelineTestGroup.Name)]
public sealed class CappedPipelineTests(CappedPipelineFixture fixture)
{
    static string Prompt(string directives) => $"{directives} a heron in the reeds {Guid.NewGuid():N}";

    static VideoJobResult Result(OrchestrationMetadata instance) => instance.ReadOutputAs<VideoJobResult>()!;

    [Fact]
    public async Task TwelveJobs_CapOfThree_NeverMoreThanThreeAtTheProviderAndAllComplete()
    {
        string[] ids = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => fixture.StartJobAsync(Prompt("[[render=2]]"))));

        OrchestrationMetadata[] done = await Task.WhenAll(ids.Select(id => fixture.WaitAsync(id, TimeSpan.FromMinutes(3))));

        Assert.All(done, d => Assert.Equal(JobStatus.Completed, Result(d).Status));
        Assert.Equal(CappedPipelineFixture.Cap, fixture.Emulator.Stats.MaxInFlight);
    }

    [Fact]
    public async Task SlotsHeldByFailedCanceledAndTimedOutJobs_AreFreedForTheJobsQueuedBehind()
    {
        JobPacing shortTimeout = TestPacing.Fast with { Timeout = TimeSpan.FromSeconds(8) };
        string failing = await fixture.StartJobAsync(Prompt("[[render=4]][[fail=moderation_blocked]]"));
        string timingOut = await fixture.StartJobAsync(Prompt("[[stall]]"), shortTimeout);
        string canceled = await fixture.StartJobAsync(Prompt("[[stall]]"));
        await WaitForAsync(() => fixture.Emulator.Stats.InFlight == CappedPipelineFixture.Cap, "the three blockers to hold every slot");

        string[] queued = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => fixture.StartJobAsync(Prompt("[[render=1]]"))));
        await WaitForAsync(async () => JobView.From((await fixture.Client.GetInstanceAsync(queued[2], getInputsAndOutputs: true))!).QueuePosition is > 0, "the last job to wait in the queue");
        await fixture.Client.RaiseEventAsync(canceled, VideoOrchestrator.CancelEvent, "test");

        OrchestrationMetadata[] ended = await Task.WhenAll(new[] { failing, timingOut, canceled }.Concat(queued).Select(id => fixture.WaitAsync(id, TimeSpan.FromMinutes(2))));

        Assert.Equal(
            [JobStatus.Failed, JobStatus.Failed, JobStatus.Canceled, JobStatus.Completed, JobStatus.Completed, JobStatus.Completed],
            ended.Select(e => Result(e).Status));
        Assert.Equal(JobErrorCodes.Timeout, Result(ended[1]).Error!.Code);
        Assert.True(fixture.Emulator.Stats.MaxInFlight <= CappedPipelineFixture.Cap, $"peak {fixture.Emulator.Stats.MaxInFlight} at the provider");
    }

    [Fact]
    public async Task Batch_OfSix_ObeysTheCapInsideTheBatch()
    {
        string tag = Guid.NewGuid().ToString("N");
        BatchApi batches = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<BatchApi>(fixture.Services);
        Microsoft.AspNetCore.Http.DefaultHttpContext context = HttpResults.NewContext($$"""{"id":"capped-{{tag}}","prompt":"[[render=2]] capped batch {{tag}}","count":6}""");
        await HttpResults.ExecuteAsync(await batches.SubmitAsync(context.Request, fixture.Client, default), context);

        OrchestrationMetadata batch = await fixture.WaitAsync($"capped-{tag}", TimeSpan.FromMinutes(3));

        Assert.Equal(new BatchResult(6, 0, 0), batch.ReadOutputAs<BatchResult>());
        Assert.True(fixture.Emulator.Stats.MaxInFlight <= CappedPipelineFixture.Cap, $"peak {fixture.Emulator.Stats.MaxInFlight} at the provider");
    }

    static async Task WaitForAsync(Func<bool> condition, string what) => await WaitForAsync(() => Task.FromResult(condition()), what);

    static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}

/// <summary>Creates are paced cluster-wide: a burst of the per-minute allowance, then one per refill.</summary>
[Collection(PacedPipelineTestGroup.Name)]
public sealed class PacedPipelineTests(PacedPipelineFixture fixture)
{
    [Fact]
    public async Task FourJobs_ThreeCreatesPerMinute_TheFourthCreateWaitsForARefill()
    {
        string tag = Guid.NewGuid().ToString("N");
        DateTimeOffset submitted = DateTimeOffset.UtcNow;
        string[] ids = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => fixture.StartJobAsync($"[[render=1]] paced {tag} {i}")));
        OrchestrationMetadata[] done = await Task.WhenAll(ids.Select(id => fixture.WaitAsync(id, TimeSpan.FromMinutes(2))));

        Assert.All(done, d => Assert.Equal(JobStatus.Completed, d.ReadOutputAs<VideoJobResult>()!.Status));
        DateTimeOffset[] creates = [.. done
            .Select(d => fixture.Emulator.Stats.CreatedAtOf(d.ReadOutputAs<VideoJobResult>()!.ProviderVideoId!)!.Value)
            .Order()];
        TimeSpan refill = TimeSpan.FromMinutes(1) / PacedPipelineFixture.CreatesPerMinute;
        Assert.True(creates[2] - creates[0] < refill, "the first three creates are a burst");
        // The fourth token exists one refill after the bucket's burst was taken, which was after submission; the
        // first create itself may reach the provider late on a loaded machine, so the bound is from submission.
        Assert.True(creates[3] - submitted >= refill - TimeSpan.FromSeconds(1), $"the fourth create came {creates[3] - submitted} after submission");
    }
}
