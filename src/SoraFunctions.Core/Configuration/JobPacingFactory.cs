using Microsoft.Extensions.Options;
using SoraFunctions.Jobs;
using SoraFunctions.Limits;
using SoraFunctions.Providers;

namespace SoraFunctions.Configuration;

/// <summary>
/// The pacing every new job carries: the <c>Pipeline</c> intervals, stretched to a safety net when the provider's
/// webhooks or the status sweep wake jobs, and whether the <c>Limits</c> make the job wait for admission at all.
/// </summary>
public sealed class JobPacingFactory(IOptions<PipelineOptions> pipeline, IOptions<LimitsOptions> limits, IVideoProvider provider)
{
    public JobPacing Create()
    {
        PipelineOptions pipelineOptions = pipeline.Value;
        bool woken = (provider is IProviderWebhooks hooks && hooks.WebhooksEnabled) || (pipelineOptions.SweepSeconds > 0 && provider is IListVideos);
        LimitsOptions brakes = limits.Value;
        return pipelineOptions.ToPacing(woken) with { NeedsAdmission = brakes.MaxRunningJobs > 0 || brakes.CreatesPerMinute > 0 };
    }
}
