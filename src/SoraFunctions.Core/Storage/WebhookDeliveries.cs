using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using SoraFunctions.Catalog;

namespace SoraFunctions.Storage;

/// <summary>
/// The webhook deliveries already taken, so that a replayed delivery (same <c>webhook-id</c>) within the signature's
/// tolerance window raises no second event. One row per delivery id in the videos' storage (insert-if-absent, so it
/// holds across instances); a row older than the window no longer matters, because the signature check refuses
/// the replay's timestamp by then.
/// </summary>
public sealed class WebhookDeliveries
{
    public const string TableName = "sorawebhookids";

    /// <summary>The Standard Webhooks timestamp tolerance the signature check applies.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    readonly TableClient table;
    readonly CreateOnce tableCreation;
    readonly TimeProvider time;

    public WebhookDeliveries(TableServiceClient tables, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(tables);
        table = tables.GetTableClient(TableName);
        tableCreation = new CreateOnce(token => this.table.CreateIfNotExistsAsync(token));
        this.time = time;
    }

    /// <summary>True the first time <paramref name="deliveryId"/> is seen within the window; false for a replay.</summary>
    public async Task<bool> TryTakeAsync(string deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        await EnsureTableAsync(cancellationToken);
        (string partition, string row) = Keys(deliveryId);
        DateTimeOffset now = time.GetUtcNow();
        try
        {
            await table.AddEntityAsync(new TableEntity(partition, row) { ["TakenAt"] = now }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            NullableResponse<TableEntity> seen = await table.GetEntityIfExistsAsync<TableEntity>(partition, row, ["TakenAt"], cancellationToken);
            if (seen.HasValue && seen.Value!.GetDateTimeOffset("TakenAt") is { } taken && now - taken > Window)
            {
                // An old row under a reused id: take it again.
                await table.UpdateEntityAsync(new TableEntity(partition, row) { ["TakenAt"] = now }, seen.Value.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }

            return false;
        }
    }

    /// <summary>Forgets a delivery whose handling failed, so that the provider's retry is handled.</summary>
    public async Task ReleaseAsync(string deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        (string partition, string row) = Keys(deliveryId);
        await table.DeleteEntityAsync(partition, row, ETag.All, cancellationToken);
    }

    Task EnsureTableAsync(CancellationToken cancellationToken) =>
        tableCreation.EnsureAsync(cancellationToken);

    /// <summary>A delivery id is client text: hashed, so that any id is a valid key; spread over 16 partitions.</summary>
    static (string Partition, string Row) Keys(string deliveryId)
    {
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deliveryId)));
        return (hash[..1], hash);
    }
}
