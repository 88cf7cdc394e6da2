using System.Globalization;
using Azure;
using Azure.Data.Tables;
using SoraFunctions.Catalog;

namespace SoraFunctions.Storage;

/// <summary>
/// The jobs in the order they were submitted, newest first, for <c>GET /api/videos</c>: one table row per job
/// whose key sorts by inverted submission time. (The Durable task hub's instance table is keyed by instance id,
/// so it cannot list newest first without reading every instance.)
/// </summary>
public sealed class JobIndex : IJobIndex
{
    public const string TableName = "sorajobs";
    const string Partition = "job";

    readonly TableClient table;
    readonly CreateOnce tableCreation;
    readonly UpsertBatcher writes;

    public JobIndex(TableServiceClient tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        table = tables.GetTableClient(TableName);
        tableCreation = new CreateOnce(token => this.table.CreateIfNotExistsAsync(token));
        writes = new UpsertBatcher(table);
    }

    /// <summary>
    /// Records a submitted job in everyone's list (admins) and in its caller's own (idempotent for the same id and time).
    /// The rows of submissions arriving together are written together (<see cref="UpsertBatcher"/>): a burst of a
    /// thousand at once wrote two thousand rows one request each.
    /// </summary>
    public async Task RecordAsync(string jobId, string caller, DateTimeOffset submittedAt, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        string rowKey = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.MaxValue.UtcTicks - submittedAt.UtcTicks:D19}_{jobId}");
        await Task.WhenAll(
            writes.UpsertAsync(new TableEntity(Partition, rowKey) { ["JobId"] = jobId, ["Caller"] = caller }, cancellationToken),
            writes.UpsertAsync(new TableEntity(CallerPartition(caller), rowKey) { ["JobId"] = jobId }, cancellationToken));
    }

    /// <summary>One page of job ids, newest first, and the token of the next page (null at the end).</summary>
    /// <exception cref="FormatException">The continuation token is not one this index handed out.</exception>
    /// <param name="caller">Whose jobs; null for everyone's (admins).</param>
    public async Task<(IReadOnlyList<string> JobIds, string? ContinuationToken)> ListAsync(string? caller, int limit, string? continuationToken, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        string partition = caller is null ? Partition : CallerPartition(caller);
        AsyncPageable<TableEntity> query = table.QueryAsync<TableEntity>(
            filter: TableClient.CreateQueryFilter($"PartitionKey eq {partition}"),
            maxPerPage: limit,
            select: ["JobId"],
            cancellationToken: cancellationToken);
        try
        {
            await foreach (Page<TableEntity> page in query.AsPages(continuationToken, limit))
            {
                return ([.. page.Values.Select(e => e.GetString("JobId")).OfType<string>()], string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 400 && continuationToken is not null)
        {
            throw new FormatException("The continuation token is not valid.", ex);
        }

        return ([], null);
    }

    static string CallerPartition(string caller) => "caller-" + Limits.TableKeys.Escape(caller);

    Task EnsureTableAsync(CancellationToken cancellationToken) =>
        tableCreation.EnsureAsync(cancellationToken);
}

/// <summary>The jobs newest first (see <see cref="JobIndex"/>).</summary>
public interface IJobIndex
{
    Task RecordAsync(string jobId, string caller, DateTimeOffset submittedAt, CancellationToken cancellationToken);

    Task<(IReadOnlyList<string> JobIds, string? ContinuationToken)> ListAsync(string? caller, int limit, string? continuationToken, CancellationToken cancellationToken);
}
