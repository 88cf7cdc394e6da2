using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;

namespace SoraFunctions.Http;

/// <summary>Maps the HTTP API on an ASP.NET Core host (the local host); the Functions app has its own triggers.</summary>
public static class VideoApiEndpoints
{
    public static IEndpointRouteBuilder MapVideoApi(this IEndpointRouteBuilder endpoints)
    {
        RouteGroupBuilder videos = endpoints.MapGroup("/api/videos");
        videos.MapPost("", (HttpRequest request, VideoApi api, DurableTaskClient client, IManagementUrlFactory urls, CancellationToken ct) =>
            api.SubmitAsync(request, client, urls, ct));
        videos.MapGet("", (HttpRequest request, VideoApi api, DurableTaskClient client, CancellationToken ct) =>
            api.ListAsync(request, client, ct));
        videos.MapGet("/{id}", (string id, DurableTaskClient client, CancellationToken ct) =>
            VideoApi.GetAsync(id, client, ct));
        videos.MapGet("/{id}/content", (string id, VideoApi api, DurableTaskClient client, CancellationToken ct) =>
            api.ContentAsync(id, client, ct));
        videos.MapDelete("/{id}", (HttpRequest request, string id, VideoApi api, DurableTaskClient client, CancellationToken ct) =>
            api.CancelAsync(request, id, client, ct));
        endpoints.MapPost("/api/webhooks/sora", (HttpRequest request, ProviderWebhooks webhooks, DurableTaskClient client, CancellationToken ct) =>
            webhooks.ReceiveAsync(request, client, ct));
        endpoints.MapGet("/api/library", (HttpRequest request, VideoApi api, CancellationToken ct) => api.LibraryAsync(request, ct));
        return endpoints;
    }
}
