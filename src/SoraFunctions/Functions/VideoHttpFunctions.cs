using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using SoraFunctions.Configuration;
using SoraFunctions.Http;

namespace SoraFunctions.Functions;

/// <summary>
/// The HTTP API as Azure Functions: one thin adapter per row of <see cref="ApiRoutes.All"/> (same function name, method
/// and route; a test compares them with the generated function metadata).
/// </summary>
public sealed class VideoHttpFunctions(VideoApi api, JobApi jobs, LibraryApi library, BatchApi batches, ProviderWebhooks webhooks, IOptions<VideoApiOptions> options)
{
    [Function("SubmitVideoJob")]
    public async Task<IResult> Submit(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "videos")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        HttpRequestData? data = await context.GetHttpRequestDataAsync();
        return await api.SubmitAsync(request, client, new FunctionsManagementUrls(client, data, options.Value.DurableManagementUrls), request.HttpContext.RequestAborted);
    }

    [Function("ListVideoJobs")]
    public Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "videos")] HttpRequest request,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        return jobs.ListAsync(request, client, request.HttpContext.RequestAborted);
    }

    [Function("GetVideoJob")]
    public Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "videos/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        return jobs.GetAsync(request, id, client, request.HttpContext.RequestAborted);
    }

    [Function("GetVideoJobContent")]
    public Task<IResult> Content(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "videos/{id}/content")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        return jobs.ContentAsync(request, id, client, request.HttpContext.RequestAborted);
    }

    [Function("GetVideoJobRendition")]
    public Task<IResult> Rendition(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "videos/{id}/renditions/{name}")] HttpRequest request,
        string id,
        string name,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        return jobs.RenditionAsync(request, id, name, client, request.HttpContext.RequestAborted);
    }

    [Function("CancelVideoJob")]
    public Task<IResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "videos/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        return jobs.CancelAsync(request, id, client, request.HttpContext.RequestAborted);
    }

    [Function("RemixVideoJob")]
    public async Task<IResult> Remix(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "videos/{id}/remix")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        HttpRequestData? data = await context.GetHttpRequestDataAsync();
        return await api.RemixAsync(request, id, client, new FunctionsManagementUrls(client, data, options.Value.DurableManagementUrls), request.HttpContext.RequestAborted);
    }

    [Function("SubmitBatch")]
    public Task<IResult> SubmitBatch(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "batches")] HttpRequest request,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        return batches.SubmitAsync(request, client, request.HttpContext.RequestAborted);
    }

    [Function("GetBatch")]
    public Task<IResult> GetBatch(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "batches/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        return batches.GetAsync(request, id, client, request.HttpContext.RequestAborted);
    }

    [Function("CancelBatch")]
    public Task<IResult> CancelBatch(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "batches/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        return batches.CancelAsync(request, id, client, request.HttpContext.RequestAborted);
    }

    [Function("ListLibrary")]
    public Task<IResult> Library(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "library")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return library.LibraryAsync(request, request.HttpContext.RequestAborted);
    }

    [Function("GetUsage")]
    public Task<IResult> Usage(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "usage")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return library.UsageAsync(request, request.HttpContext.RequestAborted);
    }

    [Function("ListModels")]
    public IResult Models(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models")] HttpRequest request) =>
        library.Models(request);

    /// <summary>The OpenAPI description: anonymous, it holds nothing secret.</summary>
    [Function("GetOpenApi")]
    public static IResult OpenApi(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        OpenApiDocument.Serve();

    /// <summary>
    /// The web page's files: anonymous, as a browser cannot send a function key for a page load; the page's API calls
    /// then carry Easy Auth's cookie or the key the user pastes.
    /// </summary>
    [Function("WebPage")]
    public static IResult Page(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ui/{*path}")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Web.WebPage.Serve(request, request.RouteValues["path"] as string);
    }

    /// <summary>The provider's signed webhooks: anonymous at the HTTP level, authenticated by their signature.</summary>
    [Function("ProviderWebhook")]
    public Task<IResult> Webhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/{provider}")] HttpRequest request,
        string provider,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        return webhooks.ReceiveAsync(request, provider, client, request.HttpContext.RequestAborted);
    }

    /// <summary>The management URLs Durable Functions itself makes, only when an operator turned them on: they carry the system key.</summary>
    sealed class FunctionsManagementUrls(DurableTaskClient client, HttpRequestData? request, bool enabled) : IManagementUrlFactory
    {
        public DurableManagementUrls? Create(HttpRequest httpRequest, string instanceId)
        {
            if (!enabled)
            {
                return null;
            }

            HttpManagementPayload payload = client.CreateHttpManagementPayload(instanceId, request);
            return new DurableManagementUrls(
                payload.Id ?? "",
                payload.StatusQueryGetUri ?? "",
                payload.SendEventPostUri ?? "",
                payload.TerminatePostUri ?? "",
                payload.PurgeHistoryDeleteUri ?? "",
                payload.SuspendPostUri ?? "",
                payload.ResumePostUri ?? "");
        }
    }
}
