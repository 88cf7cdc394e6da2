using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using SoraFunctions.Activities;
using SoraFunctions.Configuration;
using SoraFunctions.Jobs;
using SoraFunctions.Providers;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace SoraFunctions.Provider.Sora;

/// <summary>
/// The Sora 2 Videos API behind the pipeline's seam: OpenAI, Azure OpenAI v1, compatible gateways and the emulator.
/// It can look up a video an unanswered create made and report many videos in one request (the list endpoint), and
/// verify the provider's signed webhooks.
/// </summary>
public sealed class SoraVideoProvider : IVideoProvider, IFindCreatedVideos, IListVideos, IProviderWebhooks, IRemixVideos, IImageToVideo, IVideoRenditions
{
    /// <summary>How far back from the lookup's start it reaches, for clock skew between us and the provider.</summary>
    static readonly TimeSpan LookupSkew = TimeSpan.FromMinutes(2);

    /// <summary>The most videos the lookup reads from the provider's list.</summary>
    const int LookupLimit = 300;

    static readonly string[] StandardSizes = ["720x1280", "1280x720", "1024x1792", "1792x1024"];
    static readonly string[] ProSizes = [.. StandardSizes, "1920x1080", "1080x1920"];
    static readonly string[] Durations = ["4", "8", "12", "16", "20"];

    /// <summary>The Sora 2 models of the Videos API with the sizes and durations the provider documents.</summary>
    public static IReadOnlyList<VideoModel> DefaultModels { get; } =
    [
        Model("sora-2", StandardSizes),
        Model("sora-2-2025-10-06", StandardSizes),
        Model("sora-2-2025-12-08", StandardSizes),
        Model("sora-2-pro", ProSizes),
        Model("sora-2-pro-2025-10-06", ProSizes),
    ];

    readonly ISoraClient sora;
    readonly StandardWebhook? verifier;
    readonly long maxVideoBytes;

    public SoraVideoProvider(ISoraClient sora, IOptions<SoraOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.sora = sora;
        SoraOptions value = options.Value;
        Models = new VideoModelCatalog(value.DefaultModel, value.DefaultSeconds, value.DefaultSize, DefaultModels);
        verifier = string.IsNullOrEmpty(value.WebhookSecret) ? null : new StandardWebhook(value.WebhookSecret);
        maxVideoBytes = value.MaxVideoBytes;
    }

    public string Name => "Sora";

    public VideoModelCatalog Models { get; }

    public bool WebhooksEnabled => verifier is not null;

    public IReadOnlyCollection<string> RenditionNames { get; } = [Renditions.Thumbnail, Renditions.Spritesheet];

    public async Task<ProviderResult<ProviderVideo>> RemixAsync(string sourceVideoId, string prompt, CancellationToken cancellationToken) =>
        Map(await sora.RemixVideoAsync(sourceVideoId, prompt, cancellationToken));

    public async Task<ProviderResult<ProviderVideo>> CreateFromImageAsync(VideoSpec spec, ProviderImage image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(image);
        var request = new SoraCreateRequest(spec.Prompt, spec.Model, spec.Seconds, spec.Size)
        {
            InputReference = new SoraInputReference(Path.GetFileName(image.FileName), image.ContentType, image.Content),
        };
        return Map(await sora.CreateVideoAsync(request, cancellationToken));
    }

    public async Task<ProviderResult<ProviderContent>> OpenRenditionAsync(string videoId, string rendition, CancellationToken cancellationToken)
    {
        SoraVariant variant = rendition switch
        {
            Renditions.Thumbnail => SoraVariant.Thumbnail,
            Renditions.Spritesheet => SoraVariant.Spritesheet,
            _ => throw new ArgumentOutOfRangeException(nameof(rendition), rendition, "Not a rendition Sora offers."),
        };
        return Open(await sora.DownloadContentAsync(videoId, variant, cancellationToken));
    }

    public async Task<ProviderResult<ProviderVideo>> CreateAsync(VideoSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        SoraResult<SoraVideo> result = await sora.CreateVideoAsync(new SoraCreateRequest(spec.Prompt, spec.Model, spec.Seconds, spec.Size), cancellationToken);
        return Map(result);
    }

    public async Task<ProviderResult<ProviderVideo>> GetAsync(string videoId, CancellationToken cancellationToken) =>
        Map(await sora.GetVideoAsync(videoId, cancellationToken));

    public async Task<ProviderResult<ProviderContent>> OpenContentAsync(string videoId, CancellationToken cancellationToken)
    {
        SoraResult<SoraContent> result = await sora.DownloadContentAsync(videoId, SoraVariant.Video, cancellationToken);
        return result.IsSuccess
            ? await ProviderDownloads.CapAsync(new ProviderContent(result.Value.Stream, result.Value.ContentLength, result.Value), maxVideoBytes, Name)
            : ProviderResult<ProviderContent>.Failure(ToProviderError(result.Error));
    }

    static ProviderResult<ProviderContent> Open(SoraResult<SoraContent> result) =>
        result.IsSuccess
            ? ProviderResult<ProviderContent>.Success(new ProviderContent(result.Value.Stream, result.Value.ContentLength, result.Value))
            : ProviderResult<ProviderContent>.Failure(ToProviderError(result.Error));

