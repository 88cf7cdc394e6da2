using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Configuration;
using SoraFunctions.Jobs;
using SoraFunctions.Limits;
using SoraFunctions.Orchestration;
using SoraFunctions.Providers;
using SoraFunctions.Storage;

namespace SoraFunctions.Http;

/// <summary>
/// <c>/api/batches</c>: N jobs at once (<c>{items: [...]}</c>, or <c>{prompt, …, count: N}</c> for N variations),
/// run by <see cref="BatchOrchestrator"/> as ordinary jobs with ids <c>{batchId}-{n}</c>. A batch is charged whole
/// before anything starts, or refused whole.
/// </summary>
public sealed class BatchApi(
    VideoApi videos,
    IOptions<VideoApiOptions> api,
    IOptions<LimitsOptions> limits,
    JobPacingFactory pacing,
    StatusSweepStarter sweeper,
    IVideoProvider provider,
    CallerResolver callers,
    ISpendLedger ledger,
    IJobIndex jobs,
    TimeProvider time,
    ILogger<BatchApi> logger)
{
    /// <summary><c>POST /api/batches</c>.</summary>
    public async Task<IResult> SubmitAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        if (!ApiRequests.IsJson(request.ContentType))
        {
            return Problems.UnsupportedMediaType(request.ContentType);
        }

        int maxBody = api.Value.MaxRequestBytes * 4;
        byte[]? body = await ApiRequests.ReadBodyAsync(request, maxBody, cancellationToken);
        if (body is null)
        {
            return ApiRequests.TooLarge(maxBody);
        }

        (string? batchId, List<SubmitRequest>? items, IResult? problem) = Parse(body);
        if (problem is not null)
        {
            return problem;
        }

        string id = batchId ?? Guid.CreateVersion7().ToString("N");
        Caller caller = callers.Resolve(request.Headers);
        if (batchId is not null && await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken) is { } existing)
        {
            return existing.Name == BatchOrchestrator.Name && Visible(existing, caller) is { } view
                ? TypedResults.Json(await ViewAsync(view, client, cancellationToken), VideoApi.Json)
                : Problems.IdTaken($"'{id}' already exists; use another id.");
        }

        DateTimeOffset now = time.GetUtcNow();
        List<VideoJobInput> inputs = [];
        List<string> charged = [];
        decimal total = 0;
        for (int n = 0; n < items!.Count; n++)
        {
            string jobId = string.Create(CultureInfo.InvariantCulture, $"{id}-{n + 1}");
            (decimal cost, BudgetDecision budget) = await videos.ReserveAsync(caller, jobId, items[n].Spec, now, cancellationToken);
            if (budget.Allowed && !budget.AlreadyCharged)
            {
                charged.Add(jobId);
            }

            if (!budget.Allowed)
            {
                // Refused whole: give back what this request charged, and only that (an item charged before, by an
                // earlier try of this batch, is not this request's to give back).
                foreach (string jobToRefund in charged)
                {
                    await ledger.RefundAsync(jobToRefund, now, CancellationToken.None);
                }

                logger.LogWarning("Batch {BatchId} refused: {Budget} would be exceeded", id, budget.Budget);
                return Problems.BudgetExceeded(request, budget with { SpentUsd = budget.SpentUsd + total }, total + cost);
            }

            if (budget.AlreadyCharged && await client.GetInstanceAsync(jobId, getInputsAndOutputs: false, cancellationToken) is not null)
            {
                // A job of another request already has this item's id.
                foreach (string jobToRefund in charged)
                {
                    await ledger.RefundAsync(jobToRefund, now, CancellationToken.None);
                }

                return Problems.IdTaken($"'{jobId}', the id of item {n + 1}, is taken by another job; use another batch id.");
            }

            total += cost;
            inputs.Add(new VideoJobInput(jobId, items[n].Spec, pacing.Create())
            {
                Caller = caller.Id,
                EstimatedCostUsd = cost,
                SubmittedAt = now,
                Renditions = items[n].Renditions,
                BatchId = id,
            });
        }

        try
        {
            foreach (VideoJobInput input in inputs)
            {
                await jobs.RecordAsync(input.JobId, caller.Id, now, cancellationToken);
            }

            await client.ScheduleNewOrchestrationInstanceAsync(
                BatchOrchestrator.Name, new BatchInput(id, inputs) { Caller = caller.Id, SubmittedAt = now }, new StartOrchestrationOptions(id), cancellationToken);
        }
        catch (Exception)
        {
            await videos.RefundUnstartedAsync(client, id, charged, now);
            throw;
        }
        await sweeper.EnsureRunningAsync(client, cancellationToken);
        logger.LogInformation("Batch {BatchId} submitted: {Count} jobs, {Cost} USD estimated", id, inputs.Count, total);
        request.HttpContext.Response.Headers.Location = $"{request.PathBase}/api/batches/{Uri.EscapeDataString(id)}";
        BatchView accepted = Summarize(id, now, [.. inputs.Select(i => new JobView
        {
            Id = i.JobId,
            Status = JobStatus.Queued,
            Progress = 0,
            Prompt = i.Spec.Prompt,
            Model = i.Spec.Model,
            Seconds = i.Spec.Seconds,
            Size = i.Spec.Size,
            EstimatedCostUsd = i.EstimatedCostUsd,
            Caller = caller.Id,
            BatchId = id,
            CreatedAt = now,
            LastUpdatedAt = now,
        })]);
        return TypedResults.Json(accepted, VideoApi.Json, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary><c>GET /api/batches/{id}</c>: the batch's status, counts, progress and every item.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string id, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        BatchInput? batch = await FindAsync(id, callers.Resolve(request.Headers), client, cancellationToken);
        return batch is null ? Problems.NotFound(id) : TypedResults.Json(await ViewAsync(batch, client, cancellationToken), VideoApi.Json);
    }

    /// <summary><c>DELETE /api/batches/{id}</c>: cancels every unfinished item; finished ones stay as they are.</summary>
    public async Task<IResult> CancelAsync(HttpRequest request, string id, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        BatchInput? batch = await FindAsync(id, callers.Resolve(request.Headers), client, cancellationToken);
        if (batch is null)
        {
            return Problems.NotFound(id);
        }

        BatchView view = await ViewAsync(batch, client, cancellationToken);
        foreach (JobView item in view.Items.Where(i => !JobStatus.IsTerminal(i.Status)))
        {
            await client.RaiseEventAsync(item.Id, VideoOrchestrator.CancelEvent, "batch canceled by request", cancellationToken);
        }

        logger.LogInformation("Batch {BatchId}: cancel requested", id);
        return TypedResults.Json(view, VideoApi.Json, statusCode: view.Status == BatchView.Running ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
    }

    (string? Id, List<SubmitRequest>? Items, IResult? Problem) Parse(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            return (null, null, Problems.Field("body", "The request body is not valid JSON."));
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null, Problems.Field("body", "The request body must be a JSON object."));
            }

            if (SubmitRequestParser.HasUndecodableName(root))
            {
                return (null, null, Problems.Field("body", SubmitRequestParser.UndecodableName));
            }

            var idErrors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            string? id = SubmitRequestParser.ReadString(root, "id", idErrors);
            if (idErrors.Count > 0 || (id is not null && (id.Length > 90 || !SubmitRequestParser.JobIdPattern().IsMatch(id))))
            {
                return (null, null, Problems.Field("id", "The batch id must be 1 to 90 letters, digits, '-', '_' or '.', starting with a letter or digit."));
            }

            int max = limits.Value.MaxBatchItems;
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            List<SubmitRequest> items = [];
            if (root.TryGetProperty("items", out JsonElement list))
            {
                if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 || list.GetArrayLength() > max)
                {
                    return (null, null, Problems.Field("items", $"'items' must be an array of 1 to {max} jobs (Limits__MaxBatchItems)."));
                }

                int n = 0;
                foreach (JsonElement item in list.EnumerateArray())
                {
                    AddItem(item, $"items[{n++}]", items, errors);
                }
            }
            else
            {
                if (!root.TryGetProperty("count", out JsonElement countElement) || countElement.ValueKind != JsonValueKind.Number || !countElement.TryGetInt32(out int count) || count < 1 || count > max)
                {
                    return (null, null, Problems.Field("count", $"Send 'items' (1 to {max} jobs), or a prompt with 'count' from 1 to {max} (Limits__MaxBatchItems)."));
                }

                for (int n = 0; n < count && errors.Count == 0; n++)
                {
                    AddItem(root, null, items, errors);
                }
            }

            return errors.Count > 0 ? (null, null, Problems.Validation(errors)) : (id, items, null);
        }
    }

    void AddItem(JsonElement element, string? prefix, List<SubmitRequest> items, Dictionary<string, string[]> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors[prefix ?? "body"] = ["Each item must be a JSON object with at least a prompt."];
            return;
        }

        // An item's own id would clash with the batch's (item ids are {batchId}-{n}), so it is not read.
        SubmitParseResult parsed = SubmitRequestParser.Parse(element, api.Value, provider.Models, readId: false);
        if (!parsed.IsValid)
        {
            foreach ((string field, string[] messages) in parsed.Errors)
            {
                errors[prefix is null ? field : $"{prefix}.{field}"] = messages;
            }

            return;
        }

        if (parsed.Request!.Renditions.Count > 0 && provider is not IVideoRenditions)
        {
            errors[prefix is null ? "renditions" : $"{prefix}.renditions"] = [$"{provider.Name} offers no renditions besides the video."];
            return;
        }

        items.Add(parsed.Request);
    }

    static async Task<BatchInput?> FindAsync(string id, Caller caller, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (!SubmitRequestParser.JobIdPattern().IsMatch(id))
        {
            return null;
        }

        OrchestrationMetadata? instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        return instance?.Name == BatchOrchestrator.Name ? Visible(instance, caller) : null;
    }

    static BatchInput? Visible(OrchestrationMetadata instance, Caller caller)
    {
        BatchInput? batch;
        try
        {
            batch = instance.ReadInputAs<BatchInput>();
        }
        catch (JsonException)
        {
            return null;
        }

        return batch is not null && (caller.IsAdmin || batch.Caller == caller.Id) ? batch : null;
    }

    static async Task<BatchView> ViewAsync(BatchInput batch, DurableTaskClient client, CancellationToken cancellationToken)
    {
        OrchestrationMetadata?[] instances = await Task.WhenAll(batch.Items.Select(i => client.GetInstanceAsync(i.JobId, getInputsAndOutputs: true, cancellationToken)));
        JobView[] items = [.. batch.Items.Zip(instances, (input, instance) => instance is null
            ? new JobView { Id = input.JobId, Status = JobStatus.Queued, Progress = 0, BatchId = batch.BatchId, CreatedAt = batch.SubmittedAt ?? default, LastUpdatedAt = batch.SubmittedAt ?? default }
            : JobView.From(instance))];
        return Summarize(batch.BatchId, batch.SubmittedAt ?? default, items);
    }

    static BatchView Summarize(string id, DateTimeOffset createdAt, JobView[] items)
    {
        var counts = items.GroupBy(i => i.Status).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        int completed = counts.GetValueOrDefault(JobStatus.Completed);
        int canceled = counts.GetValueOrDefault(JobStatus.Canceled);
        string status = items.Any(i => !JobStatus.IsTerminal(i.Status)) ? BatchView.Running
            : completed == items.Length ? JobStatus.Completed
            : completed > 0 ? BatchView.PartiallyFailed
            : canceled == items.Length ? JobStatus.Canceled
            : JobStatus.Failed;
        int progress = items.Length == 0 ? 0 : (int)items.Average(i => JobStatus.IsTerminal(i.Status) ? 100 : i.Progress ?? 0);
        return new BatchView(id, status, progress, counts, items.Sum(i => i.EstimatedCostUsd ?? 0), createdAt, items);
    }
}

/// <summary>A batch as <c>GET /api/batches/{id}</c> shows it.</summary>
public sealed record BatchView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("progress")] int Progress,
    [property: JsonPropertyName("counts")] IReadOnlyDictionary<string, int> Counts,
    [property: JsonPropertyName("estimatedCostUsd")] decimal EstimatedCostUsd,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("items")] IReadOnlyList<JobView> Items)
{
    public const string Running = "running";
    public const string PartiallyFailed = "partially_failed";
}
