using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace SoraFunctions.Limits;

/// <summary>The answer to a slot request: either the slot is held, or the job waits its turn.</summary>
/// <param name="QueuePosition">1-based rank among waiting jobs by first request; 0 when acquired.</param>
/// <param name="RetryAfter">When to ask again; a waiter that stays silent for <see cref="TableJobSlots.WaiterTimeout"/> loses its place.</param>
public sealed record SlotGrant(bool Acquired, int QueuePosition, TimeSpan RetryAfter)
{
    public static SlotGrant Granted { get; } = new(true, 0, TimeSpan.Zero);
}

/// <summary>A counting semaphore for provider jobs in flight, shared by every instance.</summary>
public interface IJobSlots
{
    /// <summary>Takes (or keeps, renewing its lease) a slot for the job, or queues the job when none is free.</summary>
    Task<SlotGrant> AcquireAsync(string jobId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Extends the lease of the slot the job holds; false when it holds none (its lease ran out and another job took it).</summary>
    Task<bool> RenewAsync(string jobId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Frees the job's slot and its place in the queue; idempotent. True when this call freed a slot the job held.</summary>
    Task<bool> ReleaseAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Slots held with a lease still running (0 when slots are off).</summary>
    Task<int> InFlightAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// The oldest live waiters, one per free slot (at most <paramref name="most"/>), to wake when slots free rather than
    /// let them sleep until their next try.
    /// </summary>
    Task<IReadOnlyList<string>> NextWaitersAsync(DateTimeOffset now, int most, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IJobSlots"/> on Azure Tables. Partition <c>slots</c> holds rows <c>slot-000</c>…<c>slot-{N-1}</c>
/// ({JobId, LeaseUntil}); a row is free when its JobId is empty or its lease has run out, so a host that dies
/// holding a slot loses it when the lease ends. Every claim is an ETag-conditional write, so two instances can
/// never both take one row. Partition <c>waiters</c> holds one row per waiting job ({JobId, EnqueuedAt,
/// LastSeen}): a freed slot goes to the oldest waiters first, and a new job that finds a free slot still waits
/// when older jobs are queued for it.
/// </summary>
public sealed class TableJobSlots : IJobSlots
{
    /// <summary>A waiter not heard from for this long is dropped (its job died or was canceled).</summary>
    public static readonly TimeSpan WaiterTimeout = TimeSpan.FromMinutes(2);

    const string SlotPartition = "slots";
    const string WaiterPartition = "waiters";
    const int MaxAttempts = 8;
    static readonly TimeSpan MinRetry = TimeSpan.FromSeconds(5);
    static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    readonly LimitsTable table;
    readonly int capacity;

    public TableJobSlots(LimitsTable table, IOptions<LimitsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        this.table = table;
        capacity = options.Value.MaxRunningJobs;
    }

    public async Task<SlotGrant> AcquireAsync(string jobId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        if (capacity == 0)
        {
            return SlotGrant.Granted;
        }

        TableClient client = await table.GetAsync(cancellationToken);
        DateTimeOffset leaseUntil = now + lease;
        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            List<TableEntity> slots = await ReadPartitionAsync(client, SlotPartition, cancellationToken);
            TableEntity? mine = slots.Find(s => s.GetString("JobId") == jobId);
            if (mine is not null)
            {
                if (await TryWriteSlotAsync(client, mine, jobId, leaseUntil, cancellationToken))
                {
                    await DeleteWaiterAsync(client, jobId, cancellationToken);
                    return SlotGrant.Granted;
                }

                continue;
            }

            List<SlotCandidate> free = FreeSlots(slots, now);
            (List<TableEntity> waiters, TableEntity? myWaiter) = await ReadWaitersAsync(client, jobId, now, cancellationToken);
            // Older waiters have first claim on free slots: with K free slots only the K oldest may take one,
            // and a job not yet queued ranks behind every waiter.
            int rank = myWaiter is null ? waiters.Count : waiters.IndexOf(myWaiter);
            if (rank >= free.Count)
            {
                return await WaitAsync(client, jobId, now, waiters, myWaiter, slots, cancellationToken);
            }

            // Start at a slot chosen by the job id so that concurrent claimants spread over the free rows instead of
            // all racing for the first one.
            int start = (int)((uint)StringComparer.Ordinal.GetHashCode(jobId) % (uint)free.Count);
            for (int i = 0; i < free.Count; i++)
            {
                SlotCandidate candidate = free[(start + i) % free.Count];
                bool claimed = candidate.Row is null
                    ? await TryAddSlotAsync(client, candidate.Index, jobId, leaseUntil, cancellationToken)
                    : await TryWriteSlotAsync(client, candidate.Row, jobId, leaseUntil, cancellationToken);
                if (claimed)
                {
                    if (myWaiter is not null)
                    {
                        await DeleteWaiterAsync(client, jobId, cancellationToken);
                    }

                    return SlotGrant.Granted;
                }
            }
        }

        // Lost every race: another instance took the slots in between. Queue like anyone who found none free.
        (List<TableEntity> lastWaiters, TableEntity? lastMine) = await ReadWaitersAsync(client, jobId, now, cancellationToken);
        return await WaitAsync(client, jobId, now, lastWaiters, lastMine, slots: null, cancellationToken);
    }

    public async Task<bool> RenewAsync(string jobId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        if (capacity == 0)
        {
            return true;
        }

        TableClient client = await table.GetAsync(cancellationToken);
        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            TableEntity? mine = (await ReadHeldAsync(client, jobId, cancellationToken)).FirstOrDefault();
            if (mine is null)
            {
                return false;
            }

            if (await TryWriteSlotAsync(client, mine, jobId, now + lease, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    public async Task<bool> ReleaseAsync(string jobId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        if (capacity == 0)
        {
            return false;
        }

        TableClient client = await table.GetAsync(cancellationToken);
        bool freed = false;
        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            List<TableEntity> held = await ReadHeldAsync(client, jobId, cancellationToken);
            bool raced = false;
            foreach (TableEntity row in held)
            {
                try
                {
                    // Conditional: if the lease ran out and another job took the row meanwhile, it is not ours to free.
                    await client.UpdateEntityAsync(new TableEntity(SlotPartition, row.RowKey) { ["JobId"] = "" }, row.ETag, TableUpdateMode.Merge, cancellationToken);
                    freed = true;
                }
                catch (RequestFailedException ex) when (ex.Status is 404 or 412)
                {
                    raced = true;
                }
            }

            if (!raced)
            {
                break;
            }
        }

        await DeleteWaiterAsync(client, jobId, cancellationToken);
        return freed;
    }

    public async Task<int> InFlightAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (capacity == 0)
        {
            return 0;
        }

        TableClient client = await table.GetAsync(cancellationToken);
        List<TableEntity> slots = await ReadPartitionAsync(client, SlotPartition, cancellationToken);
        return slots.Count(s => !IsFree(s, now));
    }

    public async Task<IReadOnlyList<string>> NextWaitersAsync(DateTimeOffset now, int most, CancellationToken cancellationToken)
    {
        if (capacity == 0)
        {
            return [];
        }

        TableClient client = await table.GetAsync(cancellationToken);
        int free = FreeSlots(await ReadPartitionAsync(client, SlotPartition, cancellationToken), now).Count;
        if (free == 0)
        {
            return [];
        }

        (List<TableEntity> waiters, _) = await ReadWaitersAsync(client, "", now, cancellationToken);
        return [.. waiters.Take(Math.Min(free, most)).Select(w => w.GetString("JobId")).OfType<string>()];
    }

    static async Task<SlotGrant> WaitAsync(TableClient client, string jobId, DateTimeOffset now, List<TableEntity> waiters, TableEntity? myWaiter, List<TableEntity>? slots, CancellationToken cancellationToken)
    {
        int position;
        if (myWaiter is null)
        {
            var entity = new TableEntity(WaiterPartition, TableKeys.Escape(jobId)) { ["JobId"] = jobId, ["EnqueuedAt"] = now, ["LastSeen"] = now };
            try
            {
                await client.AddEntityAsync(entity, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Queued concurrently by another call for the same job: keep its enqueue time, refresh the heartbeat.
                await TouchWaiterAsync(client, entity.RowKey, now, cancellationToken);
                (waiters, myWaiter) = await ReadWaitersAsync(client, jobId, now, cancellationToken);
            }

            position = myWaiter is null ? waiters.Count(w => Compare(w, entity) < 0) + 1 : waiters.IndexOf(myWaiter) + 1;
        }
        else
        {
            await TouchWaiterAsync(client, myWaiter.RowKey, now, cancellationToken);
            position = waiters.IndexOf(myWaiter) + 1;
        }

        // Ask again soon when near the front; also no later than the first lease ends, which frees a slot.
        var retry = TimeSpan.FromSeconds(Math.Clamp(5.0 * position, MinRetry.TotalSeconds, MaxRetry.TotalSeconds));
        DateTimeOffset? firstExpiry = slots?.Select(s => s.GetDateTimeOffset("LeaseUntil")).Where(t => t > now).Min();
        if (firstExpiry is { } expiry && expiry - now < retry)
        {
            retry = expiry - now < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : expiry - now;
        }

        return new SlotGrant(false, position, retry);
    }

    /// <summary>Live waiters oldest first (stale ones deleted on the way) and this job's row among them.</summary>
    static async Task<(List<TableEntity> Waiters, TableEntity? Mine)> ReadWaitersAsync(TableClient client, string jobId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<TableEntity> all = await ReadPartitionAsync(client, WaiterPartition, cancellationToken);
        var live = new List<TableEntity>(all.Count);
        foreach (TableEntity waiter in all)
        {
            // The job's own stale row goes too: a job silent that long queues afresh, behind those that kept asking.
            if (now - (waiter.GetDateTimeOffset("LastSeen") ?? DateTimeOffset.MinValue) > WaiterTimeout)
            {
                await DeleteQuietlyAsync(client, waiter, cancellationToken);
                continue;
            }

            live.Add(waiter);
        }

        live.Sort(Compare);
        return (live, live.Find(w => w.GetString("JobId") == jobId));
    }

    static int Compare(TableEntity a, TableEntity b)
    {
        int byTime = Nullable.Compare(a.GetDateTimeOffset("EnqueuedAt"), b.GetDateTimeOffset("EnqueuedAt"));
        return byTime != 0 ? byTime : string.CompareOrdinal(a.RowKey, b.RowKey);
    }

    static async Task TouchWaiterAsync(TableClient client, string rowKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await client.UpdateEntityAsync(new TableEntity(WaiterPartition, rowKey) { ["LastSeen"] = now }, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Deleted as stale by another instance in between: the next call queues the job afresh.
        }
    }

    static async Task DeleteWaiterAsync(TableClient client, string jobId, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteEntityAsync(WaiterPartition, TableKeys.Escape(jobId), ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    static async Task DeleteQuietlyAsync(TableClient client, TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            // Conditional, so that a waiter that came back meanwhile keeps its place.
            await client.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, entity.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
        }
    }

    List<SlotCandidate> FreeSlots(List<TableEntity> slots, DateTimeOffset now)
    {
        var byKey = slots.ToDictionary(s => s.RowKey, StringComparer.Ordinal);
        var free = new List<SlotCandidate>();
        for (int i = 0; i < capacity; i++)
        {
            if (!byKey.TryGetValue(SlotKey(i), out TableEntity? row))
            {
                free.Add(new SlotCandidate(i, null));
            }
            else if (IsFree(row, now))
            {
                free.Add(new SlotCandidate(i, row));
            }
        }

        return free;
    }

    static bool IsFree(TableEntity slot, DateTimeOffset now) =>
        string.IsNullOrEmpty(slot.GetString("JobId")) || (slot.GetDateTimeOffset("LeaseUntil") ?? DateTimeOffset.MinValue) <= now;

    static async Task<bool> TryAddSlotAsync(TableClient client, int index, string jobId, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        try
        {
            await client.AddEntityAsync(new TableEntity(SlotPartition, SlotKey(index)) { ["JobId"] = jobId, ["LeaseUntil"] = leaseUntil }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    static async Task<bool> TryWriteSlotAsync(TableClient client, TableEntity row, string jobId, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        try
        {
            await client.UpdateEntityAsync(new TableEntity(SlotPartition, row.RowKey) { ["JobId"] = jobId, ["LeaseUntil"] = leaseUntil }, row.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    static async Task<List<TableEntity>> ReadHeldAsync(TableClient client, string jobId, CancellationToken cancellationToken)
    {
        var held = new List<TableEntity>();
        await foreach (TableEntity row in client.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {SlotPartition} and JobId eq {jobId}"), cancellationToken: cancellationToken))
        {
            held.Add(row);
        }

        return held;
    }

    static async Task<List<TableEntity>> ReadPartitionAsync(TableClient client, string partition, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (TableEntity row in client.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    static string SlotKey(int index) => string.Create(CultureInfo.InvariantCulture, $"slot-{index:D3}");

    sealed record SlotCandidate(int Index, TableEntity? Row);
}
