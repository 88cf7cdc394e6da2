using Azure;
using Azure.Data.Tables;

namespace SoraFunctions.Limits;

/// <summary>Reservations by group commit (see the class remarks in SpendLedger.cs).</summary>
public sealed partial class TableSpendLedger
{
    public async Task<BudgetDecision> ReserveAsync(SpendRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.Caller);
        ArgumentException.ThrowIfNullOrEmpty(request.JobId);
        ArgumentOutOfRangeException.ThrowIfNegative(request.CostUsd);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Seconds);

        TableClient client = await table.GetAsync(cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var reservation = new Reservation(client, request, now, DayPartition(now), CallerKey(request.Caller), JobKey(request.JobId), cancellationToken);
        using CancellationTokenRegistration registration = cancellationToken.Register(static r => ((Reservation)r!).Cancel(), reservation);
        Enqueue(reservation);
        return await reservation.Decision;
    }

    void Enqueue(Reservation reservation)
    {
        lock (gate)
        {
            queued.Add(reservation);
            if (writing)
            {
                return;
            }

            writing = true;
        }

        // The writer belongs to no caller: one caller's cancellation must not stop the others' group.
        _ = Task.Run(WriteQueuedAsync, CancellationToken.None);
    }

    async Task WriteQueuedAsync()
    {
        while (true)
        {
            List<Reservation> group;
            lock (gate)
            {
                queued.RemoveAll(r => r.IsAnswered);
                if (queued.Count == 0)
                {
                    writing = false;
                    return;
                }

                group = TakeGroup();
            }

            try
            {
                await CommitAsync(group);
            }
#pragma warning disable CA1031 // Whatever the storage call throws is every waiting caller's answer; the writer must carry on with the next group.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                foreach (Reservation reservation in group)
                {
                    reservation.Fail(ex);
                }
            }
        }
    }

    // The oldest reservation's day, and every later one of that day while the transaction still fits (in order, so
    // that no reservation overtakes an earlier one of its day). Called under gate.
    List<Reservation> TakeGroup()
    {
        string partition = queued[0].Partition;
        var callers = new HashSet<string>(StringComparer.Ordinal);
        List<Reservation> group = [];
        foreach (Reservation reservation in queued)
        {
            if (reservation.Partition != partition)
            {
                continue;
            }

            int callerRows = callers.Count + (callers.Contains(reservation.CallerKey) ? 0 : 1);
            if (1 + callerRows + group.Count + 1 > MaxActions)
            {
                break;
            }

            callers.Add(reservation.CallerKey);
            group.Add(reservation);
        }

        var taken = new HashSet<Reservation>(group);
        queued.RemoveAll(taken.Contains);
        return group;
    }

    async Task CommitAsync(List<Reservation> group)
    {
        TableClient client = group[0].Client;
        string partition = group[0].Partition;
        // Jobs whose row turned out to exist: answered as already charged when the group is decided again.
        var existingJobs = new HashSet<string>(StringComparer.Ordinal);
        for (int attempt = 1; ; attempt++)
        {
            Dictionary<string, TableEntity> rows = await ReadDayAsync(client, partition, group.Where(r => !r.IsAnswered).Select(r => r.CallerKey));
            while (true)
            {
                Plan plan = Decide(partition, group.Where(r => !r.IsAnswered), rows, existingJobs);
                if (plan.Charged.Count == 0)
                {
                    await AnswerAsync(client, partition, plan);
                    return;
                }

                // Claimed reservations can no longer be canceled; one canceled just before is left out and the rest
                // decided again on the same rows.
                List<Reservation> claimed = [.. plan.Charged.Where(r => r.TryClaim())];
                if (claimed.Count < plan.Charged.Count)
                {
                    Unclaim(claimed);
                    continue;
                }

                try
                {
                    await client.SubmitTransactionAsync(plan.Actions, CancellationToken.None);
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 409 && plan.JobAt(ex.FailedTransactionActionIndex) is { } existing)
                {
                    // The job's row exists (charged before): nothing was written, the rows read are still current.
                    Unclaim(claimed);
                    existingJobs.Add(existing.JobKey);
                    continue;
                }
                catch (RequestFailedException ex) when (LimitsTable.IsConflict(ex) && attempt < MaxAttempts)
                {
                    // Another instance (or a refund) wrote the day's rows first: read them again.
                    Unclaim(claimed);
                    break;
                }

                await AnswerAsync(client, partition, plan);
                return;
            }

            await BackOffAsync(attempt, CancellationToken.None);
        }
    }

    static void Unclaim(List<Reservation> claimed)
    {
        foreach (Reservation reservation in claimed)
        {
            reservation.Unclaim();
        }
    }

    // Decides each reservation in arrival order against the budgets, as if they had come one by one.
    Plan Decide(string partition, IEnumerable<Reservation> reservations, Dictionary<string, TableEntity> rows, HashSet<string> existingJobs)
    {
        var plan = new Plan();
        TableEntity? totalRow = rows.GetValueOrDefault(TotalRow);
        UsageTotals allSpent = Totals(totalRow);
        var callerSpent = new Dictionary<string, UsageTotals>(StringComparer.Ordinal);
        var callerIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var charged = new HashSet<string>(existingJobs, StringComparer.Ordinal);
        foreach (Reservation reservation in reservations)
        {
            SpendRequest request = reservation.Request;
            if (!callerSpent.TryGetValue(reservation.CallerKey, out UsageTotals? spent))
            {
                spent = Totals(rows.GetValueOrDefault(reservation.CallerKey));
            }

            if (charged.Contains(reservation.JobKey))
            {
                plan.Decisions.Add((reservation, new BudgetDecision(true, null, null, spent.CostUsd, null, AlreadyCharged: true)));
                continue;
            }

            if (callerDailyUsd is { } callerLimit && spent.CostUsd + request.CostUsd > callerLimit)
            {
                plan.Decisions.Add((reservation, Refuse(BudgetDecision.CallerBudget, callerLimit, spent.CostUsd, reservation.Now)));
                continue;
            }

            if (dailyUsd is { } limit && allSpent.CostUsd + request.CostUsd > limit)
            {
                plan.Decisions.Add((reservation, Refuse(BudgetDecision.OverallBudget, limit, allSpent.CostUsd, reservation.Now)));
                continue;
            }

            var charge = new UsageTotals(1, request.Seconds, request.CostUsd);
            allSpent = allSpent.Add(charge);
            spent = spent.Add(charge);
            callerSpent[reservation.CallerKey] = spent;
            callerIds.TryAdd(reservation.CallerKey, request.Caller);
            charged.Add(reservation.JobKey);
            plan.Charged.Add(reservation);
            plan.Decisions.Add((reservation, new BudgetDecision(true, null, null, spent.CostUsd, null)));
        }

        if (plan.Charged.Count > 0)
        {
            plan.Actions.Add(Write(totalRow, partition, TotalRow, allSpent, null));
            foreach ((string callerKey, UsageTotals spent) in callerSpent)
            {
                plan.Actions.Add(Write(rows.GetValueOrDefault(callerKey), partition, callerKey, spent, callerIds[callerKey]));
            }

            plan.FirstJobAction = plan.Actions.Count;
            plan.Actions.AddRange(plan.Charged.Select(r => new TableTransactionAction(TableTransactionActionType.Add, JobRow(partition, r))));
        }

        return plan;
    }

    // Answers the group once written: the charged first, then the refused, each of which is already charged instead
    // when its job's row exists (a resubmission over budget is still a resubmission).
    static async Task AnswerAsync(TableClient client, string partition, Plan plan)
    {
        foreach ((Reservation reservation, BudgetDecision decision) in plan.Decisions.Where(d => d.Decision.Allowed))
        {
            reservation.Answer(decision);
        }

        List<(Reservation Reservation, BudgetDecision Decision)> refused = [.. plan.Decisions.Where(d => !d.Decision.Allowed && !d.Reservation.IsAnswered)];
        if (refused.Count == 0)
        {
            return;
        }

        string[] jobKeys = [.. refused.Select(d => d.Reservation.JobKey).Distinct(StringComparer.Ordinal)];
        Dictionary<string, TableEntity> jobs = await ReadRowsInParallelAsync(client, partition, jobKeys);
        foreach ((Reservation reservation, BudgetDecision decision) in refused)
        {
            reservation.Answer(jobs.ContainsKey(reservation.JobKey)
                ? new BudgetDecision(true, null, null, decision.SpentUsd, null, AlreadyCharged: true)
                : decision);
        }
    }

    static Task<Dictionary<string, TableEntity>> ReadDayAsync(TableClient client, string partition, IEnumerable<string> callerKeys) =>
        ReadRowsInParallelAsync(client, partition, [TotalRow, .. callerKeys.Distinct(StringComparer.Ordinal)]);

    // Point reads, the cheapest way to fetch known rows; in parallel, so that a group's reads cost one round trip.
    static async Task<Dictionary<string, TableEntity>> ReadRowsInParallelAsync(TableClient client, string partition, string[] rowKeys)
    {
        NullableResponse<TableEntity>[] found = await Task.WhenAll(rowKeys.Select(k =>
            client.GetEntityIfExistsAsync<TableEntity>(partition, k, cancellationToken: CancellationToken.None)));
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        foreach (NullableResponse<TableEntity> row in found.Where(f => f.HasValue))
        {
            rows[row.Value!.RowKey] = row.Value;
        }

        return rows;
    }

    static TableEntity JobRow(string partition, Reservation reservation) => new(partition, reservation.JobKey)
    {
        ["JobId"] = reservation.Request.JobId,
        ["Caller"] = reservation.Request.Caller,
        ["CostUsd"] = Money(reservation.Request.CostUsd),
        ["Seconds"] = reservation.Request.Seconds,
        ["ChargedAt"] = reservation.Now,
        ["Refunded"] = false,
    };

    /// <summary>A group's decisions and, when anything is charged, the transaction that charges it.</summary>
    sealed class Plan
    {
        public List<(Reservation Reservation, BudgetDecision Decision)> Decisions { get; } = [];

        public List<Reservation> Charged { get; } = [];

        public List<TableTransactionAction> Actions { get; } = [];

        public int FirstJobAction { get; set; }

        /// <summary>The reservation whose job row the transaction's action <paramref name="index"/> adds, if any.</summary>
        public Reservation? JobAt(int? index) =>
            index is int i && i >= FirstJobAction && i - FirstJobAction < Charged.Count ? Charged[i - FirstJobAction] : null;
    }

    /// <summary>
    /// One caller's reservation waiting in the queue: queued (the caller may still cancel it), claimed (in a
    /// transaction on its way: the caller waits for the outcome) or answered.
    /// </summary>
    sealed class Reservation
    {
        const int Queued = 0;
        const int Claimed = 1;
        const int Answered = 2;

        readonly TaskCompletionSource<BudgetDecision> decision = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly CancellationToken cancellationToken;
        int state;

        public Reservation(TableClient client, SpendRequest request, DateTimeOffset now, string partition, string callerKey, string jobKey, CancellationToken cancellationToken)
        {
            Client = client;
            Request = request;
            Now = now;
            Partition = partition;
            CallerKey = callerKey;
            JobKey = jobKey;
            this.cancellationToken = cancellationToken;
        }

        public TableClient Client { get; }

        public SpendRequest Request { get; }

        public DateTimeOffset Now { get; }

        public string Partition { get; }

        public string CallerKey { get; }

        public string JobKey { get; }

        public Task<BudgetDecision> Decision => decision.Task;

        public bool IsAnswered => Volatile.Read(ref state) == Answered;

        public bool TryClaim() => Interlocked.CompareExchange(ref state, Claimed, Queued) == Queued;

        /// <summary>Back in the queue after a transaction that did not go through; canceled if its caller gave up meanwhile.</summary>
        public void Unclaim()
        {
            if (Interlocked.CompareExchange(ref state, Queued, Claimed) == Claimed && cancellationToken.IsCancellationRequested)
            {
                Cancel();
            }
        }

        public void Cancel()
        {
            if (Interlocked.CompareExchange(ref state, Answered, Queued) == Queued)
            {
                decision.TrySetCanceled(cancellationToken);
            }
        }

        public void Answer(BudgetDecision answer)
        {
            Volatile.Write(ref state, Answered);
            decision.TrySetResult(answer);
        }

        public void Fail(Exception exception)
        {
            Volatile.Write(ref state, Answered);
            decision.TrySetException(exception);
        }
    }
}
