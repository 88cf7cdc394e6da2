using Microsoft.Extensions.Options;
using SoraFunctions.Limits;
using SoraFunctions.Testing;

namespace SoraFunctions.Tests.Limits;

[Collection(LimitsAzuriteGroup.Name)]
public class JobSlotsTests(AzuriteFixture azurite)
{
    static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    TableJobSlots Slots(int max)
    {
        IOptions<LimitsOptions> options = LimitsStore.Options(o => o.MaxRunningJobs = max);
        return new TableJobSlots(LimitsStore.Table(azurite, options), options);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Acquire_ThirtyConcurrentCallsFromTwoInstances_GrantExactlyTheCap(bool slotRowsExist)
    {
        IOptions<LimitsOptions> options = LimitsStore.Options(o => o.MaxRunningJobs = 5);
        TableJobSlots[] instances = [new(LimitsStore.Table(azurite, options), options), new(LimitsStore.Table(azurite, options), options)];
        if (slotRowsExist)
        {
            // Free rows are claimed by conditional update, missing ones by insert: race both.
            for (int i = 0; i < 5; i++)
            {
                await instances[0].AcquireAsync($"earlier-{i}", T0.AddMinutes(-1), Lease, default);
            }

            for (int i = 0; i < 5; i++)
            {
                await instances[0].ReleaseAsync($"earlier-{i}", default);
            }
        }

        SlotGrant[] grants = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Task.Run(() => instances[i % 2].AcquireAsync($"job-{i:D2}", T0, Lease, default))));

