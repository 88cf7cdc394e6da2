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

    /// <summary>
    /// The models clients may ask for, with the sizes and durations each supports. Empty means the Sora 2
    /// models of the Videos API (<see cref="VideoModel.SoraDefaults"/>). Set it to allow a gateway's other models,
    /// e.g. <c>Videos__Models__0__Name=kling-2</c>, <c>Videos__Models__0__Sizes__0=1280x720</c>,
    /// <c>Videos__Models__0__Seconds__0=5</c>.
    /// </summary>
    public List<VideoModel> Models { get; set; } = [];

    /// <summary>The configured models, or the Sora defaults when none are configured.</summary>
    public IReadOnlyList<VideoModel> EffectiveModels => Models.Count > 0 ? Models : VideoModel.SoraDefaults;
}

/// <summary>A model clients may ask for, with its sizes (<c>WxH</c>) and durations (seconds, as strings).</summary>
public sealed class VideoModel
{
    public string Name { get; set; } = "";

    public List<string> Sizes { get; set; } = [];

    public List<string> Seconds { get; set; } = [];

    static readonly string[] StandardSizes = ["720x1280", "1280x720", "1024x1792", "1792x1024"];
    static readonly string[] ProSizes = [.. StandardSizes, "1920x1080", "1080x1920"];
    static readonly string[] Durations = ["4", "8", "12", "16", "20"];

    /// <summary>The Sora 2 models of the Videos API with the sizes and durations the provider documents.</summary>
    public static IReadOnlyList<VideoModel> SoraDefaults { get; } =
    [
        Create("sora-2", StandardSizes),
        Create("sora-2-2025-10-06", StandardSizes),
        Create("sora-2-2025-12-08", StandardSizes),
        Create("sora-2-pro", ProSizes),
        Create("sora-2-pro-2025-10-06", ProSizes),
    ];

    static VideoModel Create(string name, string[] sizes) => new() { Name = name, Sizes = [.. sizes], Seconds = [.. Durations] };
}
