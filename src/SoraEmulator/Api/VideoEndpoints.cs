using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Primitives;
using SoraEmulator.Jobs;
using SoraEmulator.Media;

namespace SoraEmulator.Api;

/// <summary>The Videos API under <c>/v1</c>.</summary>
static class VideoEndpoints
{
    static readonly IReadOnlyList<string> Variants = ["video", "thumbnail", "spritesheet"];
    static readonly IReadOnlyList<string> Orders = ["asc", "desc"];

    public static IEndpointRouteBuilder MapVideoApi(this IEndpointRouteBuilder endpoints)
    {
        RouteGroupBuilder v1 = endpoints.MapGroup("/v1/videos");
        v1.MapPost("", CreateAsync);
        v1.MapGet("", List);
        v1.MapGet("{id}", Retrieve);
        v1.MapDelete("{id}", Delete);
        v1.MapGet("{id}/content", Content);
        v1.MapPost("{id}/remix", RemixAsync);
        endpoints.MapGet("/_emulator/signed/{id}", Signed);
        return endpoints;
    }

    static async Task<IResult> CreateAsync(HttpContext context, EmulatorState state, ILogger<EmulatorState> logger)
    {
        (CreateInput? input, ApiAnswer? readError) = await CreateRequestReader.ReadAsync(context.Request, context.RequestAborted);
        int attempt = state.Stats.CountCreate(input?.Prompt);
        if (input?.InputReferenceSha256 is { } imageHash && input.Prompt is { } imagePrompt)
        {
            state.Stats.NoteInputReference(imagePrompt, imageHash);
        }

        if (readError is not null)
        {
            return readError;
        }

        if (VideoRules.Check(input!, out VideoSpec? spec, out PromptDirectives? directives) is { } invalid)
        {
            return invalid;
        }

        if (state.Options.MaxInFlight is { } limit && state.Stats.InFlight >= limit)
        {
            // A provider's concurrency limit: a client that keeps its jobs in flight under it never sees this.
            state.Stats.CountConcurrencyRefusal();
            return ApiAnswer.RateLimited(1);
        }

        CreateFault fault = directives.CreateFaultFor(attempt);
        if (fault != CreateFault.None)
        {
            logger.LogInformation("Create attempt {Attempt} answers with fault {Fault}", attempt, fault);
        }

        switch (fault)
        {
            case CreateFault.RateLimited:
                return ApiAnswer.RateLimited(directives.RetryAfterSeconds);
            case CreateFault.Unavailable:
                return ApiAnswer.Unavailable();
            case CreateFault.ServerError:
                return ApiAnswer.ServerError();
        }

        VideoJob job = state.CreateJob(spec, directives, remixedFromVideoId: null);
        logger.LogInformation("Created video {VideoId} ({Model}, {Seconds} s, {Size})", job.Id, spec.Model, spec.Seconds, spec.Size);
        if (directives.CreateDelaySeconds is { } delay && delay > 0)
        {
            // A slow answer: the video exists while the client still waits (a client that dies now never learns its id).
            logger.LogInformation("Create of {VideoId} answers in {Delay} s (createdelay)", job.Id, delay);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(delay), state.Time, context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                logger.LogInformation("The client of create {VideoId} went away before the answer", job.Id);
                return Results.Empty;
            }
        }

