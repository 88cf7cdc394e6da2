using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SoraFunctions.LocalHost.Cli;

/// <summary>Talks to the local host's own HTTP API, exactly as any other client would.</summary>
public sealed class LocalApiClient
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    readonly HttpClient http;

    /// <param name="http">A client whose <see cref="HttpClient.BaseAddress"/> is the host's address.</param>
    public LocalApiClient(HttpClient http) => this.http = http;

    /// <summary>Submits a job; a 4xx answer becomes <see cref="JobRejectedException"/> with the problem's text.</summary>
    public async Task<SubmittedJob> SubmitAsync(RunArguments run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        Dictionary<string, string> body = new() { ["prompt"] = run.Prompt };
        AddIfSet(body, "model", run.Model);
        AddIfSet(body, "seconds", run.Seconds);
        AddIfSet(body, "size", run.Size);

        using HttpResponseMessage response = run switch
        {
            { RemixOf: { } source } => await http.PostAsJsonAsync($"api/videos/{Uri.EscapeDataString(source)}/remix", body, Json, cancellationToken),
            { ImagePath: { } image } => await PostImageAsync(body, image, cancellationToken),
            _ => await http.PostAsJsonAsync("api/videos", body, Json, cancellationToken),
        };
        if (response.StatusCode != HttpStatusCode.Accepted && response.StatusCode != HttpStatusCode.OK)
        {
            throw new JobRejectedException(await DescribeProblemAsync(response, cancellationToken));
        }

        return await response.Content.ReadFromJsonAsync<SubmittedJob>(Json, cancellationToken)
            ?? throw new InvalidOperationException("The submit answer had no body.");
    }

    async Task<HttpResponseMessage> PostImageAsync(Dictionary<string, string> fields, string imagePath, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
        foreach ((string name, string value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        string extension = Path.GetExtension(imagePath).ToLowerInvariant();
        var file = new StreamContent(File.OpenRead(imagePath));
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(extension switch
        {
            ".png" => "image/png",
            ".webp" => "image/webp",
            _ => "image/jpeg",
        });
        form.Add(file, "input_reference", Path.GetFileName(imagePath));
        return await http.PostAsync(new Uri("api/videos", UriKind.Relative), form, cancellationToken);
    }

    /// <summary>Submits <see cref="RunArguments.Count"/> variations of the prompt as one batch.</summary>
    public async Task<string> SubmitBatchAsync(RunArguments run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        Dictionary<string, object> body = new() { ["prompt"] = run.Prompt, ["count"] = run.Count };
        foreach ((string key, string? value) in new[] { ("model", run.Model), ("seconds", run.Seconds), ("size", run.Size) })
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                body[key] = value;
            }
        }

        using HttpResponseMessage response = await http.PostAsJsonAsync("api/batches", body, Json, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new JobRejectedException(await DescribeProblemAsync(response, cancellationToken));
        }

        BatchSnapshot batch = await response.Content.ReadFromJsonAsync<BatchSnapshot>(Json, cancellationToken)
            ?? throw new InvalidOperationException("The batch answer had no body.");
        return batch.Id;
    }

    /// <summary>Polls the batch until every item has ended, reporting each snapshot.</summary>
    public async Task<BatchSnapshot> FollowBatchAsync(string batchId, TimeSpan interval, Action<BatchSnapshot> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        using PeriodicTimer timer = new(interval);
        while (true)
        {
            using HttpResponseMessage response = await http.GetAsync(new Uri($"api/batches/{Uri.EscapeDataString(batchId)}", UriKind.Relative), cancellationToken);
            response.EnsureSuccessStatusCode();
            BatchSnapshot batch = await response.Content.ReadFromJsonAsync<BatchSnapshot>(Json, cancellationToken)
                ?? throw new InvalidOperationException("The batch status had no body.");
            report(batch);
            if (batch.Status != "running")
            {
                return batch;
            }

            await timer.WaitForNextTickAsync(cancellationToken);
        }
    }

    /// <summary>Reads the job.</summary>
    public async Task<JobSnapshot> GetAsync(string jobId, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await http.GetAsync(new Uri($"api/videos/{Uri.EscapeDataString(jobId)}", UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JobSnapshot>(Json, cancellationToken)
            ?? throw new InvalidOperationException("The status answer had no body.");
    }

    /// <summary>Polls the job until it is finished, reporting each snapshot.</summary>
    public async Task<JobSnapshot> FollowAsync(string jobId, TimeSpan interval, Action<JobSnapshot> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        using PeriodicTimer timer = new(interval);
        while (true)
        {
            JobSnapshot snapshot = await GetAsync(jobId, cancellationToken);
            report(snapshot);
            if (snapshot.IsTerminal)
            {
                return snapshot;
            }

            await timer.WaitForNextTickAsync(cancellationToken);
        }
    }

    /// <summary>Streams the MP4 into <paramref name="path"/> (through a temporary file) and returns its size.</summary>
    public async Task<long> DownloadAsync(string jobId, string path, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await http.GetAsync(
            new Uri($"api/videos/{Uri.EscapeDataString(jobId)}/content", UriKind.Relative),
            HttpCompletionOption.ResponseHeadersRead,
            cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new JobRejectedException(await DescribeProblemAsync(response, cancellationToken));
        }

        string partial = path + ".part";
        long bytes;
        await using (FileStream file = new(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await body.CopyToAsync(file, cancellationToken);
            bytes = file.Length;
        }

        File.Move(partial, path, overwrite: true);
        return bytes;
    }

    static void AddIfSet(Dictionary<string, string> body, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            body[key] = value;
        }
    }

    static async Task<string> DescribeProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var problem = JsonDocument.Parse(text);
            JsonElement root = problem.RootElement;
            List<string> parts = [$"{(int)response.StatusCode} {response.ReasonPhrase}"];
            if (root.TryGetProperty("title", out JsonElement title))
            {
                parts.Add(title.GetString() ?? string.Empty);
            }

            if (root.TryGetProperty("detail", out JsonElement detail))
            {
                parts.Add(detail.GetString() ?? string.Empty);
            }

            if (root.TryGetProperty("errors", out JsonElement errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty field in errors.EnumerateObject())
                {
                    parts.Add($"{field.Name}: {string.Join(" ", field.Value.EnumerateArray().Select(e => e.GetString()))}");
                }
            }

            return string.Join(" | ", parts.Where(p => p.Length > 0));
        }
        catch (JsonException)
        {
            return $"{(int)response.StatusCode} {response.ReasonPhrase}: {text}";
        }
    }
}

/// <summary>The host refused a request; the message describes the problem.</summary>
public sealed class JobRejectedException : Exception
{
    public JobRejectedException(string message)
        : base(message)
    {
    }

    public JobRejectedException()
    {
    }

    public JobRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
