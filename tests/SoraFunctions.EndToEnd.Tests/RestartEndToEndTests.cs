using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using SoraFunctions.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace SoraFunctions.EndToEnd.Tests;

/// <summary>A local host killed mid-job and started again on the same storage finishes the job.</summary>
[Collection(EndToEndGroup.Name)]
public sealed class RestartEndToEndTests(EndToEndFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task KillMidJob_RestartOnSameStorage_JobCompletesWithExactlyOneStoredVideo()
    {
        Dictionary<string, string> environment = fixture.HostEnvironment("e2erestart");
        string id;
        await using (LocalHostProcess first = await LocalHostProcess.StartAsync(environment, fixture.Http))
        {
            VideoApiDriver api = new(fixture.Http, first.BaseAddress);
            JsonObject accepted = await api.SubmitAcceptedAsync("a hummingbird in slow motion, e2e restart [[render=6]]");
            id = (string)accepted["id"]!;
            await api.WaitForJobAsync(id, job => VideoApiDriver.Status(job) == "in_progress", "in progress");

            await first.KillAsync();
        }

        await using LocalHostProcess second = await LocalHostProcess.StartAsync(environment, fixture.Http);
        VideoApiDriver restarted = new(fixture.Http, second.BaseAddress);
        JsonObject done = await restarted.WaitForFinishAsync(id, TimeSpan.FromSeconds(90));
        Assert.True(VideoApiDriver.Status(done) == "completed", $"{VideoApiDriver.Describe(done)}{Environment.NewLine}{second.RecentOutput}");

        List<BlobItem> stored = [];
        await foreach (BlobItem item in fixture.Videos.GetBlobsAsync(BlobTraits.None, BlobStates.All, prefix: null, CancellationToken.None))
        {
            if (item.Name.EndsWith($"/{id}.mp4", StringComparison.Ordinal))
            {
                stored.Add(item);
            }
        }

        BlobItem only = Assert.Single(stored);
        Assert.Equal((string)done["blob"]!["name"]!, only.Name);
        string providerVideoId = (string)done["providerVideoId"]!;
        Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt("a hummingbird in slow motion, e2e restart [[render=6]]"));
        byte[] served = await fixture.Http.GetByteArrayAsync(new Uri($"{fixture.Emulator.ApiBaseUrl.AbsoluteUri.TrimEnd('/')}/videos/{providerVideoId}/content"));
        Assert.Equal(served, (await fixture.Videos.GetBlobClient(only.Name).DownloadContentAsync()).Value.Content.ToArray());
    }

    /// <summary>
    /// Without limits the submission creates the video and its process watches it in memory (<c>Pipeline__WatchInProcess</c>):
    /// killed, the watch is gone, and the job's own safety-net checks (here 3 s apart) notice the end after the restart.
    /// </summary>
    [Fact]
    public async Task KillWhileTheSubmissionsProcessWatchesTheVideo_Restart_TheJobsSafetyNetCompletesIt()
    {
        string prompt = $"a heron in the reeds, watched then killed {Guid.NewGuid():N} [[render=6]]";
        Dictionary<string, string> environment = fixture.HostEnvironment("e2ewatchkill");
        environment["Limits__MaxRunningJobs"] = "0";
        environment["Limits__CreatesPerMinute"] = "0";
        environment["Limits__TableName"] = "watchkill";
        environment["Pipeline__WebhookPollSeconds"] = "3";
        string id;
        await using (LocalHostProcess first = await LocalHostProcess.StartAsync(environment, fixture.Http))
        {
            JsonObject accepted = await new VideoApiDriver(fixture.Http, first.BaseAddress).SubmitAcceptedAsync(prompt);
            id = (string)accepted["id"]!;
            Assert.False(string.IsNullOrEmpty((string?)accepted["providerVideoId"]), "the submission did not create the video, so nothing was watched");
            await first.KillAsync();
        }

        await using LocalHostProcess second = await LocalHostProcess.StartAsync(environment, fixture.Http);
        JsonObject done = await new VideoApiDriver(fixture.Http, second.BaseAddress).WaitForFinishAsync(id, TimeSpan.FromSeconds(90));

        Assert.True(VideoApiDriver.Status(done) == "completed", $"{VideoApiDriver.Describe(done)}{Environment.NewLine}{second.RecentOutput}");
        Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
        Assert.True(await fixture.Videos.GetBlobClient((string)done["blob"]!["name"]!).ExistsAsync(), "the job's blob is not there");
    }

    /// <summary>
    /// Issue 11: the host dies after the provider made the video and before the create activity's answer was saved.
    /// The engine delivers the same create activity again after the restart, without a lookup time; the row its first
    /// run wrote before sending makes it look for the video and adopt it instead of paying for a second one.
    /// </summary>
    [Fact]
    public async Task KillWhileTheCreateCallIsInFlight_Restart_AdoptsTheVideoAlreadyMadeAndCreatesNoSecond()
    {
        // The emulator makes the video at once and holds the create's answer for 60 s (well inside the client's
        // 100 s request timeout): the host is killed while it waits.
        string prompt = $"a kite over the dunes, killed mid-create {Guid.NewGuid():N} [[render=2]] [[createdelay=60]]";
        Dictionary<string, string> environment = fixture.HostEnvironment("e2ekillcreate");
        string id;
        await using (LocalHostProcess first = await LocalHostProcess.StartAsync(environment, fixture.Http))
        {
            VideoApiDriver api = new(fixture.Http, first.BaseAddress);
            id = (string)(await api.SubmitAcceptedAsync(prompt))["id"]!;
            await Poll.UntilAsync(
                _ => Task.FromResult(fixture.Emulator.Stats.VideosWithPrompt(prompt) == 1 ? "made" : null),
                TimeSpan.FromSeconds(30),
                "the provider video to exist");
            JsonObject atKill = await api.GetJobAsync(id);
            Assert.True(atKill["providerVideoId"] is null, $"the create's answer arrived before the kill: {VideoApiDriver.Describe(atKill)}");

            await first.KillAsync();
        }

        string madeId = Assert.Single(fixture.Emulator.Stats.VideoIdsWithPrompt(prompt));
        var sinceRestart = Stopwatch.StartNew();
        await using LocalHostProcess second = await LocalHostProcess.StartAsync(environment, fixture.Http);
        VideoApiDriver restarted = new(fixture.Http, second.BaseAddress);
        JsonObject done = await restarted.WaitForFinishAsync(id, TimeSpan.FromSeconds(90));
        output.WriteLine($"Killed mid-create; the job finished {sinceRestart.Elapsed.TotalSeconds:F1} s after the restart began.");

        Assert.True(VideoApiDriver.Status(done) == "completed", $"{VideoApiDriver.Describe(done)}{Environment.NewLine}{second.RecentOutput}");
        Assert.True(fixture.Emulator.Stats.VideosWithPrompt(prompt) == 1, $"{fixture.Emulator.Stats.VideosWithPrompt(prompt)} provider videos for one job{Environment.NewLine}{second.RecentOutput}");
        Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
        Assert.Equal(madeId, (string?)done["providerVideoId"]);
        BlobInventory blobs = await BlobInventory.ReadAsync(fixture.Videos);
        BlobItem only = Assert.Single(blobs.Of(id));
        Assert.Equal((string)done["blob"]!["name"]!, only.Name);
        Assert.Empty(await BlobInventory.WithUncommittedBlocksAsync(fixture.Videos, [only]));
    }
}
