using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using SoraFunctions.Catalog;
using SoraFunctions.Configuration;
using SoraFunctions.Limits;
using SoraFunctions.Providers;

namespace SoraFunctions.Http;

/// <summary>
/// The read-only answers beside the jobs, for both hosts: the library of finished videos, the spend report and the
/// models this deployment offers.
/// </summary>
public sealed class LibraryApi(
    IOptions<VideoApiOptions> options,
    IVideoProvider provider,
    CallerResolver callers,
    IPriceTable prices,
    ISpendLedger ledger,
    VideoCatalog catalog,
    TimeProvider time)
{
    readonly VideoApiOptions api = options.Value;

    /// <summary><c>GET /api/library?limit=20&amp;continuationToken=…</c>: the catalog of finished videos, newest first.</summary>
    public async Task<IResult> LibraryAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ApiRequests.TryReadLimit(request, out int limit))
        {
            return Problems.Field("limit", "limit must be a whole number from 1 to 100.");
        }

        string? token = request.Query["continuationToken"];
        try
        {
            CatalogPage page = await catalog.ListAsync(limit, string.IsNullOrEmpty(token) ? null : token, cancellationToken);
            return TypedResults.Json(page, VideoApi.Json);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 400 && !string.IsNullOrEmpty(token))
        {
            return Problems.Field("continuationToken", "continuationToken is not one this API handed out.");
        }
    }

    /// <summary><c>GET /api/usage</c>: the caller's videos, seconds and cost today and this month; admins get every caller's.</summary>
    public async Task<IResult> UsageAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Caller caller = callers.Resolve(request.Headers);
        UsageReport report = await ledger.GetUsageAsync(caller.IsAdmin ? null : caller.Id, time.GetUtcNow(), cancellationToken);
        return TypedResults.Json(report with { Caller = caller.Id }, VideoApi.Json);
    }

    /// <summary>
    /// <c>GET /api/models</c>: what a client may ask for (the models with their sizes and durations, the defaults, the
    /// prompt limit, an estimated price per second) and which optional features this deployment offers.
    /// </summary>
    public IResult Models(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        VideoModelCatalog offered = api.Effective(provider.Models);
        List<ModelInfo> list = [.. offered.Models.Select(m => new ModelInfo(
            m.Name,
            m.Sizes,
            m.Seconds,
            m.Sizes.ToDictionary(size => size, size => UsdPerSecond(m, size), StringComparer.Ordinal)))];
        var capabilities = new ModelCapabilities(
            Batches: true,
            ImageInput: provider is IImageToVideo,
            Remix: provider is IRemixVideos,
            Renditions: provider is IVideoRenditions,
            Webhooks: provider is IProviderWebhooks hooks && hooks.WebhooksEnabled);
        return TypedResults.Json(
            new ModelsAnswer(provider.Name, offered.DefaultModel, offered.DefaultSeconds, offered.DefaultSize, api.MaxPromptLength, list, capabilities),
            VideoApi.Json);
    }

    decimal UsdPerSecond(Configuration.VideoModel model, string size)
    {
        string? seconds = model.Seconds.FirstOrDefault();
        return seconds is not null && int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0
            ? prices.Estimate(provider.Name, model.Name, seconds, size) / s
            : 0m;
    }
}
