using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SoraFunctions.Limits;
using SoraFunctions.Testing;
using Xunit.Abstractions;

namespace SoraFunctions.Tests.Limits;

[Collection(LimitsAzuriteGroup.Name)]
public class SpendLedgerTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    TableSpendLedger Ledger(decimal? callerDailyUsd = null, decimal? dailyUsd = null)
    {
        IOptions<LimitsOptions> options = LimitsStore.Options(o => (o.CallerDailyUsd, o.DailyUsd) = (callerDailyUsd, dailyUsd));
        return new TableSpendLedger(LimitsStore.Table(azurite, options), options);
    }

    // A ledger whose every storage call passes through calls: counted, and transactions can be held or failed.
    (TableSpendLedger Ledger, StorageCalls Calls) Observed(decimal? callerDailyUsd = null, decimal? dailyUsd = null)
    {
        IOptions<LimitsOptions> options = LimitsStore.Options(o => (o.CallerDailyUsd, o.DailyUsd) = (callerDailyUsd, dailyUsd));
        var calls = new StorageCalls();
        var clientOptions = new TableClientOptions();
        clientOptions.AddPolicy(calls, HttpPipelinePosition.PerRetry);
        var table = new LimitsTable(new TableServiceClient(azurite.Server.ConnectionString, clientOptions), options);
        return (new TableSpendLedger(table, options), calls);
    }

    // Holds the writer in a transaction (of a first reservation, by "blocker"), so that the reservations made next
    // queue up and are written together as the next group, in the order they were made.
    static async Task<Task<BudgetDecision>> HoldTheWriterAsync(TableSpendLedger ledger, StorageCalls calls, SpendRequest blocker)
    {
        await ledger.GetUsageAsync(null, Noon, default); // creates the table, so that reservations queue synchronously
        Task held = calls.HoldNextTransaction();
        Task<BudgetDecision> blocked = ledger.ReserveAsync(blocker, Noon, default);
        await held.WaitAsync(Deadline);
        return blocked;
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

    [Fact]
    public async Task Reserve_ThreeHundredAtOnceFromThreeCallers_ChargesEachOnceInFewTransactions()
    {
        (TableSpendLedger ledger, StorageCalls calls) = Observed();
        SpendRequest[] requests = [.. Enumerable.Range(0, 300).Select(i => new SpendRequest($"caller-{i % 3}", $"job-{i}", 0.01m * ((i % 7) + 1), (i % 5) + 1))];

        BudgetDecision[] decisions = await Task.WhenAll(requests.Select(r => Task.Run(() => ledger.ReserveAsync(r, Noon, default))));
        (int transactions, int storageCalls) = (calls.Transactions, calls.Calls);

        Assert.All(decisions, d => Assert.Equal((true, false, null), (d.Allowed, d.AlreadyCharged, d.Budget)));
        UsageReport usage = await ledger.GetUsageAsync(null, Noon, default);
        Assert.Equal(new UsageTotals(300, requests.Sum(r => r.Seconds), requests.Sum(r => r.CostUsd)), usage.Today);
        CallerUsage[] expected = [.. requests.GroupBy(r => r.Caller).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var today = new UsageTotals(g.Count(), g.Sum(r => r.Seconds), g.Sum(r => r.CostUsd));
            return new CallerUsage(g.Key, today, today);
        })];
        Assert.Equal(expected, usage.Callers);
        // Decided one after another: each caller's answers name distinct running totals up to the caller's own.
        foreach (CallerUsage caller in expected)
        {
            decimal[] spent = [.. requests.Zip(decisions).Where(p => p.First.Caller == caller.Caller).Select(p => p.Second.SpentUsd)];
            Assert.Equal(spent.Length, spent.Distinct().Count());
            Assert.Equal(caller.Today.CostUsd, spent.Max());
        }

        // 300 reservations of at most 96 jobs per transaction: at least 4 transactions, and far fewer than one each.
        Assert.InRange(transactions, 4, 59);
        output.WriteLine($"300 reservations: {transactions} transactions, {storageCalls} storage calls ({storageCalls / 300.0:0.00} per reservation, reads included).");
    }

    [Fact]
    public async Task Reserve_ConcurrentUnderATightOverallBudget_AllowsExactlyWhatFits()
    {
        TableSpendLedger ledger = Ledger(dailyUsd: 10m);
        SpendRequest[] requests = [.. Enumerable.Range(0, 15).Select(i => new SpendRequest($"caller-{i % 4}", $"job-{i}", i % 3 == 0 ? 3m : 1m, 4))];

        BudgetDecision[] decisions = await Task.WhenAll(requests.Select(r => Task.Run(() => ledger.ReserveAsync(r, Noon, default))));

        // Ten of the requests cost 1: whatever the order, the budget of 10 is filled exactly and nothing more fits.
        UsageReport usage = await ledger.GetUsageAsync(null, Noon, default);
        Assert.Equal(10m, usage.Today.CostUsd);
        Assert.Equal(usage.Today.Videos, decisions.Count(d => d.Allowed));
        Assert.Equal(10m, requests.Zip(decisions).Where(p => p.Second.Allowed).Sum(p => p.First.CostUsd));
        Assert.Contains(decisions, d => !d.Allowed);
        foreach ((SpendRequest request, BudgetDecision refused) in requests.Zip(decisions).Where(p => !p.Second.Allowed))
        {
            Assert.Equal((BudgetDecision.OverallBudget, 10m, TimeSpan.FromHours(12)), (refused.Budget, refused.LimitUsd, refused.RetryAfter));
            Assert.InRange(refused.SpentUsd, 10m - request.CostUsd + 0.01m, 10m);
        }
    }

    [Fact]
    public async Task Reserve_SameJobFiveTimesAtOnceAmongOthers_ChargesItOnce()
    {
        TableSpendLedger ledger = Ledger();
        Task<BudgetDecision>[] same = [.. Enumerable.Range(0, 5).Select(_ => Task.Run(() => ledger.ReserveAsync(new("ada", "again", 0.50m, 5), Noon, default)))];
        Task<BudgetDecision>[] others = [.. Enumerable.Range(0, 20).Select(i => Task.Run(() => ledger.ReserveAsync(new($"caller-{i % 2}", $"other-{i}", 0.10m, 1), Noon, default)))];

        BudgetDecision[] decisions = await Task.WhenAll(same);
        await Task.WhenAll(others);

        Assert.All(decisions, d => Assert.True(d.Allowed));
        Assert.Equal(4, decisions.Count(d => d.AlreadyCharged));
        Assert.All(decisions, d => Assert.Equal(0.50m, d.SpentUsd));
        Assert.Equal(new UsageTotals(21, 25, 2.50m), (await ledger.GetUsageAsync(null, Noon, default)).Today);
        Assert.Equal(new UsageTotals(1, 5, 0.50m), (await ledger.GetUsageAsync("ada", Noon, default)).Today);
    }

    [Fact]
    public async Task Reserve_GroupWithAJobChargedBeforeAndAJobTwice_ChargesOnlyTheNewOnesOnce()
    {
        (TableSpendLedger ledger, StorageCalls calls) = Observed();
        Assert.False((await ledger.ReserveAsync(new("ada", "old", 1.00m, 10), Noon, default)).AlreadyCharged);
        Task<BudgetDecision> blocked = await HoldTheWriterAsync(ledger, calls, new("bob", "blocker", 0.50m, 5));
        int before = calls.Transactions;

        Task<BudgetDecision>[] group =
        [
            ledger.ReserveAsync(new("ada", "new-1", 0.20m, 2), Noon, default),
            ledger.ReserveAsync(new("ada", "old", 1.00m, 10), Noon, default),
            ledger.ReserveAsync(new("bob", "new-2", 0.30m, 3), Noon, default),
            ledger.ReserveAsync(new("carol", "new-3", 0.40m, 4), Noon, default),
            ledger.ReserveAsync(new("bob", "new-2", 0.30m, 3), Noon, default),
        ];
        calls.Release();
        BudgetDecision[] decisions = await Task.WhenAll(group);

        Assert.True((await blocked).Allowed);
        Assert.Equal(
            [
                new BudgetDecision(true, null, null, 1.20m, null),
                new BudgetDecision(true, null, null, 1.20m, null, AlreadyCharged: true),
                new BudgetDecision(true, null, null, 0.80m, null),
                new BudgetDecision(true, null, null, 0.40m, null),
                new BudgetDecision(true, null, null, 0.80m, null, AlreadyCharged: true),
            ],
            decisions);
        // One group: a transaction refused for the old job's row, then the same group without it.
        Assert.Equal(2, calls.Transactions - before);
        UsageReport usage = await ledger.GetUsageAsync(null, Noon, default);
        Assert.Equal(new UsageTotals(5, 24, 2.40m), usage.Today);
        Assert.Equal([1.20m, 0.80m, 0.40m], usage.Callers.Select(c => c.Today.CostUsd));
    }

    [Fact]
    public async Task Reserve_OneGroup_IsDecidedInArrivalOrderSoALaterCheaperJobMayFit()
    {
        (TableSpendLedger ledger, StorageCalls calls) = Observed(callerDailyUsd: 6m, dailyUsd: 10m);
        Task<BudgetDecision> blocked = await HoldTheWriterAsync(ledger, calls, new("bob", "blocker", 2m, 2));
        int before = calls.Transactions;

        Task<BudgetDecision>[] group =
        [
            ledger.ReserveAsync(new("ada", "a1", 5m, 5), Noon, default),
            ledger.ReserveAsync(new("ada", "a2", 2m, 2), Noon, default),
            ledger.ReserveAsync(new("bob", "b1", 4m, 4), Noon, default),
            ledger.ReserveAsync(new("carol", "c1", 3m, 3), Noon, default),
            ledger.ReserveAsync(new("ada", "a3", 1m, 1), Noon, default),
        ];
        calls.Release();
        BudgetDecision[] decisions = await Task.WhenAll(group);

        Assert.True((await blocked).Allowed);
        var untilMidnight = TimeSpan.FromHours(12);
        Assert.Equal(
            [
                new BudgetDecision(true, null, null, 5m, null),
                new BudgetDecision(false, BudgetDecision.CallerBudget, 6m, 5m, untilMidnight),
                new BudgetDecision(false, BudgetDecision.OverallBudget, 10m, 7m, untilMidnight),
                new BudgetDecision(true, null, null, 3m, null),
                new BudgetDecision(false, BudgetDecision.OverallBudget, 10m, 10m, untilMidnight),
            ],
            decisions);
        Assert.Equal(1, calls.Transactions - before);
        Assert.Equal(new UsageTotals(3, 10, 10m), (await ledger.GetUsageAsync(null, Noon, default)).Today);
    }

    [Fact]
    public async Task Reserve_CanceledWhileQueued_AnswersAtOnceIsNotChargedAndTheGroupGoesOn()
    {
        (TableSpendLedger ledger, StorageCalls calls) = Observed();
        Task<BudgetDecision> blocked = await HoldTheWriterAsync(ledger, calls, new("bob", "blocker", 0.50m, 5));
        using var giveUp = new CancellationTokenSource();

        Task<BudgetDecision> first = ledger.ReserveAsync(new("ada", "kept-1", 0.20m, 2), Noon, default);
        Task<BudgetDecision> canceled = ledger.ReserveAsync(new("ada", "given-up", 0.40m, 4), Noon, giveUp.Token);
        Task<BudgetDecision> last = ledger.ReserveAsync(new("ada", "kept-2", 0.30m, 3), Noon, default);
        await giveUp.CancelAsync();

        // Answered while the writer is still held, not when its group is written.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.WaitAsync(Deadline));
        calls.Release();
        Assert.Equal(
            [new BudgetDecision(true, null, null, 0.20m, null), new BudgetDecision(true, null, null, 0.50m, null)],
            await Task.WhenAll(first, last));
        Assert.True((await blocked).Allowed);
        Assert.Equal(new UsageTotals(2, 5, 0.50m), (await ledger.GetUsageAsync("ada", Noon, default)).Today);
        Assert.Equal(0m, await ledger.RefundAsync("given-up", Noon, default));
    }

    [Fact]
    public async Task Reserve_StorageFailsDuringAGroup_FailsThatGroupWithTheErrorAndTheLedgerGoesOn()
    {
        (TableSpendLedger ledger, StorageCalls calls) = Observed();
        Task<BudgetDecision> blocked = await HoldTheWriterAsync(ledger, calls, new("bob", "blocker", 0.50m, 5));
        var failure = new RequestFailedException(403, "Storage refused the test's transaction.");

        Task<BudgetDecision>[] group =
        [
            ledger.ReserveAsync(new("ada", "j1", 0.20m, 2), Noon, default),
            ledger.ReserveAsync(new("carol", "j2", 0.30m, 3), Noon, default),
        ];
        calls.FailTransactionsWith(failure);
        calls.Release();

        Assert.True((await blocked).Allowed);
        foreach (Task<BudgetDecision> reservation in group)
        {
            Assert.Same(failure, await Assert.ThrowsAsync<RequestFailedException>(() => reservation.WaitAsync(Deadline)));
        }

        calls.FailTransactionsWith(null);
        Assert.Equal(new BudgetDecision(true, null, null, 0.20m, null), await ledger.ReserveAsync(new("ada", "j1", 0.20m, 2), Noon, default));
        Assert.Equal(new UsageTotals(2, 7, 0.70m), (await ledger.GetUsageAsync(null, Noon, default)).Today);
    }

    /// <summary>
    /// Counts the calls a table client makes and its entity-group transactions (<c>$batch</c>); can hold the next
    /// transaction until released, and fail transactions.
    /// </summary>
    sealed class StorageCalls : HttpPipelinePolicy
    {
        readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource? holding;
        RequestFailedException? failing;
        int calls;
        int transactions;

        public int Calls => Volatile.Read(ref calls);

        public int Transactions => Volatile.Read(ref transactions);

        /// <summary>Holds the next transaction until <see cref="Release"/>; the task completes once one is held.</summary>
        public Task HoldNextTransaction()
        {
            var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref holding, held);
            return held.Task;
        }

        public void Release() => released.TrySetResult();

        public void FailTransactionsWith(RequestFailedException? exception) => Volatile.Write(ref failing, exception);

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (Count(message))
            {
                if (Volatile.Read(ref failing) is { } failure)
                {
                    throw failure;
                }

                if (Interlocked.Exchange(ref holding, null) is { } held)
                {
                    held.TrySetResult();
                    await released.Task;
                }
            }

            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Count(message);
            ProcessNext(message, pipeline);
        }

        // Counts the call; whether it is a transaction.
        bool Count(HttpMessage message)
        {
            Interlocked.Increment(ref calls);
            if (!message.Request.Uri.ToUri().AbsolutePath.EndsWith("/$batch", StringComparison.Ordinal))
            {
                return false;
            }

            Interlocked.Increment(ref transactions);
            return true;
        }
    }
}
