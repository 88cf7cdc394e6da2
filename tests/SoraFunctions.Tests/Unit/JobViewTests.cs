using Microsoft.DurableTask.Converters;
using SoraFunctions.Http;

namespace SoraFunctions.Tests.Unit;

public class JobViewTests
{
    static readonly JsonDataConverter Converter = JsonDataConverter.Default;
    static readonly VideoJobInput Input = new("job-1", new VideoSpec("a fox", "sora-2", "8", "1280x720"), TestPacing.Fast);

    static OrchestrationMetadata Instance(OrchestrationRuntimeStatus status, object? customStatus = null, object? output = null, TaskFailureDetails? failure = null) =>
        new(VideoOrchestrator.Name, "job-1")
        {
            FailureDetails = failure,
            RuntimeStatus = status,
            CreatedAt = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero),
            LastUpdatedAt = new DateTimeOffset(2026, 11, 25, 10, 1, 0, TimeSpan.Zero),
            SerializedInput = Converter.Serialize(Input),
            SerializedCustomStatus = customStatus is null ? null : Converter.Serialize(customStatus),
            SerializedOutput = output is null ? null : Converter.Serialize(output),
            DataConverter = Converter,
        };

    [Fact]
    public void From_Pending_IsQueuedWithTheJobsFields()
    {
        var view = JobView.From(Instance(OrchestrationRuntimeStatus.Pending));
        Assert.Equal(JobStatus.Queued, view.Status);
        Assert.Equal(("sora-2", "8", "1280x720", "a fox"), (view.Model, view.Seconds, view.Size, view.Prompt));
    }

    [Theory]
    [InlineData(JobStatus.Queued)]
    [InlineData(JobStatus.InProgress)]
    [InlineData(JobStatus.Storing)]
    public void From_Running_TakesStatusAndProgressFromCustomStatus(string status)
    {
        var custom = new JobCustomStatus(status, 42, "video_1", 3, new DateTime(2026, 11, 25, 10, 2, 0, DateTimeKind.Utc), DateTime.UtcNow);
        var view = JobView.From(Instance(OrchestrationRuntimeStatus.Running, custom));
        Assert.Equal((status, 42, "video_1", 3), (view.Status, view.Progress, view.ProviderVideoId, view.Checks));
        Assert.Equal(custom.NextCheckAt, view.NextCheckAt);
    }

    [Fact]
    public void From_RunningWithoutCustomStatus_IsQueued()
    {
        Assert.Equal(JobStatus.Queued, JobView.From(Instance(OrchestrationRuntimeStatus.Running)).Status);
    }

    [Fact]
    public void From_CompletedWithVideo_ShowsBlobAndFullProgress()
    {
        var result = new VideoJobResult(JobStatus.Completed) { Blob = new BlobLocation("videos", "2026/11/25/job-1.mp4", "http://x/videos/2026/11/25/job-1.mp4"), Bytes = 123, ProviderVideoId = "video_1" };
        var view = JobView.From(Instance(OrchestrationRuntimeStatus.Completed, output: result));
        Assert.Equal((JobStatus.Completed, 100, 123L), (view.Status, view.Progress, view.Bytes));
        Assert.Equal(result.Blob, view.Blob);
        Assert.Null(view.Error);
    }

    [Fact]
    public void From_CompletedWithProviderFailure_IsFailedWithTheProvidersCode()
    {
        var result = new VideoJobResult(JobStatus.Failed) { Error = new JobError("moderation_blocked", "blocked") };
        var view = JobView.From(Instance(OrchestrationRuntimeStatus.Completed, output: result));
        Assert.Equal(JobStatus.Failed, view.Status);
        Assert.Equal("moderation_blocked", view.Error!.Code);
    }

    [Fact]
    public void From_CompletedCanceled_IsCanceled()
    {
        var view = JobView.From(Instance(OrchestrationRuntimeStatus.Completed, output: new VideoJobResult(JobStatus.Canceled)));
        Assert.Equal(JobStatus.Canceled, view.Status);
    }

    [Fact]
    public void From_Terminated_IsCanceled()
    {
        Assert.Equal(JobStatus.Canceled, JobView.From(Instance(OrchestrationRuntimeStatus.Terminated)).Status);
    }

    [Fact]
    public void From_OrchestrationFailed_IsFailedWithInternalErrorAndNoExceptionText()
    {
        OrchestrationMetadata instance = Instance(OrchestrationRuntimeStatus.Failed, failure: new TaskFailureDetails("InvalidOperationException", "boom at job-42 in /src/x.cs", "   at X.Y()", null, null));
        var view = JobView.From(instance);
        Assert.Equal((JobStatus.Failed, JobErrorCodes.Internal), (view.Status, view.Error!.Code));
        Assert.DoesNotContain("boom", view.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", view.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_CompletedWithoutOutput_IsFailedRatherThanThrowing()
    {
        Assert.Equal(JobStatus.Failed, JobView.From(Instance(OrchestrationRuntimeStatus.Completed)).Status);
    }

    [Fact]
    public void From_AfterContinueAsNew_CreatedAtIsWhenTheJobWasSubmitted()
    {
        var submitted = new DateTimeOffset(2026, 11, 25, 9, 59, 30, TimeSpan.Zero);
        OrchestrationMetadata generation = new(VideoOrchestrator.Name, "job-1")
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Running,
            CreatedAt = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero),
            LastUpdatedAt = new DateTimeOffset(2026, 11, 25, 10, 1, 0, TimeSpan.Zero),
            SerializedInput = Converter.Serialize(Input with { SubmittedAt = submitted }),
            DataConverter = Converter,
        };

        Assert.Equal(submitted, JobView.From(generation).CreatedAt);
    }
}
