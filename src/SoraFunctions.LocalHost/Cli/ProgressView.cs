using System.Globalization;
using Spectre.Console;

namespace SoraFunctions.LocalHost.Cli;

/// <summary>Shows a job's progress: a live bar on a terminal, plain lines when output is redirected.</summary>
public abstract class ProgressView
{
    /// <summary>A live view on an interactive terminal, plain lines otherwise.</summary>
    public static ProgressView Create(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        return console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected
            ? new LiveProgressView(console)
            : new PlainProgressView(console);
    }

    /// <summary>Runs <paramref name="follow"/>, which reports each snapshot through the callback it is given.</summary>
    public abstract Task<JobSnapshot> RunAsync(string jobId, Func<Action<JobSnapshot>, Task<JobSnapshot>> follow);

    /// <summary>Formats elapsed time as <c>m:ss</c>.</summary>
    protected static string Format(TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalMinutes}:{elapsed.Seconds:00}");

    sealed class LiveProgressView(IAnsiConsole console) : ProgressView
    {
        public override Task<JobSnapshot> RunAsync(string jobId, Func<Action<JobSnapshot>, Task<JobSnapshot>> follow) =>
            console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(
                    new TaskDescriptionColumn(),
                    new ProgressBarColumn(),
                    new PercentageColumn(),
                    new ElapsedTimeColumn(),
                    new SpinnerColumn())
                .StartAsync(async context =>
                {
                    ProgressTask task = context.AddTask(Markup.Escape($"{jobId} queued"), maxValue: 100);
                    JobSnapshot final = await follow(snapshot =>
                    {
                        task.Description = Markup.Escape($"{jobId} {snapshot.Status}");
                        task.Value = snapshot.Progress ?? task.Value;
                    });
                    if (final.Status == "completed")
                    {
                        task.Value = 100;
                    }

                    task.StopTask();
                    return final;
                });
    }

    sealed class PlainProgressView(IAnsiConsole console) : ProgressView
    {
        public override async Task<JobSnapshot> RunAsync(string jobId, Func<Action<JobSnapshot>, Task<JobSnapshot>> follow)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string? last = null;
            return await follow(snapshot =>
            {
                string line = snapshot.Progress is { } percent
                    ? string.Create(CultureInfo.InvariantCulture, $"{snapshot.Status} {percent}%")
                    : snapshot.Status;
                if (line != last)
                {
                    last = line;
                    console.WriteLine($"[{Format(clock.Elapsed)}] {jobId} {line}");
                }
            });
        }
    }
}
