using System.ComponentModel.DataAnnotations;

namespace SoraFunctions.Configuration;

/// <summary>Limits and the model list for the HTTP API (configuration section <c>Videos</c>).</summary>
public sealed class VideoApiOptions
{
    public const string SectionName = "Videos";

    /// <summary>Longest accepted prompt, in characters.</summary>
    [Range(1, 100_000)]
    public int MaxPromptLength { get; set; } = 10_000;

    /// <summary>Largest accepted request body, in bytes.</summary>
    [Range(1_024, 10 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 64 * 1024;

    /// <summary>Largest accepted image for image-to-video (a multipart upload), in bytes.</summary>
    [Range(1_024, 100 * 1024 * 1024)]
    public int MaxImageBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>
    /// Whether the Functions app's <c>202</c> carries the Durable extension's management URLs. Off by default: those
    /// URLs hold the extension's system key, which would let any caller manage every job. The local host's carry none.
    /// </summary>
    public bool DurableManagementUrls { get; set; }

    /// <summary>
    /// The models clients may ask for, with the sizes and durations each supports. Empty means the provider's own
    /// list (for Sora, the Sora 2 models of the Videos API). Set it to allow a gateway's other models,
    /// e.g. <c>Videos__Models__0__Name=kling-2</c>, <c>Videos__Models__0__Sizes__0=1280x720</c>,
    /// <c>Videos__Models__0__Seconds__0=5</c>.
    /// </summary>
    public List<VideoModel> Models { get; set; } = [];

    /// <summary>The provider's catalog with the configured models in place of its own, when any are configured.</summary>
    public Providers.VideoModelCatalog Effective(Providers.VideoModelCatalog provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return Models.Count > 0 ? provider with { Models = Models } : provider;
    }
}

/// <summary>A model clients may ask for, with its sizes (<c>WxH</c>) and durations (seconds, as strings).</summary>
public sealed class VideoModel
{
    public string Name { get; set; } = "";

    public List<string> Sizes { get; set; } = [];

    public List<string> Seconds { get; set; } = [];
}
