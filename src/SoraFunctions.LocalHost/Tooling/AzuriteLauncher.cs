using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SoraFunctions.LocalHost.Tooling;

/// <summary>
/// Installs (when missing) and starts Azurite on 127.0.0.1: persisting to a folder for the local host, or in
/// memory on free ports for tests.
/// </summary>
public static class AzuriteLauncher
{
    const int MaxAttempts = 3;

    /// <summary>
    /// Runs Azurite's entry script (argv[1]) and shuts it down cleanly (as on Ctrl+C: data is saved) when its
    /// standard input closes: on dispose, and also when this process dies however it dies, so no orphaned
    /// Azurite keeps the ports. SIGINT, because every entry script handles it (the table service's own handles no
    /// SIGTERM).
    /// </summary>
    const string WatchdogScript =
        "const entry = process.argv[1];" +
        "process.stdin.on('end', () => process.emit('SIGINT', 'SIGINT'));" +
        "process.stdin.resume();" +
        "require(entry);";
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Starts Azurite and returns once the blob, queue and table ports accept connections.</summary>
    /// <exception cref="InvalidOperationException">Node.js or npm is missing, a fixed port is taken, or Azurite exited.</exception>
    /// <exception cref="TimeoutException">Azurite did not listen within <see cref="AzuriteLaunchOptions.StartTimeout"/>.</exception>
    public static async Task<AzuriteInstance> StartAsync(AzuriteLaunchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ILogger logger = options.Logger;
        string toolsFolder = options.ToolsFolder ?? RepoPaths.ToolsFolder(RepoPaths.FindRoot());
        string entryScript = await AzuriteInstaller.EnsureInstalledAsync(toolsFolder, options.Version, logger, options.InstallTimeout, cancellationToken).ConfigureAwait(false);

        foreach ((string? name, int port) in new[] { ("blob", options.BlobPort), ("queue", options.QueuePort), ("table", options.TablePort) })
        {
            if (port != 0 && await IsListeningAsync(port, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Cannot start Azurite: the {name} port {port} on 127.0.0.1 is already in use (is another Azurite running?)."));
            }
        }

        if (options.DataFolder is not null)
        {
            Directory.CreateDirectory(options.DataFolder);
        }

        // Free ports are picked by binding port 0 and releasing it; another process may grab one before Azurite
        // binds it, so a start that fails that way is retried with new ports.
        bool picksPorts = options.BlobPort == 0 || options.QueuePort == 0 || options.TablePort == 0;
        for (int attempt = 1; ; attempt++)
        {
            int blobPort = options.BlobPort != 0 ? options.BlobPort : FreePort();
            int queuePort = options.QueuePort != 0 ? options.QueuePort : FreePort();
            int tablePort = options.TablePort != 0 ? options.TablePort : FreePort();
            try
            {
                return await StartOnceAsync(entryScript, null, options, blobPort, queuePort, tablePort, cancellationToken).ConfigureAwait(false);
            }
            catch (AzuriteExitedException ex) when (picksPorts && attempt < MaxAttempts)
            {
                logger.LogWarning(ex, "Azurite exited during start-up (attempt {Attempt}); retrying on other ports", attempt);
            }
        }
    }

    /// <summary>
    /// Starts the blob, queue and table services as three Azurite processes on free ports. Azurite is single-threaded,
    /// so one process serves every request of the durable engine on one core; measured with 1,000 jobs at once it was
    /// saturated for the whole run while the other core had room. Three processes let the busy queue and table
    /// services run in parallel. They share the data folder, as the single process would, and take the options' ports
    /// (0 picks a free one).
    /// </summary>
    public static async Task<AzuriteServices> StartPerServiceAsync(AzuriteLaunchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        string toolsFolder = options.ToolsFolder ?? RepoPaths.ToolsFolder(RepoPaths.FindRoot());
        string entryScript = await AzuriteInstaller.EnsureInstalledAsync(toolsFolder, options.Version, options.Logger, options.InstallTimeout, cancellationToken).ConfigureAwait(false);
        if (options.DataFolder is not null)
        {
            Directory.CreateDirectory(options.DataFolder);
        }

        var started = new List<AzuriteInstance>();
        try
        {
            foreach ((string service, int fixedPort) in new[] { ("blob", options.BlobPort), ("queue", options.QueuePort), ("table", options.TablePort) })
            {
                if (fixedPort != 0 && await IsListeningAsync(fixedPort, cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"Cannot start Azurite: the {service} port {fixedPort} on 127.0.0.1 is already in use (is another Azurite running?)."));
                }

                for (int attempt = 1; ; attempt++)
                {
                    int port = fixedPort != 0 ? fixedPort : FreePort();
                    try
                    {
                        started.Add(await StartOnceAsync(
                            entryScript,
                            service,
                            options,
                            service == "blob" ? port : 0,
                            service == "queue" ? port : 0,
                            service == "table" ? port : 0,
                            cancellationToken).ConfigureAwait(false));
                        break;
                    }
                    catch (AzuriteExitedException ex) when (fixedPort == 0 && attempt < MaxAttempts)
                    {
                        options.Logger.LogWarning(ex, "Azurite's {Service} service exited during start-up (attempt {Attempt}); retrying on another port", service, attempt);
                    }
                }
            }

            return new AzuriteServices(started[0], started[1], started[2]);
        }
        catch
        {
            foreach (AzuriteInstance instance in started)
            {
                await instance.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    static async Task<AzuriteInstance> StartOnceAsync(
        string entryScript,
        string? service,
        AzuriteLaunchOptions options,
        int blobPort,
        int queuePort,
        int tablePort,
        CancellationToken cancellationToken)
    {
        ILogger logger = options.Logger;
        var start = new ProcessStartInfo
        {
            FileName = "node",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = options.DataFolder ?? Path.GetTempPath(),
        };
        foreach (string nodeArgument in options.NodeArguments)
        {
            start.ArgumentList.Add(nodeArgument);
        }

        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(WatchdogScript);
        // One service runs from its own entry script (dist/src/{service}/main.js beside dist/src/azurite.js).
        start.ArgumentList.Add(service is null ? entryScript : Path.Combine(Path.GetDirectoryName(entryScript)!, service, "main.js"));
        var arguments = new List<string> { "--silent", "--disableTelemetry", "--skipApiVersionCheck" };
        foreach ((string name, int port) in new[] { ("blob", blobPort), ("queue", queuePort), ("table", tablePort) })
        {
            if (service is null || service == name)
            {
                arguments.AddRange([$"--{name}Host", "127.0.0.1", $"--{name}Port", port.ToString(CultureInfo.InvariantCulture)]);
            }
        }

        if (options.DataFolder is null)
        {
            arguments.Add("--inMemoryPersistence");
        }
        else
        {
            arguments.Add("--location");
            arguments.Add(options.DataFolder);
        }

        arguments.ForEach(start.ArgumentList.Add);

        var output = new OutputTail(40);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Forward(e.Data);
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException("node was not found: install Node.js 20 or later to run Azurite.", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var instance = new AzuriteInstance(process, blobPort, queuePort, tablePort, persistent: options.DataFolder is not null, logger);
        try
        {
            int[] ports = service switch
            {
                "blob" => [blobPort],
                "queue" => [queuePort],
                "table" => [tablePort],
                _ => [blobPort, queuePort, tablePort],
            };
            await WaitUntilListeningAsync(process, ports, options.StartTimeout, output, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        logger.LogInformation(
            "Azurite {Version} (process {ProcessId}) listening on 127.0.0.1: blob {BlobPort}, queue {QueuePort}, table {TablePort}, data {DataLocation}",
            options.Version,
            instance.ProcessId,
            blobPort,
            queuePort,
            tablePort,
            options.DataFolder ?? "in memory");
        return instance;

        void Forward(string? line)
        {
            if (line is not null)
            {
                output.Add(line);
                logger.LogDebug("azurite: {Line}", line);
            }
        }
    }

    static async Task WaitUntilListeningAsync(Process process, int[] ports, TimeSpan timeout, OutputTail output, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new AzuriteExitedException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Azurite exited with code {process.ExitCode} during start-up:{Environment.NewLine}{output}"));
            }

            bool listening = true;
            foreach (int port in ports)
            {
                if (!await IsListeningAsync(port, cancellationToken).ConfigureAwait(false))
                {
                    listening = false;
                    break;
                }
            }

            if (listening)
            {
                return;
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Azurite did not listen on ports {string.Join(", ", ports)} within {timeout}:{Environment.NewLine}{output}"));
            }

            // Polling with a deadline: nothing signals readiness except the ports themselves.
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, attempt.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Azurite stopped before it listened (for example a port was taken).</summary>
    sealed class AzuriteExitedException(string message) : InvalidOperationException(message);
}
