using Microsoft.DurableTask;
using SoraFunctions.Activities;
using SoraFunctions.Jobs;

namespace SoraFunctions.Orchestration;

/// <summary>
/// Registers the pipeline with a Durable Task worker (the local host and the orchestration tests). The Functions
/// app registers the same orchestrator and work as <c>[Function]</c> adapters under the same names.
/// </summary>
public static class SoraPipelineRegistry
{
    public static DurableTaskRegistry AddSoraPipeline(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddOrchestrator<VideoOrchestrator>(VideoOrchestrator.Name);
        registry.AddActivity<CreateVideoActivity>(ActivityNames.CreateVideo);
        registry.AddActivity<GetVideoActivity>(ActivityNames.GetVideo);
        registry.AddActivity<StoreVideoActivity>(ActivityNames.StoreVideo);
        registry.AddActivity<DeleteVideoActivity>(ActivityNames.DeleteVideo);
        return registry;
    }

    sealed class CreateVideoActivity(VideoJobActivities work) : TaskActivity<CreateVideoInput, CreateVideoResult>
    {
        public override Task<CreateVideoResult> RunAsync(TaskActivityContext context, CreateVideoInput input) => work.CreateAsync(input, CancellationToken.None);
    }

    sealed class GetVideoActivity(VideoJobActivities work) : TaskActivity<string, GetVideoResult>
    {
        public override Task<GetVideoResult> RunAsync(TaskActivityContext context, string input) => work.GetAsync(input, CancellationToken.None);
    }

    sealed class StoreVideoActivity(VideoJobActivities work) : TaskActivity<StoreVideoInput, StoreVideoResult>
    {
        public override Task<StoreVideoResult> RunAsync(TaskActivityContext context, StoreVideoInput input) => work.StoreAsync(input, CancellationToken.None);
    }

    sealed class DeleteVideoActivity(VideoJobActivities work) : TaskActivity<string, bool>
    {
        public override Task<bool> RunAsync(TaskActivityContext context, string input) => work.DeleteAsync(input, CancellationToken.None);
    }
}
