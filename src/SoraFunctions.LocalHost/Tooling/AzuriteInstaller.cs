using System.Diagnostics;
using System.Text.Json;

namespace SoraFunctions.LocalHost.Tooling;

/// <summary>
/// Installs Azurite with npm into a project-local folder, once, under a cross-process lock (several test
/// assemblies or hosts may start at the same time).
/// </summary>
public static class AzuriteInstaller
{
    const string LockFileName = ".azurite-install.lock";

    /// <summary>The Azurite entry script in <paramref name="toolsFolder"/> (run with <c>node</c>).</summary>
    public static string EntryScript(string toolsFolder) =>
        Path.Combine(toolsFolder, "node_modules", "azurite", "dist", "src", "azurite.js");

    /// <summary>True when <paramref name="version"/> of Azurite is installed in <paramref name="toolsFolder"/>.</summary>
    public static bool IsInstalled(string toolsFolder, string version)
    {
        string packageJson = Path.Combine(toolsFolder, "node_modules", "azurite", "package.json");
        if (!File.Exists(packageJson) || !File.Exists(EntryScript(toolsFolder)))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(packageJson));
            return document.RootElement.TryGetProperty("version", out JsonElement installed)
                && string.Equals(installed.GetString(), version, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return false;
        }
    }

    /// <summary>Installs Azurite when missing and returns the path of its entry script.</summary>
    public static async Task<string> EnsureInstalledAsync(string toolsFolder, string version, ILogger logger, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(toolsFolder);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentNullException.ThrowIfNull(logger);

        if (IsInstalled(toolsFolder, version))
        {
            return EntryScript(toolsFolder);
        }

        Directory.CreateDirectory(toolsFolder);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await using FileStream installLock = await AcquireLockAsync(Path.Combine(toolsFolder, LockFileName), logger, deadline.Token).ConfigureAwait(false);

            // Another process may have installed it while this one waited for the lock.
            if (!IsInstalled(toolsFolder, version))
            {
                await RunNpmInstallAsync(toolsFolder, version, logger, deadline.Token).ConfigureAwait(false);
                if (!IsInstalled(toolsFolder, version))
                {
                    throw new InvalidOperationException($"npm reported success but Azurite {version} is not in {toolsFolder}.");
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Installing Azurite {version} into {toolsFolder} did not finish within {timeout}.");
        }

        return EntryScript(toolsFolder);
    }

    static async Task<FileStream> AcquireLockAsync(string path, ILogger logger, CancellationToken cancellationToken)
    {
        bool logged = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None);
            }
            catch (IOException)
            {
                if (!logged)
                {
                    logger.LogInformation("Waiting for another process to finish installing Azurite (lock {LockFile})", path);
                    logged = true;
                }

                // Polling the lock file until the deadline: another process holds it while npm runs.
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    static async Task RunNpmInstallAsync(string toolsFolder, string version, ILogger logger, CancellationToken cancellationToken)
    {
        logger.LogInformation("Installing Azurite {Version} into {ToolsFolder} with npm", version, toolsFolder);
        var start = new ProcessStartInfo
        {
            FileName = OperatingSystem.IsWindows() ? "cmd.exe" : "npm",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = toolsFolder,
        };
        if (OperatingSystem.IsWindows())
        {
            start.ArgumentList.Add("/c");
            start.ArgumentList.Add("npm");
        }

        foreach (string? argument in new[] { "install", "--prefix", toolsFolder, $"azurite@{version}", "--no-audit", "--no-fund" })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new OutputTail(40);
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("npm was not found: install Node.js 20 or later (it brings npm) to run Azurite.", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm install azurite@{version} failed with exit code {process.ExitCode}:{Environment.NewLine}{output}");
        }

        logger.LogInformation("Installed Azurite {Version}", version);
    }
}
