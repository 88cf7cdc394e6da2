using DurableTask.AzureStorage;
using SoraFunctions.Storage;

namespace SoraFunctions.LocalHost.Engine;

/// <summary>Turns the resolved <c>AzureWebJobsStorage</c> connection into the Azure Storage provider's client provider.</summary>
public static class EngineStorage
{
    /// <summary>A connection string as it is, or identity-based service URIs with their credential.</summary>
    public static StorageAccountClientProvider CreateClientProvider(StorageConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.ConnectionString is { Length: > 0 } connectionString)
        {
            return new StorageAccountClientProvider(connectionString);
        }

        if (connection.BlobServiceUri is null || connection.TableServiceUri is null || connection.Credential is null)
        {
            throw new InvalidOperationException("AzureWebJobsStorage is neither a connection string nor an identity-based connection.");
        }

        Uri queue = new(connection.BlobServiceUri.AbsoluteUri.Replace(".blob.", ".queue.", StringComparison.OrdinalIgnoreCase));
        return new StorageAccountClientProvider(connection.BlobServiceUri, queue, connection.TableServiceUri, connection.Credential);
    }
}
