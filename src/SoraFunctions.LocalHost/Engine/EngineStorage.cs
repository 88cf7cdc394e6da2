using Azure.Core;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Azure;
using SoraFunctions.Storage;

namespace SoraFunctions.LocalHost.Engine;

/// <summary>The durable engine's storage clients from an <c>AzureWebJobsStorage</c>-shaped connection.</summary>
public static class EngineStorage
{
    /// <summary>
    /// A connection string as it is; an identity-based connection as its blob, queue and table endpoints with the
    /// credential <c>Microsoft.Extensions.Azure</c> makes from <c>credential</c>/<c>clientId</c>, as Azure Functions does.
    /// </summary>
    public static StorageAccountClientProvider CreateClientProvider(IConfigurationSection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!string.IsNullOrWhiteSpace(connection.Value))
        {
            return new StorageAccountClientProvider(connection.Value);
        }

        var registrations = new ServiceCollection();
        registrations.AddAzureClientsCore();
        using ServiceProvider services = registrations.BuildServiceProvider();
        TokenCredential credential = services.GetRequiredService<AzureComponentFactory>().CreateTokenCredential(connection);
        return new StorageAccountClientProvider(
            StorageConnections.ServiceUri(connection, StorageService.Blob),
            StorageConnections.ServiceUri(connection, StorageService.Queue),
            StorageConnections.ServiceUri(connection, StorageService.Table),
            credential);
    }
}
