using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SoraFunctions.Http;
using SoraFunctions.Limits;

namespace SoraFunctions.Tests.Integration;

/// <summary>
/// Jobs that end without their own code running (terminated here) on the real engine, Azurite and the emulator: the
/// reconciler frees the slot such a job held, so the jobs queued behind it start, and refunds only the charge of a job
/// that never sent a create.
/// </summary>
[Collection(ReconciledPipelineTestGroup.Name)]
public sealed class EndedJobReconcilerTests(ReconciledPipelineFixture fixture)
{
    [Fact]
    public async Task TerminatedJobs_FreeTheirSlot_AndOnlyTheOneThatNeverSentACreateIsRefunded()
    {
        VideoApi api = fixture.Services.GetRequiredService<VideoApi>();
        EndedJobReconciler reconciler = fixture.Services.GetRequiredService<EndedJobReconciler>();
        ISpendLedger ledger = fixture.Services.GetRequiredService<ISpendLedger>();
        string tag = Guid.NewGuid().ToString("N")[..8];

        // The holder takes the only slot with a video that never finishes; two jobs queue behind it.
        string holder = await SubmitAsync(api, $"[[stall]] holder {tag}");
        await WaitForAsync(() => Task.FromResult(fixture.Emulator.Stats.InFlight == 1), "the holder's video to be created");
        string waiter = await SubmitAsync(api, $"[[render=1]] waiter {tag}");
        string next = await SubmitAsync(api, $"[[render=1]] next {tag}");
        await WaitForAsync(async () => await QueuePositionAsync(waiter) is > 0 && await QueuePositionAsync(next) is > 0, "both jobs to queue for the slot");
        UsageTotals charged = (await ledger.GetUsageAsync(null, DateTimeOffset.UtcNow, default)).Today;
        Assert.Equal(3, charged.Videos);

        await fixture.Client.TerminateInstanceAsync(holder, "operator");
        await fixture.Client.TerminateInstanceAsync(waiter, "operator");
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await fixture.WaitAsync(holder, TimeSpan.FromSeconds(30))).RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await fixture.WaitAsync(waiter, TimeSpan.FromSeconds(30))).RuntimeStatus);
        ReconcileReport report = await reconciler.RunAsync(fixture.Client, default);

        // Without the pass the holder's slot would stay taken until its lease ran out, over an hour later.
        Assert.Equal((1, 1, 1), (report.SlotsFreed, report.Refunded, report.ChargesKept));
        OrchestrationMetadata done = await fixture.WaitAsync(next, TimeSpan.FromSeconds(90));
        Assert.Equal(JobStatus.Completed, done.ReadOutputAs<VideoJobResult>()!.Status);
        UsageTotals after = (await ledger.GetUsageAsync(null, DateTimeOffset.UtcNow, default)).Today;
        Assert.Equal(charged.Videos - 1, after.Videos);
        Assert.Equal(charged.CostUsd - report.RefundedUsd, after.CostUsd);
        Assert.True(report.RefundedUsd > 0, "the waiter's charge came back");

        ReconcileReport again = await reconciler.RunAsync(fixture.Client, default);
        Assert.Equal((0, 0), (again.SlotsFreed, again.Refunded));
        Assert.Equal(after, (await ledger.GetUsageAsync(null, DateTimeOffset.UtcNow, default)).Today);
    }

    async Task<string> SubmitAsync(VideoApi api, string prompt)
    {
        (int status, JsonElement body) = await HttpResults.SubmitAsync(api, fixture.Client, JsonSerializer.Serialize(new { prompt }));
        Assert.Equal(202, status);
        return body.GetProperty("id").GetString()!;
    }

    async Task<int?> QueuePositionAsync(string id) =>
        await fixture.Client.GetInstanceAsync(id, getInputsAndOutputs: true) is { } instance ? JobView.From(instance).QueuePosition : null;

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

/// <summary>The pipeline with one provider slot, a daily budget and no grace before refunds.</summary>
public sealed class ReconciledPipelineFixture : PipelineFixture
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["Limits:MaxRunningJobs"] = "1";
        settings["Limits:DailyUsd"] = "1000";
        settings["Limits:RefundGraceSeconds"] = "0";
    }
}

[CollectionDefinition(Name)]
public sealed class ReconciledPipelineTestGroup : ICollectionFixture<ReconciledPipelineFixture>
{
    public const string Name = "reconciled pipeline";
}
