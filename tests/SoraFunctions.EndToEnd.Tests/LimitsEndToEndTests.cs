using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SoraEmulator;
using SoraFunctions.EndToEnd.Tests.Support;

namespace SoraFunctions.EndToEnd.Tests;

/// <summary>
/// The brakes through the local host as a process: callers from trusted principal headers, a cap of 2 provider
/// jobs counted at its own emulator, each caller's own list, and a caller's daily budget.
/// </summary>
[Collection(EndToEndGroup.Name)]
public sealed class LimitsEndToEndTests(EndToEndFixture fixture)
{
    [Fact]
    public async Task SixJobsByThreeCallers_WithACapOfTwo_AllCompleteNeverMoreThanTwoInFlightEachListsItsOwnAndTheBudgetRefuses()
    {
        await using RunningEmulator emulator = await RunningEmulator.StartAsync(new EmulatorOptions { RenderSeconds = 4 });
        string run = Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> environment = fixture.HostEnvironment($"e2elimits{run}");
        environment["Sora__BaseUrl"] = emulator.ApiBaseUrl.AbsoluteUri.TrimEnd('/');
        environment["Callers__TrustPrincipalHeaders"] = "true";
        environment["Limits__MaxRunningJobs"] = "2";
        environment["Limits__CreatesPerMinute"] = "0";
        environment["Limits__CallerDailyUsd"] = "1.00";
        environment["Limits__TableName"] = $"limits{run}";
        await using LocalHostProcess host = await LocalHostProcess.StartAsync(environment, fixture.Http);

        string[] callers = [$"alice-{run}", $"bob-{run}", $"carol-{run}"];
        List<(string Caller, string Id)> jobs = [];
        string[] owners = [.. callers.SelectMany(c => new[] { c, c })];
        HttpResponseMessage[] answers = await Task.WhenAll(owners.Select((caller, n) => SubmitAsync(host, caller, $"{caller} video {n}, 4 s at $0.10/s")));
        for (int i = 0; i < answers.Length; i++)
        {
            using HttpResponseMessage answer = answers[i];
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
            JsonObject body = (await answer.Content.ReadFromJsonAsync<JsonObject>())!;
            // With a cap the create waits for a slot: the submission never sends it (Pipeline:CreateOnSubmit).
            Assert.Null(body["providerVideoId"]);
            jobs.Add((owners[i], (string)body["id"]!));
        }

        // $0.80 spent today by each; one more $0.40 video would pass the $1.00 budget.
        using HttpResponseMessage refused = await SubmitAsync(host, callers[0], "one video too many");
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");

        foreach ((string caller, string id) in jobs)
        {
            JsonObject job = await WaitAsAsync(host, caller, id);
            Assert.True(VideoApiDriver.Status(job) == "completed", $"{VideoApiDriver.Describe(job)}{Environment.NewLine}{host.RecentOutput}");
        }

        Assert.Equal(6, emulator.Stats.Creates);
        Assert.Equal(2, emulator.Stats.MaxInFlight);

        foreach (string caller in callers)
        {
            using var list = new HttpRequestMessage(HttpMethod.Get, new Uri(host.BaseAddress, "api/videos?limit=100"));
            list.Headers.Add("X-MS-CLIENT-PRINCIPAL-ID", caller);
            using HttpResponseMessage listed = await fixture.Http.SendAsync(list);
            JsonObject page = (await listed.Content.ReadFromJsonAsync<JsonObject>())!;
            string[] ids = [.. page["items"]!.AsArray().Select(i => (string)i!["id"]!)];
            Assert.Equal(jobs.Where(j => j.Caller == caller).Select(j => j.Id).Order(), ids.Order());

            // Another caller's job is not there for them.
            string foreign = jobs.First(j => j.Caller != caller).Id;
            using var peek = new HttpRequestMessage(HttpMethod.Get, new Uri(host.BaseAddress, $"api/videos/{foreign}"));
            peek.Headers.Add("X-MS-CLIENT-PRINCIPAL-ID", caller);
            using HttpResponseMessage peeked = await fixture.Http.SendAsync(peek);
            Assert.Equal(HttpStatusCode.NotFound, peeked.StatusCode);
        }

        using var usageRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(host.BaseAddress, "api/usage"));
        usageRequest.Headers.Add("X-MS-CLIENT-PRINCIPAL-ID", callers[1]);
        using HttpResponseMessage usage = await fixture.Http.SendAsync(usageRequest);
        JsonObject report = (await usage.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(2, (int)report["today"]!["videos"]!);
        Assert.Equal(0.8m, (decimal)report["today"]!["costUsd"]!);
    }

