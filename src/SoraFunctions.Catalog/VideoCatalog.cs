using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace SoraFunctions.Catalog;

/// <summary>The catalog of finished videos: one row per video blob in an Azure Table, newest first.</summary>
public sealed class VideoCatalog
{
    /// <summary>The most entries <see cref="ListAsync"/> returns per page.</summary>
    public const int MaxPageSize = 1000;

    readonly TableClient table;
    readonly CreateOnce tableCreation;

    /// <summary>Creates the catalog over <paramref name="table"/> (created on first use if missing).</summary>
    public VideoCatalog(TableClient table)
    {
        ArgumentNullException.ThrowIfNull(table);
        this.table = table;
        tableCreation = new CreateOnce(token => this.table.CreateIfNotExistsAsync(token));
    }

    /// <summary>The table name.</summary>
    public string TableName => table.Name;

    /// <summary>Writes (replaces) the row of <paramref name="entry"/>; running it twice leaves one row.</summary>
    public async Task UpsertAsync(CatalogEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await table.UpsertEntityAsync(ToEntity(entry), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists up to <paramref name="limit"/> entries newest first, continuing from <paramref name="continuationToken"/>.</summary>
    public async Task<CatalogPage> ListAsync(int limit, string? continuationToken, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);

        AsyncPageable<TableEntity> query = table.QueryAsync<TableEntity>(
            filter: TableClient.CreateQueryFilter($"PartitionKey eq {CatalogKeys.PartitionKey}"),
            maxPerPage: limit,
            cancellationToken: cancellationToken);

        // One service page: at most `limit` rows (possibly fewer) and the token of the next page.
        await foreach (Page<TableEntity>? page in query.AsPages(string.IsNullOrEmpty(continuationToken) ? null : continuationToken, limit).ConfigureAwait(false))
        {
            var items = page.Values.Select(FromEntity).ToList();
            return new CatalogPage(items, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        }

        return new CatalogPage([], null);
    }

    /// <summary>Creates the table if it does not exist (once per instance).</summary>
    public Task EnsureTableAsync(CancellationToken cancellationToken = default) =>
        tableCreation.EnsureAsync(cancellationToken);

    internal static TableEntity ToEntity(CatalogEntry entry)
    {
        var entity = new TableEntity(CatalogKeys.PartitionKey, CatalogKeys.RowKey(entry.BlobCreatedAt, entry.JobId))
        {
            [nameof(CatalogEntry.JobId)] = entry.JobId,
            [nameof(CatalogEntry.BlobName)] = entry.BlobName,
            [nameof(CatalogEntry.BlobUrl)] = entry.BlobUrl,
            [nameof(CatalogEntry.Container)] = entry.Container,
            [nameof(CatalogEntry.ByteSize)] = entry.ByteSize,
            [nameof(CatalogEntry.IsValidMp4)] = entry.IsValidMp4,
            [nameof(CatalogEntry.BlobCreatedAt)] = entry.BlobCreatedAt,
            [nameof(CatalogEntry.CatalogedAt)] = entry.CatalogedAt,
        };
        SetIfNotNull(entity, nameof(CatalogEntry.ContentType), entry.ContentType);
        SetIfNotNull(entity, nameof(CatalogEntry.DurationSeconds), entry.DurationSeconds);
        SetIfNotNull(entity, nameof(CatalogEntry.Width), entry.Width);
        SetIfNotNull(entity, nameof(CatalogEntry.Height), entry.Height);
        SetIfNotNull(entity, nameof(CatalogEntry.Model), entry.Model);
        SetIfNotNull(entity, nameof(CatalogEntry.Seconds), entry.Seconds);
        SetIfNotNull(entity, nameof(CatalogEntry.Size), entry.Size);
        SetIfNotNull(entity, nameof(CatalogEntry.ProviderVideoId), entry.ProviderVideoId);
        SetIfNotNull(entity, nameof(CatalogEntry.Problem), entry.Problem);
        SetIfNotNull(entity, nameof(CatalogEntry.EstimatedCostUsd), entry.EstimatedCostUsd?.ToString(CultureInfo.InvariantCulture));
        SetIfNotNull(entity, nameof(CatalogEntry.RemixOf), entry.RemixOf);
        SetIfNotNull(entity, nameof(CatalogEntry.BatchId), entry.BatchId);
        SetIfNotNull(entity, nameof(CatalogEntry.Renditions), entry.Renditions is { Count: > 0 } links ? JsonSerializer.Serialize(links) : null);
        return entity;
    }

    internal static CatalogEntry FromEntity(TableEntity entity) => new()
    {
        JobId = entity.GetString(nameof(CatalogEntry.JobId)) ?? string.Empty,
        BlobName = entity.GetString(nameof(CatalogEntry.BlobName)) ?? string.Empty,
        BlobUrl = entity.GetString(nameof(CatalogEntry.BlobUrl)) ?? string.Empty,
        Container = entity.GetString(nameof(CatalogEntry.Container)) ?? string.Empty,
        ByteSize = entity.GetInt64(nameof(CatalogEntry.ByteSize)) ?? 0,
        ContentType = entity.GetString(nameof(CatalogEntry.ContentType)),
        DurationSeconds = entity.GetDouble(nameof(CatalogEntry.DurationSeconds)),
        Width = entity.GetInt32(nameof(CatalogEntry.Width)),
        Height = entity.GetInt32(nameof(CatalogEntry.Height)),
        Model = entity.GetString(nameof(CatalogEntry.Model)),
        Seconds = entity.GetInt32(nameof(CatalogEntry.Seconds)),
        Size = entity.GetString(nameof(CatalogEntry.Size)),
        ProviderVideoId = entity.GetString(nameof(CatalogEntry.ProviderVideoId)),
        IsValidMp4 = entity.GetBoolean(nameof(CatalogEntry.IsValidMp4)) ?? false,
        Problem = entity.GetString(nameof(CatalogEntry.Problem)),
        EstimatedCostUsd = decimal.TryParse(entity.GetString(nameof(CatalogEntry.EstimatedCostUsd)), NumberStyles.Number, CultureInfo.InvariantCulture, out decimal cost) ? cost : null,
        RemixOf = entity.GetString(nameof(CatalogEntry.RemixOf)),
        BatchId = entity.GetString(nameof(CatalogEntry.BatchId)),
        Renditions = entity.GetString(nameof(CatalogEntry.Renditions)) is { } links ? JsonSerializer.Deserialize<Dictionary<string, string>>(links) : null,
        BlobCreatedAt = entity.GetDateTimeOffset(nameof(CatalogEntry.BlobCreatedAt)) ?? default,
        CatalogedAt = entity.GetDateTimeOffset(nameof(CatalogEntry.CatalogedAt)) ?? default,
    };

    static void SetIfNotNull(TableEntity entity, string key, object? value)
    {
        if (value is not null)
        {
            entity[key] = value;
        }
    }
}
