using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Activities;
using SoraFunctions.Catalog;
using SoraFunctions.Configuration;
using SoraFunctions.Jobs;
using SoraFunctions.Limits;
using SoraFunctions.Orchestration;
using SoraFunctions.Providers;
using SoraFunctions.Storage;
using SoraFunctions.Telemetry;

namespace SoraFunctions.Http;

/// <summary>
/// The HTTP API of both hosts that starts jobs (<c>POST /api/videos</c>, <c>POST /api/videos/{id}/remix</c>): each
/// handler takes the request and the host's Durable client and answers an <see cref="IResult"/>. Every client mistake
/// is a 4xx <c>application/problem+json</c> naming what was wrong. <see cref="JobApi"/> reads and cancels jobs.
/// </summary>
public sealed class VideoApi
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    readonly VideoApiOptions api;
    readonly VideoModelCatalog models;
    readonly IVideoProvider provider;
    readonly string providerName;
    readonly CallerResolver callers;
    readonly IPriceTable prices;
    readonly ISpendLedger ledger;
    readonly InputImageStore images;
    readonly JobPacingFactory pacing;
    readonly StatusSweepStarter sweeper;
    readonly IJobIndex jobs;
    readonly VideoJobActivities work;
    readonly bool createOnSubmit;
    readonly TimeProvider time;
    readonly ILogger<VideoApi> logger;
    readonly VideoWatch? watch;

    public VideoApi(
        IOptions<VideoApiOptions> api,
        IVideoProvider provider,
        CallerResolver callers,
        IPriceTable prices,
        ISpendLedger ledger,
        InputImageStore images,
        JobPacingFactory pacing,
        StatusSweepStarter sweeper,
        IJobIndex jobs,
        VideoJobActivities work,
        IOptions<PipelineOptions> pipeline,
        TimeProvider time,
        ILogger<VideoApi> logger,
        VideoWatch? watch = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        this.api = api.Value;
        ArgumentNullException.ThrowIfNull(provider);
        models = provider.Models;
        this.provider = provider;
        this.images = images;
        providerName = provider.Name;
        this.callers = callers;
        this.prices = prices;
        this.ledger = ledger;
        this.pacing = pacing;
        this.sweeper = sweeper;
        this.jobs = jobs;
        this.work = work;
        // A create in doubt is then looked up by the orchestration rather than sent again.
        createOnSubmit = pipeline.Value.CreateOnSubmit && provider is IFindCreatedVideos;
        this.time = time;
        this.watch = watch;
        this.logger = logger;
    }

    /// <summary><c>POST /api/videos</c>: validates, then starts the job (or returns the existing one for a known <c>id</c>).</summary>
    public async Task<IResult> SubmitAsync(HttpRequest request, DurableTaskClient client, IManagementUrlFactory urls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(urls);

        using System.Diagnostics.Activity? span = PipelineTelemetry.StartActivity("submit", null);
        IResult answer = await SubmitCoreAsync(request, client, urls, cancellationToken);
        if (answer is IStatusCodeHttpResult { StatusCode: >= 400 } failure)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, failure.StatusCode?.ToString(CultureInfo.InvariantCulture));
        }

        return answer;
    }

    async Task<IResult> SubmitCoreAsync(HttpRequest request, DurableTaskClient client, IManagementUrlFactory urls, CancellationToken cancellationToken)
    {
        SubmitParseResult parsed;
        ImageUpload? image = null;
        if (MultipartSubmit.IsMultipart(request.ContentType))
        {
            (parsed, image, IResult? problem) = await MultipartSubmit.ReadAsync(request, api, models, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }
        }
        else if (!ApiRequests.IsJson(request.ContentType))
        {
            return Problems.UnsupportedMediaType(request.ContentType);
        }
        else
        {
            byte[]? body = await ApiRequests.ReadBodyAsync(request, api.MaxRequestBytes, cancellationToken);
            if (body is null)
            {
                return ApiRequests.TooLarge(api.MaxRequestBytes);
            }

            parsed = SubmitRequestParser.Parse(body, api, models);
        }

        if (!parsed.IsValid)
        {
            return Problems.Validation(parsed.Errors);
        }

        SubmitRequest submit = parsed.Request!;
        if (submit.Renditions.Count > 0 && provider is not IVideoRenditions)
        {
            return Problems.Field("renditions", $"{providerName} offers no renditions besides the video.");
        }

        if (image is not null)
        {
            if (provider is not IImageToVideo)
            {
                return Problems.Field("input_reference", $"{providerName} cannot start a video from an image.");
            }

            if (image.Info.Size != submit.Spec.Size)
            {
                return Problems.Field("input_reference", $"The image is {image.Info.Size}; it must be exactly the video's size, {submit.Spec.Size}.");
            }
        }

        return await StartJobAsync(request, client, urls, submit, new JobOrigin(image, null), cancellationToken);
    }

    /// <summary><c>POST /api/videos/{id}/remix</c> <c>{prompt, id?}</c>: a new job that remixes a completed job's video.</summary>
    public async Task<IResult> RemixAsync(HttpRequest request, string id, DurableTaskClient client, IManagementUrlFactory urls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ApiRequests.IsJson(request.ContentType))
        {
            return Problems.UnsupportedMediaType(request.ContentType);
        }

        OrchestrationMetadata? source = await JobApi.FindAsync(id, callers.Resolve(request.Headers), client, cancellationToken);
        if (source is null)
        {
            return Problems.NotFound(id);
        }

        if (provider is not IRemixVideos)
        {
            return new ApiProblem(StatusCodes.Status400BadRequest, ProblemCodes.BadRequest, "Remix is not available.", $"{providerName} cannot remix videos.");
        }

        var sourceView = JobView.From(source);
        if (sourceView.Status != JobStatus.Completed || sourceView.ProviderVideoId is null)
        {
            return Problems.NotReady("The video cannot be remixed yet.", $"Job '{id}' is {sourceView.Status}; only a completed video can be remixed.");
        }

        byte[]? body = await ApiRequests.ReadBodyAsync(request, api.MaxRequestBytes, cancellationToken);
        if (body is null)
        {
            return ApiRequests.TooLarge(api.MaxRequestBytes);
        }

        SubmitParseResult parsed = SubmitRequestParser.Parse(body, api, models);
        if (parsed.Errors.Keys.Any(k => k is "prompt" or "id" or "body"))
        {
            return Problems.Validation(parsed.Errors.Where(e => e.Key is "prompt" or "id" or "body").ToDictionary());
        }

        // The remix keeps the source's model, duration and size; only the prompt is new.
        string prompt = parsed.Request?.Spec.Prompt ?? ReadPrompt(body);
        var submit = new SubmitRequest(new VideoSpec(prompt, sourceView.Model!, sourceView.Seconds!, sourceView.Size!), parsed.Request?.Id);
        return await StartJobAsync(request, client, urls, submit, new JobOrigin(null, new RemixSource(id, sourceView.ProviderVideoId)), cancellationToken);
    }

    static string ReadPrompt(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("prompt").GetString()!;
    }

    /// <summary>Where a job starts from besides its prompt: an uploaded image, or a video to remix.</summary>
    sealed record JobOrigin(ImageUpload? Image, RemixSource? RemixOf);

    /// <summary>
    /// Starts a job for the caller: answers the existing job for a known id, charges the budget (refusing with 429),
    /// stores an uploaded image, records the job in the index, sends the provider's create when it can
    /// (<see cref="PipelineOptions.CreateOnSubmit"/>) and schedules the orchestration.
    /// </summary>
    async Task<IResult> StartJobAsync(HttpRequest request, DurableTaskClient client, IManagementUrlFactory urls, SubmitRequest submit, JobOrigin origin, CancellationToken cancellationToken)
    {
        VideoSpec spec = submit.Spec;
        string id = submit.Id ?? Guid.CreateVersion7().ToString("N");
        Caller caller = callers.Resolve(request.Headers);
        System.Diagnostics.Activity.Current?.SetTag(PipelineTelemetry.JobIdTag, id);

        if (submit.Id is not null)
        {
            OrchestrationMetadata? existing = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
            if (existing is not null)
            {
                return Existing(request, urls, existing, spec, caller);
            }
        }

        DateTimeOffset now = time.GetUtcNow();
        (decimal cost, BudgetDecision budget) = await ReserveAsync(caller, id, spec, now, cancellationToken);
        if (!budget.Allowed)
        {
            logger.LogWarning("Job {JobId} refused: {Budget} of {Limit} USD would be exceeded", id, budget.Budget, budget.LimitUsd);
            return Problems.BudgetExceeded(request, budget, cost);
        }

        bool mayHaveCreated = false;
        string? madeVideoId = null;
        bool watched = false;
        try
        {
            string? imageBlob = origin.Image is { } image
                ? await images.SaveAsync(id, image.Info.Extension, image.Info.ContentType, image.Content, cancellationToken)
                : null;
            JobPacing jobPacing = pacing.Create();
            var input = new VideoJobInput(id, spec, jobPacing)
            {
                Caller = caller.Id,
                EstimatedCostUsd = cost,
                SubmittedAt = now,
                Renditions = submit.Renditions,
                InputImageBlob = imageBlob,
                RemixOf = origin.RemixOf,
            };
            if (createOnSubmit && !jobPacing.NeedsAdmission && submit.Id is null)
            {
                // Nothing to wait for and an id no other submission can race for: start the render now, while the job's
                // index row is written. From here on the job starts even if the client goes away, so that a video made
                // is never left without its job.
                cancellationToken = CancellationToken.None;
                Task recorded = jobs.RecordAsync(id, caller.Id, now, cancellationToken);
                CreateVideoResult created = await SubmissionCreate.SendAsync(input, work, logger);
                watched = SubmissionCreate.WillWatch(created, watch, pacing);
                input = input with { CreatedOnSubmit = created, Pacing = watched ? pacing.Create(watched: true) : input.Pacing };
                (mayHaveCreated, madeVideoId) = (created.Video is not null || created.MayHaveReachedProvider, created.Video?.Id);
                await SubmissionCreate.RecordedAsync(recorded, input, work, logger);
            }
            else
            {
                await jobs.RecordAsync(id, caller.Id, now, cancellationToken);
            }

            try
            {
                if (input.CreatedOnSubmit is not null)
                {
                    await SubmissionCreate.StartAsync(client, input, work, time, logger, watched ? watch : null);
                }
                else
                {
                    await client.ScheduleNewOrchestrationInstanceAsync(VideoOrchestrator.Name, input, new StartOrchestrationOptions(id), cancellationToken);
                }
            }
            catch (Exception ex) when (submit.Id is not null && ex is not OperationCanceledException)
            {
                // Two submissions with the same id raced; the first one won.
                OrchestrationMetadata? existing = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
                if (existing is null)
                {
                    throw;
                }

                return Existing(request, urls, existing, spec, caller);
            }
        }
        catch (Exception ex) when (mayHaveCreated)
        {
            // The provider may have billed the video (SubmissionCreate deleted it when it could): the charge stays.
            logger.LogError("Job {JobId}: its create was sent (provider video {VideoId}) but the job could not be started, so its charge stays: {Reason}", id, madeVideoId ?? "unknown", ex.Message);
            throw;
        }
        catch (Exception) when (!budget.AlreadyCharged)
        {
            await RefundUnstartedAsync(client, id, [id], now);
            throw;
        }

        await sweeper.EnsureRunningAsync(client, cancellationToken);
        logger.LogInformation("Job {JobId} submitted: {Model}, {Seconds}s, {Size}", id, spec.Model, spec.Seconds, spec.Size);
        PipelineTelemetry.JobsStarted.Add(1, new KeyValuePair<string, object?>("model", spec.Model));
        PipelineTelemetry.EstimatedCost.Add((double)cost, new KeyValuePair<string, object?>("model", spec.Model));
        var view = new JobView
        {
            Id = id,
            Status = JobStatus.Queued,
            Progress = 0,
            Prompt = spec.Prompt,
            Model = spec.Model,
            Seconds = spec.Seconds,
            Size = spec.Size,
            EstimatedCostUsd = cost,
            Caller = caller.Id,
            RemixOf = origin.RemixOf?.JobId,
            ProviderVideoId = madeVideoId,
            CreatedAt = now,
            LastUpdatedAt = now,
        };
        return Accepted(request, urls, view, StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// Gives back what a request charged when its job did not start after all (storage failed, or the client went away
    /// mid-request): no orchestration exists to refund it. A job that did start (its start may have failed only in the
    /// answer) keeps its charge. Best effort: storage that just failed may fail again.
    /// </summary>
    internal async Task RefundUnstartedAsync(DurableTaskClient client, string instanceId, IReadOnlyList<string> chargedJobIds, DateTimeOffset chargedAt)
    {
        try
        {
            if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, CancellationToken.None) is not null)
            {
                return;
            }

            foreach (string jobId in chargedJobIds)
            {
                await ledger.RefundAsync(jobId, chargedAt, CancellationToken.None);
            }

            logger.LogWarning("{InstanceId} did not start; its charge was given back", instanceId);
        }
        catch (Exception ex)
        {
            logger.LogWarning("{InstanceId} did not start, and its charge could not be given back: {Reason}", instanceId, ex.Message);
        }
    }

    /// <summary>Prices the video and charges it to the caller's and the overall budget for <paramref name="now"/>'s day.</summary>
    internal async Task<(decimal Cost, BudgetDecision Decision)> ReserveAsync(Caller caller, string jobId, VideoSpec spec, DateTimeOffset now, CancellationToken cancellationToken)
    {
        decimal cost = prices.Estimate(providerName, spec.Model, spec.Seconds, spec.Size);
        BudgetDecision decision = await ledger.ReserveAsync(
            new SpendRequest(caller.Id, jobId, cost, int.Parse(spec.Seconds, NumberStyles.None, CultureInfo.InvariantCulture)), now, cancellationToken);
        return (cost, decision);
    }

    static IResult Existing(HttpRequest request, IManagementUrlFactory urls, OrchestrationMetadata existing, VideoSpec spec, Caller caller)
    {
        var view = JobView.From(existing);
        if (!JobApi.CanSee(caller, existing.Name == VideoOrchestrator.Name ? view : null))
        {
            // Another caller's id: say no more than that it is taken.
            return Problems.IdTaken($"Job '{existing.InstanceId}' already exists; use another id.");
        }

        if (view.Prompt is not null && (view.Prompt != spec.Prompt || view.Model != spec.Model || view.Seconds != spec.Seconds || view.Size != spec.Size))
        {
            return Problems.IdTaken(
                $"Job '{existing.InstanceId}' already exists with a different prompt, model, duration or size; use another id.");
        }

        return Accepted(request, urls, view, StatusCodes.Status200OK);
    }

    static JsonHttpResult<SubmitResponse> Accepted(HttpRequest request, IManagementUrlFactory urls, JobView view, int statusCode)
    {
        DurableManagementUrls? management = urls.Create(request, view.Id);
        string path = JobApi.JobPath(request, view.Id);
        request.HttpContext.Response.Headers.Location = path;
        var jobUri = new Uri($"{request.Scheme}://{request.Host}{path}");
        return TypedResults.Json(new SubmitResponse(view, jobUri, management), Json, statusCode: statusCode);
    }
}
