using System.Text.Json.Nodes;
using SoraFunctions.EndToEnd.Tests.Support;

namespace SoraFunctions.EndToEnd.Tests;

/// <summary>
/// The status sweep through the local host: submissions start the sweeper, which reads the emulator's video list over
/// HTTP and wakes each job whose video ended; the jobs' own safety-net checks are set far beyond the test's deadline.
/// </summary>
[Collection(EndToEndGroup.Name)]
public sealed class StatusSweepEndToEndTests(EndToEndFixture fixture)
{
    [Fact]
    public async Task SweepOn_JobsSubmittedOverHttp_AreWokenByTheSweepWithoutStatusCalls()
    {
        Dictionary<string, string> environment = fixture.HostEnvironment("e2esweep");
        environment["Pipeline__SweepSeconds"] = "1";
        environment["Pipeline__WebhookPollSeconds"] = "600";
        await using LocalHostProcess host = await LocalHostProcess.StartAsync(environment, fixture.Http);
        VideoApiDriver api = new(fixture.Http, host.BaseAddress);
        int listsBefore = fixture.Emulator.Stats.Lists;

        string run = Guid.NewGuid().ToString("N")[..8];
        List<string> ids = [];
        foreach (string prompt in new[] { $"a swept lighthouse {run} [[render=3]]", $"a swept glacier {run} [[render=5]]", $"a swept failure {run} [[render=4]] [[fail=moderation_blocked]]" })
        {
            ids.Add((string)(await api.SubmitAcceptedAsync(prompt))["id"]!);
        }

        List<JsonObject> finished = [];
        foreach (string id in ids)
        {
            finished.Add(await api.WaitForFinishAsync(id, TimeSpan.FromSeconds(90)));
        }

        Assert.Equal(["completed", "completed", "failed"], finished.Select(VideoApiDriver.Status));
        foreach (JsonObject job in finished)
        {
            // The sweep's event carried the ended video: no status call; one would mean a timer did the noticing.
            Assert.Equal(0, fixture.Emulator.Stats.RetrievesOf((string)job["providerVideoId"]!));
        }

        Assert.True(fixture.Emulator.Stats.Lists > listsBefore, "the sweeper never read the provider's list");
    }
}
