using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using SoraFunctions.Activities;
using SoraFunctions.Jobs;

namespace SoraFunctions.Orchestration;

/// <summary>Whether a <see cref="PipelineTask"/> is an orchestrator or an activity.</summary>
public enum PipelineTaskKind
{
    Orchestrator,
    Activity,
}

/// <summary>One orchestrator or activity of the pipeline, under the name both hosts register it by.</summary>
public sealed record PipelineTask(string Name, PipelineTaskKind Kind, Type Implementation);

/// <summary>
/// The one table of the pipeline's orchestrators and activities. The local host (and the orchestration tests)
/// register it with <see cref="AddVideoPipeline"/>; the Functions app has a <c>[Function]</c> adapter per row, and a
/// test fails when the two differ.
/// </summary>
public static class PipelineTasks
{
    public static IReadOnlyList<PipelineTask> All { get; } =
    [
        new(VideoOrchestrator.Name, PipelineTaskKind.Orchestrator, typeof(VideoOrchestrator)),
        new(BatchOrchestrator.Name, PipelineTaskKind.Orchestrator, typeof(BatchOrchestrator)),
        new(ActivityNames.CreateVideo, PipelineTaskKind.Activity, typeof(CreateVideoActivity)),
        new(ActivityNames.GetVideo, PipelineTaskKind.Activity, typeof(GetVideoActivity)),
        new(ActivityNames.StoreVideo, PipelineTaskKind.Activity, typeof(StoreVideoActivity)),
        new(ActivityNames.DeleteVideo, PipelineTaskKind.Activity, typeof(DeleteVideoActivity)),
        new(ActivityNames.AdmitJob, PipelineTaskKind.Activity, typeof(AdmitJobActivity)),
        new(ActivityNames.ReleaseJob, PipelineTaskKind.Activity, typeof(ReleaseJobActivity)),
        new(ActivityNames.RefundJob, PipelineTaskKind.Activity, typeof(RefundJobActivity)),
        new(StatusSweepOrchestrator.Name, PipelineTaskKind.Orchestrator, typeof(StatusSweepOrchestrator)),
        new(ActivityNames.SweepProvider, PipelineTaskKind.Activity, typeof(SweepProviderActivity)),
    ];

    public static DurableTaskRegistry AddVideoPipeline(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        foreach (PipelineTask task in All)
        {
            if (task.Kind == PipelineTaskKind.Orchestrator)
            {
                registry.AddOrchestrator(task.Name, task.Implementation);
            }
            else
            {
                registry.AddActivity(task.Name, task.Implementation);
            }
        }

        return registry;
    }

    sealed class CreateVideoActivity(VideoJobActivities work) : TaskActivity<CreateVideoInput, CreateVideoResult>
    {
        public override Task<CreateVideoResult> RunAsync(TaskActivityContext context, CreateVideoInput input) => work.CreateAsync(input, CancellationToken.None);
    }

    sealed class GetVideoActivity(VideoJobActivities work) : TaskActivity<GetVideoInput, GetVideoResult>
    {
        public override Task<GetVideoResult> RunAsync(TaskActivityContext context, GetVideoInput input) => work.GetAsync(input, context.InstanceId, CancellationToken.None);
    }

    sealed class StoreVideoActivity(VideoJobActivities work) : TaskActivity<StoreVideoInput, StoreVideoResult>
    {
        public override Task<StoreVideoResult> RunAsync(TaskActivityContext context, StoreVideoInput input) => work.StoreAsync(input, CancellationToken.None);
    }

    sealed class DeleteVideoActivity(VideoJobActivities work) : TaskActivity<string, bool>
    {
        public override Task<bool> RunAsync(TaskActivityContext context, string input) => work.DeleteAsync(input, context.InstanceId, CancellationToken.None);
    }

    sealed class AdmitJobActivity(JobLimitActivities work) : TaskActivity<AdmitJobInput, Admission>
    {
        public override Task<Admission> RunAsync(TaskActivityContext context, AdmitJobInput input) => work.AdmitAsync(input, CancellationToken.None);
    }

    sealed class ReleaseJobActivity(JobLimitActivities work) : TaskActivity<string, IReadOnlyList<string>>
    {
        public override Task<IReadOnlyList<string>> RunAsync(TaskActivityContext context, string input) => work.ReleaseAsync(input, CancellationToken.None);
    }

    sealed class RefundJobActivity(JobLimitActivities work) : TaskActivity<RefundJobInput, decimal>
    {
        public override Task<decimal> RunAsync(TaskActivityContext context, RefundJobInput input) => work.RefundAsync(input, CancellationToken.None);
    }

    /// <summary>Sweeps for a while, raising events through the host's client; stops early when the host stops.</summary>
    sealed class SweepProviderActivity(StatusSweep sweep, DurableTaskClient client, NoticedVideos notices, IHostApplicationLifetime lifetime) : TaskActivity<StatusSweepRun, StatusSweepRunResult>
    {
        public override Task<StatusSweepRunResult> RunAsync(TaskActivityContext context, StatusSweepRun input) =>
            sweep.RunAsync(input, new DurableJobWaker(client, notices), lifetime.ApplicationStopping);
    }
}
