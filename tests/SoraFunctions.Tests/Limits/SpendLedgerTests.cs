using Microsoft.Extensions.Options;
using SoraFunctions.Limits;
using SoraFunctions.Testing;

namespace SoraFunctions.Tests.Limits;

[Collection(LimitsAzuriteGroup.Name)]
public class SpendLedgerTests(AzuriteFixture azurite)
{
    static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    TableSpendLedger Ledger(decimal? callerDailyUsd = null, decimal? dailyUsd = null)
    {
        IOptions<LimitsOptions> options = LimitsStore.Options(o => (o.CallerDailyUsd, o.DailyUsd) = (callerDailyUsd, dailyUsd));
        return new TableSpendLedger(LimitsStore.Table(azurite, options), options);
    }

    [Fact]
    public async Task Reserve_OverCallerBudget_IsRefusedUntilMidnightWhileOthersMayStillSpend()
    {
        TableSpendLedger ledger = Ledger(callerDailyUsd: 1.00m);
        Assert.True((await ledger.ReserveAsync(new("ada", "j1", 0.80m, 8), Noon, default)).Allowed);

        BudgetDecision refused = await ledger.ReserveAsync(new("ada", "j2", 0.40m, 4), Noon.AddHours(1.5), default);
        BudgetDecision other = await ledger.ReserveAsync(new("bob", "j3", 0.40m, 4), Noon, default);
        BudgetDecision exact = await ledger.ReserveAsync(new("ada", "j4", 0.20m, 2), Noon, default);

        Assert.Equal(new BudgetDecision(false, "Limits:CallerDailyUsd", 1.00m, 0.80m, TimeSpan.FromHours(10.5)), refused);
        Assert.True(other.Allowed);
        Assert.True(exact.Allowed);
    }

    [Fact]
    public async Task Reserve_OverOverallBudget_IsRefusedNamingIt()
    {
        TableSpendLedger ledger = Ledger(callerDailyUsd: 10m, dailyUsd: 1.00m);
        await ledger.ReserveAsync(new("ada", "j1", 0.60m, 6), Noon, default);

        BudgetDecision refused = await ledger.ReserveAsync(new("bob", "j2", 0.50m, 5), Noon.AddHours(11).AddMinutes(59), default);

        Assert.Equal(new BudgetDecision(false, "Limits:DailyUsd", 1.00m, 0.60m, TimeSpan.FromMinutes(1)), refused);
    }

    [Fact]
    public async Task Reserve_NextUtcDay_StartsAfresh()
    {
        TableSpendLedger ledger = Ledger(dailyUsd: 1.00m);
        await ledger.ReserveAsync(new("ada", "j1", 1.00m, 10), Noon, default);
        Assert.False((await ledger.ReserveAsync(new("ada", "j2", 0.10m, 1), Noon, default)).Allowed);

        Assert.True((await ledger.ReserveAsync(new("ada", "j2", 0.10m, 1), Noon.AddHours(12), default)).Allowed);
    }

