using Microsoft.Extensions.Configuration;

namespace SoraFunctions.Storage;

/// <summary>The storage services a connection reaches.</summary>
public enum StorageService
{
    Blob,
    Queue,
    Table,
}

/// <summary>
/// Names storage connections the way Azure Functions does, and hands them to <c>Microsoft.Extensions.Azure</c>, which
/// builds the clients and credentials. A connection is the setting's value (a connection string;
/// <c>UseDevelopmentStorage=true</c> for Azurite) or its identity-based children (<c>{name}__blobServiceUri</c> or
/// <c>__serviceUri</c> or <c>__accountName</c>, <c>__tableServiceUri</c>, <c>__queueServiceUri</c>,
/// <c>__credential=managedidentity</c>, <c>__clientId</c>). <c>VideoStorage</c> defaults to <c>AzureWebJobsStorage</c>
/// and the other way round; with neither, Azurite's development storage.
/// </summary>
public static class StorageConnections
{
    public const string VideoStorage = "VideoStorage";
    public const string AzureWebJobsStorage = "AzureWebJobsStorage";
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    /// <summary>The output storage: <c>VideoStorage</c>, else <c>AzureWebJobsStorage</c>, else development storage.</summary>
    public static IConfigurationSection Video(IConfiguration configuration) => Resolve(configuration, VideoStorage, AzureWebJobsStorage);

    /// <summary>The durable engine's storage: <c>AzureWebJobsStorage</c>, else <c>VideoStorage</c>, else development storage.</summary>
    public static IConfigurationSection Engine(IConfiguration configuration) => Resolve(configuration, AzureWebJobsStorage, VideoStorage);

    /// <summary>
    /// The settings of one service's client in the shape <c>Microsoft.Extensions.Azure</c> reads: the connection string
    /// as the section's value, or the service's URI under the name of its client constructor's parameter
    /// (<c>serviceUri</c> for blobs and queues, <c>endpoint</c> for tables) beside <c>credential</c> and <c>clientId</c>.
    /// </summary>
    public static IConfigurationSection ClientSettings(IConfigurationSection connection, StorageService service)
    {
        ArgumentNullException.ThrowIfNull(connection);
        const string Name = "connection";
        if (!string.IsNullOrWhiteSpace(connection.Value))
        {
            return Section(Name, new() { [Name] = connection.Value });
        }

        Uri uri = ServiceUri(connection, service);
        return Section(Name, new()
        {
            [$"{Name}:{(service == StorageService.Table ? "endpoint" : "serviceUri")}"] = uri.AbsoluteUri,
            [$"{Name}:credential"] = connection["credential"],
            [$"{Name}:clientId"] = connection["clientId"],
        });
    }

    /// <summary>The endpoint of <paramref name="service"/> for an identity-based connection; the blob URI names the account.</summary>
    public static Uri ServiceUri(IConfigurationSection connection, StorageService service)
    {
        ArgumentNullException.ThrowIfNull(connection);
        string? blob = connection["blobServiceUri"] ?? connection["serviceUri"]
            ?? (connection["accountName"] is { Length: > 0 } account ? $"https://{account}.blob.core.windows.net" : null);
        if (!Uri.TryCreate(blob, UriKind.Absolute, out Uri? blobUri))
        {
            throw new InvalidOperationException($"{connection.Path} is neither a connection string nor an identity-based connection with an absolute {connection.Path}:blobServiceUri.");
        }

        string? own = service switch
        {
            StorageService.Queue => connection["queueServiceUri"],
            StorageService.Table => connection["tableServiceUri"],
            _ => null,
        };
        return service == StorageService.Blob ? blobUri
            : Uri.TryCreate(own, UriKind.Absolute, out Uri? ownUri) ? ownUri
            : new Uri(blobUri.AbsoluteUri.Replace(".blob.", service == StorageService.Queue ? ".queue." : ".table.", StringComparison.OrdinalIgnoreCase));
    }

    static IConfigurationSection Resolve(IConfiguration configuration, string name, string fallback)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new[] { name, fallback }.Select(configuration.GetSection).FirstOrDefault(IsConfigured)
            ?? Section(name, new() { [name] = DevelopmentStorage });
    }

    static bool IsConfigured(IConfigurationSection section) =>
        !string.IsNullOrWhiteSpace(section.Value) || section.GetChildren().Any(c => c.Key is "blobServiceUri" or "serviceUri" or "accountName");

    static IConfigurationSection Section(string name, Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(name);
}
