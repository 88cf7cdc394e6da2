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
