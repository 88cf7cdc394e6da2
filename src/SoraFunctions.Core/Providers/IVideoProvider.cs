using SoraFunctions.Activities;
using SoraFunctions.Jobs;

namespace SoraFunctions.Providers;

/// <summary>
/// The one seam between the pipeline and a video service, in the pipeline's own vocabulary. Adapters live in the
/// provider project; a capability a provider may lack is a separate interface the adapter also implements
/// (<see cref="IFindCreatedVideos"/>, <see cref="IProviderWebhooks"/>, <see cref="IListVideos"/>), so callers ask
/// <c>provider is IFindCreatedVideos</c> and never which vendor it is. Expected failures come back as a failed
/// <see cref="ProviderResult{T}"/>; an adapter never retries by itself (the orchestration does).
/// </summary>
public interface IVideoProvider
{
    /// <summary>The <c>Provider</c> setting's value that picks this adapter, e.g. <c>Sora</c>.</summary>
    string Name { get; }

    /// <summary>The models clients may ask for, and the request defaults, in the public API's terms.</summary>
    VideoModelCatalog Models { get; }

    Task<ProviderResult<ProviderVideo>> CreateAsync(VideoSpec spec, CancellationToken cancellationToken);

    Task<ProviderResult<ProviderVideo>> GetAsync(string videoId, CancellationToken cancellationToken);

    /// <summary>Opens the finished video as a stream; the caller disposes it. Bytes are never buffered whole.</summary>
    Task<ProviderResult<ProviderContent>> OpenContentAsync(string videoId, CancellationToken cancellationToken);

    /// <summary>Cancels a running job or deletes a finished one; an unknown video counts as deleted.</summary>
    Task<ProviderResult<bool>> DeleteAsync(string videoId, CancellationToken cancellationToken);
}

/// <summary>
/// A provider that can look up the video an unanswered create may have made, so that a retry never pays twice.
/// Providers without it follow <c>Pipeline__UncertainCreate</c>.
/// </summary>
public interface IFindCreatedVideos
{
    /// <summary>The video matching <paramref name="spec"/> created since <paramref name="since"/>, or a null value.</summary>
    Task<ProviderResult<ProviderVideo?>> FindCreatedAsync(VideoSpec spec, DateTimeOffset since, CancellationToken cancellationToken);
}

/// <summary>
/// A provider whose list endpoint reports many videos' statuses in one request, newest first. The status sweep
/// (<c>Pipeline__SweepSeconds</c>) reads it instead of checking every job's video on its own timer.
/// </summary>
public interface IListVideos
{
    /// <summary>One page of the provider's videos, newest first; <paramref name="after"/> is the previous page's cursor.</summary>
    Task<ProviderResult<ProviderVideoPage>> ListVideosAsync(string? after, CancellationToken cancellationToken);
}

/// <summary>A page of the provider's videos, newest first, and the cursor of the next page (null on the last).</summary>
public sealed record ProviderVideoPage(IReadOnlyList<ProviderVideo> Videos, string? NextAfter);

/// <summary>A provider that makes a new video from a finished one and a new prompt.</summary>
public interface IRemixVideos
{
    Task<ProviderResult<ProviderVideo>> RemixAsync(string sourceVideoId, string prompt, CancellationToken cancellationToken);
}

/// <summary>A provider that animates a still image (image-to-video).</summary>
public interface IImageToVideo
{
    /// <summary>Creates a video from <paramref name="spec"/> starting from <paramref name="image"/>; the caller disposes the image's stream.</summary>
    Task<ProviderResult<ProviderVideo>> CreateFromImageAsync(VideoSpec spec, ProviderImage image, CancellationToken cancellationToken);
}

/// <summary>A still image sent to a provider: its bytes as a stream (never whole in orchestration state) and its type.</summary>
public sealed record ProviderImage(Stream Content, string ContentType, string FileName);

/// <summary>A provider that offers other renditions of a finished video besides the MP4 (a thumbnail, a sprite sheet).</summary>
public interface IVideoRenditions
{
    /// <summary>The renditions it offers, by the names of <see cref="Renditions"/>.</summary>
    IReadOnlyCollection<string> RenditionNames { get; }

    Task<ProviderResult<ProviderContent>> OpenRenditionAsync(string videoId, string rendition, CancellationToken cancellationToken);
}

/// <summary>The renditions a job may ask for, with the blob extension and content type each is stored under.</summary>
public static class Renditions
{
    public const string Thumbnail = "thumbnail";
    public const string Spritesheet = "spritesheet";

    public static IReadOnlyDictionary<string, (string Extension, string ContentType)> Known => Catalog.RenditionFiles.Known;
}

/// <summary>A provider that signs webhook events about its videos.</summary>
public interface IProviderWebhooks
{
    /// <summary>False when the deployment has no signing secret: the webhook route then answers 404.</summary>
    bool WebhooksEnabled { get; }

    /// <summary>Checks the signature and reads the event; a bad signature is <see cref="WebhookCheck.Rejected"/>, never an exception.</summary>
    WebhookCheck Verify(string payload, Microsoft.AspNetCore.Http.IHeaderDictionary headers);
}

/// <summary>What a webhook delivery said, once its signature was checked.</summary>
/// <param name="Rejected">Why the signature or timestamp was refused; null when it was accepted.</param>
/// <param name="EventType">The event type (e.g. <c>video.completed</c>); null when the body is not an event.</param>
/// <param name="VideoId">The provider video the event is about, when it names one.</param>
/// <param name="Finished">True for events that say the video reached an end (completed or failed).</param>
/// <param name="DeliveryId">The delivery's idempotency key, when the scheme has one.</param>
public sealed record WebhookCheck(string? Rejected, string? EventType, string? VideoId, bool Finished, string? DeliveryId);

/// <summary>The models of a provider in public terms (<c>WIDTHxHEIGHT</c> sizes, seconds as strings) and the request defaults.</summary>
public sealed record VideoModelCatalog(string DefaultModel, string DefaultSeconds, string DefaultSize, IReadOnlyList<Configuration.VideoModel> Models);
