using System.Diagnostics;

namespace SoraFunctions.Infra.Tests.Support;

/// <summary>One run of the Bicep CLI.</summary>
/// <param name="Command">The command line, for messages.</param>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="StandardOutput">Everything written to stdout.</param>
/// <param name="StandardError">Everything written to stderr.</param>
public sealed record BicepRun(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>
    /// Diagnostic lines: any line containing "Warning" or "Error". Bicep's exit code ignores linter warnings, so
    /// these lines, not the exit code, decide whether a file is clean.
    /// </summary>
    public IReadOnlyList<string> Diagnostics =>
        [.. (StandardOutput + "\n" + StandardError)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.Contains("Warning", StringComparison.Ordinal) || l.Contains("Error", StringComparison.Ordinal))];
}

/// <summary>Runs the Bicep CLI as a process, in the infra folder.</summary>
public static class BicepCli
{
    /// <summary>Every .bicep file under the working directory.</summary>
    public const string AllFiles = "**/*.bicep";

    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>Makes the packaged binary executable (NuGet does not keep the mode bit).</summary>
    public static void EnsureExecutable(string bicepPath)
    {
        if (!File.Exists(bicepPath))
        {
            throw new FileNotFoundException($"Bicep CLI not found at {bicepPath}; restore tests/SoraFunctions.Infra.Tests first.", bicepPath);
        }

        if (!OperatingSystem.IsWindows())
        {
            UnixFileMode mode = File.GetUnixFileMode(bicepPath);
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(bicepPath, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }
    }

    /// <summary>
    /// <c>bicep build</c> of every file in one process: each template is written to the same relative path under
    /// <paramref name="outputDirectory"/> (with .json), diagnostics go to stderr, prefixed with the file's full path.
    /// A file with errors gets no template.
    /// </summary>
    public static Task<BicepRun> BuildAllAsync(string bicepPath, string outputDirectory, CancellationToken cancellationToken) =>
        RunAsync(bicepPath, ["build", "--no-restore", "--pattern", AllFiles, "--outdir", outputDirectory], cancellationToken);

    /// <summary><c>bicep lint</c> of every file in one process; diagnostics are prefixed with the file's full path.</summary>
    public static Task<BicepRun> LintAllAsync(string bicepPath, CancellationToken cancellationToken) =>
        RunAsync(bicepPath, ["lint", "--no-restore", "--pattern", AllFiles], cancellationToken);

    static async Task<BicepRun> RunAsync(string bicepPath, string[] arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(bicepPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.InfraDirectory,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        string command = $"bicep {string.Join(' ', arguments)}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);

        using Process process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {command}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not finish within {Timeout}.");
        }

        return new BicepRun(command, process.ExitCode, await stdout, await stderr);
    }
}
