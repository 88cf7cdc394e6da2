using System.Collections.Concurrent;
using System.Diagnostics;

namespace SoraFunctions.EndToEnd.Tests.Support;

/// <summary>The built local host run as a process to its exit, for how it starts and stops rather than its API.</summary>
sealed class LocalHostRun : IAsyncDisposable
{
    readonly Process process;
    readonly ConcurrentQueue<string> output = new();

    LocalHostRun(Process process) => this.process = process;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output => string.Join(Environment.NewLine, output);

    public static LocalHostRun Start(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        string dll = LocalHostProcess.LocalHostDll();
        ProcessStartInfo start = new("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in environment)
        {
            start.Environment[key] = value;
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        LocalHostRun run = new(process);
        process.OutputDataReceived += (_, e) => run.Record(e.Data);
        process.ErrorDataReceived += (_, e) => run.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Waits until the process has written a line containing <paramref name="text"/>.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        Poll.UntilAsync(
            _ => Task.FromResult(output.Any(line => line.Contains(text, StringComparison.Ordinal)) ? text : null),
            timeout,
            $"'{text}' in the local host's output{Environment.NewLine}{Output}");

    /// <summary>Sends SIGTERM, as a service manager or <c>docker stop</c> would.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>The exit code, once the process has exited by itself within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using CancellationTokenSource deadline = new(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The local host did not exit within {timeout.TotalSeconds:0} s:{Environment.NewLine}{Output}");
        }

        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    void Record(string? line)
    {
        if (line is not null)
        {
            output.Enqueue(line);
        }
    }
}
