using Azure;
using Microsoft.Extensions.DependencyInjection;
using SoraFunctions.Http;
using SoraFunctions.Storage;

namespace SoraFunctions.Tests.Integration;

/// <summary>
/// A submission that created its video (Pipeline:CreateOnSubmit) and then cannot start its job: the start is tried
/// again, and a job that never started, or whose index row failed, has its provider video deleted (the engine, Azurite
/// and the emulator; only the client's start or the index is made to fail).
/// </summary>
[Collection(PipelineTestGroup.Name)]
public class CreatedJobStartTests(PipelineFixture fixture)
{
    /// <summary>The fixture's client, except that the first <paramref name="failures"/> starts fail as storage would.</summary>
    Mock<DurableTaskClient> ClientFailingStarts(int failures)
    {
        int starts = 0;
        var client = new Mock<DurableTaskClient>("failing-starts") { CallBase = true };
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .Returns((TaskName name, object? input, StartOrchestrationOptions? options, CancellationToken ct) =>
                Interlocked.Increment(ref starts) <= failures
                    ? Task.FromException<string>(new RequestFailedException(503, "The server is busy."))
                    : fixture.Client.ScheduleNewOrchestrationInstanceAsync(name, input, options, ct));
        client.Setup(c => c.GetInstancesAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns((string id, bool inputs, CancellationToken ct) => fixture.Client.GetInstancesAsync(id, inputs, ct));
        return client;
    }

    [Fact]
    public async Task StartFailingTwice_IsTriedAgainAndTheJobRunsWithItsOneVideo()
    {
        string prompt = $"[[render=1]] a fox started on the third try {Guid.NewGuid():N}";
        Mock<DurableTaskClient> client = ClientFailingStarts(2);

        (int status, System.Text.Json.JsonElement body) = await HttpResults.SubmitAsync(fixture.Services.GetRequiredService<VideoApi>(), client.Object, $$"""{"prompt":"{{prompt}}"}""");
        string id = body.GetProperty("id").GetString()!;
        OrchestrationMetadata finished = await fixture.WaitAsync(id, TimeSpan.FromSeconds(30));

        Assert.Equal(202, status);
        Assert.Equal(body.GetProperty("providerVideoId").GetString(), finished.ReadOutputAs<VideoJobResult>()!.ProviderVideoId);
        Assert.Equal(JobStatus.Completed, finished.ReadOutputAs<VideoJobResult>()!.Status);
        Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
    }

    [Fact]
    public async Task StartFailingEveryTime_FailsTheRequestAndDeletesTheProviderVideo()
    {
        string prompt = $"[[render=60]] a fox never started {Guid.NewGuid():N}";
        Mock<DurableTaskClient> client = ClientFailingStarts(int.MaxValue);

        await Assert.ThrowsAsync<RequestFailedException>(() => HttpResults.SubmitAsync(fixture.Services.GetRequiredService<VideoApi>(), client.Object, $$"""{"prompt":"{{prompt}}"}"""));

        string videoId = Assert.Single(fixture.Emulator.Stats.VideoIdsWithPrompt(prompt));
        Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt(prompt));
        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Exactly(3));
        await AssertGoneAsync(videoId);
    }

    [Fact]
    public async Task IndexRowFailingWhileTheCreateIsSent_FailsTheRequestAndDeletesTheProviderVideo()
    {
        string prompt = $"[[render=60]] a fox never recorded {Guid.NewGuid():N}";
        var index = new Mock<IJobIndex>();
        index.Setup(i => i.RecordAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(503, "The server is busy."));
        VideoApi api = ActivatorUtilities.CreateInstance<VideoApi>(fixture.Services, index.Object);

        await Assert.ThrowsAsync<RequestFailedException>(() => HttpResults.SubmitAsync(api, fixture.Client, $$"""{"prompt":"{{prompt}}"}"""));

        string videoId = Assert.Single(fixture.Emulator.Stats.VideoIdsWithPrompt(prompt));
        await AssertGoneAsync(videoId);
    }

    async Task AssertGoneAsync(string videoId)
    {
        using var http = new HttpClient();
        using HttpResponseMessage gone = await http.GetAsync(new Uri($"{fixture.Emulator.ApiBaseUrl.AbsoluteUri.TrimEnd('/')}/videos/{videoId}"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }
}
