using Microsoft.Extensions.Options;
using SoraFunctions.LocalHost.Hosting;
using SoraFunctions.LocalHost.Management;
using Spectre.Console;

namespace SoraFunctions.LocalHost.Cli;

/// <summary>The <c>serve</c> and <c>run</c> commands over a started <see cref="LocalHostApp"/>.</summary>
public static class Commands
{
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Keeps the API up until Ctrl+C (or SIGTERM), after printing the URLs to call.</summary>
    public static async Task<int> ServeAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.StartAsync();

        if (app.Lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Stopped (Ctrl+C, SIGTERM) while starting: nothing was served, which the caller reports as interrupted.
            await app.StopAsync(CancellationToken.None);
            throw new OperationCanceledException(app.Lifetime.ApplicationStopping);
        }

        string baseUrl = BaseUrl(app);
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LocalHostDefaults.LogCategory);
        logger.LogInformation("SoraFunctions local host is up at {BaseUrl} (Ctrl+C stops it)", baseUrl);
        logger.LogInformation("  submit a job:   POST {BaseUrl}/api/videos with JSON {{\"prompt\": \"...\"}}", baseUrl);
        logger.LogInformation("  job status:     GET  {BaseUrl}/api/videos/{{id}}  (video: GET .../content, cancel: DELETE)", baseUrl);
        logger.LogInformation("  recent jobs:    GET  {BaseUrl}/api/videos", baseUrl);
        logger.LogInformation("  Durable status: GET  {BaseUrl}{DurablePrefix}/{{id}}", baseUrl, DurableManagementRoutes.Prefix);
        await app.WaitForShutdownAsync();
        return ExitCodes.Success;
    }

    /// <summary>Submits the prompt to the host itself, shows progress, saves the MP4; non-zero when the job fails.</summary>
    public static async Task<int> RunAsync(WebApplication app, RunArguments run, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(console);

        await app.StartAsync();
        CancellationToken stopping = app.Lifetime.ApplicationStopping;
        using HttpClient http = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient(LocalHostDefaults.LogCategory);
        http.BaseAddress = new Uri(BaseUrl(app) + "/");
        LocalApiClient api = new(http);

        if (run.Count > 1)
        {
            try
            {
                return await RunBatchAsync(api, run, console, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                console.MarkupLine("[yellow]Stopped.[/] The batch is kept and continues when the local host starts again on the same storage.");
                return ExitCodes.Interrupted;
            }
            catch (JobRejectedException ex)
            {
                console.MarkupLineInterpolated($"[red]The request was refused:[/] {ex.Message}");
                return ExitCodes.Usage;
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
            }
        }

        string? jobId = null;
        try
        {
            SubmittedJob submitted = await api.SubmitAsync(run, stopping);
            jobId = submitted.Id;
            console.MarkupLineInterpolated($"Job [bold]{jobId}[/] submitted; status at {submitted.StatusQueryGetUri ?? "(none)"}");

            JobSnapshot final = await ProgressView.Create(console).RunAsync(
                jobId, report => api.FollowAsync(jobId, PollInterval, report, stopping));

            if (final.Status != "completed" || final.Blob is null)
            {
                string reason = final.Error is { } error ? $"{error.Code}: {error.Message}" : final.Status;
                console.MarkupLineInterpolated($"[red]Job {jobId} {final.Status}[/] ({reason})");
                return ExitCodes.JobFailed;
            }

            string path = Path.GetFullPath(run.OutputFile ?? $"{jobId}.mp4");
            long bytes = await api.DownloadAsync(jobId, path, stopping);
            console.MarkupLineInterpolated($"[green]Done.[/] Job id: [bold]{jobId}[/]");
            console.MarkupLineInterpolated($"  blob: {final.Blob.Container}/{final.Blob.Name}");
            console.MarkupLineInterpolated($"  url:  {final.Blob.Url}");
            console.MarkupLineInterpolated($"  file: {path} ({bytes} bytes)");
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            console.MarkupLineInterpolated(
                $"[yellow]Stopped.[/] {(jobId is null ? "No job was submitted." : $"Job {jobId} is kept and continues when the local host starts again on the same storage.")}");
            return ExitCodes.Interrupted;
        }
        catch (JobRejectedException ex)
        {
            console.MarkupLineInterpolated($"[red]The request was refused:[/] {ex.Message}");
            return jobId is null ? ExitCodes.Usage : ExitCodes.JobFailed;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The first address the app listens on, without a trailing slash (a wildcard host becomes 127.0.0.1).</summary>
    /// <summary><c>run --count N</c>: one batch of N variations, a line per item as they change, every MP4 saved.</summary>
    static async Task<int> RunBatchAsync(LocalApiClient api, RunArguments run, IAnsiConsole console, CancellationToken stopping)
    {
        string batchId = await api.SubmitBatchAsync(run, stopping);
        console.MarkupLineInterpolated($"Batch [bold]{batchId}[/] submitted: {run.Count} variations");
        Dictionary<string, string> shown = new(StringComparer.Ordinal);
        BatchSnapshot final = await api.FollowBatchAsync(batchId, PollInterval, batch =>
        {
            foreach (JobSnapshot item in batch.Items)
            {
                string line = $"{item.Status} {item.Progress ?? 0}%";
                if (!shown.TryGetValue(item.Id, out string? before) || before != line)
                {
                    shown[item.Id] = line;
                    console.MarkupLineInterpolated($"  {item.Id}: {line}");
                }
            }
        }, stopping);

        string folder = Path.GetFullPath(run.OutputFile ?? ".");
        Directory.CreateDirectory(folder);
        foreach (JobSnapshot item in final.Items.Where(i => i.Status == "completed"))
        {
            string path = Path.Combine(folder, $"{item.Id}.mp4");
            long bytes = await api.DownloadAsync(item.Id, path, stopping);
            console.MarkupLineInterpolated($"  file: {path} ({bytes} bytes)");
        }

        console.MarkupLineInterpolated($"Batch {batchId} {final.Status}.");
        return final.Status == "completed" ? ExitCodes.Success : ExitCodes.JobFailed;
    }

    public static string BaseUrl(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        string url = app.Urls.First().TrimEnd('/');
        return url.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal);
    }
}
