using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
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
    public async Task Record_ABurstOfSubmissions_IsWrittenInGroupsAndListsEveryJob()
    {
        var requests = new RequestCounter();
        var options = new TableClientOptions();
        options.AddPolicy(requests, HttpPipelinePosition.PerCall);
        var index = new JobIndex(new TableServiceClient(fixture.Azurite.ConnectionString, options));
        string run = Guid.NewGuid().ToString("N")[..8];
        DateTimeOffset t0 = new(2997, 1, 1, 0, 0, 0, TimeSpan.Zero);
        string[] ids = [.. Enumerable.Range(0, 200).Select(i => $"{run}-{i:D3}")];

        await Task.WhenAll(ids.Select((id, i) => index.RecordAsync(id, $"burst-{run}", t0.AddSeconds(i), default)));

        (IReadOnlyList<string> listed, _) = await index.ListAsync($"burst-{run}", 1000, null, default);
        Assert.Equal(ids.Reverse(), listed);
        // One request a row would be 400; groups of up to 100 rows per partition take a handful.
        Assert.True(requests.Count < 50, $"{requests.Count} requests for 200 jobs");
    }

    [Fact]
    public async Task Upsert_ARowTheTableRefuses_FailsOnlyItsOwnCaller()
    {
        var table = new TableClient(fixture.Azurite.ConnectionString, "batcher" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync();
        var batcher = new UpsertBatcher(table);

        Task[] good = [.. Enumerable.Range(0, 5).Select(i => batcher.UpsertAsync(new TableEntity("p", $"row-{i}") { ["N"] = i }, default))];
        // Azure Tables refuses '/' in a key: the group's transaction fails and its rows go one by one.
        Task bad = batcher.UpsertAsync(new TableEntity("p", "row/bad"), default);
        Task[] after = [.. Enumerable.Range(5, 5).Select(i => batcher.UpsertAsync(new TableEntity("p", $"row-{i}") { ["N"] = i }, default))];

        await Assert.ThrowsAsync<RequestFailedException>(() => bad);
        await Task.WhenAll(good.Concat(after));
        List<int> stored = [];
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(select: ["N"]))
        {
            stored.Add(row.GetInt32("N")!.Value);
        }

        Assert.Equal(Enumerable.Range(0, 10), stored.Order());
    }

    sealed class RequestCounter : HttpPipelineSynchronousPolicy
    {
        int count;

        public int Count => Volatile.Read(ref count);

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref count);
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
