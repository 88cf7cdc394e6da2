using System.Globalization;
using System.Text.Json;
using SoraEmulator.Api;
using SoraEmulator.Jobs;
using SoraEmulator.Media;

namespace SoraEmulator.Runway;

/// <summary>
/// Runway's task API beside the Videos API: create (text or image to video), retrieve, delete, and the
/// pre-signed output URLs, which take no key and refuse one.
/// </summary>
static class RunwayEndpoints
{
    const string OutputVariant = "runway-output";

    /// <summary>True for the paths that speak Runway (version header, Runway error bodies).</summary>
    public static bool IsRunwayPath(PathString path) =>
        path.StartsWithSegments("/v1/text_to_video", StringComparison.Ordinal)
        || path.StartsWithSegments("/v1/image_to_video", StringComparison.Ordinal)
        || path.StartsWithSegments("/v1/tasks", StringComparison.Ordinal);

    public static IEndpointRouteBuilder MapRunwayApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/text_to_video", (HttpContext context, EmulatorState state, ILogger<EmulatorState> logger) =>
            CreateAsync(context, imageToVideo: false, state, logger));
        endpoints.MapPost("/v1/image_to_video", (HttpContext context, EmulatorState state, ILogger<EmulatorState> logger) =>
            CreateAsync(context, imageToVideo: true, state, logger));
        endpoints.MapGet("/v1/tasks/{id}", Retrieve);
        endpoints.MapDelete("/v1/tasks/{id}", Delete);
        endpoints.MapGet("/_emulator/runway-output/{id}.mp4", Output);
        return endpoints;
    }

    static async Task<IResult> CreateAsync(HttpContext context, bool imageToVideo, EmulatorState state, ILogger<EmulatorState> logger)
    {
        if (!context.Request.HasJsonContentType())
        {
            state.Stats.CountRunwayCreate(string.Empty);
            return RunwayAnswer.Invalid($"Unsupported content type '{context.Request.ContentType}': send application/json.");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            state.Stats.CountRunwayCreate(string.Empty);
            return RunwayAnswer.Invalid("body: The request body is not valid JSON.");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            string promptText = root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("promptText", out JsonElement text) && text.ValueKind == JsonValueKind.String
                ? text.GetString()!
                : string.Empty;

            // Counted per exact promptText, like Sora prompts, so "first N" faults of different tests never meet.
            int attempt = state.Stats.CountRunwayCreate(promptText);
            if (RunwayRules.Check(root, imageToVideo, out RunwayRequest? request) is { } invalid)
            {
                return RunwayAnswer.Invalid(invalid);
            }

            if (!PromptDirectives.TryParse(promptText, out PromptDirectives? directives, out string? directiveError))
            {
                return RunwayAnswer.Invalid("promptText: " + directiveError);
            }

            CreateFault fault = directives.CreateFaultFor(attempt);
            if (fault != CreateFault.None)
            {
                logger.LogInformation("Runway create attempt {Attempt} answers with fault {Fault}", attempt, fault);
            }

            switch (fault)
            {
                case CreateFault.RateLimited:
                    return RunwayAnswer.RateLimited(directives.RetryAfterSeconds);
                case CreateFault.Unavailable:
                    return RunwayAnswer.Unavailable();
                case CreateFault.ServerError:
                    return RunwayAnswer.ServerError();
            }

            RunwayTask task = state.CreateRunwayTask(request, directives);
            logger.LogInformation("Created Runway task {TaskId} ({Model}, {Ratio}, {Duration} s)",
                task.Id, request.Model, request.Ratio, request.Duration);
            return fault == CreateFault.Lost ? RunwayAnswer.ServerError() : RunwayAnswer.Ok(new RunwayCreated(task.Id));
        }
    }

    static RunwayAnswer Retrieve(HttpContext context, string id, EmulatorState state, ILogger<EmulatorState> logger)
    {
        state.Stats.CountRunwayRetrieve();
        if (state.RunwayTasks.Find(id) is not { } task)
        {
            return RunwayAnswer.TaskNotFound();
        }

        VideoJob job = task.Job;
        int attempt = job.Record.NextRetrieve();
        RetrieveFault fault = job.Directives.RetrieveFaultFor(attempt);
        if (fault != RetrieveFault.None)
        {
            logger.LogInformation("Retrieve {Attempt} of task {TaskId} answers with fault {Fault}", attempt, id, fault);
            return fault switch
            {
                RetrieveFault.RateLimited => RunwayAnswer.RateLimited(job.Directives.RetryAfterSeconds),
                RetrieveFault.Unavailable => RunwayAnswer.Unavailable(),
                _ => RunwayAnswer.ServerError(),
            };
        }

        DateTimeOffset now = state.Now;
        VideoState observed = job.Observe(now);
        job.Record.NoteAnswered(observed.Status, now);

        return RunwayAnswer.Ok(new RunwayTaskObject(
            task.Id,
            job.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            observed.Status switch
            {
                VideoStatus.Throttled => "THROTTLED",
                VideoStatus.Queued => "PENDING",
                VideoStatus.InProgress => "RUNNING",
                VideoStatus.Completed => "SUCCEEDED",
                _ => "FAILED",
            },
            observed.Status == VideoStatus.InProgress ? observed.Progress / 100.0 : null,
            observed.Status == VideoStatus.Completed ? [OutputUrl(context.Request, task.Id, state)] : null,
            observed.ErrorCode is { } code ? FailureMessage(code) : null,
            observed.ErrorCode));
    }

    /// <summary>Tasks that are pending, throttled or running are cancelled, others deleted; either way gone after.</summary>
    static RunwayAnswer Delete(string id, EmulatorState state)
    {
        state.Stats.CountRunwayDelete();
        if (state.RunwayTasks.Remove(id) is not { } task)
        {
            return RunwayAnswer.TaskNotFound();
        }

        state.Stats.NoteRemoved(task.Job.Record, state.Now);
        return RunwayAnswer.NoContent();
    }

    static string OutputUrl(HttpRequest request, string taskId, EmulatorState state) =>
        $"{request.Scheme}://{request.Host}/_emulator/runway-output/{taskId}.mp4?sig={state.Sign(taskId, OutputVariant)}";

    static string FailureMessage(string code) => code.StartsWith("SAFETY", StringComparison.Ordinal)
        ? "The input did not pass content moderation."
        : "An unexpected error occurred while generating the video.";

    /// <summary>A pre-signed output URL: no key needed, and one sent is recorded and refused.</summary>
    static IResult Output(HttpContext context, string id, EmulatorState state, ILogger<EmulatorState> logger)
    {
        HttpRequest request = context.Request;
        if (request.Headers.ContainsKey("Authorization") || request.Headers.ContainsKey("api-key"))
        {
            state.Stats.CountSecretSentToOutput();
            logger.LogWarning("A request to the output URL of task {TaskId} carried credentials", id);
            return RunwayAnswer.Invalid("Output URLs are pre-signed: send no Authorization or api-key header.");
        }

        if (!state.IsValidSignature(id, OutputVariant, request.Query["sig"]))
        {
            return RunwayAnswer.Error(StatusCodes.Status403Forbidden, "The signature of this URL is not valid.");
        }

        if (state.RunwayTasks.Find(id) is not { } task || task.Job.Observe(state.Now).Status != VideoStatus.Completed)
        {
            return RunwayAnswer.Error(StatusCodes.Status404NotFound, "No output for this task.");
        }

        VideoJob job = task.Job;
        state.Stats.CountRunwayDownload();
        int attempt = job.Record.NextDownload();
        DownloadFault fault = job.Directives.DownloadFaultFor(attempt);
        if (fault != DownloadFault.None)
        {
            logger.LogInformation("Download {Attempt} of task {TaskId} answers with fault {Fault}", attempt, id, fault);
        }

        MediaClip clip = task.Request.IsLandscape ? state.Media.Landscape : state.Media.Portrait;
        if (job.Directives.Bytes is { } bytes)
        {
            var synthetic = new SyntheticMp4(clip, bytes);
            return new MediaAnswer("video/mp4", synthetic.Length, synthetic.WriteAsync, fault);
        }

        return MediaAnswer.FromMemory("video/mp4", clip.File, fault);
    }
}
