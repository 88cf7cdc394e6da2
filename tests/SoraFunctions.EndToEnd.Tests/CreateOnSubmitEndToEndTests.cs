using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SoraFunctions.EndToEnd.Tests.Support;

namespace SoraFunctions.EndToEnd.Tests;

/// <summary>
/// <c>Pipeline:CreateOnSubmit</c> in a local host without limits: a submission sends the provider's create itself and
/// answers with the video; a client's own id, or a cap (<see cref="LimitsEndToEndTests"/>), leaves the create to the
/// orchestration.
/// </summary>
[Collection(EndToEndGroup.Name)]
public sealed class CreateOnSubmitEndToEndTests(EndToEndFixture fixture)
{
    [Fact]
    public async Task Submissions_WithoutLimits_TheServicesIdsHaveTheirVideoAtOnceAndEveryJobEndsWithOneVideo()
    {
        string run = Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> environment = fixture.HostEnvironment($"e2esubmit{run}");
        environment["Limits__MaxRunningJobs"] = "0";
        environment["Limits__CreatesPerMinute"] = "0";
        environment["Limits__TableName"] = $"submit{run}";
        await using LocalHostProcess host = await LocalHostProcess.StartAsync(environment, fixture.Http);
        var api = new VideoApiDriver(fixture.Http, host.BaseAddress);

        string madePrompt = $"a heron lifting off, create on submit {run} [[render=3]]";
        JsonObject made = await api.SubmitAcceptedAsync(madePrompt);
        string? madeVideo = (string?)made["providerVideoId"];
        Assert.False(string.IsNullOrEmpty(madeVideo), VideoApiDriver.Describe(made));
        Assert.Equal(HttpStatusCode.OK, await ProviderStatusOfAsync(madeVideo));

        // Two submissions with the same client id may race, so only the orchestration creates for one.
        string ownId = $"e2e-own-{run}";
        string ownPrompt = $"a heron landing, own id {run} [[render=2]]";
        using HttpResponseMessage own = await api.SubmitAsync(new { prompt = ownPrompt, id = ownId });
        JsonObject ownAccepted = (await own.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        Assert.Null(ownAccepted["providerVideoId"]);

        // Canceled at once: the video the submission made is deleted at the provider, whether the cancel reaches the
        // job before its first step or after.
        JsonObject canceled = await api.SubmitAcceptedAsync($"a heron asleep, canceled {run} [[stall]]");
        string canceledVideo = (string)canceled["providerVideoId"]!;
        using HttpResponseMessage delete = await fixture.Http.DeleteAsync(new Uri(host.BaseAddress, $"api/videos/{(string)canceled["id"]!}"));
        Assert.True(delete.IsSuccessStatusCode, $"DELETE answered {(int)delete.StatusCode}");

        JsonObject madeDone = await api.WaitForFinishAsync((string)made["id"]!);
        JsonObject ownDone = await api.WaitForFinishAsync(ownId);
        JsonObject canceledDone = await api.WaitForFinishAsync((string)canceled["id"]!);
        Assert.True(VideoApiDriver.Status(madeDone) == "completed", $"{VideoApiDriver.Describe(madeDone)}{Environment.NewLine}{host.RecentOutput}");
        Assert.Equal(madeVideo, (string?)madeDone["providerVideoId"]);
        Assert.True(VideoApiDriver.Status(ownDone) == "completed", $"{VideoApiDriver.Describe(ownDone)}{Environment.NewLine}{host.RecentOutput}");
        Assert.True(VideoApiDriver.Status(canceledDone) == "canceled", VideoApiDriver.Describe(canceledDone));
        Assert.Equal(HttpStatusCode.NotFound, await ProviderStatusOfAsync(canceledVideo));
        Assert.Equal((1, 1), (fixture.Emulator.Stats.VideosWithPrompt(madePrompt), fixture.Emulator.Stats.VideosWithPrompt(ownPrompt)));
    }

    async Task<HttpStatusCode> ProviderStatusOfAsync(string? videoId)
    {
        using HttpResponseMessage response = await fixture.Http.GetAsync(new Uri($"{fixture.Emulator.ApiBaseUrl.AbsoluteUri.TrimEnd('/')}/videos/{videoId}"));
        return response.StatusCode;
    }
}
