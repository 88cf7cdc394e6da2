using SoraFunctions.LocalHost.Tooling;
using Xunit;

namespace SoraFunctions.Testing;

/// <summary>
/// Azurite for tests: installed once into <c>{repoRoot}/.local/tools</c> (under a cross-process lock), started
/// in memory on three free loopback ports, stopped (process tree killed) on dispose. One started with
/// <see cref="StartPersistentAsync"/> keeps its data in a folder and can be stopped and started again on the same
/// ports and data (<see cref="StopAsync"/>, <see cref="StartAgainAsync"/>), as a storage outage would.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    readonly AzuriteLaunchOptions? persistent;
    AzuriteInstance instance;
    bool running = true;

    AzuriteServer(AzuriteInstance instance, AzuriteLaunchOptions? persistent)
    {
        this.instance = instance;
        this.persistent = persistent;
    }

    /// <summary>A full connection string with the blob, queue and table endpoints (development account).</summary>
    public string ConnectionString => instance.ConnectionString;

    /// <summary>The blob port.</summary>
    public int BlobPort => instance.BlobPort;

    /// <summary>The queue port.</summary>
    public int QueuePort => instance.QueuePort;

    /// <summary>The table port.</summary>
    public int TablePort => instance.TablePort;

    /// <summary>The blob endpoint, e.g. <c>http://127.0.0.1:{port}/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => instance.BlobEndpoint;

    /// <summary>The table endpoint.</summary>
    public Uri TableEndpoint => instance.TableEndpoint;

    /// <summary>The queue endpoint.</summary>
    public Uri QueueEndpoint => instance.QueueEndpoint;

    /// <summary>Where a persistent server keeps its data; null for one in memory.</summary>
    public string? DataFolder => persistent?.DataFolder;

    /// <summary>True while the Azurite process runs.</summary>
    public bool IsRunning => running && instance.IsRunning;

    /// <summary>Installs Azurite when missing and starts it in memory on free ports.</summary>
    public static async Task<AzuriteServer> StartAsync(CancellationToken cancellationToken = default)
    {
        AzuriteInstance instance = await AzuriteLauncher.StartAsync(
            new AzuriteLaunchOptions { ToolsFolder = RepoPaths.Combine(".local", "tools") },
            cancellationToken).ConfigureAwait(false);
        return new AzuriteServer(instance, persistent: null);
    }

    /// <summary>
    /// Installs Azurite when missing and starts it on free ports, persisting to <paramref name="dataFolder"/>
    /// (created when missing). <see cref="StopAsync"/> and <see cref="StartAgainAsync"/> keep those ports and data.
    /// </summary>
    public static async Task<AzuriteServer> StartPersistentAsync(string dataFolder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataFolder);
        var options = new AzuriteLaunchOptions { ToolsFolder = RepoPaths.Combine(".local", "tools"), DataFolder = dataFolder };
        AzuriteInstance instance = await AzuriteLauncher.StartAsync(options, cancellationToken).ConfigureAwait(false);

        // From now on the same ports: clients keep their connection strings across a stop and start.
        return new AzuriteServer(instance, options with { BlobPort = instance.BlobPort, QueuePort = instance.QueuePort, TablePort = instance.TablePort });
    }

    /// <summary>
    /// Stops a persistent server as SIGTERM would (Azurite saves its metadata, then exits); the ports close.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server is in memory, not running, or had to be killed (its latest metadata may be lost).</exception>
    public async Task StopAsync()
    {
        if (persistent is null)
        {
            throw new InvalidOperationException("Only a persistent Azurite (StartPersistentAsync) can be stopped and started again.");
        }

        if (!running)
        {
            throw new InvalidOperationException("Azurite is not running.");
        }

        running = false;
        await instance.DisposeAsync().ConfigureAwait(false);
        if (instance.StoppedGracefully != true)
        {
            throw new InvalidOperationException("Azurite did not shut down by itself and was killed: metadata written since its last autosave may be lost.");
        }
    }

    /// <summary>Starts a stopped persistent server again on the same ports and data folder.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (persistent is null || running)
        {
            throw new InvalidOperationException("Only a stopped persistent Azurite can be started again.");
        }

        instance = await AzuriteLauncher.StartAsync(persistent, cancellationToken).ConfigureAwait(false);
        running = true;
    }

    /// <summary>Stops Azurite.</summary>
    public ValueTask DisposeAsync()
    {
        running = false;
        return instance.DisposeAsync();
    }
}

/// <summary>
/// One Azurite for a whole test collection: declare <c>[CollectionDefinition(Name)] class X : ICollectionFixture&lt;AzuriteFixture&gt;</c>
/// in the test assembly and put <c>[Collection(Name)]</c> on the test classes.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    AzuriteServer? server;

    /// <summary>The running server (after <see cref="InitializeAsync"/>).</summary>
    public AzuriteServer Server => server ?? throw new InvalidOperationException("Azurite has not been started yet.");

    /// <summary>Starts Azurite.</summary>
    public async Task InitializeAsync() => server = await AzuriteServer.StartAsync().ConfigureAwait(false);

    /// <summary>Stops Azurite.</summary>
    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
