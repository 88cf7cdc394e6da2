using Azure;
using Azure.Data.Tables;
using SoraFunctions.Catalog;

namespace SoraFunctions.Storage;

/// <summary>Which job owns a provider video: what a webhook or the status sweep asks before waking a job.</summary>
public interface IProviderVideoIndex
{
    /// <summary>The job that owns <paramref name="providerVideoId"/>, or null when no job of ours does.</summary>
    Task<string?> FindJobAsync(string providerVideoId, CancellationToken cancellationToken);
}

/// <summary>
/// Which job owns each provider video, so that a provider webhook or the status sweep (which know only the provider's
/// video id) can wake the right orchestration. One small table row per job, in the videos' storage account.
/// </summary>
public sealed class ProviderVideoIndex : IProviderVideoIndex
{
    public const string TableName = "soraprovidervideos";
    const string Partition = "video";

    readonly TableClient table;
    readonly CreateOnce tableCreation;
    readonly UpsertBatcher writes;

    public ProviderVideoIndex(TableServiceClient tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        table = tables.GetTableClient(TableName);
        tableCreation = new CreateOnce(token => this.table.CreateIfNotExistsAsync(token));
        writes = new UpsertBatcher(table);
    }

    /// <summary>
    /// Records that <paramref name="jobId"/> owns <paramref name="providerVideoId"/> (idempotent). Rows of creates
    /// finishing together are written together (<see cref="UpsertBatcher"/>): a burst of submissions that each create.
    /// </summary>
    public async Task RecordAsync(string providerVideoId, string jobId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        await writes.UpsertAsync(new TableEntity(Partition, RowKey(providerVideoId)) { ["JobId"] = jobId }, cancellationToken);
    }

    /// <summary>The job that owns <paramref name="providerVideoId"/>, or null when no job of ours does.</summary>
    public async Task<string?> FindJobAsync(string providerVideoId, CancellationToken cancellationToken)
    {
        try
        {
            NullableResponse<TableEntity> found = await table.GetEntityIfExistsAsync<TableEntity>(Partition, RowKey(providerVideoId), ["JobId"], cancellationToken);
            return found.HasValue ? found.Value!.GetString("JobId") : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    Task EnsureTableAsync(CancellationToken cancellationToken) =>
        tableCreation.EnsureAsync(cancellationToken);

    /// <summary>Row keys may not hold '/', '\', '#', '?' or control characters; provider ids normally do not.</summary>
    static string RowKey(string providerVideoId) =>
        string.Concat(providerVideoId.Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c));
}