    [Fact]
    public async Task Reserve_TwentyConcurrentFromTwoInstances_NeverOverspend()
    {
        IOptions<LimitsOptions> options = LimitsStore.Options(o => o.DailyUsd = 5m);
        TableSpendLedger[] instances = [new(LimitsStore.Table(azurite, options), options), new(LimitsStore.Table(azurite, options), options)];

        BudgetDecision[] decisions = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => instances[i % 2].ReserveAsync(new($"caller-{i % 3}", $"job-{i}", 1m, 4), Noon, default))));

        Assert.Equal(5, decisions.Count(d => d.Allowed));
        Assert.All(decisions.Where(d => !d.Allowed), d => Assert.Equal(BudgetDecision.OverallBudget, d.Budget));
        UsageReport usage = await instances[0].GetUsageAsync(null, Noon, default);
        Assert.Equal(new UsageTotals(5, 20, 5m), usage.Today);
        Assert.Equal(5m, usage.Callers.Sum(c => c.Today.CostUsd));
    }

    [Fact]
    public async Task Reserve_ConcurrentForOneCaller_NeverOverspendTheCallerBudget()
    {
        TableSpendLedger ledger = Ledger(callerDailyUsd: 3m);

        BudgetDecision[] decisions = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            Task.Run(() => ledger.ReserveAsync(new("ada", $"job-{i}", 1m, 4), Noon, default))));

        Assert.Equal(3, decisions.Count(d => d.Allowed));
        Assert.Equal(3m, (await ledger.GetUsageAsync("ada", Noon, default)).Today.CostUsd);
    }

    [Fact]
    public async Task Reserve_SameJobAgain_IsAllowedWithoutChargingTwice()
    {
        TableSpendLedger ledger = Ledger(callerDailyUsd: 1.00m);
        await ledger.ReserveAsync(new("ada", "j1", 1.00m, 10), Noon, default);

        BudgetDecision again = await ledger.ReserveAsync(new("ada", "j1", 1.00m, 10), Noon.AddMinutes(5), default);
        BudgetDecision[] concurrent = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => ledger.ReserveAsync(new("bob", "j2", 0.50m, 5), Noon, default))));

        Assert.Equal((true, true), (again.Allowed, again.AlreadyCharged));
        Assert.All(concurrent, d => Assert.True(d.Allowed));
        UsageReport usage = await ledger.GetUsageAsync(null, Noon, default);
        Assert.Equal(new UsageTotals(2, 15, 1.50m), usage.Today);
    }

    [Fact]
    public async Task Refund_GivesTheChargeBackOnce()
    {
        TableSpendLedger ledger = Ledger(callerDailyUsd: 1.00m);
        await ledger.ReserveAsync(new("ada", "j1", 0.80m, 8), Noon, default);
        Assert.False((await ledger.ReserveAsync(new("ada", "j2", 0.80m, 8), Noon, default)).Allowed);

        decimal first = await ledger.RefundAsync("j1", Noon, default);
        decimal second = await ledger.RefundAsync("j1", Noon.AddMinutes(1), default);
        decimal unknown = await ledger.RefundAsync("never-charged", Noon, default);

        Assert.Equal((0.80m, 0m, 0m), (first, second, unknown));
        Assert.Equal(UsageTotals.Zero, (await ledger.GetUsageAsync("ada", Noon, default)).Today);
        Assert.True((await ledger.ReserveAsync(new("ada", "j2", 0.80m, 8), Noon, default)).Allowed);
    }

    [Fact]
    public async Task Refund_ConcurrentCalls_RefundOnce()
    {
        TableSpendLedger ledger = Ledger();
        await ledger.ReserveAsync(new("ada", "j1", 0.80m, 8), Noon, default);
        await ledger.ReserveAsync(new("ada", "j2", 0.40m, 4), Noon, default);

        decimal[] refunds = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => ledger.RefundAsync("j1", Noon, default))));

        Assert.Equal(0.80m, refunds.Sum());
        Assert.Equal(new UsageTotals(1, 4, 0.40m), (await ledger.GetUsageAsync("ada", Noon, default)).Today);
    }

    [Fact]
    public async Task GetUsage_ReportsTodayAndMonthPerCallerAndForAdmins()
    {
        TableSpendLedger ledger = Ledger();
        DateTimeOffset firstOfMonth = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        DateTimeOffset lastMonth = new(2026, 10, 31, 23, 59, 59, TimeSpan.Zero);
        DateTimeOffset nextMonth = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        await ledger.ReserveAsync(new("ada", "a1", 0.40m, 4), Noon, default);
        await ledger.ReserveAsync(new("ada", "a2", 1.20m, 12), firstOfMonth, default);
        await ledger.ReserveAsync(new("ada", "a3", 9.99m, 12), lastMonth, default);
        await ledger.ReserveAsync(new("ada", "a4", 9.99m, 12), nextMonth, default);
        await ledger.ReserveAsync(new("bob/with#odd?chars", "b1", 0.80m, 8), Noon.AddHours(-3), default);
        await ledger.ReserveAsync(new("bob/with#odd?chars", "b2", 0.30m, 3), Noon.AddDays(-10), default);

        UsageReport ada = await ledger.GetUsageAsync("ada", Noon, default);
        UsageReport bob = await ledger.GetUsageAsync("bob/with#odd?chars", Noon, default);
        UsageReport nobody = await ledger.GetUsageAsync("nobody", Noon, default);
        UsageReport all = await ledger.GetUsageAsync(null, Noon, default);

        Assert.Equal(("ada", new DateOnly(2026, 11, 30)), (ada.Caller, ada.Day));
        Assert.Equal((new UsageTotals(1, 4, 0.40m), new UsageTotals(2, 16, 1.60m)), (ada.Today, ada.Month));
        Assert.Empty(ada.Callers);
        Assert.Equal((new UsageTotals(1, 8, 0.80m), new UsageTotals(2, 11, 1.10m)), (bob.Today, bob.Month));
        Assert.Equal((UsageTotals.Zero, UsageTotals.Zero), (nobody.Today, nobody.Month));
        Assert.Null(all.Caller);
        Assert.Equal((new UsageTotals(2, 12, 1.20m), new UsageTotals(4, 27, 2.70m)), (all.Today, all.Month));
        Assert.Equal(
            [new CallerUsage("ada", ada.Today, ada.Month), new CallerUsage("bob/with#odd?chars", bob.Today, bob.Month)],
            all.Callers);
    }

    [Fact]
    public async Task GetUsage_BudgetsOff_StillRecordsAndReportsTheBudgetsInForce()
    {
        TableSpendLedger off = Ledger();
        TableSpendLedger on = Ledger(callerDailyUsd: 2m, dailyUsd: 20m);

        BudgetDecision decision = await off.ReserveAsync(new("ada", "j1", 123.45m, 10), Noon, default);
        UsageReport usage = await off.GetUsageAsync("ada", Noon, default);

        Assert.True(decision.Allowed);
        Assert.Equal(new UsageTotals(1, 10, 123.45m), usage.Today);
        Assert.Equal((null, null), (usage.CallerDailyUsd, usage.DailyUsd));
        UsageReport limited = await on.GetUsageAsync("ada", Noon, default);
        Assert.Equal((2m, 20m), (limited.CallerDailyUsd, limited.DailyUsd));
    }
}
