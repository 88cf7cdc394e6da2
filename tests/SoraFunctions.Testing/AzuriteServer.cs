using SoraFunctions.LocalHost.Tooling;
using Xunit;

namespace SoraFunctions.Testing;

/// <summary>
/// Azurite for tests: installed once into <c>{repoRoot}/.local/tools</c> (under a cross-process lock), started
/// in memory on three free loopback ports, stopped (process tree killed) on dispose.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    readonly AzuriteInstance instance;

    AzuriteServer(AzuriteInstance instance) => this.instance = instance;

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

    /// <summary>Installs Azurite when missing and starts it in memory on free ports.</summary>
    public static async Task<AzuriteServer> StartAsync(CancellationToken cancellationToken = default)
    {
        AzuriteInstance instance = await AzuriteLauncher.StartAsync(
            new AzuriteLaunchOptions { ToolsFolder = RepoPaths.Combine(".local", "tools") },
            cancellationToken).ConfigureAwait(false);
        return new AzuriteServer(instance);
    }

    /// <summary>Stops Azurite.</summary>
    public ValueTask DisposeAsync() => instance.DisposeAsync();
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
