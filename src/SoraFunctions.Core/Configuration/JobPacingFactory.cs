using Microsoft.Extensions.Options;
using SoraFunctions.Jobs;
using SoraFunctions.Limits;
using SoraFunctions.Providers;

namespace SoraFunctions.Configuration;

/// <summary>
/// The pacing every new job carries: the <c>Pipeline</c> intervals, stretched to a safety net when the provider's
/// webhooks, the status sweep or this process's watch (<see cref="PipelineOptions.WatchInProcess"/>) wake jobs, and
/// whether the <c>Limits</c> make the job wait for admission at all.
/// </summary>
public sealed class JobPacingFactory(IOptions<PipelineOptions> pipeline, IOptions<LimitsOptions> limits, IVideoProvider provider)
{
    /// <summary>Whether the provider's webhooks or the status sweep wake every job when its video ends.</summary>
    public bool WokenByProvider =>
        (provider is IProviderWebhooks hooks && hooks.WebhooksEnabled) || (pipeline.Value.SweepSeconds > 0 && provider is IListVideos);

    /// <param name="watched">Whether this process watches the job's video (<see cref="Orchestration.VideoWatch"/>).</param>
    public JobPacing Create(bool watched = false)
    {
        PipelineOptions pipelineOptions = pipeline.Value;
        LimitsOptions brakes = limits.Value;
        return pipelineOptions.ToPacing(WokenByProvider || watched) with { NeedsAdmission = brakes.MaxRunningJobs > 0 || brakes.CreatesPerMinute > 0 };
    }
}
