using System.Diagnostics;
using System.Globalization;

namespace SoraFunctions.LocalHost.Tooling;

/// <summary>A running Azurite process; disposing it stops the process tree.</summary>
public sealed class AzuriteInstance : IAsyncDisposable
{
    /// <summary>The well-known development account name.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The well-known, public development account key (not a secret).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    static readonly TimeSpan GracefulStopTimeout = TimeSpan.FromSeconds(10);

    readonly Process process;
    readonly ILogger logger;
    readonly bool persistent;
    int disposed;

    internal AzuriteInstance(Process process, int blobPort, int queuePort, int tablePort, bool persistent, ILogger logger)
    {
        this.process = process;
        this.persistent = persistent;
        this.logger = logger;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    /// <summary>The blob service port on 127.0.0.1.</summary>
    public int BlobPort { get; }

    /// <summary>The queue service port on 127.0.0.1.</summary>
    public int QueuePort { get; }

    /// <summary>The table service port on 127.0.0.1.</summary>
    public int TablePort { get; }

    /// <summary>The Azurite process id.</summary>
    public int ProcessId => process.Id;

    /// <summary>
    /// After <see cref="DisposeAsync"/>: true when a persistent Azurite shut down on request (having saved its
    /// metadata), false when it was killed or had already exited; null before.
    /// </summary>
    public bool? StoppedGracefully { get; private set; }

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => disposed == 0 && !process.HasExited;

    /// <summary>The blob endpoint, e.g. <c>http://127.0.0.1:10000/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => Endpoint(BlobPort);

    /// <summary>The queue endpoint.</summary>
    public Uri QueueEndpoint => Endpoint(QueuePort);

    /// <summary>The table endpoint.</summary>
    public Uri TableEndpoint => Endpoint(TablePort);

    /// <summary>A full connection string with the blob, queue and table endpoints and the development key.</summary>
    public string ConnectionString => string.Create(
        CultureInfo.InvariantCulture,
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={TableEndpoint};");

    /// <summary>
    /// Stops Azurite. One that persists to a folder is asked to shut down first (so it saves its data; it waits
    /// for open client connections to close, up to 10 s); then the process tree is killed if still running.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        int processId = process.Id;
        try
        {
            // An in-memory Azurite is killed at once (nothing to save); an exited one did not stop on request.
            bool graceful = !process.HasExited && await TryStopGracefullyAsync().ConfigureAwait(false);
            StoppedGracefully = graceful;
            if (!graceful && !process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }

            logger.LogInformation("Azurite (process {ProcessId}) stopped", processId);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or IOException or System.ComponentModel.Win32Exception)
        {
            logger.LogWarning(ex, "Azurite (process {ProcessId}) did not stop cleanly", processId);
        }
        finally
        {
            process.Dispose();
        }
    }

    async Task<bool> TryStopGracefullyAsync()
    {
        if (!persistent)
        {
            // Nothing to save: in-memory data dies with the process anyway.
            return false;
        }

        // Closing standard input makes the launcher's watchdog shut Azurite down as on SIGTERM, which saves
        // its metadata (otherwise persisted only every few seconds). It waits for open client connections.
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(GracefulStopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Azurite (process {ProcessId}) did not stop within {Timeout}; killing it", process.Id, GracefulStopTimeout);
            return false;
        }
    }

    static Uri Endpoint(int port) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/{AccountName}"));
}