        return fault == CreateFault.Lost
            ? ApiAnswer.ServerError()
            : ApiAnswer.Ok(VideoObject.From(job, job.Observe(state.Now)), state.PollAfterFor(job));
    }

    static ApiAnswer Retrieve(string id, EmulatorState state, ILogger<EmulatorState> logger)
    {
        state.Stats.CountRetrieve();
        if (state.Jobs.Find(id) is not { } job)
        {
            return ApiAnswer.VideoNotFound(id);
        }

        int attempt = job.Record.NextRetrieve();
        RetrieveFault fault = job.Directives.RetrieveFaultFor(attempt);
        if (fault != RetrieveFault.None)
        {
            logger.LogInformation("Retrieve {Attempt} of {VideoId} answers with fault {Fault}", attempt, id, fault);
        }

        if (fault == RetrieveFault.None)
        {
            DateTimeOffset now = state.Now;
            VideoState observed = job.Observe(now);
            job.Record.NoteAnswered(observed.Status, now);

            return ApiAnswer.Ok(VideoObject.From(job, observed), state.PollAfterFor(job));
        }

        return fault switch
        {
            RetrieveFault.RateLimited => ApiAnswer.RateLimited(job.Directives.RetryAfterSeconds),
            RetrieveFault.Unavailable => ApiAnswer.Unavailable(),
            _ => ApiAnswer.ServerError(),
        };
    }

    static IResult Content(HttpContext context, string id, EmulatorState state, ILogger<EmulatorState> logger)
    {
        string variant = context.Request.Query["variant"].ToString();
        variant = variant.Length == 0 ? "video" : variant;
        if (!Variants.Contains(variant))
        {
            return VideoRules.InvalidValue("variant", variant, Variants);
        }

        if (CheckDownloadable(id, state) is { } problem)
        {
            return problem;
        }

        VideoJob job = state.Jobs.Find(id)!;

        // A client that learned of the completion from the list (the status sweep) goes straight to the content.
        job.Record.NoteSeenCompleted(state.Now);
        if (job.Directives.Content404 > 0 && job.Record.NextContentRequest() <= job.Directives.Content404)
        {
            // Eventual consistency: the job says completed, its content is not served yet.
            logger.LogInformation("Content request of {VideoId} answers 404 (content404)", id);
            return ApiAnswer.Error(StatusCodes.Status404NotFound, "The video's content is not available yet.",
                "invalid_request_error", null, "content_not_ready");
        }

        if (job.Directives.Redirect)
        {
            int port = context.Connection.LocalPort;
            string location = string.Create(CultureInfo.InvariantCulture,
                $"http://localhost:{port}/_emulator/signed/{Uri.EscapeDataString(id)}?variant={variant}&sig={state.Sign(id, variant)}");
            return Results.Redirect(location);
        }

        return Serve(job, variant, state, logger);
    }

    /// <summary>The "signed URL" of a redirected download: no credentials accepted, signature required.</summary>
    static IResult Signed(HttpContext context, string id, EmulatorState state, ILogger<EmulatorState> logger)
    {
        HttpRequest request = context.Request;
        if (request.Headers.ContainsKey("Authorization") || request.Headers.ContainsKey("api-key"))
        {
            state.Stats.CountSecretSentToOutput();
            return ApiAnswer.Invalid(
                "Signed URLs must be fetched without an Authorization or api-key header.", null, "credentials_not_allowed");
        }

        string variant = request.Query["variant"].ToString();
        if (!Variants.Contains(variant) || !state.IsValidSignature(id, variant, request.Query["sig"]))
        {
            return ApiAnswer.Error(StatusCodes.Status403Forbidden, "The signature of this URL is not valid.",
                "invalid_request_error", null, "invalid_signature");
        }

        return CheckDownloadable(id, state) is { } problem ? problem : Serve(state.Jobs.Find(id)!, variant, state, logger);
    }

    static ApiAnswer? CheckDownloadable(string id, EmulatorState state)
    {
        if (state.Jobs.Find(id) is not { } job)
        {
            return ApiAnswer.VideoNotFound(id);
        }

        return job.Observe(state.Now).Status switch
        {
            VideoStatus.Completed => null,
            VideoStatus.Failed => ApiAnswer.Error(StatusCodes.Status404NotFound,
                "Video generation failed: there is no content to download.", "invalid_request_error", null, "video_failed"),
            _ => ApiAnswer.Error(StatusCodes.Status404NotFound,
                $"Video is not ready yet, use GET /v1/videos/{id} to check status.", "invalid_request_error", null,
                "video_not_ready"),
        };
    }

    static MediaAnswer Serve(VideoJob job, string variant, EmulatorState state, ILogger<EmulatorState> logger)
    {
        state.Stats.CountDownload();
        int attempt = job.Record.NextDownload();
        DownloadFault fault = job.Directives.DownloadFaultFor(attempt);
        if (fault != DownloadFault.None)
        {
            logger.LogInformation("Download {Attempt} of {VideoId} answers with fault {Fault}", attempt, job.Id, fault);
        }

        switch (variant)
        {
            case "thumbnail":
                return MediaAnswer.FromMemory("image/webp", state.Media.Thumbnail, fault);
            case "spritesheet":
                return MediaAnswer.FromMemory("image/jpeg", state.Media.Spritesheet, fault);
        }

        MediaClip clip = state.Media.ClipFor(job.Spec.Size);
        if (job.Directives.Bytes is { } bytes)
        {
            var synthetic = new SyntheticMp4(clip, bytes);
            return new MediaAnswer("video/mp4", synthetic.Length, synthetic.WriteAsync, fault);
        }

        return MediaAnswer.FromMemory("video/mp4", clip.File, fault);
    }

    static ApiAnswer List(HttpContext context, EmulatorState state)
    {
        state.Stats.CountList();
        IQueryCollection query = context.Request.Query;
        int limit = 20;
        if (query.TryGetValue("limit", out StringValues limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > 100))
        {
            return ApiAnswer.Invalid(
                $"Invalid 'limit': expected an integer between 1 and 100, got '{limitText}'.", "limit", "invalid_value");
        }

        string order = query.TryGetValue("order", out StringValues orderText) ? orderText.ToString() : "desc";
        if (!Orders.Contains(order))
        {
            return VideoRules.InvalidValue("order", order, Orders);
        }

        string? after = query.TryGetValue("after", out StringValues afterText) && afterText.ToString().Length > 0 ? afterText.ToString() : null;
        if (state.Jobs.Page(after, limit, order == "desc") is not { } result)
        {
            return ApiAnswer.Invalid($"Invalid 'after': no video with id '{after}'.", "after", "invalid_value");
        }

        DateTimeOffset now = state.Now;
        var data = result.Page.Select(job => VideoObject.From(job, job.Observe(now))).ToList();
        return ApiAnswer.Ok(new VideoList("list", data, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id, result.HasMore));
    }

    static ApiAnswer Delete(string id, EmulatorState state)
    {
        state.Stats.CountDelete();
        if (state.Jobs.Find(id) is { } job && state.Jobs.Remove(id))
        {
            state.Stats.NoteRemoved(job.Record, state.Now);
            return ApiAnswer.Ok(new VideoDeleted(id, "video.deleted", true));
        }

        return ApiAnswer.VideoNotFound(id);
    }

    static async Task<IResult> RemixAsync(HttpContext context, string id, EmulatorState state, ILogger<EmulatorState> logger)
    {
        state.Stats.CountRemix();
        if (state.Jobs.Find(id) is not { } source)
        {
            return ApiAnswer.VideoNotFound(id);
        }

        if (!context.Request.HasJsonContentType())
        {
            return ApiAnswer.Invalid("Send the remix request as application/json {\"prompt\": \"...\"}.", null,
                "unsupported_content_type");
        }

        string? prompt = null;
        try
        {
            using JsonDocument document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name != "prompt")
                {
                    return ApiAnswer.Invalid($"Unrecognized request argument supplied: {property.Name}", property.Name,
                        "unknown_parameter");
                }

                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    return ApiAnswer.Invalid("Invalid type for 'prompt': expected a string.", "prompt", "invalid_type");
                }

                prompt = property.Value.GetString();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return ApiAnswer.Invalid("We could not parse the JSON body of your request. The body must be a JSON object.",
                null, "invalid_json");
        }

        if (VideoRules.CheckPrompt(prompt, out PromptDirectives? directives) is { } invalid)
        {
            return invalid;
        }

        if (source.Observe(state.Now).Status != VideoStatus.Completed)
        {
            return ApiAnswer.Invalid($"Video '{id}' is not completed: only completed videos can be remixed.", null,
                "video_not_completed");
        }

        VideoJob job = state.CreateJob(source.Spec with { Prompt = prompt! }, directives, remixedFromVideoId: id);
        logger.LogInformation("Remixed video {SourceId} into {VideoId}", id, job.Id);
        return ApiAnswer.Ok(VideoObject.From(job, job.Observe(state.Now)), state.PollAfterFor(job));
    }
}
