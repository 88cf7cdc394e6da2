using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using SoraFunctions.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace SoraFunctions.EndToEnd.Tests;

/// <summary>
/// Faults on the storage side of a job, each checked against the same invariants: the job reaches the right terminal
/// state, one provider create per job (no second paid video), exactly one committed blob per completed job with the
/// provider's bytes, and nothing else under its name.
/// </summary>
[Collection(EndToEndGroup.Name)]
public sealed class StorageFaultEndToEndTests(EndToEndFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task KillWhileStreamingLargeVideo_Restart_ResumesWithinAMinuteAndCommitsOneWholeBlob()
    {
        // About 300 MB: a few seconds of streaming into Azurite on two cores, long enough to be killed in the middle.
        const long Size = 300_000_000;
        string prompt = $"a glacier calving into the sea, killed mid-store [[render=1]] [[bytes={Size}]]";
        Dictionary<string, string> environment = fixture.HostEnvironment("e2ekillstore");

        // E2E_KILL_VISIBILITY=00:01:00 measures the recovery with the local host's default visibility timeout.
        var visibility = TimeSpan.Parse(
            Environment.GetEnvironmentVariable("E2E_KILL_VISIBILITY") ?? environment["DurableTask__WorkItemQueueVisibilityTimeout"],
            System.Globalization.CultureInfo.InvariantCulture);
        environment["DurableTask__WorkItemQueueVisibilityTimeout"] = visibility.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        string id;
        await using (LocalHostProcess first = await LocalHostProcess.StartAsync(environment, fixture.Http))
        {
            VideoApiDriver api = new(fixture.Http, first.BaseAddress);
            id = (string)(await api.SubmitAcceptedAsync(prompt))["id"]!;
            // The check that finds the video completed streams it at once: kill as soon as its first block is staged.
            await Poll.UntilAsync(
                async ct => await fixture.Videos.ExistsAsync(ct) && (await BlobsOfAsync(id)).Count > 0 ? (object?)true : null,
                TimeSpan.FromSeconds(60),
                "the video's first block to be staged");
            await first.KillAsync();
        }

        Assert.Equal(0, await CommittedCountAsync(id));
        var sinceRestart = Stopwatch.StartNew();
        await using LocalHostProcess second = await LocalHostProcess.StartAsync(environment, fixture.Http);
        VideoApiDriver restarted = new(fixture.Http, second.BaseAddress);
        JsonObject done = await restarted.WaitForFinishAsync(id, TimeSpan.FromSeconds(120));
        output.WriteLine($"Killed mid-store; completed {sinceRestart.Elapsed.TotalSeconds:F1} s after the restart began " +
            $"(work-item visibility {environment["DurableTask__WorkItemQueueVisibilityTimeout"]}).");

        Assert.True(VideoApiDriver.Status(done) == "completed", $"{VideoApiDriver.Describe(done)}{Environment.NewLine}{second.RecentOutput}");
        // The message reappears at most one visibility timeout after the last renewal before the kill; the rest is
        // the restart, the engine's first polls and the store itself.
        Assert.True(sinceRestart.Elapsed < visibility + TimeSpan.FromSeconds(45), $"resumed after {sinceRestart.Elapsed}");
        Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
        BlobItem only = await SingleBlobAsync(id, done);
        Assert.Equal(Size, only.Properties.ContentLength);
    }

    [Fact]
    public async Task ContentLaggingCompletedStatus_404ThenServed_JobCompletesWithOneBlob()
    {
        string prompt = "a lighthouse at dusk, content lags [[render=1]] [[content404=2]]";
        VideoApiDriver api = new(fixture.Http, fixture.Host.BaseAddress);

        string id = (string)(await api.SubmitAcceptedAsync(prompt))["id"]!;
        JsonObject done = await api.WaitForFinishAsync(id, TimeSpan.FromSeconds(90));

        Assert.True(VideoApiDriver.Status(done) == "completed", $"{VideoApiDriver.Describe(done)}{Environment.NewLine}{fixture.Host.RecentOutput}");
        Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
        await SingleBlobAsync(id, done);
    }

    [Fact]
    public async Task DownloadShorterThanContentLength_Retried_JobCompletesWithTheWholeVideoOnce()
    {
        string prompt = "a paper lantern rising, cut download [[render=1]] [[truncate=2]] [[bytes=9000000]]";
        VideoApiDriver api = new(fixture.Http, fixture.Host.BaseAddress);

        string id = (string)(await api.SubmitAcceptedAsync(prompt))["id"]!;
        JsonObject done = await api.WaitForFinishAsync(id, TimeSpan.FromSeconds(90));

        Assert.True(VideoApiDriver.Status(done) == "completed", $"{VideoApiDriver.Describe(done)}{Environment.NewLine}{fixture.Host.RecentOutput}");
        Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
        BlobItem only = await SingleBlobAsync(id, done);
        Assert.Equal(9_000_000, only.Properties.ContentLength);
        Assert.Equal(3, fixture.Emulator.Stats.DownloadsOf((string)done["providerVideoId"]!));
    }

    async Task<List<BlobItem>> BlobsOfAsync(string id, BlobStates states = BlobStates.All)
    {
        List<BlobItem> stored = [];
        await foreach (BlobItem item in fixture.Videos.GetBlobsAsync(BlobTraits.None, states, prefix: null, CancellationToken.None))
        {
            if (item.Name.EndsWith($"/{id}.mp4", StringComparison.Ordinal))
            {
                stored.Add(item);
            }
        }

        return stored;
    }

    async Task<int> CommittedCountAsync(string id) => (await BlobsOfAsync(id, BlobStates.None)).Count;

    /// <summary>Exactly one blob for the job, at the name the job reports, with no blocks left uncommitted.</summary>
    async Task<BlobItem> SingleBlobAsync(string id, JsonObject done)
    {
        BlobItem only = Assert.Single(await BlobsOfAsync(id));
        Assert.Equal((string)done["blob"]!["name"]!, only.Name);
        Assert.Equal((long?)done["bytes"], only.Properties.ContentLength);
        BlockList blocks = (await fixture.Videos.GetBlockBlobClient(only.Name).GetBlockListAsync(BlockListTypes.All)).Value;
        Assert.Empty(blocks.UncommittedBlocks);
        return only;
    }
}
