namespace SoraFunctions.Limits;

/// <summary>The stored state of the create bucket.</summary>
/// <param name="BackoffUntil">Until when a provider 429 told everyone to wait.</param>
public sealed record BucketState(double Tokens, DateTimeOffset UpdatedAt, DateTimeOffset? BackoffUntil);

/// <summary>The outcome of asking the bucket for a create: the state to store (null: nothing changed) and the wait (null: go now).</summary>
public sealed record BucketTake(BucketState? Next, TimeSpan? Wait);

/// <summary>
/// The token-bucket arithmetic of <see cref="TableCreatePacer"/>, kept free of storage so that it can be checked
/// on its own: capacity and refill are both <c>perMinute</c> (a full minute's worth may go at once).
/// </summary>
public static class TokenBucket
{
    // Refill is fractional: ten seconds at six a minute must make a whole token, not 0.9999999999.
    const double Epsilon = 1e-9;

    public static BucketState Full(int perMinute, DateTimeOffset now) => new(perMinute, now, null);

    public static BucketTake Take(BucketState? state, int perMinute, DateTimeOffset now)
    {
        if (state?.BackoffUntil is { } until && until > now)
        {
            return new BucketTake(null, until - now);
        }

        if (perMinute <= 0)
        {
            return new BucketTake(null, null);
        }

        BucketState current = Refill(state ?? Full(perMinute, now), perMinute, now);
        if (current.Tokens >= 1 - Epsilon)
        {
            return new BucketTake(current with { Tokens = Math.Max(0, current.Tokens - 1) }, null);
        }

        // Round up to whole milliseconds so that asking again after the wait finds a whole token (after dropping
        // floating-point dust, which would otherwise turn 4 s into 4.001 s).
        double waitMs = Math.Ceiling(Math.Round((1 - current.Tokens) * 60_000 / perMinute, 6));
        return new BucketTake(null, TimeSpan.FromMilliseconds(Math.Max(1, waitMs)));
    }

    /// <summary>
    /// After a provider 429 nobody creates until <paramref name="until"/>, and the bucket restarts empty then:
    /// the 429 shows the provider's real rate is lower than the bucket assumed, so a full burst right after the
    /// pause would only earn another one.
    /// </summary>
    public static BucketState BackOff(BucketState? state, DateTimeOffset until)
    {
        if (state?.BackoffUntil is { } current && current >= until)
        {
            return state;
        }

        return new BucketState(0, until, until);
    }

    static BucketState Refill(BucketState state, int perMinute, DateTimeOffset now)
    {
        // An instance whose clock runs behind must not make the bucket go backwards (or refill twice).
        if (now <= state.UpdatedAt)
        {
            return state with { Tokens = Math.Min(state.Tokens, perMinute) };
        }

        double tokens = Math.Min(perMinute, state.Tokens + ((now - state.UpdatedAt).TotalMinutes * perMinute));
        return state with { Tokens = tokens, UpdatedAt = now };
    }
}