    [Fact]
    public async Task TerminatedJobs_TheHostFreesTheirSlotAndRefundsTheOneThatNeverSentACreate()
    {
        await using RunningEmulator emulator = await RunningEmulator.StartAsync(new EmulatorOptions { RenderSeconds = 2 });
        string run = Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> environment = fixture.HostEnvironment($"e2eended{run}");
        environment["Sora__BaseUrl"] = emulator.ApiBaseUrl.AbsoluteUri.TrimEnd('/');
        environment["Limits__MaxRunningJobs"] = "1";
        environment["Limits__CreatesPerMinute"] = "0";
        environment["Limits__TableName"] = $"limits{run}";
        environment["Limits__ReconcileSeconds"] = "1";
        environment["Limits__RefundGraceSeconds"] = "0";
        await using LocalHostProcess host = await LocalHostProcess.StartAsync(environment, fixture.Http);
        var api = new VideoApiDriver(fixture.Http, host.BaseAddress);

        // The holder takes the only slot with a video that never finishes; two jobs queue behind it.
        JsonObject holder = await api.SubmitAcceptedAsync($"[[stall]] holder {run}");
        await Poll.UntilAsync(_ => Task.FromResult(emulator.Stats.InFlight == 1 ? "created" : null), TimeSpan.FromSeconds(60), "the holder's video to be created");
        JsonObject waiter = await api.SubmitAcceptedAsync($"[[render=1]] waiter {run}");
        JsonObject next = await api.SubmitAcceptedAsync($"[[render=1]] next {run}");
        await api.WaitForJobAsync((string)waiter["id"]!, job => (int?)job["queuePosition"] > 0, "queued for the slot");
        Assert.Equal(3, await VideosChargedTodayAsync(host));

        // As an operator would: the waiter first, so that it cannot take the slot the holder leaves.
        foreach (JsonObject job in new[] { waiter, holder })
        {
            using HttpResponseMessage terminated = await fixture.Http.PostAsync(new Uri(((string)job["terminatePostUri"]!).Replace("{text}", "operator", StringComparison.Ordinal)), null);
            Assert.Equal(HttpStatusCode.Accepted, terminated.StatusCode);
        }

        // Without the host's pass, the holder's slot would stay taken for its lease: over an hour.
        JsonObject done = await api.WaitForFinishAsync((string)next["id"]!, TimeSpan.FromSeconds(90));
        Assert.True(VideoApiDriver.Status(done) == "completed", $"{VideoApiDriver.Describe(done)}{Environment.NewLine}{host.RecentOutput}");
        Assert.Equal("canceled", VideoApiDriver.Status(await api.GetJobAsync((string)waiter["id"]!)));
        await Poll.UntilAsync(async _ => await VideosChargedTodayAsync(host) == 2 ? "refunded" : null, TimeSpan.FromSeconds(60), "the waiter's charge to be refunded");
        Assert.Equal(2, emulator.Stats.Creates);
    }

    async Task<int> VideosChargedTodayAsync(LocalHostProcess host)
    {
        using HttpResponseMessage usage = await fixture.Http.GetAsync(new Uri(host.BaseAddress, "api/usage"));
        JsonObject report = (await usage.Content.ReadFromJsonAsync<JsonObject>())!;
        return (int)report["today"]!["videos"]!;
    }

    Task<HttpResponseMessage> SubmitAsync(LocalHostProcess host, string caller, string prompt)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.BaseAddress, "api/videos"))
        {
            Content = JsonContent.Create(new { prompt, seconds = "4", model = "sora-2" }),
        };
        request.Headers.Add("X-MS-CLIENT-PRINCIPAL-ID", caller);
        return fixture.Http.SendAsync(request);
    }

    Task<JsonObject> WaitAsAsync(LocalHostProcess host, string caller, string id) =>
        Poll.UntilAsync<JsonObject>(
            async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.BaseAddress, $"api/videos/{id}"));
                request.Headers.Add("X-MS-CLIENT-PRINCIPAL-ID", caller);
                using HttpResponseMessage answer = await fixture.Http.SendAsync(request, ct);
                JsonObject job = (await answer.Content.ReadFromJsonAsync<JsonObject>(ct))!;
                return (string?)job["status"] is "completed" or "failed" or "canceled" ? job : null;
            },
            TimeSpan.FromSeconds(120),
            $"job {id} of {caller} to finish");
}
