using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;

namespace SoraFunctions.Storage;

/// <summary>
/// Reads a storage connection the way Azure Functions does: the setting's value is a connection string
/// (<c>UseDevelopmentStorage=true</c> for Azurite), or its children name an identity-based connection
/// (<c>{name}__blobServiceUri</c> or <c>{name}__serviceUri</c>, <c>__tableServiceUri</c>,
/// <c>__credential=managedidentity</c>, <c>__clientId</c>). <c>VideoStorage</c> defaults to
/// <c>AzureWebJobsStorage</c> and the other way round; with neither, Azurite's development storage.
/// </summary>
public sealed class StorageConnections
{
    public const string VideoStorage = "VideoStorage";
    public const string AzureWebJobsStorage = "AzureWebJobsStorage";
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    readonly IConfiguration configuration;

    public StorageConnections(IConfiguration configuration) => this.configuration = configuration;

    /// <summary>The blob service for finished videos.</summary>
    public BlobServiceClient CreateVideoBlobServiceClient() => Resolve(VideoStorage, AzureWebJobsStorage).CreateBlobServiceClient();

    /// <summary>The table service for the video catalog (same account as the videos).</summary>
    public TableServiceClient CreateVideoTableServiceClient() => Resolve(VideoStorage, AzureWebJobsStorage).CreateTableServiceClient();

    /// <summary>The durable engine's storage connection string (local host only; identity-based is not supported there).</summary>
    public StorageConnection ResolveEngineStorage() => Resolve(AzureWebJobsStorage, VideoStorage);

    StorageConnection Resolve(string name, string fallback) =>
        TryRead(name) ?? TryRead(fallback) ?? new StorageConnection(DevelopmentStorage, null, null, null);

    StorageConnection? TryRead(string name)
    {
        IConfigurationSection section = configuration.GetSection(name);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return new StorageConnection(section.Value, null, null, null);
        }

        string? blobUri = section["blobServiceUri"] ?? section["serviceUri"];
        string? accountName = section["accountName"];
        if (string.IsNullOrWhiteSpace(blobUri) && !string.IsNullOrWhiteSpace(accountName))
        {
            blobUri = $"https://{accountName}.blob.core.windows.net";
        }

        if (string.IsNullOrWhiteSpace(blobUri))
        {
            return null;
        }

        if (!Uri.TryCreate(blobUri, UriKind.Absolute, out Uri? blob))
        {
            throw new InvalidOperationException($"{name}:blobServiceUri must be an absolute URI.");
        }

        string? tableUri = section["tableServiceUri"];
        Uri table = !string.IsNullOrWhiteSpace(tableUri) && Uri.TryCreate(tableUri, UriKind.Absolute, out Uri? t)
            ? t
            : new Uri(blob.AbsoluteUri.Replace(".blob.", ".table.", StringComparison.OrdinalIgnoreCase));
        TokenCredential credential = string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(section["clientId"] is { Length: > 0 } clientId
                ? ManagedIdentityId.FromUserAssignedClientId(clientId)
                : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential();
        return new StorageConnection(null, blob, table, credential);
    }
}

/// <summary>A resolved storage connection: a connection string, or service URIs with a credential.</summary>
public sealed record StorageConnection(string? ConnectionString, Uri? BlobServiceUri, Uri? TableServiceUri, TokenCredential? Credential)
{
    public BlobServiceClient CreateBlobServiceClient() => ConnectionString is not null
        ? new BlobServiceClient(ConnectionString)
        : new BlobServiceClient(BlobServiceUri, Credential);

    public TableServiceClient CreateTableServiceClient() => ConnectionString is not null
        ? new TableServiceClient(ConnectionString)
        : new TableServiceClient(TableServiceUri, Credential);
}
