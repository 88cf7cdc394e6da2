using Azure.Data.Tables;

namespace SoraFunctions.Storage;

/// <summary>
/// Upserts rows into one table by group commit. Rows asked for while a write is under way wait, and then go together:
/// one entity-group transaction for up to 100 rows of a partition. A burst of submissions then costs a round trip per
/// group instead of one per row. A transaction that fails is written again row by row, so a bad row fails only the
/// caller that asked for it. A caller that stops waiting (its cancellation) does not take its row back.
/// </summary>
public sealed class UpsertBatcher(TableClient table)
{
    /// <summary>The most actions an entity-group transaction may hold.</summary>
    const int MaxActions = 100;

    readonly Lock gate = new();
    // Rows waiting for the writer, in arrival order (guarded by gate).
    readonly List<Pending> queued = [];
    // Whether a writer is running (guarded by gate).
    bool writing;

    public Task UpsertAsync(TableEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var pending = new Pending(row);
        bool start = false;
        lock (gate)
        {
            queued.Add(pending);
            if (!writing)
            {
                writing = start = true;
            }
        }

        if (start)
        {
            // The writer belongs to no caller: one caller's cancellation must not stop the others' rows.
            _ = Task.Run(WriteQueuedAsync, CancellationToken.None);
        }

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    async Task WriteQueuedAsync()
    {
        while (true)
        {
            List<Pending> taken;
            lock (gate)
            {
                if (queued.Count == 0)
                {
                    writing = false;
                    return;
                }

                taken = [.. queued];
                queued.Clear();
            }

            // Partitions in parallel; within one, the groups in arrival order, so a later row of a key wins.
            await Task.WhenAll(taken.GroupBy(p => p.Row.PartitionKey, StringComparer.Ordinal).Select(async partition =>
            {
                foreach (List<Pending> group in Groups(partition))
                {
                    await WriteGroupAsync(group);
                }
            }));
        }
    }

    /// <summary>Up to <see cref="MaxActions"/> rows each, a row key at most once in a group (a transaction refuses it twice).</summary>
    static IEnumerable<List<Pending>> Groups(IEnumerable<Pending> rows)
    {
        List<Pending> group = [];
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (Pending row in rows)
        {
            if (group.Count == MaxActions || !keys.Add(row.Row.RowKey))
            {
                yield return group;
                group = [];
                keys.Clear();
                keys.Add(row.Row.RowKey);
            }

            group.Add(row);
        }

        if (group.Count > 0)
        {
            yield return group;
        }
    }

    async Task WriteGroupAsync(List<Pending> group)
    {
        if (group.Count > 1)
        {
            try
            {
                await table.SubmitTransactionAsync(group.Select(p => new TableTransactionAction(TableTransactionActionType.UpsertReplace, p.Row)), CancellationToken.None);
                foreach (Pending pending in group)
                {
                    pending.Done.TrySetResult();
                }

                return;
            }
#pragma warning disable CA1031 // Any failure of the transaction sends its rows one by one below, where each caller gets its own answer.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        foreach (Pending pending in group)
        {
            try
            {
                await table.UpsertEntityAsync(pending.Row, TableUpdateMode.Replace, CancellationToken.None);
                pending.Done.TrySetResult();
            }
#pragma warning disable CA1031 // Whatever the storage call throws is the waiting caller's answer; the writer carries on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    sealed class Pending(TableEntity row)
    {
        public TableEntity Row { get; } = row;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
