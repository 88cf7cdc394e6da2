using System.Globalization;

namespace SoraFunctions.LocalHost.Tooling;

/// <summary>Azurite as one process per service (<see cref="AzuriteLauncher.StartPerServiceAsync"/>); disposing stops all three.</summary>
public sealed class AzuriteServices(AzuriteInstance blob, AzuriteInstance queue, AzuriteInstance table) : IAsyncDisposable
{
    public int BlobPort => blob.BlobPort;

    public int QueuePort => queue.QueuePort;

    public int TablePort => table.TablePort;

    /// <summary>The three process ids: blob, queue, table.</summary>
    public IReadOnlyList<int> ProcessIds => [blob.ProcessId, queue.ProcessId, table.ProcessId];

    /// <summary>A full connection string with the three services' endpoints and the development key.</summary>
    public string ConnectionString => string.Create(
        CultureInfo.InvariantCulture,
        $"DefaultEndpointsProtocol=http;AccountName={AzuriteInstance.AccountName};AccountKey={AzuriteInstance.AccountKey};BlobEndpoint={blob.BlobEndpoint};QueueEndpoint={queue.QueueEndpoint};TableEndpoint={table.TableEndpoint};");

    public async ValueTask DisposeAsync()
    {
        await blob.DisposeAsync().ConfigureAwait(false);
        await queue.DisposeAsync().ConfigureAwait(false);
        await table.DisposeAsync().ConfigureAwait(false);
    }
}
