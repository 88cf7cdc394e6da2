namespace SoraEmulator.Tests;

public class StatsSeenCompletedTests : EmulatorTestBase
{
    protected override EmulatorOptions CreateOptions() => new() { RenderSeconds = 10 };

    [Fact]
    public async Task SeenCompletedAt_IsTheFirstRetrieveThatAnswersCompleted()
    {
        string id = await CreateIdAsync("a fox");

        Advance(5);
        await RetrieveAsync(id);
        Assert.Null(Emulator.Stats.SeenCompletedAtOf(id));

        Advance(7);
        await RetrieveAsync(id);
        Advance(3);
        await RetrieveAsync(id);

        Assert.Equal(Emulator.Stats.CompletedAtOf(id)!.Value.AddSeconds(2), Emulator.Stats.SeenCompletedAtOf(id));
    }

    [Fact]
    public async Task LastSeenUnfinishedAt_IsTheLastRetrieveBeforeTheEnd()
    {
        string id = await CreateIdAsync("a fox");
        Assert.Null(Emulator.Stats.LastSeenUnfinishedAtOf(id));

        Advance(3);
        await RetrieveAsync(id);
        Advance(5);
        DateTimeOffset lastUnfinished = Time.GetUtcNow();
        await RetrieveAsync(id);
        Advance(4);
        await RetrieveAsync(id);

        Assert.Equal(lastUnfinished, Emulator.Stats.LastSeenUnfinishedAtOf(id));
        Assert.Equal(Time.GetUtcNow(), Emulator.Stats.SeenCompletedAtOf(id));
    }
}
