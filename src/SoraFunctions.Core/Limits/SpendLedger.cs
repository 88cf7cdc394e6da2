using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace SoraFunctions.Limits;

/// <summary>A job's estimated cost, charged to its caller.</summary>
public sealed record SpendRequest(string Caller, string JobId, decimal CostUsd, int Seconds);

/// <summary>
/// The answer to a reservation. When refused, <paramref name="Budget"/> names the setting that refused it
/// (<c>Limits:CallerDailyUsd</c> or <c>Limits:DailyUsd</c>), with its limit, what was spent today and the wait until
/// the next UTC midnight, when the budget starts afresh.
/// </summary>
/// <param name="AlreadyCharged">The job had been charged before (a resubmission): allowed, not charged again.</param>
public sealed record BudgetDecision(bool Allowed, string? Budget, decimal? LimitUsd, decimal SpentUsd, TimeSpan? RetryAfter, bool AlreadyCharged = false)
{
    public const string CallerBudget = LimitsOptions.SectionName + ":" + nameof(LimitsOptions.CallerDailyUsd);
    public const string OverallBudget = LimitsOptions.SectionName + ":" + nameof(LimitsOptions.DailyUsd);
}

public sealed record UsageTotals(int Videos, int Seconds, decimal CostUsd)
{
    public static UsageTotals Zero { get; } = new(0, 0, 0);

    public UsageTotals Add(UsageTotals other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Videos + other.Videos, Seconds + other.Seconds, CostUsd + other.CostUsd);
    }
}

public sealed record CallerUsage(string Caller, UsageTotals Today, UsageTotals Month);

/// <summary>
/// Usage for <c>GET /api/usage</c>: for one caller (<paramref name="Caller"/> set, <paramref name="Callers"/> empty),
/// or for everyone (<paramref name="Caller"/> null: the totals and one line per caller), with the budgets in force.
/// </summary>
public sealed record UsageReport(
    string? Caller,
    DateOnly Day,
    UsageTotals Today,
    UsageTotals Month,
    IReadOnlyList<CallerUsage> Callers,
    decimal? CallerDailyUsd,
    decimal? DailyUsd);

