using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using SoraFunctions.Activities;
using SoraFunctions.Configuration;
using SoraFunctions.Jobs;
using SoraFunctions.Storage;

namespace SoraFunctions.Provider.Tests.Runway;

/// <summary>
/// Runway cannot look up a task an unanswered create may have made, so the create activity follows
/// <c>Pipeline:UncertainCreate</c> when the orchestrator passes <see cref="CreateVideoInput.LookupSince"/>.
/// </summary>
public sealed class RunwayUncertainCreateTests
{
    static readonly VideoSpec Spec = new("A lighthouse at dawn", "gen4.5", "5", "1280x720");

    static VideoJobActivities Activities(StubHandler api, UncertainCreatePolicy policy)
    {
        var tables = new Mock<TableServiceClient>();
        tables.Setup(t => t.GetTableClient(It.IsAny<string>())).Returns(new Mock<TableClient>().Object);
        return new VideoJobActivities(
            RunwayStub.Provider(api),
            new VideoBlobStore(new Mock<BlobServiceClient>().Object, Options.Create(new VideoStorageOptions()), NullLogger<VideoBlobStore>.Instance),
            new InputImageStore(new Mock<BlobServiceClient>().Object),
            new ProviderVideoIndex(tables.Object),
            new Mock<ICreateAttempts>().Object,
            new Mock<IVideoStoredNotifier>().Object,
            new Mock<SoraFunctions.Limits.ICreatePacer>().Object,
            Options.Create(new PipelineOptions { UncertainCreate = policy }),
            TimeProvider.System,
            NullLogger<VideoJobActivities>.Instance);
    }

    [Fact]
    public async Task CreateAsync_500OnFirstAttempt_AsksForRetryMarkedUncertain()
    {
        var api = StubHandler.Answer(_ => Stub.Json(HttpStatusCode.InternalServerError, """{"error":"Internal error"}"""));

        CreateVideoResult result = await Activities(api, UncertainCreatePolicy.Fail).CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal(StepOutcome.Retry, result.Outcome);
        Assert.True(result.MayHaveReachedProvider);
    }

    [Fact]
    public async Task CreateAsync_UncertainWithFailPolicy_FailsWithCreateUncertainAndSendsNothing()
    {
        var api = StubHandler.Answer(_ => RunwayStub.Created());

        CreateVideoResult result = await Activities(api, UncertainCreatePolicy.Fail)
            .CreateAsync(new CreateVideoInput("job-1", Spec, new DateTime(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc)), default);

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Equal(JobErrorCodes.CreateUncertain, result.Error!.Code);
        Assert.Contains("Runway", result.Error.Message, StringComparison.Ordinal);
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task CreateAsync_UncertainWithRetryPolicy_CreatesAgain()
    {
        var api = StubHandler.Answer(_ => RunwayStub.Created("task_again"));

        CreateVideoResult result = await Activities(api, UncertainCreatePolicy.Retry)
            .CreateAsync(new CreateVideoInput("job-1", Spec, new DateTime(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc)), default);

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.Equal("task_again", result.Video!.Id);
        Assert.False(result.Adopted);
        RecordedRequest request = Assert.Single(api.Requests);
        Assert.Equal("/v1/text_to_video", request.Uri.AbsolutePath);
    }
}