    public async Task<ProviderResult<bool>> DeleteAsync(string videoId, CancellationToken cancellationToken)
    {
        SoraResult<SoraDeleted> result = await sora.DeleteVideoAsync(videoId, cancellationToken);
        return result.IsSuccess || result.Error.StatusCode == 404
            ? ProviderResult<bool>.Success(true)
            : ProviderResult<bool>.Failure(ToProviderError(result.Error));
    }

    public async Task<ProviderResult<ProviderVideo?>> FindCreatedAsync(VideoSpec spec, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        DateTimeOffset cutoff = since - LookupSkew;
        int seen = 0;
        try
        {
            await foreach (SoraVideo video in sora.ListAllVideosAsync(SoraListOrder.Desc, 100, cancellationToken))
            {
                if (video.CreatedAt is { } created && created < cutoff)
                {
                    break;
                }

                if (video.Prompt == spec.Prompt
                    && string.Equals(video.Model, spec.Model, StringComparison.OrdinalIgnoreCase)
                    && (video.Size is null || video.Size == spec.Size)
                    && (video.Seconds is null || video.Seconds == spec.Seconds)
                    && video.Status is not (SoraVideoStatus.Failed or SoraVideoStatus.Cancelled or SoraVideoStatus.Expired))
                {
                    return ProviderResult<ProviderVideo?>.Success(ToProviderVideo(video));
                }

                if (++seen >= LookupLimit)
                {
                    break;
                }
            }

            return ProviderResult<ProviderVideo?>.Success(null);
        }
        catch (SoraException ex)
        {
            return ProviderResult<ProviderVideo?>.Failure(ToProviderError(ex.Error));
        }
    }

    public async Task<ProviderResult<ProviderVideoPage>> ListVideosAsync(string? after, CancellationToken cancellationToken)
    {
        SoraResult<SoraVideoPage> result = await sora.ListVideosAsync(new SoraListQuery(100, SoraListOrder.Desc, after), cancellationToken);
        if (!result.IsSuccess)
        {
            return ProviderResult<ProviderVideoPage>.Failure(ToProviderError(result.Error));
        }

        SoraVideoPage page = result.Value;
        string? next = page.HasMore ? page.LastId ?? (page.Data.Count > 0 ? page.Data[^1].Id : null) : null;
        return ProviderResult<ProviderVideoPage>.Success(new ProviderVideoPage([.. page.Data.Select(ToProviderVideo)], next));
    }

    public WebhookCheck Verify(string payload, IHeaderDictionary headers)
    {
        if (verifier is null)
        {
            return new WebhookCheck("Webhooks are not configured.", null, null, false, null);
        }

        try
        {
            verifier.Verify(payload, headers);
        }
#pragma warning disable CA1031 // Whatever the library throws for a malformed header (an empty signature throws ArgumentNullException) is a bad signature, not a server error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new WebhookCheck(ex is WebhookVerificationException ? ex.Message : "The webhook signature headers are malformed.", null, null, false, null);
        }

        (string? type, string? videoId) = SoraWebhookEvent.Read(payload);
        return new WebhookCheck(null, type, videoId, type is "video.completed" or "video.failed", headers["webhook-id"].ToString());
    }

    internal static ProviderVideo ToProviderVideo(SoraVideo video) => new(
        video.Id,
        video.Status switch
        {
            SoraVideoStatus.Queued => ProviderStatus.Queued,
            SoraVideoStatus.InProgress => ProviderStatus.InProgress,
            SoraVideoStatus.Completed => ProviderStatus.Completed,
            SoraVideoStatus.Failed => ProviderStatus.Failed,
            SoraVideoStatus.Cancelled => ProviderStatus.Cancelled,
            SoraVideoStatus.Expired => ProviderStatus.Expired,
            _ => ProviderStatus.Unknown,
        },
        video.Progress,
        video.CreatedAt?.UtcDateTime,
        video.CompletedAt?.UtcDateTime,
        video.ExpiresAt?.UtcDateTime,
        video.Error is { } e ? new JobError(e.Code ?? JobErrorCodes.ProviderRejected, e.Message ?? "The provider reported a failure without a message.") : null);

    internal static ProviderError ToProviderError(SoraError error) => new()
    {
        Transient = error.Kind == SoraErrorKind.Transient,
        StatusCode = error.StatusCode,
        Code = error.Code,
        Message = error.Message,
        RetryAfter = error.RetryAfter,
        MayHaveReachedProvider = error.MayHaveReachedProvider,
    };

    static ProviderResult<ProviderVideo> Map(SoraResult<SoraVideo> result) =>
        result.IsSuccess
            ? ProviderResult<ProviderVideo>.Success(ToProviderVideo(result.Value), result.PollAfter)
            : ProviderResult<ProviderVideo>.Failure(ToProviderError(result.Error));

    static VideoModel Model(string name, string[] sizes) => new() { Name = name, Sizes = [.. sizes], Seconds = [.. Durations] };
}