        Assert.Equal(5, grants.Count(g => g.Acquired));
        Assert.Equal(5, await instances[0].InFlightAsync(T0, default));
        Assert.All(grants.Where(g => !g.Acquired), g => Assert.InRange(g.QueuePosition, 1, 25));
        // Queued at the same instant, the waiters rank by id; asking again keeps those places.
        string[] waiting = [.. Enumerable.Range(0, 30).Where(i => !grants[i].Acquired).Select(i => $"job-{i:D2}")];
        foreach ((string job, int rank) in waiting.Select((job, rank) => (job, rank)))
        {
            SlotGrant again = await instances[rank % 2].AcquireAsync(job, T0.AddSeconds(1), Lease, default);
            Assert.Equal((false, rank + 1), (again.Acquired, again.QueuePosition));
        }
    }

    [Fact]
    public async Task Release_FreesTheSlotForTheNextJob_AndSaysWhetherItFreedOne()
    {
        TableJobSlots slots = Slots(1);
        Assert.True((await slots.AcquireAsync("a", T0, Lease, default)).Acquired);
        Assert.False((await slots.AcquireAsync("b", T0, Lease, default)).Acquired);

        Assert.True(await slots.ReleaseAsync("a", default));
        Assert.False(await slots.ReleaseAsync("a", default));
        Assert.False(await slots.ReleaseAsync("b", default));

        Assert.True((await slots.AcquireAsync("b", T0.AddSeconds(5), Lease, default)).Acquired);
        Assert.Equal(1, await slots.InFlightAsync(T0.AddSeconds(5), default));
    }

    [Fact]
    public async Task Acquire_Again_KeepsTheSameSlotAndRenewsTheLease()
    {
        TableJobSlots slots = Slots(2);
        await slots.AcquireAsync("a", T0, Lease, default);

        SlotGrant again = await slots.AcquireAsync("a", T0.AddMinutes(9), Lease, default);

        Assert.True(again.Acquired);
        Assert.Equal(1, await slots.InFlightAsync(T0.AddMinutes(9), default));
        // Renewed at minute 9 for ten minutes: still held at minute 15, past the first lease.
        Assert.Equal(1, await slots.InFlightAsync(T0.AddMinutes(15), default));
        Assert.True(await slots.RenewAsync("a", T0.AddMinutes(15), Lease, default));
        Assert.Equal(1, await slots.InFlightAsync(T0.AddMinutes(24), default));
    }

    [Fact]
    public async Task Acquire_ExpiredLease_IsReclaimedAndTheDeadHolderCannotFreeIt()
    {
        TableJobSlots slots = Slots(1);
        await slots.AcquireAsync("dead", T0, Lease, default);
        Assert.False((await slots.AcquireAsync("next", T0.AddMinutes(9), Lease, default)).Acquired);

        SlotGrant grant = await slots.AcquireAsync("next", T0.AddMinutes(10), Lease, default);
        await slots.ReleaseAsync("dead", default);

        Assert.True(grant.Acquired);
        Assert.False(await slots.RenewAsync("dead", T0.AddMinutes(10), Lease, default));
        Assert.Equal(1, await slots.InFlightAsync(T0.AddMinutes(11), default));
        Assert.False((await slots.AcquireAsync("third", T0.AddMinutes(11), Lease, default)).Acquired);
    }

    [Fact]
    public async Task Acquire_QueuedJobs_KeepTheirPlaceOnRepeatCalls()
    {
        TableJobSlots slots = Slots(1);
        await slots.AcquireAsync("running", T0, Lease, default);

        SlotGrant first = await slots.AcquireAsync("w1", T0.AddSeconds(1), Lease, default);
        SlotGrant second = await slots.AcquireAsync("w2", T0.AddSeconds(2), Lease, default);
        SlotGrant third = await slots.AcquireAsync("w3", T0.AddSeconds(3), Lease, default);
        SlotGrant firstAgain = await slots.AcquireAsync("w1", T0.AddSeconds(20), Lease, default);
        SlotGrant thirdAgain = await slots.AcquireAsync("w3", T0.AddSeconds(21), Lease, default);

        Assert.Equal((1, 2, 3), (first.QueuePosition, second.QueuePosition, third.QueuePosition));
        Assert.Equal((1, 3), (firstAgain.QueuePosition, thirdAgain.QueuePosition));
        Assert.All([first, second, third], g => Assert.InRange(g.RetryAfter, TimeSpan.FromSeconds(1), TableJobSlots.WaiterTimeout));
    }

    [Fact]
    public async Task Acquire_FreedSlot_GoesToTheOldestWaiterNotToANewcomerOrALaterWaiter()
    {
        TableJobSlots slots = Slots(1);
        await slots.AcquireAsync("running", T0, Lease, default);
        await slots.AcquireAsync("old", T0.AddSeconds(1), Lease, default);
        await slots.AcquireAsync("young", T0.AddSeconds(2), Lease, default);
        await slots.ReleaseAsync("running", default);

        SlotGrant newcomer = await slots.AcquireAsync("newcomer", T0.AddSeconds(3), Lease, default);
        SlotGrant young = await slots.AcquireAsync("young", T0.AddSeconds(4), Lease, default);
        SlotGrant old = await slots.AcquireAsync("old", T0.AddSeconds(5), Lease, default);
        SlotGrant youngLater = await slots.AcquireAsync("young", T0.AddSeconds(6), Lease, default);

        Assert.Equal((false, 3), (newcomer.Acquired, newcomer.QueuePosition));
        Assert.Equal((false, 2), (young.Acquired, young.QueuePosition));
        Assert.True(old.Acquired);
        Assert.Equal((false, 1), (youngLater.Acquired, youngLater.QueuePosition));
    }

    [Fact]
    public async Task Acquire_TwoFreeSlots_GoToTheTwoOldestWaiters()
    {
        TableJobSlots slots = Slots(2);
        await slots.AcquireAsync("r1", T0, Lease, default);
        await slots.AcquireAsync("r2", T0, Lease, default);
        foreach (string waiter in (string[])["w1", "w2", "w3"])
        {
            await slots.AcquireAsync(waiter, T0.AddSeconds(1), Lease, default);
        }

        await slots.ReleaseAsync("r1", default);
        await slots.ReleaseAsync("r2", default);

        Assert.False((await slots.AcquireAsync("w3", T0.AddSeconds(2), Lease, default)).Acquired);
        Assert.True((await slots.AcquireAsync("w2", T0.AddSeconds(2), Lease, default)).Acquired);
        Assert.False((await slots.AcquireAsync("w3", T0.AddSeconds(3), Lease, default)).Acquired);
        Assert.True((await slots.AcquireAsync("w1", T0.AddSeconds(3), Lease, default)).Acquired);
    }

    [Fact]
    public async Task NextWaiters_SlotsFreedTogether_NameOneOldestWaiterPerFreeSlot()
    {
        TableJobSlots slots = Slots(3);
        foreach (string running in (string[])["r1", "r2", "r3"])
        {
            await slots.AcquireAsync(running, T0, Lease, default);
        }

        for (int i = 1; i <= 4; i++)
        {
            await slots.AcquireAsync($"w{i}", T0.AddSeconds(i), Lease, default);
        }

        await slots.ReleaseAsync("r1", default);
        await slots.ReleaseAsync("r2", default);

        IReadOnlyList<string> two = await slots.NextWaitersAsync(T0.AddSeconds(5), most: 10, default);
        IReadOnlyList<string> capped = await slots.NextWaitersAsync(T0.AddSeconds(5), most: 1, default);
        await slots.AcquireAsync("w1", T0.AddSeconds(6), Lease, default);
        await slots.AcquireAsync("w2", T0.AddSeconds(6), Lease, default);
        IReadOnlyList<string> none = await slots.NextWaitersAsync(T0.AddSeconds(7), most: 10, default);

        Assert.Equal(["w1", "w2"], two);
        Assert.Equal(["w1"], capped);
        Assert.Empty(none);
    }

    [Fact]
    public async Task Acquire_WaiterSilentForTwoMinutes_LosesItsPlace()
    {
        TableJobSlots slots = Slots(1);
        await slots.AcquireAsync("running", T0, Lease, default);
        await slots.AcquireAsync("gone", T0, Lease, default);
        await slots.AcquireAsync("alive", T0.AddSeconds(1), Lease, default);
        await slots.AcquireAsync("alive", T0.AddSeconds(90), Lease, default);
        await slots.ReleaseAsync("running", default);

        SlotGrant alive = await slots.AcquireAsync("alive", T0.AddSeconds(150), Lease, default);
        SlotGrant gone = await slots.AcquireAsync("gone", T0.AddSeconds(151), Lease, default);

        Assert.True(alive.Acquired);
        Assert.Equal((false, 1), (gone.Acquired, gone.QueuePosition));
    }

    [Fact]
    public async Task Acquire_OwnStaleWaiterRow_QueuesAfreshBehindThoseWhoKeptAsking()
    {
        TableJobSlots slots = Slots(1);
        await slots.AcquireAsync("running", T0, Lease, default);
        await slots.AcquireAsync("sleepy", T0, Lease, default);
        await slots.AcquireAsync("keen", T0.AddSeconds(1), Lease, default);
        await slots.AcquireAsync("keen", T0.AddSeconds(100), Lease, default);

        SlotGrant sleepy = await slots.AcquireAsync("sleepy", T0.AddSeconds(130), Lease, default);

        Assert.Equal((false, 2), (sleepy.Acquired, sleepy.QueuePosition));
    }

    [Fact]
    public async Task Release_OfAWaiter_RemovesItFromTheQueue()
    {
        TableJobSlots slots = Slots(1);
        await slots.AcquireAsync("running", T0, Lease, default);
        await slots.AcquireAsync("canceled", T0.AddSeconds(1), Lease, default);
        await slots.AcquireAsync("next", T0.AddSeconds(2), Lease, default);

        await slots.ReleaseAsync("canceled", default);

        Assert.Equal(1, (await slots.AcquireAsync("next", T0.AddSeconds(3), Lease, default)).QueuePosition);
    }

    [Fact]
    public async Task Acquire_NoCap_GrantsEveryoneAndWritesNothing()
    {
        IOptions<LimitsOptions> options = LimitsStore.Options(o => o.MaxRunningJobs = 0);
        TableJobSlots slots = new(LimitsStore.Table(azurite, options), options);

        SlotGrant[] grants = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => slots.AcquireAsync($"j{i}", T0, Lease, default)));

        Assert.All(grants, g => Assert.True(g.Acquired));
        Assert.Equal(0, await slots.InFlightAsync(T0, default));
        var client = new Azure.Data.Tables.TableServiceClient(azurite.Server.ConnectionString);
        Assert.Empty(client.Query(t => t.Name == options.Value.TableName));
    }
}
