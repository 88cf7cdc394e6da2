using Azure.Data.Tables;
using SoraFunctions.Storage;

namespace SoraFunctions.Tests.Integration;

/// <summary>The job index against Azurite's table service: newest first, paged, idempotent.</summary>
[Collection(PipelineTestGroup.Name)]
public class JobIndexTests(PipelineFixture fixture)
{
    [Fact]
    public async Task List_ReturnsNewestFirstAcrossPagesAndRecordingTwiceKeepsOneRow()
    {
        var index = new JobIndex(new TableServiceClient(fixture.Azurite.ConnectionString));
        string run = Guid.NewGuid().ToString("N")[..8];
        // Far in the future, so that these rows come before any other test's.
        DateTimeOffset t0 = new(2999, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await index.RecordAsync($"{run}-old", "someone", t0, default);
        await index.RecordAsync($"{run}-new", "someone", t0.AddMinutes(2), default);
        await index.RecordAsync($"{run}-mid", "someone", t0.AddMinutes(1), default);
        await index.RecordAsync($"{run}-mid", "someone", t0.AddMinutes(1), default);

        (IReadOnlyList<string> first, string? token) = await index.ListAsync(null, 2, null, default);
        (IReadOnlyList<string> second, _) = await index.ListAsync(null, 2, token, default);

        Assert.Equal([$"{run}-new", $"{run}-mid"], first);
        Assert.Equal($"{run}-old", second[0]);
        Assert.NotNull(token);
    }

    [Fact]
    public async Task List_ForACaller_HoldsOnlyThatCallersJobs()
    {
        var index = new JobIndex(new TableServiceClient(fixture.Azurite.ConnectionString));
        string run = Guid.NewGuid().ToString("N")[..8];
        DateTimeOffset t0 = new(2998, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await index.RecordAsync($"{run}-a1", $"alice/{run}", t0, default);
        await index.RecordAsync($"{run}-b1", $"bob#{run}", t0.AddMinutes(1), default);
        await index.RecordAsync($"{run}-a2", $"alice/{run}", t0.AddMinutes(2), default);

        (IReadOnlyList<string> alice, _) = await index.ListAsync($"alice/{run}", 10, null, default);
        (IReadOnlyList<string> bob, _) = await index.ListAsync($"bob#{run}", 10, null, default);

        Assert.Equal([$"{run}-a2", $"{run}-a1"], alice);
        Assert.Equal([$"{run}-b1"], bob);
    }
}
