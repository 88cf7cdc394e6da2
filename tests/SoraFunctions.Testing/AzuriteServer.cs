using SoraFunctions.LocalHost.Tooling;
using Xunit;

namespace SoraFunctions.Testing;

/// <summary>
/// Azurite for tests: installed once into <c>{repoRoot}/.local/tools</c> (under a cross-process lock), started
/// in memory on three free loopback ports, stopped (process tree killed) on dispose.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private readonly AzuriteInstance _instance;

    private AzuriteServer(AzuriteInstance instance) => _instance = instance;

    /// <summary>A full connection string with the blob, queue and table endpoints (development account).</summary>
    public string ConnectionString => _instance.ConnectionString;

    /// <summary>The blob port.</summary>
    public int BlobPort => _instance.BlobPort;

    /// <summary>The queue port.</summary>
    public int QueuePort => _instance.QueuePort;

    /// <summary>The table port.</summary>
    public int TablePort => _instance.TablePort;

    /// <summary>The blob endpoint, e.g. <c>http://127.0.0.1:{port}/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => _instance.BlobEndpoint;

    /// <summary>The table endpoint.</summary>
    public Uri TableEndpoint => _instance.TableEndpoint;

    /// <summary>The queue endpoint.</summary>
    public Uri QueueEndpoint => _instance.QueueEndpoint;

    /// <summary>Installs Azurite when missing and starts it in memory on free ports.</summary>
    public static async Task<AzuriteServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var instance = await AzuriteLauncher.StartAsync(
            new AzuriteLaunchOptions { ToolsFolder = RepoPaths.Combine(".local", "tools") },
            cancellationToken).ConfigureAwait(false);
        return new AzuriteServer(instance);
    }

    /// <summary>Stops Azurite.</summary>
    public ValueTask DisposeAsync() => _instance.DisposeAsync();
}

/// <summary>
/// One Azurite for a whole test collection: declare <c>[CollectionDefinition(Name)] class X : ICollectionFixture&lt;AzuriteFixture&gt;</c>
/// in the test assembly and put <c>[Collection(Name)]</c> on the test classes.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _server;

    /// <summary>The running server (after <see cref="InitializeAsync"/>).</summary>
    public AzuriteServer Server => _server ?? throw new InvalidOperationException("Azurite has not been started yet.");

    /// <summary>Starts Azurite.</summary>
    public async Task InitializeAsync() => _server = await AzuriteServer.StartAsync().ConfigureAwait(false);

    /// <summary>Stops Azurite.</summary>
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
