using SoraFunctions.Limits;

namespace SoraFunctions.Tests.Limits;

public class TokenBucketTests
{
    static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Take_NewBucket_AllowsABurstOfPerMinuteThenWaitsForOneToken()
    {
        BucketState? state = null;
        for (int i = 0; i < 6; i++)
        {
            BucketTake take = TokenBucket.Take(state, 6, T0);
            Assert.Null(take.Wait);
            state = take.Next;
        }

        BucketTake refused = TokenBucket.Take(state, 6, T0);

        Assert.Null(refused.Next);
        Assert.Equal(TimeSpan.FromSeconds(10), refused.Wait);
    }

    [Fact]
    public void Take_AfterTime_RefillsAtPerMinuteUpToCapacity()
    {
        var empty = new BucketState(0, T0, null);

        Assert.Equal(TimeSpan.FromSeconds(4), TokenBucket.Take(empty, 6, T0.AddSeconds(6)).Wait);
        BucketTake after10 = TokenBucket.Take(empty, 6, T0.AddSeconds(10));
        Assert.Null(after10.Wait);
        Assert.Equal(0, after10.Next!.Tokens, 9);
        BucketTake afterAnHour = TokenBucket.Take(empty, 6, T0.AddHours(1));
        Assert.Equal(5, afterAnHour.Next!.Tokens, 9);
    }

    [Fact]
    public void Take_ClockBehindLastUpdate_DoesNotRefill()
    {
        var empty = new BucketState(0.5, T0, null);

        BucketTake take = TokenBucket.Take(empty, 6, T0.AddSeconds(-30));

        Assert.Equal(TimeSpan.FromSeconds(5), take.Wait);
    }

    [Fact]
    public void Take_DuringBackoff_AnswersTheRemainingBackoffEvenWhenUnpaced()
    {
        var state = new BucketState(6, T0, T0.AddSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(20), TokenBucket.Take(state, 6, T0.AddSeconds(10)).Wait);
        Assert.Equal(TimeSpan.FromSeconds(20), TokenBucket.Take(state, 0, T0.AddSeconds(10)).Wait);
        Assert.Null(TokenBucket.Take(state, 0, T0.AddSeconds(30)).Wait);
    }

    [Fact]
    public void BackOff_RestartsEmptyAtTheEndAndNeverShortensALongerBackoff()
    {
        BucketState state = TokenBucket.BackOff(TokenBucket.Full(6, T0), T0.AddSeconds(30));

        Assert.Equal(new BucketState(0, T0.AddSeconds(30), T0.AddSeconds(30)), state);
        Assert.Same(state, TokenBucket.BackOff(state, T0.AddSeconds(10)));
        Assert.Equal(TimeSpan.FromSeconds(10), TokenBucket.Take(state, 6, T0.AddSeconds(30)).Wait);
    }
}
