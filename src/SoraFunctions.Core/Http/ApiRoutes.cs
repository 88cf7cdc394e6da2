using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;

namespace SoraFunctions.Http;

/// <summary>
/// One route of the HTTP API: the Functions app's function name, the method, the template under <c>/api</c>, and the
/// handler. <paramref name="Anonymous"/> routes authenticate themselves (a webhook's signature) instead of a function key,
/// or hold nothing secret (the web page's files, the OpenAPI document).
/// </summary>
public sealed record ApiRoute(string FunctionName, string Method, string Template, bool Anonymous, Delegate Handler);

/// <summary>
/// The one table of the HTTP API. The local host maps it with <see cref="MapVideoApi"/>; the Functions app has a
/// <c>[Function]</c> adapter per row, and a test fails when the two differ.
/// </summary>
public static class ApiRoutes
{
    public static IReadOnlyList<ApiRoute> All { get; } =
    [
        new("SubmitVideoJob", HttpMethods.Post, "videos", false,
            (HttpRequest request, VideoApi api, DurableTaskClient client, IManagementUrlFactory urls, CancellationToken ct) => api.SubmitAsync(request, client, urls, ct)),
        new("ListVideoJobs", HttpMethods.Get, "videos",  false,
            (HttpRequest request, JobApi api, DurableTaskClient client, CancellationToken ct) => api.ListAsync(request, client, ct)),
        new("GetVideoJob", HttpMethods.Get, "videos/{id}", false,
            (HttpRequest request, string id, JobApi api, DurableTaskClient client, CancellationToken ct) => api.GetAsync(request, id, client, ct)),
        new("GetVideoJobContent", HttpMethods.Get, "videos/{id}/content", false,
            (HttpRequest request, string id, JobApi api, DurableTaskClient client, CancellationToken ct) => api.ContentAsync(request, id, client, ct)),
        new("GetVideoJobRendition", HttpMethods.Get, "videos/{id}/renditions/{name}", false,
            (HttpRequest request, string id, string name, JobApi api, DurableTaskClient client, CancellationToken ct) => api.RenditionAsync(request, id, name, client, ct)),
        new("CancelVideoJob", HttpMethods.Delete, "videos/{id}", false,
            (HttpRequest request, string id, JobApi api, DurableTaskClient client, CancellationToken ct) => api.CancelAsync(request, id, client, ct)),
        new("RemixVideoJob", HttpMethods.Post, "videos/{id}/remix", false,
            (HttpRequest request, string id, VideoApi api, DurableTaskClient client, IManagementUrlFactory urls, CancellationToken ct) => api.RemixAsync(request, id, client, urls, ct)),
        new("SubmitBatch", HttpMethods.Post, "batches", false,
            (HttpRequest request, BatchApi batches, DurableTaskClient client, CancellationToken ct) => batches.SubmitAsync(request, client, ct)),
        new("GetBatch", HttpMethods.Get, "batches/{id}", false,
            (HttpRequest request, string id, BatchApi batches, DurableTaskClient client, CancellationToken ct) => batches.GetAsync(request, id, client, ct)),
        new("CancelBatch", HttpMethods.Delete, "batches/{id}", false,
            (HttpRequest request, string id, BatchApi batches, DurableTaskClient client, CancellationToken ct) => batches.CancelAsync(request, id, client, ct)),
        new("ListLibrary", HttpMethods.Get, "library", false,
            (HttpRequest request, LibraryApi api, CancellationToken ct) => api.LibraryAsync(request, ct)),
        new("GetUsage", HttpMethods.Get, "usage", false,
            (HttpRequest request, LibraryApi api, CancellationToken ct) => api.UsageAsync(request, ct)),
        new("ListModels", HttpMethods.Get, "models", false,
            (HttpRequest request, LibraryApi api) => api.Models(request)),
        new("GetOpenApi", HttpMethods.Get, "openapi.json", true,
            () => OpenApiDocument.Serve()),
        new("WebPage", HttpMethods.Get, "ui/{*path}", true,
            (HttpRequest request) => Web.WebPage.Serve(request, request.RouteValues["path"] as string)),
        new("ProviderWebhook", HttpMethods.Post, "webhooks/{provider}", true,
            (HttpRequest request, string provider, ProviderWebhooks webhooks, DurableTaskClient client, CancellationToken ct) => webhooks.ReceiveAsync(request, provider, client, ct)),
    ];

    public static IEndpointRouteBuilder MapVideoApi(this IEndpointRouteBuilder endpoints)
    {
        foreach (ApiRoute route in All)
        {
            endpoints.MapMethods($"/api/{route.Template}", [route.Method], route.Handler).WithName(route.FunctionName);
        }

        return endpoints;
    }
}