/// <summary>Durable per-day accounting of what jobs cost, with per-caller and overall daily budgets.</summary>
public interface ISpendLedger
{
    /// <summary>
    /// Charges the job's estimated cost to today (UTC day of <paramref name="now"/>) if both budgets allow it.
    /// Idempotent per job and day: pass the job's submission time, not the clock, so that a retry after midnight
    /// finds the same day.
    /// </summary>
    Task<BudgetDecision> ReserveAsync(SpendRequest request, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Gives back a job's charge (it failed before the provider accepted it); the amount refunded, 0 when already refunded or never charged.</summary>
    Task<decimal> RefundAsync(string jobId, DateTimeOffset chargedAt, CancellationToken cancellationToken);

    Task<UsageReport> GetUsageAsync(string? caller, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="ISpendLedger"/> on Azure Tables: one partition per UTC day (<c>day-20261130</c>) with a <c>total</c>
/// row, a <c>caller-{key}</c> row per caller and a <c>job-{key}</c> row per job.
/// <para>
/// Reservations are written by group commit. Every reservation of a day changes the same total row, so written one
/// by one they either take turns (two round trips each: the last of 200 at once was answered after 5.7 s) or race and
/// spend themselves on ETag conflicts (200 at once exhausted the retries). Instead the concurrent reservations of an
/// instance join a queue, and one writer at a time takes everything queued for the day that fits one entity-group
/// transaction (at most 100 actions: the total row, each caller's row and one row per job), reads the total and
/// caller rows, decides each reservation in arrival order against the budgets (a refused one leaves the budget to
/// the ones after it, so a cheaper later one may still fit), and writes the new totals and the charged jobs' rows in
/// one transaction. Reservations arriving meanwhile form the next group, so a burst costs a read and a write per group
/// rather than per reservation (measured with Azurite: 300 reservations of 3 callers in 5 transactions).
/// </para>
/// <para>
/// The total and caller rows are written conditional on the ETags read (added when absent), so two instances
/// reserving at once cannot both fit under a budget that holds one of them: the loser's transaction is rejected and
/// its group re-read and decided again. A job is charged once per day: a job's row is added, never replaced, and when
/// it already exists the failed transaction names that action: that reservation is answered as already charged and the
/// rest of the group written again. A refused reservation is answered as already charged when its job's row exists.
/// </para>
/// <para>
/// A caller that gives up before its reservation is written gets <see cref="OperationCanceledException"/> and its
/// job is left out of the group; once written (in flight), the caller waits the round trip for the outcome, so that a
/// job is never charged for a caller that was told it was not. A failed storage call fails every reservation of its
/// group with that exception.
/// </para>
/// </summary>
public sealed class TableSpendLedger : ISpendLedger
{
    const string TotalRow = "total";
    const string CallerPrefix = "caller-";
    const string JobPrefix = "job-";
    // Within an instance the group commit avoids conflicts; they come from other instances charging the same day (and
    // from refunds), each round one of them wins, so allow many rounds.
    const int MaxAttempts = 60;
    // The most actions an entity-group transaction may hold.
    const int MaxActions = 100;

    readonly LimitsTable table;
    readonly decimal? callerDailyUsd;
    readonly decimal? dailyUsd;
    readonly Lock gate = new();
    // Reservations waiting for the writer, in arrival order (guarded by gate).
    readonly List<Reservation> queued = [];
    // Whether a writer is running (guarded by gate).
    bool writing;

    public TableSpendLedger(LimitsTable table, IOptions<LimitsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        this.table = table;
        callerDailyUsd = options.Value.CallerDailyUsd;
        dailyUsd = options.Value.DailyUsd;
    }

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

    public async Task<decimal> RefundAsync(string jobId, DateTimeOffset chargedAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        TableClient client = await table.GetAsync(cancellationToken);
        string partition = DayPartition(chargedAt);
        string jobKey = JobKey(jobId);
        for (int attempt = 1; ; attempt++)
        {
            NullableResponse<TableEntity> found = await client.GetEntityIfExistsAsync<TableEntity>(partition, jobKey, cancellationToken: cancellationToken);
            if (!found.HasValue || found.Value!.GetBoolean("Refunded") == true)
            {
                return 0;
            }

            TableEntity job = found.Value;
            string caller = job.GetString("Caller") ?? "";
            string callerKey = CallerKey(caller);
            var charge = new UsageTotals(1, job.GetInt32("Seconds") ?? 0, ReadMoney(job, "CostUsd"));
            Dictionary<string, TableEntity> rows = await ReadRowsAsync(client, partition, [TotalRow, callerKey], cancellationToken);
            TableEntity? total = rows.GetValueOrDefault(TotalRow);
            TableEntity? callerRow = rows.GetValueOrDefault(callerKey);
            List<TableTransactionAction> actions =
            [
                new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, jobKey) { ["Refunded"] = true, ["RefundedUsd"] = Money(charge.CostUsd) }, job.ETag),
                Write(total, partition, TotalRow, Subtract(Totals(total), charge), null),
                Write(callerRow, partition, callerKey, Subtract(Totals(callerRow), charge), caller),
            ];
            try
            {
                await client.SubmitTransactionAsync(actions, cancellationToken);
                return charge.CostUsd;
            }
            catch (RequestFailedException ex) when (LimitsTable.IsConflict(ex) && attempt < MaxAttempts)
            {
                await BackOffAsync(attempt, cancellationToken);
            }
        }
    }

    public async Task<UsageReport> GetUsageAsync(string? caller, DateTimeOffset now, CancellationToken cancellationToken)
    {
        TableClient client = await table.GetAsync(cancellationToken);
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        string today = DayPartition(now);
        var monthStart = new DateOnly(day.Year, day.Month, 1);
        string first = DayPartition(monthStart);
        string last = DayPartition(monthStart.AddMonths(1).AddDays(-1));

        string filter = caller is null
            ? TableClient.CreateQueryFilter($"PartitionKey ge {first} and PartitionKey le {last} and (RowKey eq {TotalRow} or (RowKey ge {CallerPrefix} and RowKey lt {"caller."}))")
            : TableClient.CreateQueryFilter($"PartitionKey ge {first} and PartitionKey le {last} and RowKey eq {CallerKey(caller)}");

        UsageTotals todayTotal = UsageTotals.Zero;
        UsageTotals monthTotal = UsageTotals.Zero;
        var perCaller = new SortedDictionary<string, (UsageTotals Today, UsageTotals Month)>(StringComparer.Ordinal);
        await foreach (TableEntity row in client.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            UsageTotals totals = Totals(row);
            bool isToday = row.PartitionKey == today;
            if (caller is null && row.RowKey != TotalRow)
            {
                string id = row.GetString("CallerId") ?? row.RowKey;
                (UsageTotals t, UsageTotals m) = perCaller.GetValueOrDefault(id, (UsageTotals.Zero, UsageTotals.Zero));
                perCaller[id] = (isToday ? t.Add(totals) : t, m.Add(totals));
                continue;
            }

            monthTotal = monthTotal.Add(totals);
            if (isToday)
            {
                todayTotal = todayTotal.Add(totals);
            }
        }

        List<CallerUsage> callers = [.. perCaller.Select(p => new CallerUsage(p.Key, p.Value.Today, p.Value.Month))];
        return new UsageReport(caller, day, todayTotal, monthTotal, callers, callerDailyUsd, dailyUsd);
    }

    static BudgetDecision Refuse(string budget, decimal limit, decimal spent, DateTimeOffset now) =>
        new(false, budget, limit, spent, new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero) - now);

