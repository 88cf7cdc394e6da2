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
/// row, a <c>caller-{key}</c> row per caller and a <c>job-{key}</c> row per job. A reservation writes all three in
/// one entity-group transaction conditional on the ETags it read, so two instances reserving at once cannot both
/// fit under a budget that holds one of them: the loser re-reads and decides again.
/// </summary>
public sealed class TableSpendLedger : ISpendLedger, IDisposable
{
    const string TotalRow = "total";
    const string CallerPrefix = "caller-";
    const string JobPrefix = "job-";
    // Every concurrent reservation of a day contends for the total row; each round one wins, so allow many rounds.
    const int MaxAttempts = 60;

    readonly SemaphoreSlim reserving = new(1, 1);

    public void Dispose() => reserving.Dispose();

    readonly LimitsTable table;
    readonly decimal? callerDailyUsd;
    readonly decimal? dailyUsd;

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
        string partition = DayPartition(now);
        string callerKey = CallerKey(request.Caller);
        string jobKey = JobKey(request.JobId);

        // Every reservation of a day writes the same total row. Within one instance they take turns here, so that a
        // burst of submissions does not spend itself on ETag conflicts (measured: 200 at once exhausted the retries);
        // across instances the conditional transaction still decides.
        await reserving.WaitAsync(cancellationToken);
        try
        {
            return await ReserveCoreAsync(request, now, client, partition, callerKey, jobKey, cancellationToken);
        }
        finally
        {
            reserving.Release();
        }
    }

    async Task<BudgetDecision> ReserveCoreAsync(SpendRequest request, DateTimeOffset now, TableClient client, string partition, string callerKey, string jobKey, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            Dictionary<string, TableEntity> rows = await ReadRowsAsync(client, partition, [TotalRow, callerKey, jobKey], cancellationToken);
            TableEntity? total = rows.GetValueOrDefault(TotalRow);
            TableEntity? callerRow = rows.GetValueOrDefault(callerKey);
            if (rows.ContainsKey(jobKey))
            {
                return new BudgetDecision(true, null, null, Totals(callerRow).CostUsd, null, AlreadyCharged: true);
            }

            UsageTotals callerSpent = Totals(callerRow);
            UsageTotals allSpent = Totals(total);
            if (callerDailyUsd is { } callerLimit && callerSpent.CostUsd + request.CostUsd > callerLimit)
            {
                return Refuse(BudgetDecision.CallerBudget, callerLimit, callerSpent.CostUsd, now);
            }

            if (dailyUsd is { } limit && allSpent.CostUsd + request.CostUsd > limit)
            {
                return Refuse(BudgetDecision.OverallBudget, limit, allSpent.CostUsd, now);
            }

            var charge = new UsageTotals(1, request.Seconds, request.CostUsd);
            TableEntity job = new(partition, jobKey)
            {
                ["JobId"] = request.JobId,
                ["Caller"] = request.Caller,
                ["CostUsd"] = Money(request.CostUsd),
                ["Seconds"] = request.Seconds,
                ["ChargedAt"] = now,
                ["Refunded"] = false,
            };
            List<TableTransactionAction> actions =
            [
                Write(total, partition, TotalRow, allSpent.Add(charge), null),
                Write(callerRow, partition, callerKey, callerSpent.Add(charge), request.Caller),
                new(TableTransactionActionType.Add, job),
            ];
            try
            {
                await client.SubmitTransactionAsync(actions, cancellationToken);
                return new BudgetDecision(true, null, null, callerSpent.CostUsd + request.CostUsd, null);
            }
            catch (RequestFailedException ex) when (LimitsTable.IsConflict(ex) && attempt < MaxAttempts)
            {
                await BackOffAsync(attempt, cancellationToken);
            }
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
