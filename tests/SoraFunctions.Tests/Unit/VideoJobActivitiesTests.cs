using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SoraFunctions.Configuration;
using SoraFunctions.Limits;
using SoraFunctions.Storage;

namespace SoraFunctions.Tests.Unit;

public class VideoJobActivitiesTests
{
    static readonly VideoSpec Spec = new("a fox", "sora-2", "4", "720x1280");
    readonly Mock<IVideoProvider> provider = new();
    readonly Mock<ICreatePacer> pacer = new();
    readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    VideoJobActivities Activities(UncertainCreatePolicy policy = UncertainCreatePolicy.Fail)
    {
        var tables = new Mock<TableServiceClient>();
        tables.Setup(t => t.GetTableClient(It.IsAny<string>())).Returns(new Mock<TableClient>().Object);
        provider.SetupGet(p => p.Name).Returns("Acme");
        return new VideoJobActivities(
            provider.Object,
            new VideoBlobStore(new Mock<BlobServiceClient>().Object, Options.Create(new VideoStorageOptions()), NullLogger<VideoBlobStore>.Instance),
            new InputImageStore(new Mock<BlobServiceClient>().Object),
            new ProviderVideoIndex(tables.Object),
            new Mock<IVideoStoredNotifier>().Object,
            pacer.Object,
            Options.Create(new PipelineOptions { UncertainCreate = policy }),
            time,
            NullLogger<VideoJobActivities>.Instance);
    }

    [Fact]
    public async Task Create_ProviderAnswers429_HoldsEveryonesCreatesForItsRetryAfter()
    {
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Failure(
            new ProviderError { Transient = true, StatusCode = 429, Message = "slow down", RetryAfter = TimeSpan.FromSeconds(40) }));

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        Assert.Equal((StepOutcome.Retry, true), (result.Outcome, result.RateLimited));
        pacer.Verify(p => p.BackOffAsync(time.GetUtcNow().AddSeconds(40), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Create_ProviderAnswers503_DoesNotHoldEveryone()
    {
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>())).ReturnsAsync(ProviderResult<ProviderVideo>.Failure(
            new ProviderError { Transient = true, StatusCode = 503, Message = "busy" }));

        await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, null), default);

        pacer.Verify(p => p.BackOffAsync(It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_UncertainWithoutFindCapability_FailPolicy_FailsWithoutCreatingAgain()
    {
        CreateVideoResult result = await Activities(UncertainCreatePolicy.Fail).CreateAsync(new CreateVideoInput("job-1", Spec, time.GetUtcNow().UtcDateTime), default);

        Assert.Equal((StepOutcome.Failed, JobErrorCodes.CreateUncertain), (result.Outcome, result.Error!.Code));
        Assert.Contains("Acme", result.Error.Message, StringComparison.Ordinal);
        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_UncertainWithoutFindCapability_RetryPolicy_CreatesAgain()
    {
        provider.Setup(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProviderResult<ProviderVideo>.Success(new ProviderVideo("v1", ProviderStatus.Queued, 0, null, null, null, null)));

        CreateVideoResult result = await Activities(UncertainCreatePolicy.Retry).CreateAsync(new CreateVideoInput("job-1", Spec, time.GetUtcNow().UtcDateTime), default);

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        provider.Verify(p => p.CreateAsync(Spec, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Create_UncertainWithFindCapability_AdoptsTheVideoFoundInsteadOfCreating()
    {
        Mock<IFindCreatedVideos> finder = provider.As<IFindCreatedVideos>();
        finder.Setup(f => f.FindCreatedAsync(Spec, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProviderResult<ProviderVideo?>.Success(new ProviderVideo("found", ProviderStatus.InProgress, 10, null, null, null, null)));

        CreateVideoResult result = await Activities().CreateAsync(new CreateVideoInput("job-1", Spec, time.GetUtcNow().UtcDateTime), default);

        Assert.Equal(("found", true), (result.Video!.Id, result.Adopted));
        provider.Verify(p => p.CreateAsync(It.IsAny<VideoSpec>(), It.IsAny<CancellationToken>()), Times.Never);
    }
}
