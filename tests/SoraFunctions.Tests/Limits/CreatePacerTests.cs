using Microsoft.Extensions.Options;
using SoraFunctions.Limits;
using SoraFunctions.Testing;

namespace SoraFunctions.Tests.Limits;

[Collection(LimitsAzuriteGroup.Name)]
public class CreatePacerTests(AzuriteFixture azurite)
{
    static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    (TableCreatePacer First, TableCreatePacer Second) TwoInstances(int perMinute)
    {
        IOptions<LimitsOptions> options = LimitsStore.Options(o => o.CreatesPerMinute = perMinute);
        return (new TableCreatePacer(LimitsStore.Table(azurite, options), options), new TableCreatePacer(LimitsStore.Table(azurite, options), options));
    }

    [Fact]
    public async Task TryTake_AllowsPerMinuteAcrossInstancesThenRefusesWithAWait()
    {
        (TableCreatePacer a, TableCreatePacer b) = TwoInstances(6);

        TimeSpan?[] answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).TryTakeAsync(T0, default))));

        Assert.Equal(6, answers.Count(w => w is null));
        Assert.All(answers.Where(w => w is not null), w => Assert.InRange(w!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10)));
        Assert.Equal(TimeSpan.FromSeconds(10), await a.TryTakeAsync(T0, default));
    }

    [Fact]
    public async Task TryTake_RefillsWithTime()
    {
        (TableCreatePacer a, TableCreatePacer b) = TwoInstances(6);
        for (int i = 0; i < 6; i++)
        {
            Assert.Null(await a.TryTakeAsync(T0, default));
        }

        Assert.Equal(TimeSpan.FromSeconds(4), await b.TryTakeAsync(T0.AddSeconds(6), default));
        Assert.Null(await b.TryTakeAsync(T0.AddSeconds(10), default));
        Assert.NotNull(await a.TryTakeAsync(T0.AddSeconds(10), default));
        Assert.Null(await a.TryTakeAsync(T0.AddSeconds(20), default));
    }

    [Fact]
    public async Task BackOff_MakesEveryInstanceWaitThenRestartsSlowly()
    {
        (TableCreatePacer a, TableCreatePacer b) = TwoInstances(6);
        Assert.Null(await a.TryTakeAsync(T0, default));

        await a.BackOffAsync(T0.AddSeconds(30), default);
        await b.BackOffAsync(T0.AddSeconds(15), default);

        Assert.Equal(TimeSpan.FromSeconds(20), await b.TryTakeAsync(T0.AddSeconds(10), default));
        Assert.Equal(TimeSpan.FromSeconds(1), await a.TryTakeAsync(T0.AddSeconds(29), default));
        Assert.Equal(TimeSpan.FromSeconds(10), await b.TryTakeAsync(T0.AddSeconds(30), default));
        Assert.Null(await b.TryTakeAsync(T0.AddSeconds(40), default));
    }

    [Fact]
    public async Task TryTake_Unpaced_AlwaysGoesButStillHonoursBackOff()
    {
        (TableCreatePacer a, TableCreatePacer b) = TwoInstances(0);
        for (int i = 0; i < 50; i++)
        {
            Assert.Null(await a.TryTakeAsync(T0, default));
        }

        await b.BackOffAsync(T0.AddSeconds(30), default);

        Assert.Equal(TimeSpan.FromSeconds(25), await a.TryTakeAsync(T0.AddSeconds(5), default));
        Assert.Null(await a.TryTakeAsync(T0.AddSeconds(30), default));
    }
}
