using Microsoft.Extensions.Options;
using SoraFunctions.Activities;
using SoraFunctions.Configuration;
using SoraFunctions.Jobs;
using SoraFunctions.Providers;

namespace SoraFunctions.Provider.Runway;

/// <summary>
/// Runway's task API behind the pipeline's seam. It has no list endpoint (so no <see cref="IFindCreatedVideos"/>:
/// an unanswered create follows <c>Pipeline__UncertainCreate</c>) and no webhooks. It keeps nothing between calls:
/// the output URL is pre-signed and expires, so every download reads the task again for a fresh one.
/// </summary>
public sealed class RunwayVideoProvider : IVideoProvider, IImageToVideo
{
    /// <summary>Runway's limit on <c>promptText</c>, in UTF-16 code units.</summary>
    public const int MaxPromptLength = 1000;

    static readonly string[] Gen45Sizes = ["1280x720", "720x1280"];
    static readonly string[] VeoSizes = ["1280x720", "720x1280", "1080x1920", "1920x1080"];
    static readonly string[] VeoDurations = ["4", "6", "8"];

    /// <summary>The text-to-video models of Runway's SDK types, with their ratios (as sizes) and durations.</summary>
    public static IReadOnlyList<VideoModel> DefaultModels { get; } =
    [
        Model("gen4.5", Gen45Sizes, [.. Enumerable.Range(2, 9).Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))]),
        Model("veo3.1", VeoSizes, VeoDurations),
        Model("veo3.1_fast", VeoSizes, VeoDurations),
        Model("veo3", VeoSizes, ["8"]),
    ];

    readonly RunwayClient runway;
    readonly long maxVideoBytes;

    public RunwayVideoProvider(RunwayClient runway, IOptions<RunwayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(runway);
        ArgumentNullException.ThrowIfNull(options);
        this.runway = runway;
        RunwayOptions value = options.Value;
        Models = new VideoModelCatalog(value.DefaultModel, value.DefaultSeconds, value.DefaultSize, DefaultModels);
        maxVideoBytes = value.MaxVideoBytes;
    }

    public string Name => "Runway";

    public VideoModelCatalog Models { get; }

    public async Task<ProviderResult<ProviderVideo>> CreateAsync(VideoSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string? ratio = RunwayWire.ToRatio(spec.Size);
        int? duration = RunwayWire.ToDuration(spec.Seconds);
        if (ratio is null || duration is null)
        {
            return Refused("invalid_request", $"Runway needs a WIDTHxHEIGHT size and whole seconds; got size '{spec.Size}' and seconds '{spec.Seconds}'.");
        }

        if (spec.Prompt.Length > MaxPromptLength)
        {
            // Refused here rather than by a 400 after a round trip; the message names the limit.
            return Refused("prompt_too_long", $"Runway accepts prompts of at most {MaxPromptLength} characters; this one has {spec.Prompt.Length}.");
        }

        ProviderResult<RunwayTaskCreated> created = await runway.CreateTextToVideoAsync(
            new RunwayTextToVideoRequest(spec.Model, spec.Prompt, ratio, duration.Value), cancellationToken);
        return created.IsSuccess
            ? ProviderResult<ProviderVideo>.Success(new ProviderVideo(created.Value!.Id, ProviderStatus.Queued, 0, null, null, null, null))
            : ProviderResult<ProviderVideo>.Failure(created.Error);
    }

    /// <summary>The image goes as a data URI (<c>promptImage</c>), which Runway takes up to a few MiB.</summary>
    public async Task<ProviderResult<ProviderVideo>> CreateFromImageAsync(VideoSpec spec, ProviderImage image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(image);
        string? ratio = RunwayWire.ToRatio(spec.Size);
        int? duration = RunwayWire.ToDuration(spec.Seconds);
        if (ratio is null || duration is null)
        {
            return Refused("invalid_request", $"Runway needs a WIDTHxHEIGHT size and whole seconds; got size '{spec.Size}' and seconds '{spec.Seconds}'.");
        }

        using var buffer = new MemoryStream();
        await image.Content.CopyToAsync(buffer, cancellationToken);
        string dataUri = $"data:{image.ContentType};base64,{Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length)}";
        ProviderResult<RunwayTaskCreated> created = await runway.CreateImageToVideoAsync(
            new RunwayImageToVideoRequest(spec.Model, dataUri, ratio, duration.Value) { PromptText = spec.Prompt.Length > 0 ? spec.Prompt : null },
            cancellationToken);
        return created.IsSuccess
            ? ProviderResult<ProviderVideo>.Success(new ProviderVideo(created.Value!.Id, ProviderStatus.Queued, 0, null, null, null, null))
            : ProviderResult<ProviderVideo>.Failure(created.Error);
    }

    public async Task<ProviderResult<ProviderVideo>> GetAsync(string videoId, CancellationToken cancellationToken)
    {
        ProviderResult<RunwayTask> task = await runway.GetTaskAsync(videoId, cancellationToken);
        return task.IsSuccess
            ? ProviderResult<ProviderVideo>.Success(RunwayWire.ToProviderVideo(task.Value!))
            : ProviderResult<ProviderVideo>.Failure(task.Error);
    }

    public async Task<ProviderResult<ProviderContent>> OpenContentAsync(string videoId, CancellationToken cancellationToken)
    {
        ProviderResult<RunwayTask> task = await runway.GetTaskAsync(videoId, cancellationToken);
        if (!task.IsSuccess)
        {
            return ProviderResult<ProviderContent>.Failure(task.Error);
        }

        string status = RunwayWire.Status(task.Value!.Status);
        if (status != ProviderStatus.Completed)
        {
            return ProviderResult<ProviderContent>.Failure(new ProviderError
            {
                Transient = false,
                Code = "not_completed",
                Message = $"Runway task {videoId} is {task.Value.Status}, not SUCCEEDED; it has no output to download.",
            });
        }

        if (task.Value.Output is not [string first, ..] || !Uri.TryCreate(first, UriKind.Absolute, out Uri? url))
        {
            return ProviderResult<ProviderContent>.Failure(new ProviderError
            {
                Transient = false,
                Code = "no_output",
                Message = $"Runway task {videoId} succeeded without an output URL.",
            });
        }

        ProviderResult<ProviderContent> download = await runway.DownloadAsync(url, cancellationToken);
        return download.IsSuccess ? await ProviderDownloads.CapAsync(download.Value!, maxVideoBytes, Name) : download;
    }

    public Task<ProviderResult<bool>> DeleteAsync(string videoId, CancellationToken cancellationToken) =>
        runway.DeleteTaskAsync(videoId, cancellationToken);

    static ProviderResult<ProviderVideo> Refused(string code, string message) =>
        ProviderResult<ProviderVideo>.Failure(new ProviderError { Transient = false, Code = code, Message = message });

    static VideoModel Model(string name, string[] sizes, string[] seconds) => new() { Name = name, Sizes = [.. sizes], Seconds = [.. seconds] };
}
