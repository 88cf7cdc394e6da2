using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using SoraFunctions.EndToEnd.Tests.Support;

namespace SoraFunctions.EndToEnd.Tests;

/// <summary>A local host killed mid-job and started again on the same storage finishes the job.</summary>
[Collection(EndToEndGroup.Name)]
public sealed class RestartEndToEndTests(EndToEndFixture fixture)
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
}