    static TableTransactionAction Write(TableEntity? existing, string partition, string rowKey, UsageTotals totals, string? callerId)
    {
        var entity = new TableEntity(partition, rowKey)
        {
            ["Videos"] = totals.Videos,
            ["Seconds"] = totals.Seconds,
            ["CostUsd"] = Money(totals.CostUsd),
        };
        if (callerId is not null)
        {
            entity["CallerId"] = callerId;
        }

        // Add fails with 409 and Replace with 412 when another instance wrote first: either way the whole
        // transaction is rejected and re-decided on fresh rows.
        return existing is null
            ? new TableTransactionAction(TableTransactionActionType.Add, entity)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, existing.ETag);
    }

    static UsageTotals Subtract(UsageTotals from, UsageTotals charge) =>
        new(Math.Max(0, from.Videos - charge.Videos), Math.Max(0, from.Seconds - charge.Seconds), Math.Max(0, from.CostUsd - charge.CostUsd));

    static UsageTotals Totals(TableEntity? row) =>
        row is null ? UsageTotals.Zero : new(row.GetInt32("Videos") ?? 0, row.GetInt32("Seconds") ?? 0, ReadMoney(row, "CostUsd"));

    // Tables have no decimal type; an invariant string keeps amounts exact (a double would drift over many jobs).
    static string Money(decimal amount) => amount.ToString(CultureInfo.InvariantCulture);

    static decimal ReadMoney(TableEntity row, string name) =>
        decimal.TryParse(row.GetString(name), NumberStyles.Number, CultureInfo.InvariantCulture, out decimal value) ? value : 0;

    static async Task<Dictionary<string, TableEntity>> ReadRowsAsync(TableClient client, string partition, string[] rowKeys, CancellationToken cancellationToken)
    {
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}") + " and (" +
            string.Join(" or ", rowKeys.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}"))) + ")";
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (TableEntity row in client.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            rows[row.RowKey] = row;
        }

        return rows;
    }

    static Task BackOffAsync(int attempt, CancellationToken cancellationToken) =>
        // Jitter spreads instances that lost the same race so that they do not collide again on the next round.
        Task.Delay(TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(1, 10 + (5 * Math.Min(attempt, 20)))), cancellationToken);

    static string DayPartition(DateTimeOffset now) => DayPartition(DateOnly.FromDateTime(now.UtcDateTime));

    static string DayPartition(DateOnly day) => "day-" + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    static string CallerKey(string caller) => CallerPrefix + TableKeys.Escape(caller);

    static string JobKey(string jobId) => JobPrefix + TableKeys.Escape(jobId);
}
