using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using SoraFunctions.Catalog;

namespace SoraFunctions.Tests.Integration;

/// <summary>
/// The same orchestrator and activities on the Runway provider (the emulator's Runway face over HTTP): the shared
/// behaviours of <see cref="PipelineTests"/>, and what differs (no lookup: an uncertain create fails rather than
/// paying twice; outputs fetched without the secret).
/// </summary>
[Collection(RunwayPipelineTestGroup.Name)]
public sealed class RunwayPipelineTests(RunwayPipelineFixture fixture)
{
    static string Prompt(string directives) => $"{directives} a paper boat on a pond {Guid.NewGuid():N}";

    static VideoJobResult Result(OrchestrationMetadata instance)
    {
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        return instance.ReadOutputAs<VideoJobResult>()!;
    }

    [Fact]
    public async Task Job_Succeeds_StoresTheOutputUnderTheContractNameWithoutSendingTheSecretThere()
    {
        string prompt = Prompt("[[render=2]]");
        VideoJobResult result = Result(await fixture.RunJobAsync(prompt));

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(1, fixture.Emulator.Stats.RunwayCreatesWithPrompt(prompt));
        Assert.Equal(0, fixture.Emulator.Stats.SecretsSentToOutput);
        BlobClient blob = fixture.Videos.GetBlobClient(result.Blob!.Name);
        BlobProperties properties = (await blob.GetPropertiesAsync()).Value;
        Assert.Equal("video/mp4", properties.ContentType);
        Assert.Equal(("gen4.5", "5", "1280x720"), (properties.Metadata[BlobMetadataKeys.Model], properties.Metadata[BlobMetadataKeys.Seconds], properties.Metadata[BlobMetadataKeys.Size]));
        Assert.Equal(result.ProviderVideoId, properties.Metadata[BlobMetadataKeys.ProviderVideoId]);
        Assert.Equal(properties.ContentLength, result.Bytes);
    }

    [Fact]
    public async Task Job_TaskFails_EndsFailedWithTheFailureCode()
    {
        VideoJobResult result = Result(await fixture.RunJobAsync(Prompt("[[render=2]][[fail=SAFETY.INPUT.TEXT]]")));

        Assert.Equal((JobStatus.Failed, "SAFETY.INPUT.TEXT"), (result.Status, result.Error!.Code));
    }

    [Fact]
    public async Task Job_ThrottledThenStormsAndACutDownload_AreSurvivedWithOneTask()
    {
        string prompt = Prompt("[[render=2]][[throttled=2]][[create429=1]][[retryafter=1]][[get500=2]][[reset=1]]");
        VideoJobResult result = Result(await fixture.RunJobAsync(prompt));

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Single(fixture.Emulator.Stats.RunwayTaskIdsWithPrompt(prompt));
        Assert.Equal(2, fixture.Emulator.Stats.DownloadsOf(result.ProviderVideoId!));
    }

    [Fact]
    public async Task Job_CreateAnswerLost_FailsAsUncertainAndNeverCreatesASecondTask()
    {
        string prompt = Prompt("[[render=2]][[createlost=1]]");
        VideoJobResult result = Result(await fixture.RunJobAsync(prompt));

        Assert.Equal((JobStatus.Failed, JobErrorCodes.CreateUncertain), (result.Status, result.Error!.Code));
        Assert.Equal(1, fixture.Emulator.Stats.RunwayCreatesWithPrompt(prompt));
        Assert.Single(fixture.Emulator.Stats.RunwayTaskIdsWithPrompt(prompt));
    }

    [Fact]
    public async Task Job_NeverFinishes_FailsWithTimeoutAndDeletesTheTask()
    {
        JobPacing pacing = TestPacing.Fast with { Timeout = TimeSpan.FromSeconds(5) };
        VideoJobResult result = Result(await fixture.RunJobAsync(Prompt("[[render=2]][[stall]]"), pacing));

        Assert.Equal(JobErrorCodes.Timeout, result.Error!.Code);
        await AssertTaskGoneAsync(result.ProviderVideoId!);
    }

    [Fact]
    public async Task Job_CanceledWhileRendering_EndsCanceledAndDeletesTheTask()
    {
        string id = await fixture.StartJobAsync(Prompt("[[render=60]]"));
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await fixture.Client.GetInstanceAsync(id, getInputsAndOutputs: true)) is not { } instance
            || Http.JobView.From(instance).Status != JobStatus.InProgress)
        {
            Assert.True(DateTime.UtcNow < deadline, "the job never started rendering");
            await Task.Delay(100);
        }

        await fixture.Client.RaiseEventAsync(id, VideoOrchestrator.CancelEvent, "test");
        VideoJobResult result = Result(await fixture.WaitAsync(id, TimeSpan.FromSeconds(30)));

        Assert.Equal(JobStatus.Canceled, result.Status);
        await AssertTaskGoneAsync(result.ProviderVideoId!);
    }

    async Task AssertTaskGoneAsync(string taskId)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{fixture.Emulator.ApiBaseUrl.GetLeftPart(UriPartial.Authority)}/v1/tasks/{taskId}"));
        request.Headers.Add("X-Runway-Version", "2024-11-06");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", RunwayPipelineFixture.ApiKey);
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }
}
