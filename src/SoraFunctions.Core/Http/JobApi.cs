using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using SoraFunctions.Jobs;
using SoraFunctions.Limits;
using SoraFunctions.Orchestration;
using SoraFunctions.Storage;

namespace SoraFunctions.Http;

/// <summary>
/// The HTTP API of both hosts that reads and cancels jobs: <c>GET /api/videos</c>, <c>GET /api/videos/{id}</c>, its
/// <c>/content</c>, and <c>DELETE /api/videos/{id}</c>. A caller sees only their own jobs (admins see every job);
/// another caller's job answers as missing.
/// </summary>
public sealed class JobApi(CallerResolver callers, VideoBlobStore store, IJobIndex jobs, TimeProvider time, ILogger<JobApi> logger)
{
    /// <summary><c>GET /api/videos/{id}</c>.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string id, DurableTaskClient client, CancellationToken cancellationToken)
    {
        JobView? view = await FindViewAsync(request, id, client, cancellationToken);
        return view is null ? Problems.NotFound(id) : TypedResults.Json(view, VideoApi.Json);
    }

    /// <summary><c>GET /api/videos/{id}/content</c>: a redirect to a short-lived read-only link, else the stream.</summary>
    public async Task<IResult> ContentAsync(HttpRequest request, string id, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (await FindViewAsync(request, id, client, cancellationToken) is not { } view)
        {
            return Problems.NotFound(id);
        }

        if (view.Status != JobStatus.Completed || view.Blob is null)
        {
            return Problems.NotReady("The video is not ready.", $"Job '{id}' is {view.Status}; its video is available once it is completed.");
        }

        return await RedirectOrStreamAsync(view.Blob.Name, "video/mp4", $"{id}.mp4", "The video is gone.", $"The video of job '{id}' no longer exists.", cancellationToken);
    }

    /// <summary>
    /// <c>GET /api/videos/{id}/renditions/{name}</c>: a redirect to a short-lived read-only link to a rendition stored
    /// beside the video (a poster image, a sprite sheet), else the stream.
    /// </summary>
    public async Task<IResult> RenditionAsync(HttpRequest request, string id, string name, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (await FindViewAsync(request, id, client, cancellationToken) is not { } view)
        {
            return Problems.NotFound(id);
        }

        if (view.Status != JobStatus.Completed || view.Renditions is null || !view.Renditions.TryGetValue(name, out BlobLocation? rendition))
        {
            return new ApiProblem(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "No such rendition.", $"Job '{id}' has no stored rendition '{name}'.");
        }

        string contentType = Providers.Renditions.Known.TryGetValue(name, out (string Extension, string ContentType) known) ? known.ContentType : "application/octet-stream";
        return await RedirectOrStreamAsync(rendition.Name, contentType, null, "The rendition is gone.", $"The rendition '{name}' of job '{id}' no longer exists.", cancellationToken);
    }

    /// <summary>A redirect to a short-lived read-only link to the blob, else the blob streamed, else a 404 that it is gone.</summary>
    async Task<IResult> RedirectOrStreamAsync(string blobName, string contentType, string? fileName, string goneTitle, string goneDetail, CancellationToken cancellationToken)
    {
        Uri? link = await store.TryCreateReadLinkAsync(blobName, time, cancellationToken, contentType);
        if (link is not null)
        {
            return TypedResults.Redirect(link.AbsoluteUri);
        }

        (Stream Content, long Length)? opened = await store.OpenReadAsync(blobName, cancellationToken);
        return opened is { } blob
            ? TypedResults.Stream(blob.Content, contentType, fileName)
            : new ApiProblem(StatusCodes.Status404NotFound, ProblemCodes.NotFound, goneTitle, goneDetail);
    }

    /// <summary><c>DELETE /api/videos/{id}</c>: asks a running job to cancel; a finished job is left as it is.</summary>
    public async Task<IResult> CancelAsync(HttpRequest request, string id, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (await FindViewAsync(request, id, client, cancellationToken) is not { } view)
        {
            return Problems.NotFound(id);
        }

        if (JobStatus.IsTerminal(view.Status))
        {
            return TypedResults.Json(view, VideoApi.Json);
        }

        await client.RaiseEventAsync(id, VideoOrchestrator.CancelEvent, "canceled by request", cancellationToken);
        logger.LogInformation("Job {JobId}: cancel requested", id);
        request.HttpContext.Response.Headers.Location = JobPath(request, id);
        return TypedResults.Json(view, VideoApi.Json, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>The job as the caller may see it; null when it is missing or another caller's.</summary>
    async Task<JobView?> FindViewAsync(HttpRequest request, string id, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        OrchestrationMetadata? instance = await FindAsync(id, callers.Resolve(request.Headers), client, cancellationToken);
        return instance is null ? null : JobView.From(instance);
    }

    /// <summary><c>GET /api/videos?limit=20&amp;continuationToken=…</c>: recent jobs, newest first.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        if (!ApiRequests.TryReadLimit(request, out int limit))
        {
            return Problems.Field("limit", "limit must be a whole number from 1 to 100.");
        }

        string? token = request.Query["continuationToken"];
        IReadOnlyList<string> ids;
        string? next;
        try
        {
            Caller caller = callers.Resolve(request.Headers);
            (ids, next) = await jobs.ListAsync(caller.IsAdmin ? null : caller.Id, limit, string.IsNullOrEmpty(token) ? null : token, cancellationToken);
        }
        catch (FormatException)
        {
            return Problems.Field("continuationToken", "continuationToken is not one this API handed out.");
        }

        // A job purged from the task hub has no instance any more: it is left out.
        OrchestrationMetadata?[] instances = await Task.WhenAll(
            ids.Distinct(StringComparer.Ordinal).Select(id => client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken)));
        List<JobView> page = [.. instances.OfType<OrchestrationMetadata>().Where(i => i.Name == VideoOrchestrator.Name).Select(JobView.From)];
        return TypedResults.Json(new JobList(page, next), VideoApi.Json);
    }

    internal static string JobPath(HttpRequest request, string id) => $"{request.PathBase}/api/videos/{Uri.EscapeDataString(id)}";

    /// <summary>The job, when it exists and the caller may see it: another caller's job is as good as missing (404).</summary>
    internal static async Task<OrchestrationMetadata?> FindAsync(string id, Caller caller, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (!SubmitRequestParser.JobIdPattern().IsMatch(id))
        {
            return null;
        }

        OrchestrationMetadata? instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        return instance?.Name == VideoOrchestrator.Name && CanSee(caller, JobView.From(instance)) ? instance : null;
    }

    internal static bool CanSee(Caller caller, JobView? job) =>
        job is not null && (caller.IsAdmin || string.Equals(job.Caller ?? Caller.AnonymousId, caller.Id, StringComparison.Ordinal));
}
