using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace SoraFunctions.Limits;

/// <summary>Paces provider creates across every instance.</summary>
public interface ICreatePacer
{
    /// <summary>Null when a create may go now (it has been counted); otherwise how long to wait before asking again.</summary>
    Task<TimeSpan?> TryTakeAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Makes every instance wait until <paramref name="until"/> (a provider answered 429).</summary>
    Task BackOffAsync(DateTimeOffset until, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="ICreatePacer"/> as one table row ({Tokens, UpdatedAt, BackoffUntil}, partition <c>pacer</c>)
/// updated with ETags; the arithmetic is <see cref="TokenBucket"/>.
/// </summary>
public sealed class TableCreatePacer : ICreatePacer
{
    const string Partition = "pacer";
    const string Row = "creates";
    const int MaxAttempts = 10;
    // Answer when every attempt lost a race: short, since others are taking tokens right now.
    static readonly TimeSpan Contended = TimeSpan.FromSeconds(1);

    readonly LimitsTable table;
    readonly int perMinute;

    public TableCreatePacer(LimitsTable table, IOptions<LimitsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        this.table = table;
        perMinute = options.Value.CreatesPerMinute;
    }

    public async Task<TimeSpan?> TryTakeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        TableClient client = await table.GetAsync(cancellationToken);
        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            (BucketState? state, ETag etag) = await ReadAsync(client, cancellationToken);
            BucketTake take = TokenBucket.Take(state, perMinute, now);
            if (take.Next is null)
            {
                return take.Wait;
            }

            if (await TryWriteAsync(client, take.Next, state is null ? null : etag, cancellationToken))
            {
                return take.Wait;
            }
        }

        return Contended;
    }

    public async Task BackOffAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        TableClient client = await table.GetAsync(cancellationToken);
        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            (BucketState? state, ETag etag) = await ReadAsync(client, cancellationToken);
            BucketState next = TokenBucket.BackOff(state, until);
            if (ReferenceEquals(next, state) || await TryWriteAsync(client, next, state is null ? null : etag, cancellationToken))
            {
                return;
            }
        }

        throw new InvalidOperationException("The create pacer's row kept changing; the back-off was not recorded.");
    }

    static async Task<(BucketState? State, ETag ETag)> ReadAsync(TableClient client, CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> found = await client.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            return (null, default);
        }

        TableEntity row = found.Value!;
        var state = new BucketState(row.GetDouble("Tokens") ?? 0, row.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue, row.GetDateTimeOffset("BackoffUntil"));
        return (state, row.ETag);
    }

    /// <summary>Adds the row when <paramref name="etag"/> is null, else replaces it if unchanged; false on a lost race.</summary>
    static async Task<bool> TryWriteAsync(TableClient client, BucketState state, ETag? etag, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(Partition, Row) { ["Tokens"] = state.Tokens, ["UpdatedAt"] = state.UpdatedAt };
        if (state.BackoffUntil is { } until)
        {
            entity["BackoffUntil"] = until;
        }

        try
        {
            if (etag is { } match)
            {
                await client.UpdateEntityAsync(entity, match, TableUpdateMode.Replace, cancellationToken);
            }
            else
            {
                await client.AddEntityAsync(entity, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException ex) when (LimitsTable.IsConflict(ex))
        {
            return false;
        }
    }
}
